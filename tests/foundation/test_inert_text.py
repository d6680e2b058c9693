"""Text from outside is inert (issue: security and robustness, points 6 and 9).

Before: a roster class value holding ``ESC ] 52 ; … BEL`` reached the officer's SSH terminal raw
(OSC 52 writes the clipboard); RTL overrides and NUL were accepted in names; a name starting with
``=`` ran as a formula in the exported spreadsheet; an export cut short by ``| head`` left no
audit record; ``status`` showed who was in isolation to anyone; a search for ``%`` found everyone.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlmodel import select

from duty_console.cli import main
from duty_console.db.connect import Database
from duty_console.db.models import IsolationRoom, IsolationStay, Person
from duty_console.domain import entries, people
from duty_console.domain.actors import Actor
from duty_console.domain.inert import inert, spreadsheet_safe
from duty_console.domain.screening import Rules
from duty_console.errors import UserError
from tests.conftest import AUDIT_KEY
from tests.foundation.helpers import Result, count, map_me_to, rows, write_config

Cli = Callable[..., Result]
OSC52 = "\x1b]52;c;ZWNobyBoYWNrZWQ=\x07"


def _roster(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "roster.csv"
    path.write_text("person_id,name,class\n" + body, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("row", "column", "char"),
    [
        (f"S9001,张三,七年级1班{OSC52}\n", "class", "U+001B"),
        ("S9001,\u202e明三张,七年级1班\n", "name", "U+202E"),
        ("S9001,张\x00三,七年级1班\n", "name", "U+0000"),
        ("S9001,张三\u200b,七年级1班\n", "name", "U+200B"),
    ],
)
def test_a_roster_with_control_or_format_characters_is_refused_with_its_line(
    cli: Cli, empty_db: Path, tmp_path: Path, row: str, column: str, char: str
) -> None:
    result = cli("people", "import", _roster(tmp_path, "S9000,李四,七年级2班\n" + row))
    assert result.code == 1
    assert f"line 3: {column} holds the control or format character {char}" in result.err
    assert count(empty_db, "person") == 0


def test_text_that_got_in_before_is_stripped_on_the_way_out(
    db: Database, duty_actor: Actor
) -> None:
    with db.write() as session:
        person = session.exec(select(Person).where(Person.person_id == "S1001")).one()
        person.class_name = f"七年级1班{OSC52}"
        person.name = "\u202e张三明"
        session.add(person)
        entry, _decision = entries.record_manual_reading(
            session, duty_actor, Rules(), temp_c=36.5, person_id="S1001"
        )
    with db.read() as session:
        row = entries.newest_entries(session, 0, 1)[0]
        found = people.search(session, "S1001")
    assert row.id == entry.id
    assert row.class_name == "七年级1班]52;c;ZWNobyBoYWNrZWQ="
    assert row.name == "张三明"
    assert "\x1b" not in row.class_name and "\x07" not in row.class_name
    assert found and inert(found[0].class_name) == row.class_name


def test_a_visitor_with_a_control_character_is_refused(db: Database, duty_actor: Actor) -> None:
    with db.write() as session, pytest.raises(UserError, match="control character U\\+001B"):
        entries.register_visitor(
            session,
            duty_actor,
            Rules(),
            name=f"王{OSC52}",
            phone="13900001111",
            reason="delivery",
            host="T001",
            temp_c=36.5,
        )


def test_export_cells_never_run_as_formulas(
    cli: Cli, tmp_path: Path, duty_actor: Actor, _template_db: Path
) -> None:
    path = tmp_path / "duty.db"
    path.write_bytes(_template_db.read_bytes())
    path.chmod(0o600)
    write_config(tmp_path / "duty-console.toml")
    db = Database(f"sqlite:///{path}", audit_key=AUDIT_KEY)
    formulas = ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\tTAB", "\rCR"]
    with db.write() as session:
        for i, name in enumerate(formulas):
            person = session.exec(select(Person).where(Person.person_id == f"S100{i + 1}")).one()
            person.name = name
            session.add(person)
            entries.record_manual_reading(
                session, duty_actor, Rules(), temp_c=36.5, person_id=person.person_id
            )
    db.dispose()
    result = cli("export", "entries")
    assert result.code == 0, result.err
    names = [r["person_name"] for r in csv.DictReader(io.StringIO(result.out))]
    assert names == [spreadsheet_safe(n) for n in formulas]
    assert all(n.startswith("'") for n in names[:4])
    assert names[4:] == ["TAB", "CR"]  # the TAB and CR themselves are gone (control characters)


def test_an_export_cut_short_is_already_audited(
    empty_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Head(io.StringIO):
        """`| head -1`: the pipe closes after the first line."""

        def write(self, text: str) -> int:
            if self.getvalue():
                raise BrokenPipeError
            return super().write(text)

    monkeypatch.setattr(sys, "stdout", Head())
    assert main(["export", "entries"]) == 0
    assert rows(empty_db, "SELECT action FROM audit WHERE action = 'export.entries'") == [
        ("export.entries",)
    ]


def _person_ids(value: object) -> set[object]:
    if isinstance(value, list):
        return set().union(*(_person_ids(v) for v in value)) if value else set()
    if isinstance(value, dict):
        found = {value["person_id"]} if "person_id" in value else set()
        return found.union(*(_person_ids(v) for v in value.values()))
    return set()


@pytest.fixture
def occupied(tmp_path: Path, _template_db: Path) -> Path:
    path = tmp_path / "duty.db"
    path.write_bytes(_template_db.read_bytes())
    path.chmod(0o600)
    db = Database(f"sqlite:///{path}", audit_key=AUDIT_KEY)
    with db.write() as session:
        room = session.exec(select(IsolationRoom)).first()
        assert room is not None
        room.state = "occupied"
        session.add(room)
        session.add(IsolationStay(room_code=room.code, person_id="S1001"))
    db.dispose()
    return path


@pytest.mark.parametrize(("staff_id", "sees"), [("T001", False), ("T002", True), (None, False)])
def test_status_shows_who_is_in_isolation_only_to_roles_that_may_see_it(
    cli: Cli, occupied: Path, tmp_path: Path, staff_id: str | None, sees: bool
) -> None:
    import os

    extra = map_me_to(staff_id) if staff_id else ""
    write_config(tmp_path / "duty-console.toml", extra=extra)
    if staff_id is None:
        os.chown(occupied, 12345, -1)  # neither mapped nor the owner: a monitoring account
    result = cli("status", "--format", "json")
    assert result.code == 0, result.err
    snap = json.loads(result.out)
    room = next(r for r in snap["rooms"] if r["state"] == "occupied")
    if sees:
        assert room["occupants"] == ["S1001"]
    else:
        assert room["occupants"] == [] and room["occupant_count"] == 1
        assert _person_ids(snap) <= {None}  # fevers, incidents, watches, absences alike
    text = cli("status")
    assert ("S1001" in text.out) is sees


def test_a_roster_field_over_the_csv_limit_is_an_error_with_its_line(
    cli: Cli, empty_db: Path, tmp_path: Path
) -> None:
    huge = "x" * 200_000
    result = cli("people", "import", _roster(tmp_path, f"S9000,李四,a\nS9001,张三,{huge}\n"))
    assert result.code == 1
    assert "line 3: not a CSV row (field larger than field limit" in result.err
    long_class = _roster(tmp_path, "S9000,李四," + "班" * 65 + "\n")
    result = cli("people", "import", long_class)
    assert result.code == 1 and "line 2: class is longer than 64 characters" in result.err


def test_a_search_for_percent_or_underscore_is_that_character(db: Database) -> None:
    with db.read() as session:
        assert people.search(session, "%") == []
        assert people.search(session, "S_00") == []
        assert people.ids_matching(session, "%") == set()
        assert [p.person_id for p in people.search(session, "S1001")][:1] == ["S1001"]
