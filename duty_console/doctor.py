"""``duty-console doctor``: what is wrong with config, database, ports and lease, and the fix."""

from __future__ import annotations

import contextlib
import grp
import os
import pwd
import shutil
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from duty_console.config import load_settings
from duty_console.db import schema
from duty_console.db.connect import DISK_NEARLY_FULL, Database
from duty_console.domain import calibration, health
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
    local = [d.port for d in settings.devices if "://" not in d.port]
    if local:
        good &= _check_serial_setup(local)
    if current:
        thermometers = [d.name for d in settings.devices if d.role == "thermometer"]
        every = settings.calibration.every_days
        now = SYSTEM_CLOCK.now()
        with db.read() as session:
            late = calibration.unchecked(session, thermometers, now, every)
        for u in late:
            when = "never" if u.last_at is None else f"{u.days(now)} days ago"
            _line(
                None,
                f"device {u.device}: last checked against a reference {when} "
                f"([calibration] every_days = {every}); check it and record it with "
                f"`duty-console device calibrate {u.device} --reference contact ...`",
            )
    return 0 if good else 1


@dataclass(frozen=True)
class SerialAdapter:
    """A USB serial port as the kernel sees it (sysfs)."""

    tty: str  # ttyUSB0
    vendor: str  # 1a86
    product: str  # 7523
    serial: str  # "" when the adapter has none (CH340, most PL2303)
    name: str  # the adapter's product string, for the message


def serial_adapters(sys_class_tty: Path = Path("/sys/class/tty")) -> list[SerialAdapter]:
    """Every ttyUSB/ttyACM port with its USB vendor, product and serial number."""
    found = []
    for entry in sorted(sys_class_tty.glob("tty[UA][SC][BM]*")):
        usb = entry.resolve()
        while usb != usb.parent and not (usb / "idVendor").is_file():
            usb = usb.parent
        if not (usb / "idVendor").is_file():
            continue

        def read(name: str, usb: Path = usb) -> str:
            try:
                return (usb / name).read_text("utf-8", "replace").strip()
            except OSError:
                return ""

        found.append(
            SerialAdapter(
                entry.name, read("idVendor"), read("idProduct"), read("serial"), read("product")
            )
        )
    return found


def ambiguous_adapters(adapters: list[SerialAdapter]) -> list[list[SerialAdapter]]:
    """Groups of two or more identical adapters without a serial number: udev gives them one
    /dev/serial/by-id name, so that link reaches only one of them (whichever came last)."""
    groups: dict[tuple[str, str], list[SerialAdapter]] = defaultdict(list)
    for a in adapters:
        if not a.serial:
            groups[(a.vendor, a.product)].append(a)
    return [g for g in groups.values() if len(g) > 1]


def modem_manager_running(proc: Path = Path("/proc")) -> bool:
    """ModemManager probes new ttyACM/ttyUSB ports with AT commands for half a minute."""
    for comm in proc.glob("[0-9]*/comm"):
        try:
            if comm.read_text().strip() == "ModemManager":
                return True
        except OSError:
            continue
    return False


def account_groups(uid: int | None = None) -> tuple[str, set[str]]:
    """(the account's name, the names of its groups) from the uid, never $USER."""
    entry = pwd.getpwuid(os.getuid() if uid is None else uid)
    names = {g.gr_name for g in grp.getgrall() if entry.pw_name in g.gr_mem}
    with contextlib.suppress(KeyError):
        names.add(grp.getgrgid(entry.pw_gid).gr_name)
    return entry.pw_name, names


def _check_serial_setup(
    ports: list[str],
    *,
    uid: int | None = None,
    sys_class_tty: Path = Path("/sys/class/tty"),
    proc: Path = Path("/proc"),
) -> bool:
    """The gate account's groups, ModemManager, and adapters udev cannot tell apart."""
    good = True
    uid = os.getuid() if uid is None else uid
    user, groups = account_groups(uid)
    if uid != 0 and "dialout" not in groups:
        good &= _line(
            False,
            f"the account {user} is not in the 'dialout' group, which owns the serial ports: "
            f"`sudo usermod -aG dialout {user}`, then log in again (the service unit adds the "
            "group itself: SupplementaryGroups=dialout)",
        )
    if modem_manager_running(proc):
        _line(
            None,
            "ModemManager is running: it probes new serial ports with AT commands, which "
            "garbles a device for its first half minute. Install deploy/99-duty-console.rules "
            "(ID_MM_DEVICE_IGNORE) or `sudo systemctl disable --now ModemManager`",
        )
    for group in ambiguous_adapters(serial_adapters(sys_class_tty)):
        ttys = ", ".join(a.tty for a in group)
        first = group[0]
        name = first.name or "USB serial"
        by_id = [p for p in ports if "/dev/serial/by-id/" in p]
        good &= _line(
            False if by_id else None,
            f"{len(group)} identical {name} adapters ({first.vendor}:{first.product}, {ttys}) "
            "have no serial number, so /dev/serial/by-id has one link for all of them: use "
            "/dev/serial/by-path/... (the USB socket) or a udev symlink per port "
            "(deploy/99-duty-console.rules)",
        )
    return good


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
