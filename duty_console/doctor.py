"""``duty-console doctor``: what is wrong with config, database, ports and lease, and the fix."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from duty_console.config import load_settings
from duty_console.db import schema
from duty_console.db.connect import DISK_NEARLY_FULL, Database
from duty_console.domain import health
from duty_console.domain.clock import SYSTEM_CLOCK
from duty_console.errors import UserError


def _line(ok: bool | None, text: str) -> bool:
    mark = {True: "ok  ", False: "FAIL", None: "warn"}[ok]
    print(f"[{mark}] {text}")
    return ok is not False


def run_doctor(config: str | None) -> int:
    good = True
    try:
        settings = load_settings(config)
    except UserError as exc:
        _line(False, f"config: {exc}")
        return 1
    good &= _line(True, f"config: {settings.source or 'none found; using the defaults'}")
    db = Database(settings.database_url)
    try:
        db.check()
    except UserError as exc:
        _line(False, str(exc))
        return 1
    good &= _line(True, f"database reachable: {db.safe_url}")
    if db.path is not None:
        mode = db.path.stat().st_mode & 0o777
        good &= _line(
            mode & 0o077 == 0 or None,
            f"database file mode {mode:o}"
            + ("" if mode & 0o077 == 0 else f"; others can read it: chmod 600 {db.path}"),
        )
        good &= _check_space(db.path)
    current = schema.is_current(db)
    good &= _line(
        current, "schema current" if current else "schema missing or old: run `duty-console init`"
    )
    engine_alive = False
    if current:
        with db.read() as session:
            state = health.engine_state(session, settings.site.gate, SYSTEM_CLOCK.now())
        engine_alive = state.alive
        if state.alive:
            _line(
                True,
                f"engine lease for gate {settings.site.gate!r}: held by {state.holder} "
                f"(heartbeat {state.heartbeat_age_s} s ago)",
            )
        elif state.holder:
            _line(
                None,
                f"engine lease for gate {settings.site.gate!r}: stale ({state.holder}, "
                f"{state.heartbeat_age_s} s ago); the next engine takes it over",
            )
        else:
            _line(
                None,
                f"no engine runs gate {settings.site.gate!r}: start `duty-console serve` "
                "or the console",
            )
    if not settings.devices:
        _line(None, "no [[devices]] configured")
    for dev in settings.devices:
        good &= _check_port(dev.name, dev.port, engine_alive)
    return 0 if good else 1


# Less than this free beside the database is worth a warning (a day of a busy gate's log).
LOW_SPACE = 64 << 20


def _check_space(path: Path) -> bool:
    """A full disk stops every write (the engine keeps its readings in memory meanwhile)."""
    try:
        free = shutil.disk_usage(path.parent).free
    except OSError as exc:
        return _line(None, f"free space beside the database: unknown ({exc.strerror})")
    if free < DISK_NEARLY_FULL:
        return _line(
            False,
            f"the disk holding {path} is full ({free // 1024} KB free): nothing can be "
            "recorded; free some space (old logs, backups) and the engine writes what it holds",
        )
    mb = free / 2**20
    if free < LOW_SPACE:
        return _line(None, f"only {mb:.0f} MB free beside the database; free some space soon")
    return _line(True, f"{mb:.0f} MB free beside the database")


def _check_port(name: str, port: str, engine_alive: bool) -> bool:
    if "://" in port:
        return _line(None, f"device {name}: {port} is a network URL; not probed")
    path = Path(port)
    if not path.exists():
        hint = " (a /dev/serial/by-id name appears only while the device is plugged in)"
        return _line(
            False, f"device {name}: {port} does not exist{hint if 'by-id' in port else ''}"
        )
    if not os.access(path, os.R_OK | os.W_OK):
        return _line(
            False,
            f"device {name}: no permission on {port}; add this account to the 'dialout' group",
        )
    if engine_alive:
        return _line(True, f"device {name}: {port} present (in use by the running engine)")
    try:
        from devices.transport import open_port

        open_port(str(path), 9600, 0.1).close()
    except Exception as exc:  # report any failure to open as the device's problem
        return _line(False, f"device {name}: {port} cannot be opened ({exc})")
    return _line(True, f"device {name}: {port} opens")
