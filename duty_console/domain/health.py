"""Engine and device health as every console reads it (written by the gate's engine)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from duty_console.db.models import Device, EngineLease

# A heartbeat older than this means the engine holding the lease is gone.
LEASE_STALE_S = 6.0


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


def engine_state(session: Session, gate: str, now: datetime) -> EngineState:
    lease = session.get(EngineLease, gate)
    if lease is None:
        return EngineState(gate, False, None, "")
    age = max(0.0, (now - lease.heartbeat_at).total_seconds())
    return EngineState(gate, age < LEASE_STALE_S, round(age, 1), lease.holder)


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
