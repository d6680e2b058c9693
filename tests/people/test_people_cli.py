"""The routine's people commands (DESIGN §3.9) as a staff member mapped to this Unix account
runs them: text and JSON out, exit 1 and one sentence when the rules refuse."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from duty_console.db.connect import Database
from tests.foundation.helpers import Result, map_me_to, write_config

Cli = Callable[..., Result]


@pytest.fixture
def as_staff(db: Database, tmp_path: Path) -> Callable[[str], Path]:
    """The config file, with this Unix account mapped to ``staff_id``."""

    def config(staff_id: str) -> Path:
        return write_config(tmp_path / "duty-console.toml", extra=map_me_to(staff_id))

    return config


def refused(result: Result) -> str:
    assert result.code == 1, (result.out, result.err)
    assert "Traceback" not in result.err
    assert result.err.count("\n") == 1
    return result.err


def test_check_record_and_the_classes_not_reported(
    cli: Cli, as_staff: Callable[[str], Path]
) -> None:
    config = as_staff("T001")
    ok = cli(
        "check",
        "record",
        "七年级1班",
        "--session",
        "morning",
        "--present",
        "31",
        "--absent",
        "2",
        "--sick",
        "1",
        "--symptoms",
        "1",
        "--person",
        "S1001",
        "--date",
        "2026-11-29",
        "--config",
        config,
    )
    assert ok.code == 0, ok.err
    assert "31 present, 2 absent (1 sick)" in ok.out and "S1001" in ok.out
    listed = cli(
        "check",
        "list",
        "--session",
        "morning",
        "--date",
        "2026-11-29",
        "--format",
        "json",
        "--config",
        config,
    )
    data = json.loads(listed.out)
    assert "七年级1班" not in data["not_reported"] and "七年级2班" in data["not_reported"]
    err = refused(
        cli(
            "check",
            "record",
            "七年级1班",
            "--session",
            "morning",
            "--present",
            "40",
            "--absent",
            "0",
            "--config",
            config,
        )
    )
    assert "more than the 33 students" in err
    watched = json.loads(cli("watch", "list", "--format", "json", "--config", config).out)
    assert [(w["person_id"], w["category"]) for w in watched] == [("S1001", "abnormal_check")]


def test_check_import_names_the_bad_lines(
    cli: Cli, as_staff: Callable[[str], Path], tmp_path: Path
) -> None:
    config = as_staff("T001")
    bad = tmp_path / "checks.csv"
    bad.write_text(
        "class,session,present,absent\n七年级1班,morning,33,0\n七年级1班,dinner,x,0\n",
        encoding="utf-8",
    )
    err = refused(cli("check", "import", bad, "--config", config))
    assert "nothing loaded" in err and "line 3" in err
    bad.write_text("class,session,present,absent\n七年级1班,morning,33,0\n", encoding="utf-8")
    assert cli("check", "import", bad, "--config", config).code == 0


def test_an_absence_is_closed_only_by_the_doctor_with_the_note(
    cli: Cli, as_staff: Callable[[str], Path]
) -> None:
    duty = as_staff("T001")
    assert (
        cli(
            "absence",
            "add",
            "S1002",
            "--reason",
            "sick",
            "--symptoms",
            "fever,cough",
            "--config",
            duty,
        ).code
        == 0
    )
    assert cli("absence", "follow", "S1002", "--status", "at_home", "--config", duty).code == 0
    err = refused(cli("absence", "return", "S1002", "--certificate", "FTR-7", "--config", duty))
    assert "doctor" in err
    doctor = as_staff("T003")
    err = refused(cli("absence", "return", "S1002", "--config", doctor))
    assert "fit-to-return note" in err
    ok = cli(
        "absence",
        "return",
        "S1002",
        "--certificate",
        "FTR-7",
        "--format",
        "json",
        "--config",
        doctor,
    )
    assert ok.code == 0, ok.err
    assert json.loads(ok.out)["checked_by"] == "T003"
    assert json.loads(cli("absence", "list", "--format", "json", "--config", doctor).out) == []
    err = refused(
        cli(
            "absence",
            "add",
            "S1003",
            "--reason",
            "sick",
            "--symptoms",
            "sneezing",
            "--config",
            duty,
        )
    )
    assert "sneezing" in err


def test_watch_add_check_and_end(cli: Cli, as_staff: Callable[[str], Path]) -> None:
    officer = as_staff("T002")
    assert (
        cli(
            "watch",
            "add",
            "S1003",
            "--category",
            "risk_area_travel",
            "--contact",
            "T001",
            "--config",
            officer,
        ).code
        == 0
    )
    assert (
        cli(
            "watch",
            "add",
            "S1004",
            "--category",
            "boarder_observation",
            "--contact",
            "T005",
            "--config",
            officer,
        ).code
        == 0
    )
    assert cli("watch", "check", "S1003", "--status", "ok", "--config", officer).code == 0
    unchecked = json.loads(
        cli("watch", "list", "--unchecked", "--format", "json", "--config", officer).out
    )
    assert [w["person_id"] for w in unchecked] == ["S1004"]
    status = json.loads(cli("status", "--format", "json", "--config", officer).out)
    assert [w["person_id"] for w in status["watch_unchecked"]] == ["S1004"]
    refused(cli("watch", "check", "S1004", "--status", "symptoms", "--config", officer))
    err = refused(
        cli("watch", "add", "S1005", "--category", "nope", "--contact", "T001", "--config", officer)
    )
    assert "risk_area_travel" in err
    assert (
        cli("watch", "end", "S1004", "--reason", "observation over", "--config", officer).code == 0
    )


def test_rota_add_show_and_on_duty_in_status(cli: Cli, as_staff: Callable[[str], Path]) -> None:
    duty = as_staff("T001")
    refused(
        cli(
            "rota",
            "add",
            "--staff",
            "T001",
            "--from",
            "2026-11-29T08:00",
            "--to",
            "2026-11-29T20:00",
            "--config",
            duty,
        )
    )
    officer = as_staff("T002")
    # A shift around the real time of the run (status reads the system clock).
    now = datetime.now(ZoneInfo("Asia/Shanghai")).replace(second=0, microsecond=0)
    start, end = now - timedelta(hours=1), now + timedelta(hours=10)
    ok = cli(
        "rota",
        "add",
        "--staff",
        "T001",
        "--from",
        start.replace(tzinfo=None).isoformat(),
        "--to",
        end.replace(tzinfo=None).isoformat(),
        "--config",
        officer,
    )
    assert ok.code == 0, ok.err
    later, after = (t.replace(tzinfo=None).isoformat() for t in (now, end + timedelta(hours=1)))
    err = refused(
        cli("rota", "add", "--staff", "T001", "--from", later, "--to", after, "--config", officer)
    )
    assert "overlaps" in err
    shown = json.loads(cli("rota", "show", "--format", "json", "--config", officer).out)
    assert any(s["staff_id"] == "T001" and s["on_duty_now"] for s in shown["shifts"])
    status = json.loads(cli("status", "--format", "json", "--config", officer).out)
    assert status["on_duty"] == [{"staff_id": "T001", "name": "李华", "role": "duty"}]
    assert "class_checks" in status and "shift_ending" in status
    text = cli("status", "--config", officer).out
    assert "On duty: T001 李华" in text and "Class checks" in text


def test_the_handover_from_start_to_sign_out(cli: Cli, as_staff: Callable[[str], Path]) -> None:
    day = as_staff("T001")
    preview = cli("handover", "--config", day)
    assert preview.code == 0 and "No handover open" in preview.out
    assert (
        cli(
            "watch",
            "add",
            "S1003",
            "--category",
            "risk_area_travel",
            "--contact",
            "T001",
            "--config",
            day,
        ).code
        == 0
    )
    started = cli(
        "handover",
        "start",
        "--to",
        "T005",
        "--notes",
        "gun 2 battery low",
        "--format",
        "json",
        "--config",
        day,
    )
    assert started.code == 0, started.err
    items = json.loads(started.out)["items"]
    # A new school has done no disinfection yet: every timer is overdue, as one item.
    assert [i["kind"] for i in items] == ["timer", "watch", "note"]
    err = refused(cli("handover", "sign-out", "--config", day))
    assert "has not confirmed item(s) 1, 2, 3" in err
    night = as_staff("T005")
    assert cli("handover", "confirm", "1", "--config", night).code == 0
    assert cli("handover", "confirm", "2", "--config", night).code == 0
    refused(cli("handover", "confirm", "3", "--flag", "--config", night))
    assert (
        cli(
            "handover", "confirm", "3", "--flag", "--note", "no spare battery", "--config", night
        ).code
        == 0
    )
    day = as_staff("T001")
    out = cli("handover", "sign-out", "--config", day)
    assert out.code == 0, out.err
    assert "signed out" in out.out and "[!]" in out.out and "[x]" in out.out
    found = json.loads(
        cli("handover", "list", "--search", "spare", "--format", "json", "--config", day).out
    )
    assert [(h["from"], h["to"], h["state"]) for h in found] == [("T001", "T005", "signed_out")]
