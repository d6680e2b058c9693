"""The `duty-console` command line: commands, help, exit codes, staff PINs, purge (DESIGN §3.1)."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from duty_console.db.connect import Database
from duty_console.db.models import Staff
from duty_console.domain.actors import Actor
from duty_console.domain.clock import ManualClock
from duty_console.domain.entries import record_manual_reading
from duty_console.domain.screening import Rules
from duty_console.domain.staff import check_pin
from duty_console.runtime import unix_user
from tests.conftest import AUDIT_KEY
from tests.foundation.helpers import Result, count, rows, write_config

Cli = Callable[..., Result]

COMMANDS = [
    "tui",
    "demo",
    "init",
    "serve",
    "simulate",
    "export",
    "report",
    "staff",
    "people",
    "purge",
    "audit",
    "status",
    "doctor",
    # The routine's commands (DESIGN §3.9), one group per area.
    "timers",
    "disinfect",
    "ventilate",
    "alert",
    "room",
    "incident",
    # The routine (DESIGN §3.9), in the order of cli._routine_commands().
    "check",
    "absence",
    "watch",
    "rota",
    "handover",
    "supplies",
    # Deployment (README): backups and thermometer calibration.
    "backup",
    "restore",
    "device",
]
LEAVES = [
    ["tui"],
    ["demo"],
    ["init"],
    ["serve"],
    ["simulate"],
    ["export"],
    ["export", "entries"],
    ["report"],
    ["report", "daily"],
    ["report", "submit"],
    ["staff"],
    ["staff", "add"],
    ["people"],
    ["people", "import"],
    ["purge"],
    ["audit"],
    ["audit", "verify"],
    ["status"],
    ["doctor"],
    ["room", "list"],
    ["room", "admit"],
    ["room", "release"],
    ["room", "disinfect"],
    ["incident", "list"],
    ["incident", "show"],
    ["incident", "open"],
    ["incident", "step"],
    ["incident", "note"],
    ["incident", "ack"],
    ["incident", "close"],
    ["timers"],
    ["disinfect"],
    ["ventilate"],
    ["alert"],
    ["alert", "list"],
    ["alert", "ack"],
    *(
        [group, *leaf]
        for group, leaves in (
            ("check", ("record", "list", "import")),
            ("absence", ("add", "follow", "return", "list")),
            ("watch", ("add", "check", "end", "list")),
            ("rota", ("add", "show")),
            ("handover", ("start", "confirm", "sign-out", "show", "list")),
        )
        for leaf in ((), *((name,) for name in leaves))
    ),
    ["supplies"],
    ["supplies", "list"],
    ["supplies", "move"],
    ["backup"],
    ["restore"],
    ["device"],
    ["device", "calibrate"],
    ["device", "calibrations"],
]


def test_help_lists_every_command(cli: Cli) -> None:
    result = cli("--help")
    assert result.code == 0
    listed = result.out.split("commands:", 1)[1]
    names = re.findall(r"^ {4}(\w+)", listed, flags=re.MULTILINE)
    assert names == COMMANDS
    assert "--config" in result.out


@pytest.mark.parametrize("argv", LEAVES, ids=[" ".join(a) for a in LEAVES])
def test_every_command_has_help(cli: Cli, argv: list[str]) -> None:
    result = cli(*argv, "--help")
    assert result.code == 0, result.err
    assert result.out.startswith("usage: duty-console " + " ".join(argv))
    if argv[-1] not in ("export", "report", "staff", "people", "audit", "alert"):
        assert "--config" in result.out


def test_python_dash_m_works_and_usage_errors_exit_2(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "DUTY_CONSOLE_CONFIG"}
    proc = subprocess.run(
        [sys.executable, "-m", "duty_console", "--help"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert "usage: duty-console" in proc.stdout
    for name in COMMANDS:
        assert f"    {name} " in proc.stdout

    proc = subprocess.run(
        [sys.executable, "-m", "duty_console", "purge", "--older-than", "soon"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert "invalid int value: 'soon'" in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize(
    "argv",
    [
        ["frobnicate"],
        ["purge"],
        ["staff", "add", "--id", "T9", "--name", "X", "--role", "janitor"],
        ["simulate", "--port", "loop://", "--profile", "idc50", "--fever-rate", "2"],
        ["export"],
    ],
    ids=["unknown-command", "missing-option", "bad-choice", "out-of-range", "missing-what"],
)
def test_usage_errors_exit_2(cli: Cli, argv: list[str]) -> None:
    result = cli(*argv)
    assert result.code == 2
    assert "usage:" in result.err
    assert "Traceback" not in result.err


def test_version(cli: Cli) -> None:
    result = cli("--version")
    assert result.code == 0
    assert result.out.startswith("duty-console ")


def test_staff_add_with_pin_from_stdin_stores_only_a_hash(
    cli: Cli, empty_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("246813\n"))
    result = cli(
        "staff", "add", "--id", "T077", "--name", "孙老师", "--role", "duty", "--pin-stdin"
    )
    assert result.code == 0, result.err
    assert "Added T077 孙老师 (duty)" in result.out
    assert "246813" not in result.out + result.err

    stored = rows(empty_db, "SELECT name, role, pin_hash FROM staff WHERE staff_id = 'T077'")
    name, role, pin_hash = stored[0]
    assert (name, role) == ("孙老师", "duty")
    assert isinstance(pin_hash, str)
    assert "246813" not in pin_hash
    assert check_pin("246813", pin_hash)
    assert not check_pin("246814", pin_hash)
    # Not in the audit trail either.
    details = rows(empty_db, "SELECT details FROM audit WHERE target = 'T077'")
    assert "246813" not in str(details)
    assert '"pin_set":true' in str(details[0][0])

    # Updating the role keeps the PIN; a new PIN replaces it.
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    result = cli("staff", "add", "--id", "T077", "--name", "孙老师", "--role", "doctor")
    assert "Updated T077" in result.out
    db = Database(f"sqlite:///{empty_db}", audit_key=AUDIT_KEY)
    try:
        with db.read() as session:
            staff = session.exec(select(Staff).where(Staff.staff_id == "T077")).one()
            assert staff.role == "doctor"
            assert staff.pin_hash == pin_hash
    finally:
        db.dispose()


def test_staff_add_rejects_a_pin_that_is_not_6_to_12_digits(
    cli: Cli, empty_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("12ab\n"))
    result = cli("staff", "add", "--id", "T078", "--name", "Li", "--role", "duty", "--pin-stdin")
    assert result.code == 1
    assert "6 to 12 digits" in result.err
    assert count(empty_db, "staff") == 0


def test_purge_deletes_old_entries_keeps_recent_ones_and_is_audited(
    cli: Cli, db: Database, duty_actor: Actor, tmp_path: Path
) -> None:
    write_config(tmp_path / "duty-console.toml")
    path = tmp_path / "duty.db"
    now = datetime.now(UTC)
    for age_days, person in [(45, "S1001"), (31, "S1002"), (29, "S1003"), (1, "S1004")]:
        with db.write() as session:
            record_manual_reading(
                session,
                duty_actor,
                Rules(),
                temp_c=36.6,
                person_id=person,
                clock=ManualClock(now - timedelta(days=age_days)),
            )
    audit_before = count(path, "audit")

    result = cli("purge", "--older-than", "30")
    assert result.code == 0, result.err
    counts = json.loads(result.out.split("Purged: ", 1)[1])
    assert counts["entries"] == 2
    left = [r[0] for r in rows(path, "SELECT person_id FROM entry ORDER BY at")]
    assert left == ["S1003", "S1004"]
    # The roster itself is not health data and stays.
    assert count(path, "person") == 342

    assert count(path, "audit") == audit_before + 1
    actor, action, target, details = rows(
        path, "SELECT actor, action, target, details FROM audit ORDER BY id DESC LIMIT 1"
    )[0]
    assert actor == f"unix:{unix_user()}"
    assert action == "purge"
    assert "30" in str(target)
    assert '"entries":2' in str(details)
    assert cli("audit", "verify").code == 0


def test_purge_needs_at_least_one_day(cli: Cli, empty_db: Path) -> None:
    result = cli("purge", "--older-than", "0")
    assert result.code == 1
    assert "at least 1 day" in result.err
