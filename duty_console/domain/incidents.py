"""Incidents: a playbook worked step by step, for real or as a drill."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, col, select

from duty_console.db.models import Incident, IncidentStep, PlaybookStep
from duty_console.domain import audit
from duty_console.domain.actors import Actor
from duty_console.domain.clock import SYSTEM_CLOCK, Clock
from duty_console.domain.defaults import latest_playbook
from duty_console.domain.permissions import require
from duty_console.errors import NotFound
from duty_console.i18n import N_

FEVER_AT_GATE = "fever-at-gate"


def open_incident(
    session: Session,
    actor: Actor,
    playbook_key: str,
    *,
    person_id: str | None = None,
    entry_id: int | None = None,
    drill: bool = False,
    clock: Clock = SYSTEM_CLOCK,
) -> Incident:
    """Open an incident with a copy of the playbook's steps and their deadlines."""
    require(actor, "incident.open")
    playbook = latest_playbook(session, playbook_key)
    if playbook is None:
        raise NotFound(
            N_("There is no playbook '{key}'; run `duty-console init` to load the defaults."),
            key=playbook_key,
        )
    now = clock.now()
    incident = Incident(
        playbook_id=playbook.id,  # type: ignore[arg-type]
        playbook_key=playbook.key,
        drill=drill,
        person_id=person_id,
        entry_id=entry_id,
        opened_at=now,
        created_at=now,
        created_by=actor.label,
        gate=actor.gate,
    )
    session.add(incident)
    session.flush()
    steps = session.exec(
        select(PlaybookStep)
        .where(PlaybookStep.playbook_id == playbook.id)
        .order_by(col(PlaybookStep.n))
    )
    for step in steps:
        due = now + timedelta(minutes=step.limit_minutes) if step.limit_minutes > 0 else None
        session.add(
            IncidentStep(
                incident_id=incident.id,  # type: ignore[arg-type]
                n=step.n,
                title_zh=step.title_zh,
                title_en=step.title_en,
                role=step.role,
                due_at=due,
                created_at=now,
                created_by=actor.label,
                gate=actor.gate,
            )
        )
    session.flush()
    audit.append(
        session,
        actor,
        "incident.open",
        f"incident:{incident.id}",
        {
            "playbook": playbook.key,
            "version": playbook.version,
            "person_id": person_id,
            "entry_id": entry_id,
            "drill": drill,
        },
        clock=clock,
    )
    return incident
