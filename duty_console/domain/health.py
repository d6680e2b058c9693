"""Engine and device health as every console reads it (written by the gate's engine)."""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import text
from sqlmodel import Session, col, select

from duty_console.db.connect import BUSY_TIMEOUT_MS
from duty_console.db.models import Device, EngineLease
from duty_console.domain import clock

# A heartbeat older than this means the engine holding the lease is gone. It must exceed the
# database's busy timeout: a live engine whose heartbeat waited behind a long write lock (a big
# import, a purge) is not dead, and must not be taken over. On the holder's own host the
# process table answers sooner (``holder_is_dead``) and a live pid is trusted over age.
LEASE_STALE_S = 2 * BUSY_TIMEOUT_MS / 1000


@dataclass(frozen=True, slots=True)
class EngineState:
    gate: str
    alive: bool
    heartbeat_age_s: float | None
    holder: str


@dataclass(frozen=True, slots=True)
class DeviceHealth:
    name: str
    gate: str
    role: str
    profile: str
    online: bool
    status: str
    frames_ok: int
    frames_bad: int
    sensor_errors: int
    last_frame_at: datetime | None


def boot_id() -> str:
    """This boot of this machine (Linux), short; '' where the kernel does not say."""
    return clock.boot_id()[:8]


def holder_process(holder: str) -> bool | None:
    """Whether the lease holder's process is alive: True/False on its own host, None elsewhere
    (another PC: only the heartbeat's age can tell). Holders are ``host:pid:nonce:boot``.

    A holder from an earlier boot of this host is dead whatever now runs with its pid: after a
    power cut the lease is still in the database, and pids repeat from boot to boot (the new
    engine may even get the old one's), so a live pid alone would keep the gate's engine
    refused for ever.
    """
    host, pid_text, _, boot = [*holder.split(":"), "", "", ""][:4]
    if host != socket.gethostname() or not pid_text.isascii() or not pid_text.isdigit():
        return None
    if boot and boot != boot_id():
        return False
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another account's live process
    return True


def server_now(session: Session) -> datetime | None:
    """The database server's clock (PostgreSQL), or None (SQLite: one PC and its own clock).

    Gate PCs sharing a server may disagree by an hour (a dead RTC battery, a time zone fixed
    by hand); leases written and judged on the server's clock are not fooled by that: an
    engine on a slow PC is neither shown stopped elsewhere nor taken over."""
    if session.get_bind().dialect.name != "postgresql":
        return None
    value = session.execute(text("SELECT clock_timestamp()")).scalar_one()
    return value.astimezone(UTC) if isinstance(value, datetime) else None


def lease_live(lease: EngineLease, now: datetime) -> bool:
    """Whether a lease may not be taken over: on the holder's host its process decides (a live
    pid is trusted over the heartbeat's age); elsewhere the age."""
    alive = holder_process(lease.holder)
    if alive is not None:
        return alive
    return (now - lease.heartbeat_at).total_seconds() < LEASE_STALE_S


def engine_state(session: Session, gate: str, now: datetime) -> EngineState:
    lease = session.get(EngineLease, gate)
    if lease is None:
        return EngineState(gate, False, None, "")
    now = server_now(session) or now
    age = max(0.0, (now - lease.heartbeat_at).total_seconds())
    # Shown alive only while it beats: a live process whose engine hangs is not "engine ok".
    alive = age < LEASE_STALE_S and holder_process(lease.holder) is not False
    return EngineState(gate, alive, round(age, 1), lease.holder)


def devices(session: Session, gate: str | None = None) -> list[DeviceHealth]:
    stmt = select(Device).order_by(col(Device.gate), col(Device.name))
    if gate:
        stmt = stmt.where(Device.gate == gate)
    return [
        DeviceHealth(
            d.name,
            d.gate,
            d.role,
            d.profile,
            d.online,
            d.status,
            d.frames_ok,
            d.frames_bad,
            d.sensor_errors,
            d.last_frame_at,
        )
        for d in session.exec(stmt)
    ]


def devices_online(session: Session, gate: str, engine_alive: bool) -> tuple[int, int]:
    """(online, total) for the header; with no live engine nothing is online."""
    found = devices(session, gate)
    online = sum(1 for d in found if d.online) if engine_alive else 0
    return online, len(found)
