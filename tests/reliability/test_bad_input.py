"""Bad input from outside: fuzzed config, roster CSV and form fields are refused with a
UserError (a sentence) or accepted clean, never a crash; an unreadable config or roster is a
plain sentence and exit 1; hostile names that got into the database render literally and fit.

(The device parsers and the writer are fuzzed in tests/devices/test_parser_properties.py and
tests/engine/test_writer_survives.py.)
"""

from __future__ import annotations

import csv
import io
import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import col, select

from duty_console.cli import main
from duty_console.config import parse_settings
from duty_console.db.connect import Database
from duty_console.db.models import Person
from duty_console.domain import absences, entries, people, timers
from duty_console.domain.actors import system_actor
from duty_console.domain.inert import foreign
from duty_console.domain.screening import Rules
from duty_console.errors import ConfigError, UserError

FAST = settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))

# Text from the edges: markup, terminal escapes, RTL and zero-width marks, CJK, emoji, NUL.
HOSTILE = st.lists(
    st.one_of(
        st.sampled_from(
            [
                "[bold red]",
                "[/]",
                "\x1b]52;c;aGk=\x07",
                "\x1b[2J",
                "\u202e",
                "\u200b",
                "\x00",
                "\r",
                "\n",
                ",",
                '"',
                "=",
                "张",
                "明",
                "😷",
                "é",
                "\ufeff",
                "%",
                "_",
                "\\",
                "36.5",
                "500mg/L",
                "fever",
            ]
        ),
        st.characters(blacklist_categories=("Cs",)),
    ),
    max_size=80,
).map("".join)

# -- config ------------------------------------------------------------------------------------

SCALAR = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    HOSTILE,
    st.lists(st.integers(), max_size=3),
)
SECTIONS = [
    "database",
    "site",
    "screening",
    "access",
    "timers",
    "incidents",
    "reports",
    "keys",
    "audit",
]
KEYS = [
    "url",
    "name",
    "gate",
    "timezone",
    "locale",
    "fever_threshold_c",
    "valid_min_c",
    "valid_max_c",
    "recheck_within_s",
    "recheck_rest_s",
    "pair_within_s",
    "unix_users",
    "idle_lock_min",
    "folder",
    "key_file",
    "thresholds",
    "escalate_min",
    "bogus",
]
CONFIG = st.dictionaries(
    st.one_of(st.sampled_from([*SECTIONS, "devices"]), HOSTILE),
    st.one_of(
        SCALAR,
        st.dictionaries(st.one_of(st.sampled_from(KEYS), HOSTILE), SCALAR, max_size=5),
        st.lists(
            st.dictionaries(
                st.sampled_from(
                    ["name", "role", "port", "profile", "baudrate", "offset_c", "trigger"]
                ),
                SCALAR,
            ),
            max_size=2,
        ),
    ),
    max_size=4,
)


@FAST
@given(CONFIG)
def test_any_config_is_settings_or_one_config_error(data: dict) -> None:
    try:
        parsed = parse_settings(data, "fuzz.toml")
    except ConfigError as exc:
        assert str(exc).startswith("fuzz.toml: ")
    else:
        assert parsed.site.gate


@pytest.mark.parametrize(
    "content",
    [
        b"\xff\xfe\x00[site]\x00",  # UTF-16 with a BOM, as Notepad saves it
        b'[site]\nname = "\xe7\xa4\xba\xe4"\n',  # UTF-8 cut in the middle of a character
        b"[site\n",  # cut short
        b"\x00" * 64,  # a file of zeros after a power cut
        b"[[devices]]\n" * 3 + b"name = 1\n",
    ],
    ids=["utf16", "broken-utf8", "cut", "zeros", "devices-wrong"],
)
def test_an_unreadable_config_is_one_sentence_and_exit_1(
    tmp_path: Path, content: bytes, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = tmp_path / "duty-console.toml"
    cfg.write_bytes(content)
    cfg.chmod(0o600)
    assert main(["status", "--config", str(cfg)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"duty-console: {cfg}")
    assert "Traceback" not in err and len(err.strip().splitlines()) <= 2


def test_a_config_that_is_a_folder_is_one_sentence(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "duty-console.toml"
    folder.mkdir(mode=0o700)
    assert main(["status", "--config", str(folder)]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and str(folder) in err


# -- roster --------------------------------------------------------------------------------------

ROW = st.fixed_dictionaries(
    {
        "person_id": st.one_of(st.from_regex(r"\AS[0-9]{1,6}\Z"), HOSTILE),
        "name": HOSTILE,
        "class": HOSTILE,
        "card_id": st.one_of(st.just(""), st.integers(0, 2**40).map(str), HOSTILE),
        "kind": st.sampled_from(["student", "staff", "", "teacher"]),
    }
)


def _csv(rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=["person_id", "name", "class", "card_id", "kind"])
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


@FAST
@given(st.one_of(st.lists(ROW, max_size=8).map(_csv), st.binary(max_size=300)))
def test_any_roster_is_loaded_clean_or_refused_whole(roster: bytes) -> None:
    try:
        parsed = people.parse_roster(roster, "fuzz.csv")
    except UserError:
        return
    for row in parsed.rows:
        for value in (row.person_id, row.name, row.class_name, row.card_id or ""):
            assert not foreign(value)
        assert 0 < len(row.name) <= people.FIELD_LIMITS.get("name", 64)


def test_a_hostile_roster_in_the_database_loads_nothing_or_only_clean_rows(db: Database) -> None:
    installer = system_actor(gate="north", name="installer")
    with db.read() as session:
        before = len(session.exec(select(Person)).all())
    hostile = _csv(
        [
            {
                "person_id": "S9001",
                "name": "[bold red]Mallory[/]",
                "class": "7-1",
                "card_id": "",
                "kind": "student",
            },
            {
                "person_id": "S9002",
                "name": "Eve\x1b]52;c;aGk=\x07",
                "class": "7-1",
                "card_id": "",
                "kind": "student",
            },
            {"person_id": "S9003", "name": "\u202eevil", "class": "7-1", "card_id": "", "kind": ""},
            {"person_id": "S9004", "name": "张" * 200, "class": "7-1", "card_id": "", "kind": ""},
        ]
    )
    with pytest.raises(UserError) as refused, db.write() as session:
        people.import_roster(session, installer, hostile, source="hostile.csv")
    text = str(refused.value)
    assert "4 bad row(s); nothing was loaded" not in text  # markup is a name, not an error
    assert "line 3" in text and "line 4" in text and "line 5" in text
    with db.read() as session:
        assert len(session.exec(select(Person)).all()) == before
    with db.write() as session:
        people.import_roster(session, installer, hostile, source="hostile.csv", skip_bad=True)
        mallory = session.exec(select(Person).where(col(Person.person_id) == "S9001")).one()
    assert mallory.name == "[bold red]Mallory[/]"  # kept literally


# -- form fields ----------------------------------------------------------------------------------


@FAST
@given(HOSTILE)
def test_any_typed_temperature_is_a_reading_in_range_or_a_sentence(text: str) -> None:
    rules = Rules()
    try:
        value = entries.parse_temperature(text, rules)
    except UserError as exc:
        assert exc.msgid
    else:
        assert rules.valid_min_c <= value <= rules.valid_max_c
        assert round(value, 1) == value


@FAST
@given(HOSTILE)
def test_any_typed_concentration_or_symptom_list_is_a_value_or_a_sentence(text: str) -> None:
    agent = timers.Agent("chlorine", "含氯消毒剂", "chlorine", "mg/L", 250.0, 1000.0)
    try:
        value = timers.parse_concentration(text, agent)
    except UserError:
        pass
    else:
        assert value > 0
    try:
        symptoms = absences.parse_symptoms(text)
    except UserError:
        pass
    else:
        assert all(s and set(s) <= set(string.ascii_lowercase + "_") for s in symptoms)


# -- hostile names on screen ----------------------------------------------------------------------

LEGACY_NAMES = {
    # Names an older version (or a hand-edited database) let in: shown literally, never obeyed.
    "S9001": "[bold red]Mallory[/]",
    "S9002": "Eve\x1b]52;c;aGk=\x07Smith",
    "S9003": "\u202eLIVE\u202c Alice",
    "S9004": "张" * 199 + "明",
    "S9005": "W" * 200,
}


async def test_hostile_names_render_literally_and_fit(db: Database, make_app, clock) -> None:
    from tests.tui.conftest import engine_reading, gate_ready, screen_text

    with db.write() as session:
        for pid, name in LEGACY_NAMES.items():
            session.add(Person(person_id=pid, name=name, class_name=name, updated_at=clock.now()))
    for pid in LEGACY_NAMES:
        engine_reading(db, clock, person_id=pid, temp_c=36.5)
        clock.advance(5)
    app = make_app(lang="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await gate_ready(pilot)
        await pilot.pause(0.2)
        shown = screen_text(app)
    assert "[bold red]M" in shown  # the class column: the markup as typed, not obeyed
    assert "\x1b" not in shown and "\u202e" not in shown and "\x07" not in shown
    assert "[****" in shown  # the markup's bracket, masked like any name, not bold red
    lines = shown.splitlines()
    assert len(lines) <= 24 and all(len(line) <= 80 for line in lines)
    # The newest reading's panel keeps its three lines: a 200-character name is cut, not
    # wrapped over the time and device.
    assert lines[3].strip().startswith("W***") and lines[3].rstrip().endswith("…")
    assert "08:00:20" in lines[4] and "north-ir-1" in lines[4]
