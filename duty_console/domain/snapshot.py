"""One snapshot of everything live (``duty-console status``, DESIGN §3.4)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from duty_console.db.models import (
    Incident,
    IncidentStep,
    IsolationRoom,
    IsolationStay,
    Shift,
    Staff,
)
from duty_console.domain import health
from duty_console.domain.entries import fever_status
from duty_console.domain.screening import Rules


def _iso(value: datetime | None, tz: Any) -> str | None:
    return None if value is None else value.astimezone(tz).isoformat(timespec="seconds")


def rooms(session: Session) -> list[dict[str, Any]]:
    out = []
    for room in session.exec(select(IsolationRoom).order_by(col(IsolationRoom.code))):
        occupants = list(
            session.exec(
                select(IsolationStay.person_id).where(
                    IsolationStay.room_code == room.code, col(IsolationStay.left_at).is_(None)
                )
            )
        )
        out.append(
            {
                "name": room.name_en,
                "name_zh": room.name_zh,
                "code": room.code,
                "state": room.state,
                "occupants": occupants,
            }
        )
    return out


def incidents(session: Session, now: datetime) -> list[dict[str, Any]]:
    out = []
    stmt = select(Incident).where(Incident.state == "open").order_by(col(Incident.id))
    for inc in session.exec(stmt):
        steps = list(session.exec(select(IncidentStep).where(IncidentStep.incident_id == inc.id)))
        done = sum(1 for s in steps if s.done_at is not None or s.skipped)
        overdue = sum(
            1
            for s in steps
            if s.done_at is None and not s.skipped and s.due_at is not None and s.due_at < now
        )
        out.append(
            {
                "id": inc.id,
                "playbook": inc.playbook_key,
                "drill": inc.drill,
                "state": inc.state,
                "person_id": inc.person_id,
                "steps_total": len(steps),
                "steps_done": done,
                "overdue_steps": overdue,
            }
        )
    return out


def on_duty(session: Session, now: datetime) -> list[dict[str, Any]]:
    stmt = (
        select(Shift, Staff)
        .join(Staff, col(Staff.staff_id) == col(Shift.staff_id))
        .where(col(Shift.starts_at) <= now, col(Shift.ends_at) > now)
        .where(col(Shift.signed_out_at).is_(None))
    )
    return [
        {"staff_id": st.staff_id, "name": st.name, "role": sh.role} for sh, st in session.exec(stmt)
    ]


def snapshot(
    session: Session,
    *,
    site_name: str,
    gate: str,
    tz: Any,
    now: datetime,
    rules: Rules | None = None,
) -> dict[str, Any]:
    engine = health.engine_state(session, gate, now)
    devices = [
        {
            "name": d.name,
            "gate": d.gate,
            "role": d.role,
            "profile": d.profile,
            "online": d.online and engine.alive,
            "status": d.status,
            "frames_ok": d.frames_ok,
            "frames_bad": d.frames_bad,
            "sensor_errors": d.sensor_errors,
            "last_frame_at": _iso(d.last_frame_at, tz),
        }
        for d in health.devices(session, gate)
    ]
    return {
        "site": {"name": site_name, "gate": gate},
        "engine": {
            "gate": gate,
            "alive": engine.alive,
            "heartbeat_age_s": engine.heartbeat_age_s,
            "holder": engine.holder,
        },
        "devices": devices,
        # Timers arrive with the timers issue; the key is here so scripts can rely on it.
        "timers": [],
        "rooms": rooms(session),
        "incidents": incidents(session, now),
        "on_duty": on_duty(session, now),
        **fever_status(session, now, rules or Rules(), tz),
    }


def without_people(snap: dict[str, Any]) -> dict[str, Any]:
    """The snapshot for a viewer who may not see who is in isolation or an incident (DESIGN §5):
    rooms keep their state and a count, incidents their progress, without person ids."""
    rooms_seen = [
        {**r, "occupants": [], "occupant_count": len(r["occupants"])} for r in snap["rooms"]
    ]
    incidents_seen = [{**i, "person_id": None} for i in snap["incidents"]]
    return {**snap, "rooms": rooms_seen, "incidents": incidents_seen, "people_hidden": True}


def count_open_incidents(session: Session) -> int:
    return int(
        session.exec(
            select(func.count()).select_from(Incident).where(Incident.state == "open")
        ).one()
    )
