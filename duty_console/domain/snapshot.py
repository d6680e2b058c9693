"""One snapshot of everything live (``duty-console status``, DESIGN §3.4)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from duty_console.db.models import Incident
from duty_console.domain import clusters, health, people_day, supplies
from duty_console.domain import timers as timers_domain
from duty_console.domain.clock import BootInstant
from duty_console.domain.entries import fever_status
from duty_console.domain.rooms import rooms_status
from duty_console.domain.screening import Rules
from duty_console.domain.walkthrough import incidents_status


def _iso(value: datetime | None, tz: Any) -> str | None:
    return None if value is None else value.astimezone(tz).isoformat(timespec="seconds")


def snapshot(
    session: Session,
    *,
    site_name: str,
    gate: str,
    tz: Any,
    now: datetime,
    rules: Rules | None = None,
    timers_schedule: timers_domain.Schedule | None = None,
    remind_before_min: int = 15,
    boot: BootInstant | None = None,
    db_path: Path | None = None,
) -> dict[str, Any]:
    """``boot``: now on this PC's boot clock (a running airing's countdown, see timers);
    ``db_path``: the SQLite file, whose disk tells a full one (``health.engine_trouble``)."""
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
            # Readings the engine dropped, its backlog full during a long outage.
            "readings_dropped": d.readings_dropped,
            "dropped_at": _iso(d.dropped_at, tz),
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
            # "" | "disk_full" | "not_writing": why it does not beat, where that is known.
            "trouble": health.engine_trouble(engine, db_path),
        },
        "devices": devices,
        "timers": timers_domain.status_timers(
            session, now, timers_schedule or timers_domain.Schedule(tz=tz), boot
        ),
        "rooms": rooms_status(session),
        "incidents": incidents_status(session, now),
        "cluster_proposals": clusters.proposals_status(session, now, tz),
        "supplies_low": supplies.supplies_low(session),
        **fever_status(session, now, rules or Rules(), tz),
        # on_duty, shift_ending, class_checks, watch_unchecked, absences_open (issue 11).
        **people_day.status(session, now, tz, remind_before_min),
    }


def _hide_people(value: Any) -> Any:
    if isinstance(value, list):
        return [_hide_people(v) for v in value]
    if not isinstance(value, dict):
        return value
    out = {k: _hide_people(v) for k, v in value.items()}
    if "person_id" in out:
        out["person_id"] = None
    if "occupants" in out:
        out["occupant_count"] = len(out["occupants"])
        out["occupants"] = []
    return out


def without_people(snap: dict[str, Any]) -> dict[str, Any]:
    """The snapshot for a viewer who may not see who is ill, isolated or under watch (DESIGN
    §5): every ``person_id`` (fevers, rooms, incidents, watches, absences) is None and rooms keep
    a count of their occupants; states, counts and times stay."""
    return {**_hide_people(snap), "people_hidden": True}


def count_open_incidents(session: Session) -> int:
    return int(
        session.exec(
            select(func.count())
            .select_from(Incident)
            .where(Incident.state == "open", col(Incident.drill).is_(False))
        ).one()
    )
