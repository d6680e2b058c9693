"""Opening what a command needs: settings, the database, and who is acting."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from duty_console.config import Settings, load_settings
from duty_console.db import schema
from duty_console.db.connect import Database, sqlite_path
from duty_console.domain import audit
from duty_console.domain import staff as staff_service
from duty_console.domain.actors import Actor, system_actor
from duty_console.domain.clock import SYSTEM_CLOCK, Clock
from duty_console.domain.screening import Rules
from duty_console.domain.timers import Schedule
from duty_console.errors import ConfigError, PermissionDenied
from duty_console.identity import sudo_user, unix_user
from duty_console.keys import audit_key_path, load_audit_key

__all__ = [
    "Runtime",
    "cli_actor",
    "installer_actor",
    "login_user",
    "open_runtime",
    "runs_as_owner",
    "unix_user",
]


@dataclass
class Runtime:
    settings: Settings
    db: Database
    clock: Clock = field(default=SYSTEM_CLOCK)

    @property
    def gate(self) -> str:
        return self.settings.site.gate

    def reports_folder(self) -> Path | None:
        """Where the daily report's files go: ``[reports] folder``, else a ``reports`` folder
        beside the SQLite database; None with a server database and no folder configured."""
        if self.settings.reports.folder:
            return Path(self.settings.reports.folder)
        if self.db.path is not None:
            return self.db.path.parent / "reports"
        return None

    def backups_folder(self) -> Path | None:
        """Where backups go: ``[backup] folder``, else a ``backups`` folder beside the SQLite
        database; None with a server database (pg_dump backs it up)."""
        if self.db.path is None:
            return None
        if self.settings.backup.folder:
            return Path(self.settings.backup.folder)
        return self.db.path.parent / "backups"

    @property
    def rules(self) -> Rules:
        """The screening rules of DESIGN §3.6, from the config's [screening]."""
        return Rules(**self.settings.screening.rules_values())  # type: ignore[arg-type]


def timers_schedule(rt: Runtime) -> Schedule:
    """The disinfection and ventilation schedule rules of the config's [timers]; the gate
    booth's shift changes are the rota's unless [timers] shift_changes names others."""
    shift_times = [t for s in rt.settings.rota.shifts for t in (s.start, s.end)]
    return Schedule.from_settings(rt.settings.timers, rt.settings.site.tz, shift_times)


def open_runtime(
    config: str | None = None,
    *,
    database_url: str | None = None,
    require_schema: bool = True,
    clock: Clock = SYSTEM_CLOCK,
    create_key: bool = True,
) -> Runtime:
    """``create_key``: make the audit key if there is none (``audit verify`` passes False)."""
    settings = load_settings(config)
    url = database_url or settings.database_url
    path = sqlite_path(url)
    if require_schema and path is not None and not path.exists():
        # Say so without leaving an empty database file behind.
        raise ConfigError(
            f"There is no database at {path} yet; run `duty-console init` to create it "
            "(or set [database] url in the config)."
        )
    key = load_audit_key(audit_key_path(settings), create=create_key)
    db = Database(url, audit_key=key, on_audit_head=audit.publish_head)
    db.check()
    if require_schema and not schema.is_current(db):
        raise ConfigError(
            f"The database at {db.safe_url} has no schema or an old one; "
            "run `duty-console init` first."
        )
    return Runtime(settings=settings, db=db, clock=clock)


def _owned_file(rt: Runtime) -> str | Path | None:
    """The SQLite file, whose owner is the installer."""
    return rt.db.path


def _owns_server_schema(rt: Runtime) -> bool:
    """With PostgreSQL, the installer is whoever logs in as the schema's owner (before init, the
    database's owner), or a superuser (DESIGN §5): owning a config file proves nothing, anyone
    can write one."""
    if rt.db.backend != "postgresql":
        return False
    from sqlalchemy import text

    with rt.db.read() as session:
        owner = session.execute(
            text(
                "SELECT COALESCE("
                " (SELECT tableowner = current_user FROM pg_tables"
                "  WHERE schemaname = current_schema() AND tablename = 'audit'),"
                " (SELECT pg_get_userbyid(datdba) = current_user FROM pg_database"
                "  WHERE datname = current_database()))"
                " OR (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)"
            )
        ).scalar()
    return bool(owner)


def runs_as_owner(rt: Runtime) -> bool:
    owned = _owned_file(rt)
    if owned is None:
        return _owns_server_schema(rt)
    try:
        return os.stat(owned).st_uid == os.getuid()
    except OSError:
        return False


def login_user(rt: Runtime, environ: Mapping[str, str] | None = None) -> tuple[str, bool]:
    """(the person's Unix account, whether they came through sudo).

    On a gate PC the console runs as the account that owns the database (mode 0600), and each
    SSH user reaches it with ``sudo -u <owner> duty-console`` (README, "Over SSH"). sudo sets
    SUDO_USER; it is trusted only when this process really runs as the database's owner, since
    anyone can set the variable in their own shell.
    """
    through = sudo_user(environ)
    if through and runs_as_owner(rt):
        return through, True
    return unix_user(), False


def mapped_staff_id(rt: Runtime) -> str | None:
    user, _ = login_user(rt)
    return rt.settings.access.unix_users.get(user)


def cli_actor(rt: Runtime, via: str = "cli") -> Actor:
    """The staff member behind this Unix account (config [access] unix_users).

    An unmapped account acts as the installer only if it owns the database file (or, with a
    server database, logs in as the schema's owner) and did not come through sudo; anyone else
    is refused.
    """
    user, through_sudo = login_user(rt)
    mapped = rt.settings.access.unix_users.get(user)
    if mapped:
        with rt.db.read() as session:
            staff = staff_service.get(session, mapped)
            return staff_service.actor_for(staff, rt.gate, via)
    if not through_sudo and runs_as_owner(rt):
        return installer_actor(rt, via)
    raise PermissionDenied(
        f"The Unix account {user!r} is not mapped to a staff member; add it to [access] "
        "unix_users in the config, or run this as the account that owns the database."
    )


def installer_actor(rt: Runtime, via: str = "cli") -> Actor:
    actor = system_actor(gate=rt.gate, via=via, name=f"unix:{unix_user()}")
    return Actor(actor.staff_id, actor.name, "admin", rt.gate, via)
