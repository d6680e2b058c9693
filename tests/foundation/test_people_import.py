"""`duty-console people import`: the roster CSV contract (DESIGN §3.5) and who may load it (§5)."""

from __future__ import annotations

import csv
import os
from collections.abc import Callable
from pathlib import Path

from duty_console.db.connect import Database
from duty_console.domain import people
from duty_console.paths import SAMPLE_DIR
from duty_console.runtime import unix_user
from tests.conftest import AUDIT_KEY
from tests.foundation.helpers import Result, count, map_me_to, needs_root, rows, write_config

Cli = Callable[..., Result]
ROSTER = SAMPLE_DIR / "roster.csv"
BAD = SAMPLE_DIR / "bad_roster.csv"


def _imports(path: Path) -> int:
    return len(rows(path, "SELECT id FROM audit WHERE action = 'people.import'"))


def test_sample_roster_imports(cli: Cli, empty_db: Path) -> None:
    result = cli("people", "import", ROSTER)
    assert result.code == 0, result.err
    assert "342 added, 0 updated, 0 unchanged, 0 bad row(s) skipped" in result.out
    kinds = dict(rows(empty_db, "SELECT kind, count(*) FROM person GROUP BY kind"))
    assert kinds == {"student": 330, "staff": 12}
    classes = rows(
        empty_db,
        "SELECT count(DISTINCT class_name) FROM person WHERE kind = 'student'",
    )
    assert classes == [(10,)]
    assert _imports(empty_db) == 1


def test_chinese_names_are_stored_intact(cli: Cli, empty_db: Path, tmp_path: Path) -> None:
    assert cli("people", "import", ROSTER).code == 0
    with ROSTER.open(encoding="utf-8", newline="") as fh:
        expected = {
            r["person_id"]: (r["name"], r["class"], r["guardian_name"]) for r in csv.DictReader(fh)
        }
    stored = {
        str(pid): (name, cls, guardian)
        for pid, name, cls, guardian in rows(
            empty_db, "SELECT person_id, name, class_name, guardian_name FROM person"
        )
    }
    assert stored == expected
    assert stored["S1001"][0] == "张三明"

    # Beyond the basic plane, a middle dot, and a name in Latin letters.
    odd = tmp_path / "odd.csv"
    odd.write_text(
        "person_id,name\nS8001,𠮷野家\nS8002,阿卜杜拉·买买提\nS8003,Émile Zoë\n", encoding="utf-8"
    )
    assert cli("people", "import", odd).code == 0
    got = rows(empty_db, "SELECT name FROM person WHERE person_id LIKE 'S800%' ORDER BY person_id")
    assert got == [("𠮷野家",), ("阿卜杜拉·买买提",), ("Émile Zoë",)]


def test_utf8_with_bom_and_crlf_like_excel_saves_it(
    cli: Cli, empty_db: Path, tmp_path: Path
) -> None:
    excel = tmp_path / "excel.csv"
    excel.write_bytes(
        "\ufeffperson_id,name,class\r\nS7001,林小雨,七年级1班\r\nS7002,王大为,七年级2班\r\n".encode()
    )
    result = cli("people", "import", excel)
    assert result.code == 0, result.err
    assert "2 added" in result.out
    assert rows(empty_db, "SELECT person_id, name, class_name FROM person ORDER BY person_id") == [
        ("S7001", "林小雨", "七年级1班"),
        ("S7002", "王大为", "七年级2班"),
    ]


def test_bad_roster_is_refused_with_line_numbers_and_loads_nothing(
    cli: Cli, empty_db: Path
) -> None:
    assert cli("people", "import", ROSTER).code == 0
    before = count(empty_db, "person")
    result = cli("people", "import", BAD)
    assert result.code == 1
    assert "Traceback" not in result.err
    assert "4 bad row(s); nothing was loaded" in result.err
    assert "--skip-bad" in result.err
    lines = [ln.strip() for ln in result.err.splitlines() if ln.strip().startswith("line ")]
    assert lines == [
        "line 3: name is empty for S9002",
        "line 5: person_id S9001 repeats line 2",
        "line 6: kind 'teacherx' is not one of student, staff",
        "line 7: card_id 90000003 is already used on line 4",
    ]
    assert count(empty_db, "person") == before
    assert rows(empty_db, "SELECT count(*) FROM person WHERE person_id GLOB '[ST]900*'") == [(0,)]
    assert _imports(empty_db) == 1


def test_skip_bad_loads_the_good_rows_and_lists_the_bad(cli: Cli, empty_db: Path) -> None:
    result = cli("people", "import", BAD, "--skip-bad")
    assert result.code == 0, result.err
    assert "4 added, 0 updated, 0 unchanged, 4 bad row(s) skipped" in result.out
    for line in ("line 3:", "line 5:", "line 6:", "line 7:"):
        assert line in result.err
    loaded = [r[0] for r in rows(empty_db, "SELECT person_id FROM person ORDER BY person_id")]
    assert loaded == ["S9001", "S9003", "S9005", "T9002"]
    # The first S9001 (line 2) is the one kept, with its own card.
    assert rows(empty_db, "SELECT card_id FROM person WHERE person_id = 'S9001'") == [("90000001",)]
    skipped = rows(empty_db, "SELECT details FROM audit WHERE action = 'people.import'")
    assert '"skipped_lines":[3,5,6,7]' in str(skipped[0][0])


def test_reimport_updates_by_person_id(cli: Cli, empty_db: Path, tmp_path: Path) -> None:
    assert cli("people", "import", ROSTER).code == 0
    before = dict(rows(empty_db, "SELECT person_id, id FROM person"))
    text = ROSTER.read_text(encoding="utf-8")
    old = "S1002,姚铭泽,student,七年级,七年级1班,"
    assert old in text
    changed = tmp_path / "roster-v2.csv"
    changed.write_text(
        text.replace(old, "S1002,姚铭哲,student,七年级,七年级3班,"), encoding="utf-8"
    )

    result = cli("people", "import", changed)
    assert result.code == 0, result.err
    assert "0 added, 1 updated, 341 unchanged" in result.out
    assert rows(empty_db, "SELECT name, class_name FROM person WHERE person_id = 'S1002'") == [
        ("姚铭哲", "七年级3班")
    ]
    assert dict(rows(empty_db, "SELECT person_id, id FROM person")) == before
    assert count(empty_db, "person") == 342

    again = cli("people", "import", changed)
    assert "0 added, 0 updated, 342 unchanged" in again.out


def test_search_by_pinyin_initials(cli: Cli, empty_db: Path) -> None:
    assert cli("people", "import", ROSTER).code == 0
    db = Database(f"sqlite:///{empty_db}", audit_key=AUDIT_KEY)
    try:
        with db.read() as session:
            found = people.search(session, "zsm")
            assert found
            assert (found[0].person_id, found[0].name) == ("S1001", "张三明")
            by_name = people.search(session, "三明")
            assert by_name[0].person_id == "S1001"
            by_id = people.search(session, "s1001")
            assert by_id[0].name == "张三明"
            by_card = people.search(session, "025988000")  # leading zeros ignored
            assert by_card[0].person_id == "S1001"
    finally:
        db.dispose()


def test_non_utf8_file_gets_a_clear_message(cli: Cli, empty_db: Path, tmp_path: Path) -> None:
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes("person_id,name\nS6001,张三明\n".encode("gbk"))
    result = cli("people", "import", gbk)
    assert result.code == 1
    assert "Traceback" not in result.err
    assert str(gbk) in result.err
    assert "not UTF-8" in result.err
    assert "save the file as UTF-8" in result.err
    assert count(empty_db, "person") == 0


def test_wrong_header_is_reported_at_line_1(cli: Cli, empty_db: Path, tmp_path: Path) -> None:
    f = tmp_path / "h.csv"
    f.write_text("id,name,klass\nS1,张三\n", encoding="utf-8")
    result = cli("people", "import", f)
    assert result.code == 1
    assert "line 1" in result.err
    assert "person_id" in result.err
    assert count(empty_db, "person") == 0


def test_missing_file_is_a_plain_error(cli: Cli, empty_db: Path, tmp_path: Path) -> None:
    result = cli("people", "import", tmp_path / "nope.csv")
    assert result.code == 1
    assert "nope.csv" in result.err
    assert "Traceback" not in result.err


@needs_root
def test_unmapped_account_that_does_not_own_the_database_is_refused(
    cli: Cli, empty_db: Path
) -> None:
    os.chown(empty_db, 12345, -1)  # the installer is someone else now
    result = cli("people", "import", ROSTER)
    assert result.code == 1
    assert "Traceback" not in result.err
    assert f"{unix_user()!r} is not mapped to a staff member" in result.err
    assert "unix_users" in result.err
    assert count(empty_db, "person") == 0
    assert _imports(empty_db) == 0


@needs_root
def test_mapped_account_acts_with_its_staff_role(cli: Cli, db: Database, tmp_path: Path) -> None:
    """Not the owner, but mapped: an officer may import, a duty member may not."""
    path = tmp_path / "duty.db"
    os.chown(path, 12345, -1)
    config = tmp_path / "duty-console.toml"

    write_config(config, extra=map_me_to("T001"))
    refused = cli("people", "import", ROSTER)
    assert refused.code == 1
    assert "duty" in refused.err
    assert "people.import" in refused.err

    write_config(config, extra=map_me_to("T002"))
    allowed = cli("people", "import", ROSTER)
    assert allowed.code == 0, allowed.err
    assert "342 unchanged" in allowed.out
    last = rows(path, "SELECT actor, action FROM audit ORDER BY id DESC LIMIT 1")
    assert last == [("T002", "people.import")]
