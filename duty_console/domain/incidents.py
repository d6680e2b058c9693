"""Incidents: a playbook worked step by step, for real or as a drill."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from duty_console.db.models import Entry, Incident, IncidentStep, PlaybookStep
from duty_console.domain import audit
from duty_console.domain.actors import Actor
from duty_console.domain.clock import SYSTEM_CLOCK, Clock
from duty_console.domain.defaults import latest_playbook
from duty_console.domain.permissions import require
from duty_console.errors import NotFound
from duty_console.i18n import N_

FEVER_AT_GATE = "fever-at-gate"
# A step to do "immediately" (limit 0) is due this many minutes after the incident opens.
IMMEDIATELY_MIN = 5
# Step timing (PlaybookStep.timed_from): from the opening, or from the person's departure.
FROM_OPENING = "opening"
FROM_DEPARTURE = "departure"


@dataclass(frozen=True, slots=True)
class GateEvent:
    """A step already done at the gate when the incident opens: which reading, when, by whom."""

    event: str  # a PlaybookStep.gate_event: "fever", "recheck", "contact"
    entry_id: int
    at: datetime
    by: str


def step_text(text: str, fever_line_c: float) -> str:
    """A playbook text with the site's fever line in place of ``{fever_line}``."""
    return text.replace("{fever_line}", f"{fever_line_c:.1f} °C")


def step_due(step: PlaybookStep, opened_at: datetime) -> datetime | None:
    """When a step falls due; None while it waits for something else (the departure)."""
    if step.timed_from == FROM_DEPARTURE:
        return None
    minutes = step.limit_minutes if step.limit_minutes > 0 else IMMEDIATELY_MIN
    return opened_at + timedelta(minutes=minutes)


def open_incident(
    session: Session,
    actor: Actor,
    playbook_key: str,
    *,
    person_id: str | None = None,
    entry_id: int | None = None,
    drill: bool = False,
    done_at_gate: tuple[GateEvent, ...] = (),
    clock: Clock = SYSTEM_CLOCK,
) -> Incident:
    """Open an incident with a copy of the playbook's steps and their deadlines.

    ``done_at_gate``: what already happened (the first reading, the recheck); the steps whose
    ``gate_event`` matches are done with that entry, its time and who took it.
    """
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
    events = {event.event: event for event in done_at_gate}
    for step in steps:
        done = events.get(step.gate_event) if step.gate_event else None
        session.add(
            IncidentStep(
                incident_id=incident.id,  # type: ignore[arg-type]
                n=step.n,
                title_zh=step.title_zh,
                title_en=step.title_en,
                role=step.role,
                due_at=step_due(step, now),
                timed_from=step.timed_from,
                done_at=done.at if done else None,
                done_by=done.by if done else "",
                entry_id=done.entry_id if done else None,
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


def open_from_fever(
    session: Session, actor: Actor, person_id: str, recheck: Entry, *, clock: Clock = SYSTEM_CLOCK
) -> Incident:
    """A fever confirmed by its recheck: open fever-at-gate with the gate's steps done."""
    events = [GateEvent("recheck", recheck.id, recheck.at, recheck.created_by)]  # type: ignore[arg-type]
    first = session.get(Entry, recheck.recheck_of) if recheck.recheck_of else None
    if first is not None:
        events.insert(0, GateEvent("fever", first.id, first.at, first.created_by))  # type: ignore[arg-type]
    incident = open_incident(
        session,
        actor,
        FEVER_AT_GATE,
        person_id=person_id,
        entry_id=recheck.id,
        done_at_gate=tuple(events),
        clock=clock,
    )
    recheck.incident_id = incident.id
    session.add(recheck)
    session.flush()
    return incident


def attach_reading(session: Session, entry: Entry) -> IncidentStep | None:
    """A reading of a person whose incident is open: it does that incident's matching step.

    The doctor's axillary reading (mode ``contact``) does the "confirm with an axillary
    thermometer" step, if nobody did it yet; the reading stays in the incident's timeline.
    """
    if entry.incident_id is None or entry.mode != "contact" or entry.temp_c is None:
        return None
    step = session.exec(
        select(IncidentStep)
        .join(Incident, col(Incident.id) == col(IncidentStep.incident_id))
        .join(PlaybookStep, col(PlaybookStep.playbook_id) == col(Incident.playbook_id))
        .where(
            IncidentStep.incident_id == entry.incident_id,
            col(PlaybookStep.n) == col(IncidentStep.n),
            PlaybookStep.gate_event == "contact",
            col(IncidentStep.done_at).is_(None),
            IncidentStep.skipped == False,  # noqa: E712
        )
    ).first()
    if step is None:
        return None
    step.done_at = entry.at
    step.done_by = entry.created_by
    step.entry_id = entry.id
    step.note = f"{entry.temp_c:.1f} °C"
    session.add(step)
    session.flush()
    return step
