"""Working an incident: do a step (with its required fields), skip it (with a reason), add a
note, acknowledge an overdue step, escalate what nobody acknowledged, close, the timeline, and a
drill's score.

``incidents.open_incident`` copies the playbook's steps; the playbook step (same playbook
version, same ``n``) still says which fields a step needs, whether it may be skipped and what
its limit counts from, so a running incident keeps the rules of the version it opened with.

Overdue is computed from the records (``due_at`` and done/skipped), never from a scheduler:
an overdue step alerts in every console and re-alerts every ``REALERT_MIN`` minutes until
someone acknowledges it; unacknowledged for ``[incidents] escalate_min`` it escalates one role
up (duty -> officer -> admin), and again after as long.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from duty_console.db.models import (
    Entry,
    Incident,
    IncidentNote,
    IncidentStep,
    IsolationStay,
    Playbook,
    PlaybookStep,
)
from duty_console.domain import audit
from duty_console.domain.actors import Actor, system_actor
from duty_console.domain.clock import SYSTEM_CLOCK, Clock
from duty_console.domain.incidents import FEVER_AT_GATE, FROM_DEPARTURE
from duty_console.domain.permissions import require
from duty_console.errors import NotFound, PermissionDenied, Term, UserError
from duty_console.i18n import N_

REALERT_MIN = 2
# A step timed from the step before it (PlaybookStep.timed_from), besides the opening and the
# departure of incidents.py: its deadline is set when that step is done.
FROM_PREVIOUS = "previous"
# How the timeline names an entry's status (the gate screen's words, the same msgids).
ENTRY_WORDS = {
    "normal": N_("normal"),
    "fever": N_("fever"),
    "recheck_normal": N_("recheck ok"),
    "fever_confirmed": N_("fever confirmed: to the isolation room"),
    "invalid": N_("invalid"),
    "denied": N_("refused"),
}
ESCALATE_MIN = 10
ESCALATION_CHAIN = ("duty", "officer", "admin")
_RANK = {"duty": 0, "doctor": 1, "officer": 2, "admin": 3, "system": 4}


@dataclass(frozen=True)
class StepField:
    label: str  # msgid
    kind: str  # text | temperature


STEP_FIELDS: dict[str, StepField] = {
    "axillary_c": StepField(N_("axillary temperature (C)"), "temperature"),
    "guardian_name": StepField(N_("guardian's name"), "text"),
    "report_ref": StepField(N_("the district's report reference"), "text"),
    "agent": StepField(N_("disinfectant"), "text"),
    "concentration": StepField(N_("concentration"), "text"),
}


@dataclass(frozen=True)
class StepView:
    """An incident step with its playbook rules and its state at ``now``."""

    row: IncidentStep
    fields: tuple[str, ...]
    skippable: bool
    timed_from: str  # opening | previous | departure
    limit_minutes: int
    limit_text_zh: str
    limit_text_en: str
    actor_zh: str
    actor_en: str
    detail_zh: str
    detail_en: str
    requires_note: bool
    state: str  # done | skipped | overdue | open
    owner_role: str  # the step's role, or the role it escalated to

    @property
    def n(self) -> int:
        return self.row.n

    @property
    def finished(self) -> bool:
        return self.state in ("done", "skipped")

    def recorded(self) -> dict[str, str]:
        return json.loads(self.row.fields) if self.row.fields else {}


@dataclass(frozen=True)
class Alert:
    incident_id: int
    drill: bool
    person_id: str | None
    n: int
    title_zh: str
    title_en: str
    role: str
    due_at: datetime
    minutes_over: int
    round: int  # 0 at the first alert, +1 each REALERT_MIN: a console rings when it grows

    @property
    def key(self) -> tuple[int, int, int]:
        return (self.incident_id, self.n, self.round)


def get_incident(session: Session, incident_id: int) -> Incident:
    incident = session.get(Incident, incident_id)
    if incident is None:
        raise NotFound(N_("There is no incident {id}."), id=incident_id)
    return incident


def _open(session: Session, incident_id: int) -> Incident:
    incident = get_incident(session, incident_id)
    if incident.state != "open":
        raise UserError(N_("Incident {id} is closed."), id=incident_id)
    return incident


def _playbook_steps(session: Session, playbook_id: int) -> dict[int, PlaybookStep]:
    return {
        p.n: p
        for p in session.exec(select(PlaybookStep).where(PlaybookStep.playbook_id == playbook_id))
    }


def _state(step: IncidentStep, now: datetime) -> str:
    if step.skipped:
        return "skipped"
    if step.done_at is not None:
        return "done"
    if step.due_at is not None and step.due_at < now:
        return "overdue"
    return "open"


def steps(session: Session, incident: Incident, now: datetime) -> list[StepView]:
    rules = _playbook_steps(session, incident.playbook_id)
    rows = session.exec(
        select(IncidentStep)
        .where(IncidentStep.incident_id == incident.id)
        .order_by(col(IncidentStep.n))
    )
    out = []
    for row in rows:
        p = rules.get(row.n)
        out.append(
            StepView(
                row=row,
                fields=tuple(f for f in (p.fields if p else "").split(",") if f.strip()),
                skippable=bool(p and p.skippable),
                timed_from=p.timed_from if p else row.timed_from,
                limit_minutes=p.limit_minutes if p else 0,
                limit_text_zh=p.limit_text_zh if p else "",
                limit_text_en=p.limit_text_en if p else "",
                actor_zh=p.actor_zh if p else "",
                actor_en=p.actor_en if p else "",
                detail_zh=p.detail_zh if p else "",
                detail_en=p.detail_en if p else "",
                requires_note=bool(p and p.requires_note),
                state=_state(row, now),
                owner_role=row.escalated_to_role or row.role,
            )
        )
    return out


def for_role(views: list[StepView], role: str | None) -> list[StepView]:
    """Open steps first, the role's own before the others (a doctor sees the doctor's first)."""

    def key(v: StepView) -> tuple[int, int, int]:
        mine = role is not None and role in (v.row.role, v.owner_role)
        return (1 if v.finished else 0, 0 if mine else 1, v.n)

    return sorted(views, key=key)


def current_step(views: list[StepView], role: str | None = None) -> StepView | None:
    for v in for_role(views, role):
        if not v.finished:
            return v
    return None


def _step(session: Session, incident: Incident, n: int, now: datetime) -> StepView:
    for v in steps(session, incident, now):
        if v.n == n:
            return v
    raise NotFound(N_("Incident {id} has no step {n}."), id=incident.id, n=n)


def _may_sign(actor: Actor, view: StepView) -> None:
    needed = min(_RANK.get(view.row.role, 0), _RANK.get(view.owner_role, 0))
    if _RANK.get(actor.role, -1) < needed:
        raise PermissionDenied(
            N_("Step {n} is for the role '{role}'; {name} ({actor_role}) may not sign it off."),
            n=view.n,
            role=Term(view.row.role),
            name=actor.name,
            actor_role=Term(actor.role),
        )


def _check_fields(view: StepView, given: dict[str, str]) -> dict[str, str]:
    clean = {k.strip(): str(v).strip() for k, v in given.items() if k.strip()}
    unknown = sorted(set(clean) - set(STEP_FIELDS))
    if unknown:
        raise UserError(
            N_("Unknown field(s) {keys}; the fields are: {known}."),
            keys=", ".join(unknown),
            known=", ".join(STEP_FIELDS),
        )
    missing = [k for k in view.fields if not clean.get(k)]
    if missing:
        raise UserError(
            N_("Step {n} needs: {fields}."),
            n=view.n,
            fields=[Term(STEP_FIELDS[k].label) for k in missing],
        )
    for key, value in clean.items():
        if STEP_FIELDS[key].kind == "temperature":
            try:
                temp = float(value)
            except ValueError:
                raise UserError(
                    N_("'{text}' is not a temperature; type it like 36.8."), text=value
                ) from None
            if not 34.0 <= temp <= 43.0 or math.isnan(temp):
                raise UserError(
                    N_("{temp} is outside 34.0-43.0C; measure again."), temp=f"{temp:.1f}"
                )
            clean[key] = f"{temp:.1f}"
    return clean


def _start_following(session: Session, incident: Incident, done: StepView, at: datetime) -> None:
    """A step whose limit counts from the previous step gets its deadline now."""
    rules = _playbook_steps(session, incident.playbook_id)
    nxt = rules.get(done.n + 1)
    if nxt is None or nxt.timed_from != FROM_PREVIOUS:
        return
    row = session.exec(
        select(IncidentStep).where(IncidentStep.incident_id == incident.id, IncidentStep.n == nxt.n)
    ).first()
    if row is not None and row.done_at is None and not row.skipped:
        row.due_at = at + timedelta(minutes=nxt.limit_minutes)
        session.add(row)


def do_step(
    session: Session,
    actor: Actor,
    incident_id: int,
    n: int,
    *,
    fields: dict[str, str] | None = None,
    note: str = "",
    clock: Clock = SYSTEM_CLOCK,
) -> IncidentStep:
    """Sign a step off as done, with the fields the playbook requires for it."""
    require(actor, "incident.step")
    incident = _open(session, incident_id)
    now = clock.now()
    view = _step(session, incident, n, now)
    if view.finished:
        raise UserError(N_("Step {n} of incident {id} is already signed off."), n=n, id=incident_id)
    _may_sign(actor, view)
    recorded = _check_fields(view, fields or {})
    note = note.strip()
    if view.requires_note and not note and not recorded:
        raise UserError(N_("Step {n} needs a note saying what was done."), n=n)
    row = view.row
    row.done_at = now
    row.done_by = actor.label
    row.note = note
    row.fields = json.dumps(recorded, ensure_ascii=False) if recorded else ""
    session.add(row)
    _start_following(session, incident, view, now)
    session.flush()
    audit.append(
        session,
        actor,
        "incident.step",
        f"incident:{incident_id}",
        {"n": n, "done": True, "fields": recorded, "note": note, "drill": incident.drill},
        clock=clock,
    )
    return row


def skip_step(
    session: Session,
    actor: Actor,
    incident_id: int,
    n: int,
    *,
    reason: str,
    clock: Clock = SYSTEM_CLOCK,
) -> IncidentStep:
    """Skip a step the playbook allows to be skipped, with a reason."""
    require(actor, "incident.step")
    incident = _open(session, incident_id)
    now = clock.now()
    view = _step(session, incident, n, now)
    if view.finished:
        raise UserError(N_("Step {n} of incident {id} is already signed off."), n=n, id=incident_id)
    if not view.skippable:
        raise UserError(N_("Step {n} may not be skipped; it has to be done."), n=n)
    reason = reason.strip()
    if not reason:
        raise UserError(N_("Skipping step {n} needs a reason."), n=n)
    _may_sign(actor, view)
    row = view.row
    row.skipped = True
    row.skip_reason = reason
    row.done_by = actor.label
    row.done_at = now
    session.add(row)
    _start_following(session, incident, view, now)
    session.flush()
    audit.append(
        session,
        actor,
        "incident.step",
        f"incident:{incident_id}",
        {"n": n, "skipped": True, "reason": reason, "drill": incident.drill},
        clock=clock,
    )
    return row


def complete_departure_steps(
    session: Session,
    actor: Actor,
    incident_id: int,
    fields: dict[str, str],
    *,
    clock: Clock = SYSTEM_CLOCK,
) -> None:
    """The room's disinfection signs off the incident's open "after departure" step."""
    incident = session.get(Incident, incident_id)
    if incident is None or incident.state != "open":
        return
    for view in steps(session, incident, clock.now()):
        if view.timed_from == FROM_DEPARTURE and not view.finished:
            do_step(session, actor, incident_id, view.n, fields=fields, clock=clock)


def add_note(
    session: Session,
    actor: Actor,
    incident_id: int,
    text: str,
    *,
    step_n: int | None = None,
    clock: Clock = SYSTEM_CLOCK,
) -> IncidentNote:
    require(actor, "incident.step")
    _open(session, incident_id)
    text = text.strip()
    if not text:
        raise UserError(N_("A note needs some text."))
    now = clock.now()
    note = IncidentNote(
        incident_id=incident_id,
        step_n=step_n,
        text=text,
        created_at=now,
        created_by=actor.label,
        gate=actor.gate,
    )
    session.add(note)
    session.flush()
    audit.append(
        session,
        actor,
        "incident.note",
        f"incident:{incident_id}",
        {"step": step_n, "text": text},
        clock=clock,
    )
    return note


def acknowledge(
    session: Session, actor: Actor, incident_id: int, n: int, *, clock: Clock = SYSTEM_CLOCK
) -> IncidentStep:
    """Someone has seen the overdue step: the alert stops ringing and it does not escalate."""
    require(actor, "incident.step")
    incident = _open(session, incident_id)
    now = clock.now()
    view = _step(session, incident, n, now)
    if view.state != "overdue":
        raise UserError(N_("Step {n} of incident {id} is not overdue."), n=n, id=incident_id)
    row = view.row
    if row.acknowledged_at is None:
        row.acknowledged_at = now
        row.acknowledged_by = actor.label
        session.add(row)
        session.flush()
        audit.append(
            session, actor, "incident.ack", f"incident:{incident_id}", {"n": n}, clock=clock
        )
    return row


def _overdue_rows(session: Session, now: datetime) -> list[tuple[Incident, IncidentStep]]:
    return list(
        session.exec(
            select(Incident, IncidentStep)
            .join(IncidentStep, col(IncidentStep.incident_id) == col(Incident.id))
            .where(Incident.state == "open")
            .where(col(IncidentStep.done_at).is_(None), col(IncidentStep.skipped).is_(False))
            .where(col(IncidentStep.due_at).is_not(None), col(IncidentStep.due_at) < now)
            .order_by(col(IncidentStep.due_at))
        )
    )


def alerts(session: Session, now: datetime, *, realert_min: int = REALERT_MIN) -> list[Alert]:
    """Overdue steps nobody acknowledged yet, most overdue first."""
    out = []
    for incident, step in _overdue_rows(session, now):
        if step.acknowledged_at is not None:
            continue
        assert step.due_at is not None
        over = now - step.due_at
        out.append(
            Alert(
                incident_id=incident.id,  # type: ignore[arg-type]
                drill=incident.drill,
                person_id=incident.person_id,
                n=step.n,
                title_zh=step.title_zh,
                title_en=step.title_en,
                role=step.escalated_to_role or step.role,
                due_at=step.due_at,
                minutes_over=int(over.total_seconds() // 60),
                round=int(over.total_seconds() // (max(realert_min, 1) * 60)),
            )
        )
    return out


def escalation_role(role: str, levels: int) -> str:
    """The role an unacknowledged step reaches after ``levels`` escalation periods."""
    if levels <= 0:
        return role
    start = ESCALATION_CHAIN.index(role) if role in ESCALATION_CHAIN else 0
    return ESCALATION_CHAIN[min(start + levels, len(ESCALATION_CHAIN) - 1)]


def escalate_overdue(
    session: Session,
    now: datetime,
    *,
    escalate_min: int = ESCALATE_MIN,
    gate: str = "",
    clock: Clock = SYSTEM_CLOCK,
) -> list[tuple[int, int, str]]:
    """Record the escalations that are due (idempotent); returns (incident, step, role)."""
    done: list[tuple[int, int, str]] = []
    actor = system_actor(gate=gate, via="engine", name="escalation")
    for incident, step in _overdue_rows(session, now):
        if step.acknowledged_at is not None or step.due_at is None:
            continue
        levels = int((now - step.due_at).total_seconds() // (max(escalate_min, 1) * 60))
        target = escalation_role(step.role, levels)
        if target == step.role or target == step.escalated_to_role:
            continue
        step.escalated_to_role = target
        step.escalated_at = now
        session.add(step)
        session.flush()
        audit.append(
            session,
            actor,
            "incident.escalate",
            f"incident:{incident.id}",
            {"n": step.n, "to": target, "drill": incident.drill},
            clock=clock,
        )
        done.append((step.incident_id, step.n, target))
    return done


def close_incident(
    session: Session,
    actor: Actor,
    incident_id: int,
    *,
    note: str = "",
    clock: Clock = SYSTEM_CLOCK,
) -> Incident:
    """Close an incident: every step done or skipped, nobody still in a room for it."""
    require(actor, "incident.close")
    incident = _open(session, incident_id)
    now = clock.now()
    left = [v.n for v in steps(session, incident, now) if not v.finished]
    if left:
        raise UserError(
            N_("Incident {id} still has {count} open step(s): {steps}; do or skip them first."),
            id=incident_id,
            count=len(left),
            steps=", ".join(str(n) for n in left),
        )
    stay = session.exec(
        select(IsolationStay).where(
            IsolationStay.incident_id == incident_id, col(IsolationStay.left_at).is_(None)
        )
    ).first()
    if stay is not None:
        raise UserError(
            N_("{person} is still in room {room}; release them first."),
            person=stay.person_id,
            room=stay.room_code,
        )
    incident.state = "closed"
    incident.closed_at = now
    incident.closed_by = actor.label
    incident.note = note.strip()
    session.add(incident)
    session.flush()
    audit.append(
        session,
        actor,
        "incident.close",
        f"incident:{incident_id}",
        {"note": incident.note, "drill": incident.drill},
        clock=clock,
    )
    return incident


def drill_for(session: Session, entry: Entry) -> Incident | None:
    """The open fever-at-gate drill of this entry's person, which takes their confirmed fever.

    A drill's simulated fever reaches the gate like a real one; it belongs to the drill (whose
    gate steps it does, as a real one does its incident's) and must not open a real incident.
    """
    if not entry.person_id:
        return None
    drill = session.exec(
        select(Incident)
        .where(
            Incident.person_id == entry.person_id,
            Incident.state == "open",
            col(Incident.drill).is_(True),
            Incident.playbook_key == FEVER_AT_GATE,
        )
        .order_by(col(Incident.id).desc())
    ).first()
    if drill is None:
        return None
    if drill.entry_id is None:
        drill.entry_id = entry.id
        session.add(drill)
    entry.incident_id = drill.id
    session.add(entry)
    first = session.get(Entry, entry.recheck_of) if entry.recheck_of else None
    done_by = {"recheck": entry, "fever": first}
    events = {
        p.n: p.gate_event
        for p in session.exec(
            select(PlaybookStep).where(PlaybookStep.playbook_id == drill.playbook_id)
        )
        if p.gate_event in done_by
    }
    for step in session.exec(select(IncidentStep).where(IncidentStep.incident_id == drill.id)):
        source = done_by.get(events.get(step.n, ""))
        if source is not None and step.done_at is None and not step.skipped:
            step.done_at = source.at
            step.done_by = source.created_by
            step.entry_id = source.id
            session.add(step)
    session.flush()
    return drill


def drill_entry_ids(session: Session, since: datetime, until: datetime) -> set[int]:
    """Entries that belong to drills (a drill person's entries while the drill ran), which
    reports and statistics leave out."""
    out: set[int] = set()
    drills = session.exec(
        select(Incident).where(
            col(Incident.drill).is_(True),
            col(Incident.person_id).is_not(None),
            Incident.opened_at < until,
        )
    )
    for drill in drills:
        end = min(drill.closed_at or until, until)
        start = max(drill.opened_at, since)
        if end < start:
            continue
        out.update(
            i
            for i in session.exec(
                select(Entry.id).where(
                    Entry.person_id == drill.person_id, Entry.at >= start, Entry.at <= end
                )
            )
            if i is not None
        )
        if drill.entry_id is not None:
            out.add(drill.entry_id)
        # Readings the drill claimed (its simulated fever) carry its id.
        out.update(
            i
            for i in session.exec(select(Entry.id).where(Entry.incident_id == drill.id))
            if i is not None
        )
    return out


def list_incidents(session: Session, *, include_closed: bool = False) -> list[Incident]:
    stmt = select(Incident).order_by(col(Incident.id).desc())
    if not include_closed:
        stmt = stmt.where(Incident.state == "open")
    return list(session.exec(stmt))


def playbook_of(session: Session, incident: Incident) -> Playbook | None:
    return session.get(Playbook, incident.playbook_id)


# -- the timeline ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TimelineItem:
    at: datetime
    who: str
    what: str  # msgid with {params}
    params: dict[str, Any] = field(default_factory=dict)
    fields: dict[str, str] = field(default_factory=dict)  # a step's recorded fields


def timeline(session: Session, incident: Incident) -> list[TimelineItem]:
    """Everything that happened to this incident, oldest first: entries, steps, room, notes."""
    items = [
        TimelineItem(
            incident.opened_at,
            incident.created_by,
            N_("Incident opened ({playbook})"),
            {"playbook": incident.playbook_key},
        )
    ]
    if incident.person_id:
        since = incident.opened_at - timedelta(hours=2)
        stmt = select(Entry).where(Entry.person_id == incident.person_id, Entry.at >= since)
        if incident.closed_at is not None:
            stmt = stmt.where(Entry.at <= incident.closed_at)
        for e in session.exec(stmt.order_by(col(Entry.at))):
            items.append(
                TimelineItem(
                    e.at,
                    e.created_by,
                    N_("Gate entry: {temp} ({status})"),
                    {
                        "temp": "-" if e.temp_c is None else f"{e.temp_c:.1f}C",
                        "status": Term(ENTRY_WORDS.get(e.status, e.status)),
                    },
                )
            )
    for s in session.exec(select(IncidentStep).where(IncidentStep.incident_id == incident.id)):
        if s.skipped and s.done_at:
            items.append(
                TimelineItem(
                    s.done_at,
                    s.done_by,
                    N_("Step {n} skipped: {reason}"),
                    {"n": s.n, "reason": s.skip_reason},
                )
            )
        elif s.done_at:
            items.append(
                TimelineItem(
                    s.done_at,
                    s.done_by,
                    N_("Step {n} done {detail}"),
                    {"n": s.n, "detail": s.note},
                    json.loads(s.fields) if s.fields else {},
                )
            )
        if s.acknowledged_at:
            items.append(
                TimelineItem(
                    s.acknowledged_at,
                    s.acknowledged_by,
                    N_("Overdue step {n} acknowledged"),
                    {"n": s.n},
                )
            )
        if s.escalated_at:
            items.append(
                TimelineItem(
                    s.escalated_at,
                    "escalation",
                    N_("Step {n} escalated to {role}"),
                    {"n": s.n, "role": Term(s.escalated_to_role)},
                )
            )
    for stay in session.exec(select(IsolationStay).where(IsolationStay.incident_id == incident.id)):
        items.append(
            TimelineItem(
                stay.entered_at,
                stay.created_by,
                N_("Admitted to room {room}"),
                {"room": stay.room_code},
            )
        )
        if stay.left_at:
            items.append(
                TimelineItem(
                    stay.left_at,
                    stay.released_by,
                    N_("Left room {room}: {disposition} {who}"),
                    {
                        "room": stay.room_code,
                        "disposition": Term(stay.disposition),
                        "who": stay.collected_by,
                    },
                )
            )
    for note in session.exec(select(IncidentNote).where(IncidentNote.incident_id == incident.id)):
        items.append(
            TimelineItem(note.created_at, note.created_by, N_("Note: {text}"), {"text": note.text})
        )
    if incident.closed_at:
        items.append(
            TimelineItem(
                incident.closed_at,
                incident.closed_by,
                N_("Incident closed {note}"),
                {"note": incident.note},
            )
        )
    items.sort(key=lambda i: i.at)
    return items


def room_of(session: Session, incident_id: int) -> IsolationStay | None:
    """The incident's latest room stay (the link from the incident to the room)."""
    return session.exec(
        select(IsolationStay)
        .where(IsolationStay.incident_id == incident_id)
        .order_by(col(IsolationStay.entered_at).desc())
    ).first()


# -- a drill's score ------------------------------------------------------------------------


@dataclass(frozen=True)
class StepScore:
    n: int
    title_zh: str
    title_en: str
    limit_minutes: int
    took_minutes: float | None
    on_time: bool | None  # None: skipped, not done, or no limit
    skipped: bool
    reason: str


@dataclass(frozen=True)
class DrillScore:
    incident_id: int
    steps: list[StepScore]

    @property
    def timed(self) -> list[StepScore]:
        return [s for s in self.steps if s.on_time is not None]

    @property
    def on_time(self) -> int:
        return sum(1 for s in self.timed if s.on_time)

    @property
    def skipped(self) -> list[StepScore]:
        return [s for s in self.steps if s.skipped]

    @property
    def percent(self) -> int:
        """Steps within their limit, out of the steps that were done and had a limit."""
        return round(100 * self.on_time / len(self.timed)) if self.timed else 100


def score(session: Session, incident: Incident) -> DrillScore:
    """Each step's time against its limit (from the opening, the previous step or the
    departure, as the playbook says), and what was skipped."""
    views = steps(session, incident, incident.closed_at or incident.opened_at)
    previous_done = incident.opened_at
    out = []
    for v in views:
        row = v.row
        took = None
        on_time = None
        if row.done_at is not None and not row.skipped:
            start = incident.opened_at
            if v.timed_from == FROM_PREVIOUS:
                start = previous_done
            elif v.timed_from == FROM_DEPARTURE and row.due_at is not None:
                start = row.due_at - timedelta(minutes=v.limit_minutes)
            took = round((row.done_at - start).total_seconds() / 60, 1)
            if row.due_at is not None:
                on_time = row.done_at <= row.due_at
            elif v.limit_minutes > 0:
                on_time = took <= v.limit_minutes
        if row.done_at is not None:
            previous_done = row.done_at
        out.append(
            StepScore(
                n=row.n,
                title_zh=row.title_zh,
                title_en=row.title_en,
                limit_minutes=v.limit_minutes,
                took_minutes=took,
                on_time=on_time,
                skipped=row.skipped,
                reason=row.skip_reason,
            )
        )
    return DrillScore(incident.id, out)  # type: ignore[arg-type]


def incidents_status(session: Session, now: datetime) -> list[dict[str, Any]]:
    """The ``incidents`` of ``status --format json`` (DESIGN §3.4, §3.9)."""
    out = []
    for inc in list_incidents(session):
        views = steps(session, inc, now)
        nxt = current_step(views)
        stay = room_of(session, inc.id)  # type: ignore[arg-type]
        out.append(
            {
                "id": inc.id,
                "playbook": inc.playbook_key,
                "drill": inc.drill,
                "state": inc.state,
                "person_id": inc.person_id,
                "steps_total": len(views),
                "steps_done": sum(1 for v in views if v.finished),
                "overdue_steps": sum(1 for v in views if v.state == "overdue"),
                "next_step": None
                if nxt is None
                else {
                    "n": nxt.n,
                    "title": nxt.row.title_en,
                    "title_zh": nxt.row.title_zh,
                    "role": nxt.owner_role,
                    "due_at": None
                    if nxt.row.due_at is None
                    else nxt.row.due_at.isoformat(timespec="seconds"),
                },
                "room": stay.room_code if stay and stay.left_at is None else None,
                "cluster_key": inc.cluster_key or None,
            }
        )
    return out
