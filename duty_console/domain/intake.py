"""Every reading becomes an entry the same way: screen it, insert it, then what follows from it.

The engine's writer (Core ``executemany`` for its groups), the console's forms and the tests call
these, so a reading typed at the gate and one read from a thermometer are one story:

1. ``screening.screen`` decides the status and the links (before the INSERT);
2. the entry is inserted with ``screening.entry_fields(decision)``;
3. ``after_insert`` closes the fever it rechecked, opens the ``fever-at-gate`` incident a
   confirmed fever asks for (with the steps done at the gate already done), or makes the reading a
   step of the person's open incident.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from duty_console.db.models import Entry, Incident
from duty_console.domain import walkthrough
from duty_console.domain.actors import Actor
from duty_console.domain.clock import SYSTEM_CLOCK, Clock
from duty_console.domain.incidents import attach_reading, open_from_fever
from duty_console.domain.screening import (
    RESOLVED_RECHECKED,
    Decision,
    Rules,
    entry_fields,
    resolve_fever,
    screen,
)


def needs_after(decision: Decision) -> bool:
    """Whether the entry needs ``after_insert`` (the writer inserts the others in bulk)."""
    return bool(decision.recheck_of or decision.opens_incident or decision.incident_id)


def after_insert(
    session: Session,
    actor: Actor,
    decision: Decision,
    entry_id: int,
    *,
    clock: Clock = SYSTEM_CLOCK,
) -> Incident | None:
    """What an inserted entry brings about; returns the incident it opened, if any."""
    if not needs_after(decision):
        return None
    entry = session.get(Entry, entry_id)
    assert entry is not None, entry_id
    if decision.recheck_of is not None:
        resolve_fever(session, decision.recheck_of, entry.at, entry.created_by, RESOLVED_RECHECKED)
    if decision.opens_incident and entry.person_id:
        # A drill's simulated fever belongs to the drill, not to a real incident.
        if walkthrough.drill_for(session, entry) is not None:
            return None
        return open_from_fever(session, actor, entry.person_id, entry, clock=clock)
    if decision.incident_id is not None:
        attach_reading(session, entry)
    return None


def record_reading(
    session: Session,
    actor: Actor,
    rules: Rules,
    *,
    person_id: str | None,
    temp_c: float | None,
    mode: str,
    at: datetime,
    device: str = "manual",
    kind: str = "",
    note: str = "",
    clock: Clock = SYSTEM_CLOCK,
) -> tuple[Entry, Decision]:
    """One reading through the whole path (the ORM way, for the forms and the tests)."""
    decision = screen(session, rules, person_id, temp_c, mode, at)
    entry = Entry(
        at=at,
        gate=actor.gate,
        device=device,
        person_id=person_id,
        temp_c=temp_c,
        mode=mode,
        kind=kind,
        note=note,
        created_at=clock.now(),
        created_by=actor.label,
        **entry_fields(decision),
    )
    session.add(entry)
    session.flush()
    after_insert(session, actor, decision, entry.id, clock=clock)  # type: ignore[arg-type]
    session.refresh(entry)
    return entry, decision
