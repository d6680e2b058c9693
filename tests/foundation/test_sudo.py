"""Sudo gives no way in (issue: security and robustness, point 1).

Each test does what the attacker did. sudo is simulated as it was reproduced: the process runs as
the database's owner with SUDO_USER set (tests run as root, the owner of their files).
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from duty_console import config as config_module
from duty_console import ssh
from duty_console.identity import unix_user
from duty_console.paths import DEFAULTS_DIR
from tests.foundation.helpers import Result, count, needs_root, rows, write_config

Cli = Callable[..., Result]


@pytest.fixture
def system_config(tmp_path: Path, empty_db: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The gate's /etc/duty-console.toml (here in tmp): the real database, officer → T002."""
    path = write_config(
        tmp_path / "etc" / "duty-console.toml",
        url=f"sqlite:///{empty_db}",
        extra='[access]\nunix_users = { officer = "T002", dutyone = "T001" }\n',
    )
    path.chmod(0o600)
    monkeypatch.setattr(config_module, "SYSTEM_CONFIG", path)
    return path


@pytest.fixture
def staffed(cli: Cli, empty_db: Path, system_config: Path) -> Path:
    """The real database with an admin (T004), an officer (T002) and a duty teacher (T001)."""
    for staff_id, name, role in (("T004", "赵敏", "admin"), ("T002", "王强", "officer")):
        assert cli("staff", "add", "--id", staff_id, "--name", name, "--role", role).code == 0
    assert cli("staff", "add", "--id", "T001", "--name", "李华", "--role", "duty").code == 0
    return empty_db


def _pin_hash(db: Path, staff_id: str) -> str:
    return str(rows(db, "SELECT pin_hash FROM staff WHERE staff_id = ?", (staff_id,))[0][0])


def test_a_config_of_ones_own_cannot_map_oneself_to_an_admin_through_sudo(
    cli: Cli, staffed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    evil = write_config(
        tmp_path / "evil.toml",
        url=f"sqlite:///{staffed}",
        extra='[access]\nunix_users = { mallory = "T004" }\n',
    )
    evil.chmod(0o600)
    before = _pin_hash(staffed, "T004")
    monkeypatch.setenv("SUDO_USER", "mallory")
    monkeypatch.setattr("sys.stdin", io.StringIO("999999\n"))
    reset = ("staff", "add", "--id", "T004", "--name", "赵敏", "--role", "admin", "--pin-stdin")

    by_flag = cli(*reset, "--config", evil)
    assert by_flag.code == 1
    assert "--config is refused" in by_flag.err

    monkeypatch.setenv("DUTY_CONSOLE_CONFIG", str(evil))
    by_env = cli(*reset)
    assert by_env.code == 1
    assert "'mallory' is not mapped" in by_env.err  # the system config was read, not evil.toml

    monkeypatch.delenv("DUTY_CONSOLE_CONFIG")
    monkeypatch.chdir(evil.parent)
    evil.rename(evil.parent / "duty-console.toml")
    by_cwd = cli(*reset)
    assert by_cwd.code == 1 and "'mallory' is not mapped" in by_cwd.err

    assert _pin_hash(staffed, "T004") == before


def test_through_sudo_the_system_config_must_be_private(
    cli: Cli, staffed: Path, system_config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SUDO_USER", "officer")
    system_config.chmod(0o644)
    result = cli("status")
    assert result.code == 1 and "must be private" in result.err
    system_config.chmod(0o600)
    assert cli("status").code == 0


def test_a_config_writable_by_others_is_refused_everywhere(cli: Cli, empty_db: Path) -> None:
    config = empty_db.parent / "duty-console.toml"
    config.chmod(0o666)
    result = cli("status")
    assert result.code == 1
    assert "writable by group or others" in result.err and "chmod 600" in result.err


@pytest.mark.parametrize(
    "argv",
    [
        ["demo", "--db", "REAL"],
        ["init", "--defaults", "DEFAULTS"],
        ["serve"],
        ["simulate", "--port", "loop://", "--profile", "rdm6300", "--count", "1"],
    ],
)
def test_setting_up_or_running_the_gate_is_refused_through_sudo(
    cli: Cli, staffed: Path, monkeypatch: pytest.MonkeyPatch, argv: list[str]
) -> None:
    before = count(staffed, "audit")
    monkeypatch.setenv("SUDO_USER", "dutyone")
    argv = [
        str(staffed) if a == "REAL" else str(DEFAULTS_DIR) if a == "DEFAULTS" else a for a in argv
    ]
    result = cli(*argv)
    assert result.code == 1
    assert "refused through sudo" in result.err
    assert count(staffed, "audit") == before


def test_the_demo_never_writes_into_a_real_database(cli: Cli, staffed: Path) -> None:
    before = count(staffed, "entry"), count(staffed, "audit")
    result = cli("demo", "--db", staffed)
    assert result.code == 1
    assert "is a real database" in result.err
    assert (count(staffed, "entry"), count(staffed, "audit")) == before


@needs_root
def test_loading_defaults_is_an_admins_act(
    cli: Cli, staffed: Path, system_config: Path, tmp_path: Path
) -> None:
    # A duty teacher mapped in the config, on a database they do not own, loads a playbook.
    config = write_config(
        tmp_path / "duty.toml",
        url=f"sqlite:///{staffed}",
        extra=f'[access]\nunix_users = {{ "{unix_user()}" = "T001" }}\n',
    )
    os.chown(staffed, 12345, -1)
    before = count(staffed, "playbook")
    result = cli("init", "--defaults", DEFAULTS_DIR, "--config", config)
    assert result.code == 1
    assert "role 'duty'" in result.err
    assert count(staffed, "playbook") == before


@needs_root
def test_who_one_is_comes_from_the_uid_not_from_user_or_logname(
    cli: Cli, staffed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = write_config(
        tmp_path / "spoof.toml",
        url=f"sqlite:///{staffed}",
        extra='[access]\nunix_users = { officer = "T002" }\n',
    )
    os.chown(staffed, 12345, -1)  # not the owner: only a mapping could let this account in
    monkeypatch.setenv("USER", "officer")
    monkeypatch.setenv("LOGNAME", "officer")
    assert unix_user() != "officer"
    result = cli("export", "entries", "--config", config)
    assert result.code == 1
    assert f"'{unix_user()}' is not mapped" in result.err


def test_the_sudo_rules_wrapper_takes_no_arguments(monkeypatch: pytest.MonkeyPatch) -> None:
    ran: list[list[str]] = []
    monkeypatch.setattr("duty_console.cli.main", lambda argv: ran.append(list(argv)) or 0)
    assert ssh.main(["--config", "/tmp/evil.toml"]) == 2
    assert ssh.main(["demo"]) == 2
    assert ran == []
    assert ssh.main([]) == 0
    assert ran == [["tui"]]
