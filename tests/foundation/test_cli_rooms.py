"""`room …` and `incident …`: the walk from a confirmed fever to closing through the commands."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook

from duty_console.db.connect import Database
from duty_console.domain.actors import Actor
from duty_console.domain.clock import ManualClock
from duty_console.domain.entries import record_manual_reading
from duty_console.domain.screening import Rules
from tests.foundation.helpers import Result, count

Cli = Callable[..., Result]
FIELDS = {
    "axillary_c": "38.3",
    "guardian_name": "张春梅",
    "report_ref": "DIST-2026-118",
    "agent": "含氯消毒剂",
    "concentration": "500 mg/L",
}


@pytest.fixture
def gate(db: Database, config: Path) -> Database:
    """The roster database under tmp_path/duty.db and a config naming it (the `db` fixture)."""
    return db


def confirmed_fever(db: Database, person_id: str = "S1001") -> None:
    clock = ManualClock(datetime.now(UTC) - timedelta(minutes=5))
    duty = Actor(staff_id="T001", name="李华", role="duty", gate="north")
    for temp in (38.2, 38.1):
        with db.write() as s:
            record_manual_reading(
                s, duty, Rules(), temp_c=temp, person_id=person_id, mode="manual", clock=clock
            )
        clock.advance(90)


def steps(cli: Cli, incident: int) -> list[dict[str, object]]:
    result = cli("incident", "show", str(incident), "--format", "json")
    assert result.code == 0, result.err
    return list(json.loads(result.out)["steps"])


def work_through(cli: Cli, incident: int, *, leave: set[int] = frozenset()) -> None:  # type: ignore[assignment]
    for step in steps(cli, incident):
        if step["state"] in ("done", "skipped") or step["n"] in leave:
            continue
        n = str(step["n"])
        if step["skippable"]:
            assert cli("incident", "step", str(incident), n, "--skip", "--note", "n/a").code == 0
            continue
        args = [f"--field={k}={FIELDS[k]}" for k in step["fields_required"]]  # type: ignore[attr-defined]
        result = cli("incident", "step", str(incident), n, "--done", "--note", "ok", *args)
        assert result.code == 0, result.err


def test_a_confirmed_fever_is_walked_to_closing_with_the_commands_alone(
    cli: Cli, gate: Database, tmp_path: Path
) -> None:
    confirmed_fever(gate)
    listed = json.loads(cli("incident", "list", "--format", "json").out)["incidents"]
    (incident,) = [i["id"] for i in listed if i["person_id"] == "S1001"]

    result = cli("room", "admit", "auto", "--incident", str(incident), "--reason", "fever 38.1")
    assert result.code == 0, result.err
    assert "admitted to room ISO-1" in result.out

    refused = cli("incident", "step", str(incident), "3", "--done", "--note", "measured")
    assert refused.code == 1
    assert "Step 3 needs: axillary temperature" in refused.err

    formula = cli("incident", "step", str(incident), "6", "--done", "--note", "=2+3")
    assert formula.code == 0, formula.err
    work_through(cli, incident, leave={9})
    refused = cli("incident", "close", str(incident))
    assert refused.code == 1 and "open step(s): 9" in refused.err

    assert cli("room", "release", "ISO-1", "--disposition", "guardian").code == 1
    released = cli("room", "release", "ISO-1", "--disposition", "guardian", "--who", "张春梅")
    assert released.code == 0, released.err
    rooms = json.loads(cli("room", "list", "--format", "json").out)
    assert next(r for r in rooms if r["code"] == "ISO-1")["state"] == "needs_disinfection"
    again = cli("room", "admit", "ISO-1", "--person", "S1002")
    assert again.code == 1 and "after-use disinfection" in again.err

    done = cli(
        "room", "disinfect", "ISO-1", "--agent", "含氯消毒剂", "--concentration", "1000 mg/L"
    )
    assert done.code == 0, done.err
    rooms = json.loads(cli("room", "list", "--format", "json").out)
    assert next(r for r in rooms if r["code"] == "ISO-1")["state"] == "ready"

    closed = cli("incident", "close", str(incident), "--note", "collected, clinic visit")
    assert closed.code == 0, closed.err

    md = cli("incident", "show", str(incident), "--format", "md", "--lang", "en")
    assert md.code == 0, md.err
    assert "axillary temperature (C) 38.3" in md.out and "张春梅" in md.out
    assert "Admitted to room ISO-1" in md.out and "张春梅" in md.out
    out = tmp_path / "incident.xlsx"
    xlsx = cli(
        "incident", "show", str(incident), "--format", "xlsx", "--output", out, "--lang", "en"
    )
    assert xlsx.code == 0, xlsx.err
    book = load_workbook(out)
    cells = [str(c.value) for row in book.worksheets[0].iter_rows() for c in row if c.value]
    assert any("axillary temperature (C) 38.3" in c for c in cells)
    assert len(book.worksheets) == 2  # the record and its timeline
    assert "'=2+3" in cells  # a spreadsheet never runs a note as a formula


def test_a_drill_from_the_command_line_is_scored(cli: Cli, gate: Database) -> None:
    opened = cli("incident", "open", "fever-at-gate", "--person", "S1003", "--drill")
    assert opened.code == 0, opened.err
    incident = int(opened.out.split()[1])
    work_through(cli, incident)
    closed = cli("incident", "close", str(incident))
    assert closed.code == 0, closed.err
    assert "Drill score:" in closed.out and "skipped: 7, 10" in closed.out
    shown = json.loads(cli("incident", "show", str(incident), "--format", "json").out)
    assert shown["drill"] is True and shown["score"]["timed"] > 0
    assert [s["n"] for s in shown["score"]["skipped"]] == [7, 10]
    second = cli("incident", "open", "suspected-case-in-isolation", "--drill", "--format", "json")
    assert json.loads(second.out) == {
        "ok": True,
        "id": incident + 1,
        "playbook": "suspected-case-in-isolation",
        "drill": True,
    }
    status = json.loads(cli("status", "--format", "json").out)
    assert all(i["id"] != incident for i in status["incidents"])
    assert gate.path is not None and count(gate.path, "incident") == 2


def test_unknown_room_playbook_and_field_are_one_sentence(cli: Cli, gate: Database) -> None:
    result = cli("room", "admit", "ISO-9", "--person", "S1001")
    assert result.code == 1 and "no isolation room 'ISO-9'" in result.err
    result = cli("incident", "open", "no-such-playbook")
    assert result.code == 1 and "no playbook 'no-such-playbook'" in result.err
    opened = cli("incident", "open", "fever-at-gate", "--person", "S1004")
    incident = opened.out.split()[1]
    result = cli("incident", "step", incident, "3", "--done", "--field", "axillary")
    assert result.code == 1 and "KEY=VALUE" in result.err
    assert "Traceback" not in result.err
