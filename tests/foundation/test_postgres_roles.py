"""PostgreSQL has a boundary (issue: security and robustness, point 2), on the real server.

Before: every user had a login that could write every table, and an unmapped user whose config
file he owned was treated as the installer (admin). Now each role has its own login with GRANTs
that match the role x action table, and the installer is the schema owner's login.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import ProgrammingError

from duty_console.db import roles
from duty_console.domain.actors import ROLES
from duty_console.paths import SAMPLE_DIR
from tests.foundation.helpers import Result, map_me_to, write_config
from tests.pg import PgServer

pytestmark = pytest.mark.postgres
Cli = Callable[..., Result]


@pytest.fixture
def with_roles(cli: Cli, pg_server: PgServer, tmp_path: Path) -> tuple[PgServer, str]:
    """A database initialised by its owner, with the role logins applied."""
    name = pg_server.create_database()
    write_config(tmp_path / "duty-console.toml", pg_server.url(name))
    assert cli("init").code == 0
    assert cli("people", "import", SAMPLE_DIR / "roster.csv").code == 0
    assert cli("staff", "add", "--id", "T001", "--name", "李华", "--role", "duty").code == 0
    result = cli("init", "--roles", "apply")
    assert result.code == 0, result.err
    return pg_server, name


def _as(server: PgServer, name: str, role: str) -> str:
    return server.url(name).replace("postgres@", f"{roles.login(role)}@")


def _run(url: str, sql: str) -> None:
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text(sql))
    finally:
        engine.dispose()


def test_the_role_logins_are_the_apps_roles() -> None:
    assert roles.STAFF_ROLES == ROLES


def test_init_prints_the_sql_for_a_dba(cli: Cli, pg_server: PgServer, tmp_path: Path) -> None:
    write_config(tmp_path / "duty-console.toml", pg_server.url(pg_server.create_database()))
    assert cli("init").code == 0
    result = cli("init", "--roles", "print")
    assert result.code == 0
    assert 'GRANT SELECT, INSERT ON "audit" TO duty_console_duty' in result.out
    assert 'GRANT INSERT, UPDATE, DELETE ON "staff" TO duty_console_admin' in result.out


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit SET actor = 'T001'",
        "DELETE FROM audit",
        "UPDATE audit SET details = '{}', target = '', purged = true",  # a "purge" by duty
        "UPDATE staff SET role = 'admin' WHERE staff_id = 'T001'",
        "INSERT INTO staff (staff_id, name, role, pin_hash, active, created_at, created_by, gate,"
        " updated_at) VALUES ('T666', 'x', 'admin', '', true, now(), 'x', '', now())",
        "DELETE FROM entry",
        "UPDATE playbook SET title_en = 'x'",
        "UPDATE person SET name = 'x'",
    ],
)
def test_a_duty_login_cannot_do_by_hand_what_the_app_refuses(
    with_roles: tuple[PgServer, str], sql: str
) -> None:
    server, name = with_roles
    with pytest.raises(ProgrammingError, match="permission denied"):
        _run(_as(server, name, "duty"), sql)


def test_a_duty_login_does_the_gates_work(with_roles: tuple[PgServer, str]) -> None:
    server, name = with_roles
    _run(
        _as(server, name, "duty"),
        "INSERT INTO entry (at, device, person_id, temp_c, mode, status, reason, note,"
        " created_at, created_by, gate) VALUES (now(), 'manual', 'S1001', 36.5, 'contact',"
        " 'normal', '', '', now(), 'T001', 'north')",
    )


def test_only_the_admin_login_purges_and_nobody_edits_the_trail(
    with_roles: tuple[PgServer, str],
) -> None:
    server, name = with_roles
    admin = _as(server, name, "admin")
    _run(admin, "UPDATE audit SET target = '', details = '{}', purged = true WHERE id = 1")
    with pytest.raises(ProgrammingError, match="permission denied"):
        _run(admin, "UPDATE audit SET actor = 'x' WHERE id = 2")
    with pytest.raises(Exception, match="append-only"):
        _run(admin, "UPDATE audit SET target = 'forged' WHERE id = 2")


def test_a_duty_logins_user_is_neither_the_installer_nor_allowed_to_export(
    cli: Cli, with_roles: tuple[PgServer, str], tmp_path: Path
) -> None:
    server, name = with_roles
    # His own config (he owns it), his role's login: before, he was taken for the installer.
    config = write_config(tmp_path / "mine.toml", _as(server, name, "duty"))
    added = cli(
        "staff", "add", "--id", "T099", "--name", "x", "--role", "admin", "--config", config
    )
    assert added.code == 1 and "is not mapped" in added.err
    export = cli("export", "entries", "--config", config)
    assert export.code == 1
    mapped = write_config(
        tmp_path / "mapped.toml", _as(server, name, "duty"), extra=map_me_to("T001")
    )
    export = cli("export", "entries", "--config", mapped)
    assert export.code == 1 and "role 'duty'" in export.err


def _count(url: str, sql: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text(sql)).scalar_one())
    finally:
        engine.dispose()


def _entry(at: str, status: str, person: str = "S1001", resolved: str = "NULL") -> str:
    return (
        "INSERT INTO entry (at, device, person_id, temp_c, mode, status, reason, note,"
        " resolved_at, created_at, created_by, gate) VALUES"
        f" ({at}, 'north-ir-1', '{person}', 36.5, 'ir', '{status}', '', '', {resolved},"
        " now(), 'engine:north', 'north')"
    )


def test_a_duty_login_cannot_read_the_export_only_the_gates_recent_days(
    cli: Cli, with_roles: tuple[PgServer, str], tmp_path: Path
) -> None:
    """The history the export and the reports read (a month of minors' temperatures) is not
    the duty login's: it sees the last days and the fevers still awaiting a recheck, which is
    what the gate screen and the engine need; the officer's login sees everything."""
    server, name = with_roles
    owner = server.url(name)
    old = f"now() - interval '{roles.DUTY_HISTORY_DAYS + 23} days'"
    for sql in (
        _entry(old, "normal"),
        _entry(old, "fever_confirmed", resolved=old),
        _entry(old, "fever", person="S1002"),  # never rechecked: still the gate's business
        _entry("now() - interval '1 day'", "normal"),
        _entry("now()", "normal"),
    ):
        _run(owner, sql)
    duty, officer = _as(server, name, "duty"), _as(server, name, "officer")
    assert _count(officer, "SELECT count(*) FROM entry") == 5
    assert _count(duty, "SELECT count(*) FROM entry") == 3
    assert _count(duty, f"SELECT count(*) FROM entry WHERE at < {old} + interval '1 hour'") == 1
    # What the app's export asks, by hand: the old day is not there for duty.
    export_sql = (
        "SELECT count(*) FROM entry LEFT JOIN person ON person.person_id = entry.person_id"
        f" WHERE entry.at < now() - interval '{roles.DUTY_HISTORY_DAYS} days'"
    )
    assert _count(duty, export_sql) == 1  # only the open fever
    assert _count(officer, export_sql) == 3
    # The gate still works: its readings go in, and its open fever can be resolved.
    _run(duty, _entry("now()", "recheck_normal", person="S1002"))
    _run(
        duty,
        "UPDATE entry SET resolved_at = now() WHERE person_id = 'S1002' AND status = 'fever'",
    )
    # Resolved today, that fever stays in sight for the days of the window.
    assert _count(duty, "SELECT count(*) FROM entry") == 4
    # An old entry cannot be changed by the duty login either.
    _run(duty, "UPDATE entry SET note = 'x' WHERE status = 'fever_confirmed'")
    assert _count(owner, "SELECT count(*) FROM entry WHERE note = 'x'") == 0
