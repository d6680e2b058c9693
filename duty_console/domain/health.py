"""Engine and device health as every console reads it (written by the gate's engine)."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, text
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from duty_console.db.connect import BUSY_TIMEOUT_MS, DISK_NEARLY_FULL
from duty_console.db.models import AuditRecord, Device, EngineLease, Entry
from duty_console.domain import clock

# A heartbeat older than this means the engine holding the lease is gone. It must exceed the
# database's busy timeout: a live engine whose heartbeat waited behind a long write lock (a big
# import, a purge) is not dead, and must not be taken over. On the holder's own host the
# process table answers sooner (``holder_is_dead``) and a live pid is trusted over age.
LEASE_STALE_S = 2 * BUSY_TIMEOUT_MS / 1000
# A heartbeat this old (a few missed beats: the engine beats every second) makes a console look
# for a reason it can know (``engine_trouble``).
QUIET_S = 5.0
# Why an engine does not beat, where a console can tell (``engine_trouble``).
TROUBLE_DISK_FULL, TROUBLE_NOT_WRITING = "disk_full", "not_writing"


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
    readings_dropped: int = 0
    dropped_at: datetime | None = None


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


def disk_full(path: Path) -> bool:
    """Whether the disk holding the SQLite file ``path`` has no room left (one statvfs)."""
    try:
        st = os.statvfs(path.parent)
    except OSError:
        return False
    return st.f_bavail * st.f_frsize < DISK_NEARLY_FULL


def engine_trouble(state: EngineState, db_path: Path | None, write_full: bool = False) -> str:
    """Why the gate's engine does not beat, where a console can know it; "" while it beats, or
    when it stopped (no lease: a clean stop releases it; its process gone on this PC).

    - ``disk_full``: the disk holding the SQLite file is full, or (``write_full``) a write of
      this console was refused for a full disk lately (PostgreSQL: the server's disk, which a
      console cannot look at; ``Database.disk_full_seen``). The engine can write neither its
      readings (it holds them in memory, see ``ingest.MAX_PENDING``) nor its heartbeat, so it
      would look stopped. Looked at (one statvfs) once the heartbeat is ``QUIET_S`` old.
    - ``not_writing``: the lease is still held, by a live process on this PC or by another PC
      we cannot look into, and its heartbeat is stale: the database refuses its writes
      (PostgreSQL's disk full, its lease's row locked), or it hangs. Not "stopped": nobody
      knows that it did.
    """
    if not state.holder or state.heartbeat_age_s is None:
        return ""
    if state.heartbeat_age_s >= QUIET_S and (
        write_full or (db_path is not None and disk_full(db_path))
    ):
        return TROUBLE_DISK_FULL
    if state.alive or holder_process(state.holder) is False:
        return ""
    return TROUBLE_NOT_WRITING


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
            d.readings_dropped,
            d.dropped_at,
        )
        for d in session.exec(stmt)
    ]


# Readings dropped within this long are shown in every console's header.
LOST_SHOWN_S = 24 * 3600


def readings_lost(found: Iterable[DeviceHealth], now: datetime) -> int:
    """Readings the engine dropped (its backlog full during a long outage), counted over the
    devices (of one gate: ``devices(session, gate)``) that dropped one in the last
    ``LOST_SHOWN_S``: the header shows them."""
    return sum(
        d.readings_dropped
        for d in found
        if d.dropped_at is not None and (now - d.dropped_at).total_seconds() < LOST_SHOWN_S
    )


def devices_online(
    session: Session, gate: str, engine_alive: bool, found: list[DeviceHealth] | None = None
) -> tuple[int, int]:
    """(online, total) for the header; with no live engine nothing is online. ``found``: the
    gate's devices, if already read."""
    found = devices(session, gate) if found is None else found
    online = sum(1 for d in found if d.online) if engine_alive else 0
    return online, len(found)


def live_mark(session: Session, gate: str) -> tuple[int, int, int]:
    """(newest audit record, newest entry, this gate's devices marked online) in one statement:
    what a console compares after each commit it is told of, to tell a change it shows from an
    engine's heartbeat (every second) before it reads the whole live state."""
    stmt = sa_select(
        sa_select(func.coalesce(func.max(AuditRecord.id), 0)).scalar_subquery(),
        sa_select(func.coalesce(func.max(Entry.id), 0)).scalar_subquery(),
        sa_select(func.count())
        .select_from(Device)
        .where(col(Device.gate) == gate, col(Device.online).is_(True))
        .scalar_subquery(),
    )
    audit_head, newest, online = session.execute(stmt).one()
    return int(audit_head), int(newest), int(online)
