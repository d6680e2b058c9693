"""One snapshot of everything live (``duty-console status``, DESIGN §3.4)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from duty_console.db.models import Incident, Shift, Staff
from duty_console.domain import clusters, health
from duty_console.domain import timers as timers_domain
from duty_console.domain.entries import fever_status
from duty_console.domain.rooms import rooms_status
from duty_console.domain.screening import Rules
from duty_console.domain.walkthrough import incidents_status


def _iso(value: datetime | None, tz: Any) -> str | None:
    return None if value is None else value.astimezone(tz).isoformat(timespec="seconds")


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
    timers_schedule: timers_domain.Schedule | None = None,
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
        "timers": timers_domain.status_timers(
            session, now, timers_schedule or timers_domain.Schedule(tz=tz)
        ),
        "rooms": rooms_status(session),
        "incidents": incidents_status(session, now),
        "cluster_proposals": clusters.proposals_status(session, now, tz),
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
            select(func.count())
            .select_from(Incident)
            .where(Incident.state == "open", col(Incident.drill).is_(False))
        ).one()
    )
