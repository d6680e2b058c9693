"""The same foundation on PostgreSQL: init, audit chain, roster import and export.

A throwaway PostgreSQL server is started in a temporary directory for the session (as the
``postgres`` account when running as root: PostgreSQL refuses to run as root) and reached over its
unix socket only. Without the server binaries these tests are skipped (CI installs them with apt).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlmodel import SQLModel, col, func, select

import duty_console.db.models  # noqa: F401  (registers every table on the metadata)
from duty_console.db import schema
from duty_console.db.connect import Database
from duty_console.db.models import (
    Area,
    AreaType,
    AuditRecord,
    Entry,
    IsolationRoom,
    Person,
    Playbook,
    PlaybookStep,
)
from duty_console.domain.actors import Actor
from duty_console.domain.clock import ManualClock
from duty_console.domain.entries import deny_entry, record_manual_reading
from duty_console.domain.screening import Rules
from duty_console.paths import SAMPLE_DIR
from tests.conftest import AUDIT_KEY
from tests.foundation.helpers import Result, write_config
from tests.pg import PgServer

pytestmark = pytest.mark.postgres
Cli = Callable[..., Result]


@pytest.fixture
def pg_config(pg_server: PgServer, tmp_path: Path) -> tuple[Path, str]:
    """A fresh empty database on the server, and ./duty-console.toml naming it."""
    url = pg_server.url(pg_server.create_database())
    return write_config(tmp_path / "duty-console.toml", url), url


def _count(db: Database, model: type[SQLModel]) -> int:
    with db.read() as session:
        return int(session.exec(select(func.count()).select_from(model)).one())


def test_init_on_postgresql_creates_schema_and_defaults_idempotently(
    cli: Cli, pg_config: tuple[Path, str]
) -> None:
    _cfg, url = pg_config
    result = cli("init")
    assert result.code == 0, result.err
    assert "schema empty -> " in result.out
    db = Database(url, audit_key=AUDIT_KEY)
    try:
        assert schema.is_current(db)
        assert _count(db, AreaType) == 10
        assert _count(db, Area) == 25
        assert _count(db, IsolationRoom) == 2
        assert _count(db, Playbook) == 3
        assert _count(db, PlaybookStep) == 25
        audits = _count(db, AuditRecord)

        again = cli("init")
        assert again.code == 0, again.err
        assert "already current" in again.out
        assert "nothing to change" in again.out
        assert _count(db, Area) == 25
        assert _count(db, PlaybookStep) == 25
        assert _count(db, AuditRecord) == audits

        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(context, SQLModel.metadata) == []
    finally:
        db.dispose()


def test_audit_chain_verifies_on_postgresql_and_catches_an_edit(
    cli: Cli, pg_config: tuple[Path, str]
) -> None:
    _cfg, url = pg_config
    assert cli("init").code == 0
    assert cli("people", "import", SAMPLE_DIR / "roster.csv").code == 0
    assert cli("staff", "add", "--id", "T004", "--name", "赵敏", "--role", "admin").code == 0
    ok = cli("audit", "verify")
    assert ok.code == 0, ok.err
    assert "intact: 4 records checked" in ok.out

    db = Database(url, audit_key=AUDIT_KEY)
    try:
        with db.read() as session:
            records = session.exec(select(AuditRecord).order_by(col(AuditRecord.id))).all()
            assert [r.action for r in records] == [
                "schema.upgrade",
                "defaults.load",
                "people.import",
                "staff.add",
            ]
            assert all(r.at.utcoffset() == timedelta(0) for r in records)
            victim = records[2].id
        with db.engine.begin() as conn:
            # The owner's login can switch the append-only trigger off; the MAC still holds.
            conn.execute(text("ALTER TABLE audit DISABLE TRIGGER USER"))
            conn.execute(
                text("UPDATE audit SET details = replace(details, :old, :new) WHERE id = :id"),
                {"old": '"added":342', "new": '"added":341', "id": victim},
            )
    finally:
        db.dispose()
    broken = cli("audit", "verify")
    assert broken.code == 1
    assert f"BROKEN at record {victim}:" in broken.err


def test_roster_import_and_export_round_trip_on_postgresql(
    cli: Cli, pg_config: tuple[Path, str], duty_actor: Actor
) -> None:
    _cfg, url = pg_config
    assert cli("init").code == 0
    imported = cli("people", "import", SAMPLE_DIR / "roster.csv")
    assert imported.code == 0, imported.err
    assert "342 added" in imported.out
    again = cli("people", "import", SAMPLE_DIR / "roster.csv")
    assert "0 added, 0 updated, 342 unchanged" in again.out

    db = Database(url, audit_key=AUDIT_KEY)
    try:
        assert _count(db, Person) == 342
        with db.write() as session:
            clock = ManualClock(datetime(2026, 11, 28, 17, 0, tzinfo=UTC))  # 01:00 on the 29th
            deny_entry(session, duty_actor, reason="no_mask", person_id="S1003", clock=clock)
        with db.write() as session:
            clock = ManualClock(datetime(2026, 11, 29, 0, 30, tzinfo=UTC))
            record_manual_reading(
                session, duty_actor, Rules(), temp_c=36.5, person_id="S1001", clock=clock
            )
        with db.read() as session:
            first = session.exec(select(Entry).order_by(col(Entry.at))).first()
            assert first is not None
            assert first.at == datetime(2026, 11, 29, 1, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
            assert first.at.utcoffset() == timedelta(0)
    finally:
        db.dispose()

    result = cli("export", "entries", "--date", "2026-11-29")
    assert result.code == 0, result.err
    assert result.out.startswith("time,gate,device,person_id,person_name,temp_c,mode,status")
    data = list(csv.DictReader(io.StringIO(result.out)))
    assert [
        (r["time"], r["person_id"], r["person_name"], r["temp_c"], r["status"]) for r in data
    ] == [
        ("2026-11-29T01:00:00+08:00", "S1003", _name("S1003"), "", "denied"),
        ("2026-11-29T08:30:00+08:00", "S1001", "张三明", "36.5", "normal"),
    ]
    assert cli("audit", "verify").code == 0


def _name(person_id: str) -> str:
    with (SAMPLE_DIR / "roster.csv").open(encoding="utf-8", newline="") as fh:
        return next(r["name"] for r in csv.DictReader(fh) if r["person_id"] == person_id)
