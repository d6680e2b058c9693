"""Opening what a command needs: settings, the database, and who is acting."""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass, field

from duty_console.config import Settings, load_settings
from duty_console.db import schema
from duty_console.db.connect import Database
from duty_console.domain import staff as staff_service
from duty_console.domain.actors import Actor, system_actor
from duty_console.domain.clock import SYSTEM_CLOCK, Clock
from duty_console.errors import ConfigError, PermissionDenied, UserError


@dataclass
class Runtime:
    settings: Settings
    db: Database
    clock: Clock = field(default=SYSTEM_CLOCK)

    @property
    def gate(self) -> str:
        return self.settings.site.gate


def open_runtime(
    config: str | None = None,
    *,
    database_url: str | None = None,
    require_schema: bool = True,
    clock: Clock = SYSTEM_CLOCK,
) -> Runtime:
    settings = load_settings(config)
    url = database_url or settings.database_url
    db = Database(url)
    db.check()
    if require_schema and not schema.is_current(db):
        raise ConfigError(
            f"The database at {db.safe_url} has no schema or an old one; "
            "run `duty-console init` first."
        )
    return Runtime(settings=settings, db=db, clock=clock)


def unix_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return str(os.getuid())


def cli_actor(rt: Runtime, via: str = "cli") -> Actor:
    """The staff member behind this Unix account (config [access] unix_users).

    An unmapped account acts as the installer only if it owns the database file (or, with a
    server database, the config file); anyone else is refused.
    """
    user = unix_user()
    mapped = rt.settings.access.unix_users.get(user)
    if mapped:
        with rt.db.read() as session:
            staff = staff_service.get(session, mapped)
            return staff_service.actor_for(staff, rt.gate, via)
    owned = (
        rt.db.path
        if rt.db.path is not None
        else (None if rt.settings.source is None else rt.settings.source)
    )
    if owned is not None:
        try:
            if os.stat(owned).st_uid == os.getuid():
                actor = system_actor(gate=rt.gate, via=via, name=f"unix:{user}")
                return Actor(actor.staff_id, actor.name, "admin", rt.gate, via)
        except OSError:
            pass
    raise PermissionDenied(
        f"The Unix account {user!r} is not mapped to a staff member; add it to [access] "
        "unix_users in the config, or run this as the account that owns the database."
    )


def ensure(condition: bool, message: str) -> None:
    if not condition:
        raise UserError(message)
