"""Purge works and is complete (issue: security and robustness, point 4).

Before: once an incident pointed at an old entry, `purge` failed on the foreign key and deleted
nothing; incidents, steps, stays, watches and the audit details kept every person id and
temperature for ever.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from duty_console.db.connect import Database
from duty_console.db.models import (
    Incident,
    IncidentNote,
    IncidentStep,
    IsolationStay,
    WatchEntry,
)
from duty_console.domain.actors import Actor
from duty_console.domain.clock import ManualClock
from duty_console.domain.entries import record_manual_reading
from duty_console.domain.screening import Rules
from tests.conftest import AUDIT_KEY
from tests.foundation.helpers import Result, count, rows

Cli = Callable[..., Result]
SECRET = "SECRET-NOTE-coughing-since-Monday"


@pytest.fixture
def history(cli: Cli, tmp_path: Path, _template_db: Path) -> Path:
    """Forty days ago: a fever confirmed at the gate (an incident, closed), a stay in the
    isolation room, a watch; and an open incident whose fever was forty days ago too; today: a
    normal reading."""
    from tests.foundation.helpers import write_config

    path = tmp_path / "duty.db"
    path.write_bytes(_template_db.read_bytes())
    path.chmod(0o600)
    write_config(tmp_path / "duty-console.toml")
    db = Database(f"sqlite:///{path}", audit_key=AUDIT_KEY)
    now = datetime.now(UTC)
    old = ManualClock(now - timedelta(days=40))
    doctor = Actor("T003", "陈静", "doctor", "north", "console")
    rules = Rules()
    try:
        with db.write() as session:
            record_manual_reading(session, doctor, rules, temp_c=38.1, person_id="S1001", clock=old)
            old.advance(120)
            record_manual_reading(session, doctor, rules, temp_c=38.3, person_id="S1001", clock=old)
            record_manual_reading(session, doctor, rules, temp_c=38.0, person_id="S1002", clock=old)
            old.advance(120)
            record_manual_reading(session, doctor, rules, temp_c=38.2, person_id="S1002", clock=old)
            incidents = session.exec(select(Incident).order_by(Incident.id)).all()  # type: ignore[arg-type]
            assert len(incidents) == 2
            closed, still_open = incidents
            closed.state, closed.closed_at, closed.closed_by = "closed", old.now(), "T003"
            session.add(closed)
            for step in session.exec(
                select(IncidentStep).where(IncidentStep.incident_id == closed.id)
            ):
                step.note = SECRET
                session.add(step)
            session.add(IncidentNote(incident_id=closed.id or 0, text=SECRET, created_at=old.now()))
            session.add(
                IsolationStay(
                    room_code=_room(db),
                    person_id="S1001",
                    incident_id=closed.id,
                    entered_at=old.now(),
                    left_at=old.now() + timedelta(hours=1),
                    disposition="guardian",
                    note=SECRET,
                    created_at=old.now(),
                )
            )
            session.add(
                WatchEntry(
                    person_id="S1001",
                    category=_category(db),
                    contact_staff_id="T002",
                    since=old.now(),
                    until=old.now() + timedelta(days=1),
                    note=SECRET,
                    created_at=old.now(),
                )
            )
            assert still_open.state == "open"
            record_manual_reading(session, doctor, rules, temp_c=36.5, person_id="S1003")
    finally:
        db.dispose()
    return path


def _room(db: Database) -> str:
    from duty_console.db.models import IsolationRoom

    with db.read() as session:
        return session.exec(select(IsolationRoom.code)).first() or ""


def _category(db: Database) -> str:
    from duty_console.db.models import WatchCategory

    with db.read() as session:
        return session.exec(select(WatchCategory.key)).first() or ""


def test_purge_after_a_confirmed_fever_deletes_every_trace_and_the_chain_verifies(
    cli: Cli, history: Path
) -> None:
    before_entries = count(history, "entry")
    result = cli("purge", "--older-than", "30")
    assert result.code == 0, result.err
    counts = json.loads(result.out.removeprefix("Purged: "))
    assert counts["incidents"] == 1
    assert counts["isolation_stays"] == 1
    assert counts["watch_entries"] == 1
    # S1001's fever and its recheck go; S1002's stay with the open incident whose steps they are.
    assert counts["entries"] == 2
    assert count(history, "entry") == before_entries - 2
    assert count(history, "incident") == 1
    assert count(history, "incident_step") == 10  # the open incident's own
    assert count(history, "isolation_stay") == 0 and count(history, "watch_entry") == 0
    assert count(history, "incident_note") == 0
    old_details = rows(
        history, "SELECT details, target, purged FROM audit WHERE action = 'entry.manual'"
    )
    blanked = [r for r in old_details if r[2]]
    assert len(blanked) == 4 and all(r[0] == "{}" and r[1] == "" for r in blanked)
    assert sum(1 for r in old_details if not r[2]) == 1  # today's reading keeps its details
    assert cli("audit", "verify").code == 0
    # Nothing of it is left in the file's free pages or its write-ahead log.
    raw = history.read_bytes()
    wal = history.with_name(history.name + "-wal")
    raw += wal.read_bytes() if wal.exists() else b""
    assert SECRET.encode() not in raw
    assert rows(history, "PRAGMA freelist_count")[0][0] == 0


def test_purge_is_an_admins_act(cli: Cli, history: Path, tmp_path: Path) -> None:
    from tests.foundation.helpers import map_me_to, write_config

    write_config(tmp_path / "duty-console.toml", extra=map_me_to("T003"))  # the doctor
    result = cli("purge", "--older-than", "30")
    assert result.code == 1 and "role 'doctor'" in result.err
