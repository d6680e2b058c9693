"""Isolation rooms: who is in which room, and whether a room may take the next person.

A room's state is computed from the records, never stored as the truth:
``occupied`` while a stay is open; ``needs_disinfection`` once the last stay has ended until a
``DisinfectionRecord`` for the room's area is dated after the departure (the timers' rule,
``timers.after_use_due``; every disinfection is written by ``timers.record_disinfection``, which
this module's ``disinfect_room`` calls once the room is empty); ``ready`` otherwise. The
``isolation_room.state`` column is kept in step as a cache for other readers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from duty_console.db.models import (
    DisinfectionRecord,
    Entry,
    Incident,
    IncidentStep,
    IsolationRoom,
    IsolationStay,
    Person,
    PlaybookStep,
)
from duty_console.domain import audit, timers
from duty_console.domain.actors import Actor
from duty_console.domain.clock import SYSTEM_CLOCK, Clock
from duty_console.domain.incidents import FROM_DEPARTURE, IMMEDIATELY_MIN
from duty_console.domain.permissions import require
from duty_console.errors import NotFound, Term, UserError
from duty_console.i18n import N_

DISPOSITIONS = ("guardian", "hospital", "home", "dormitory")
ILLNESSES = ("respiratory", "other")
# Words shown to users (the catalogs translate them).
_WORDS = (
    N_("guardian"),
    N_("hospital"),
    N_("home"),
    N_("dormitory"),
    N_("respiratory"),
    N_("other"),
    N_("ready"),
    N_("occupied"),
    N_("needs_disinfection"),
)


@dataclass(frozen=True)
class Occupant:
    stay_id: int
    person_id: str
    name: str
    incident_id: int | None
    entered_at: datetime
    reason: str
    observe_until: datetime | None


@dataclass(frozen=True)
class RoomState:
    code: str
    name_zh: str
    name_en: str
    area_code: str
    capacity: int
    illness: str
    state: str  # ready | occupied | needs_disinfection
    occupants: list[Occupant] = field(default_factory=list)
    last_left_at: datetime | None = None
    disinfected_at: datetime | None = None

    @property
    def free(self) -> int:
        return max(self.capacity - len(self.occupants), 0)


def _room(session: Session, code: str) -> IsolationRoom:
    room = session.exec(select(IsolationRoom).where(IsolationRoom.code == code)).first()
    if room is None:
        known = [r.code for r in session.exec(select(IsolationRoom).order_by(IsolationRoom.code))]
        raise NotFound(
            N_("There is no isolation room '{room}'; the rooms are: {rooms}."),
            room=code,
            rooms=", ".join(known) or "-",
        )
    return room


def _last_disinfection(session: Session, area_code: str) -> datetime | None:
    if not area_code:
        return None
    return session.exec(
        select(func.max(DisinfectionRecord.done_at)).where(
            DisinfectionRecord.area_code == area_code
        )
    ).one()


def room_state(session: Session, room: IsolationRoom) -> RoomState:
    stays = session.exec(
        select(IsolationStay, Person)
        .join(Person, col(Person.person_id) == col(IsolationStay.person_id), isouter=True)
        .where(IsolationStay.room_code == room.code, col(IsolationStay.left_at).is_(None))
        .order_by(col(IsolationStay.entered_at))
    ).all()
    occupants = [
        Occupant(
            stay_id=s.id,  # type: ignore[arg-type]
            person_id=s.person_id,
            name=p.name if p else "",
            incident_id=s.incident_id,
            entered_at=s.entered_at,
            reason=s.reason,
            observe_until=s.observe_until,
        )
        for s, p in stays
    ]
    last_left = session.exec(
        select(func.max(IsolationStay.left_at)).where(IsolationStay.room_code == room.code)
    ).one()
    disinfected = _last_disinfection(session, room.area_code)
    if occupants:
        state = "occupied"
    elif last_left is not None and (disinfected is None or disinfected < last_left):
        state = "needs_disinfection"
    else:
        state = "ready"
    return RoomState(
        code=room.code,
        name_zh=room.name_zh,
        name_en=room.name_en,
        area_code=room.area_code,
        capacity=room.capacity,
        illness=room.illness,
        state=state,
        occupants=occupants,
        last_left_at=last_left,
        disinfected_at=disinfected,
    )


def list_rooms(session: Session) -> list[RoomState]:
    return [
        room_state(session, r)
        for r in session.exec(select(IsolationRoom).order_by(col(IsolationRoom.code)))
    ]


def _sync_state(session: Session, room: IsolationRoom) -> RoomState:
    state = room_state(session, room)
    if room.state != state.state:
        room.state = state.state
        session.add(room)
    return state


def choose_room(session: Session, illness: str = "respiratory") -> RoomState | None:
    """The first room of this illness type that can take a person now."""
    for room in list_rooms(session):
        if room.illness == illness and room.state != "needs_disinfection" and room.free > 0:
            return room
    return None


def known_person(session: Session, person_id: str) -> Person:
    person = session.exec(select(Person).where(Person.person_id == person_id)).first()
    if person is None:
        raise NotFound(N_("There is no person '{person}' in the roster."), person=person_id)
    return person


def open_stay(session: Session, person_id: str) -> IsolationStay | None:
    return session.exec(
        select(IsolationStay).where(
            IsolationStay.person_id == person_id, col(IsolationStay.left_at).is_(None)
        )
    ).first()


def _open_incident_for(session: Session, person_id: str) -> Incident | None:
    return session.exec(
        select(Incident)
        .where(Incident.person_id == person_id, Incident.state == "open")
        .order_by(col(Incident.id).desc())
    ).first()


def admit(
    session: Session,
    actor: Actor,
    room_code: str | None,
    *,
    person_id: str | None = None,
    incident_id: int | None = None,
    entry_id: int | None = None,
    reason: str = "",
    illness: str | None = None,
    observe_hours: float | None = None,
    clock: Clock = SYSTEM_CLOCK,
) -> IsolationStay:
    """Admit a person to a room: by hand, from a confirmed-fever entry or from an open incident.

    With no room given, the first ready room of the illness type is chosen. The stay is linked
    to the person's open incident (both ways: the incident's timeline shows the room).
    """
    require(actor, "room.manage")
    incident: Incident | None = None
    if entry_id is not None:
        entry = session.get(Entry, entry_id)
        if entry is None or entry.person_id is None:
            raise NotFound(N_("There is no entry {id} with a person to admit."), id=entry_id)
        person_id = person_id or entry.person_id
        if incident_id is None:
            incident = session.exec(
                select(Incident).where(Incident.entry_id == entry_id, Incident.state == "open")
            ).first()
    if incident_id is not None:
        incident = session.get(Incident, incident_id)
        if incident is None:
            raise NotFound(N_("There is no incident {id}."), id=incident_id)
        if incident.state != "open":
            raise UserError(N_("Incident {id} is closed."), id=incident_id)
        if person_id and incident.person_id and incident.person_id != person_id:
            raise UserError(
                N_("Incident {id} is about {other}, not {person}."),
                id=incident_id,
                other=incident.person_id,
                person=person_id,
            )
        person_id = person_id or incident.person_id
    if not person_id:
        raise UserError(N_("Say who is admitted: a person, an entry or an incident with a person."))
    known_person(session, person_id)
    if incident is None:
        incident = _open_incident_for(session, person_id)
    illness = illness or None
    if illness is not None and illness not in ILLNESSES:
        raise UserError(
            N_("'{illness}' is not an illness type; use one of: {choices}."),
            illness=illness,
            choices=", ".join(ILLNESSES),
        )
    if room_code is None:
        chosen = choose_room(session, illness or "respiratory")
        if chosen is None:
            raise UserError(
                N_("No {illness} isolation room is ready; record a disinfection or free a room."),
                illness=Term(illness or "respiratory"),
            )
        room_code = chosen.code
    room = _room(session, room_code)
    state = room_state(session, room)
    if illness is not None and room.illness != illness:
        raise UserError(
            N_("Room {room} takes {room_illness} cases, not {illness}; choose another room."),
            room=room.code,
            room_illness=Term(room.illness),
            illness=Term(illness),
        )
    if state.state == "needs_disinfection":
        raise UserError(
            N_(
                "Room {room} is waiting for its after-use disinfection; record it first "
                "(duty-console disinfect {area})."
            ),
            room=room.code,
            area=room.area_code or room.code,
        )
    if state.free <= 0:
        raise UserError(
            N_("Room {room} is full ({n} of {capacity})."),
            room=room.code,
            n=len(state.occupants),
            capacity=room.capacity,
        )
    already = open_stay(session, person_id)
    if already is not None:
        raise UserError(
            N_("{person} is already in room {room}."), person=person_id, room=already.room_code
        )
    now = clock.now()
    stay = IsolationStay(
        room_code=room.code,
        person_id=person_id,
        incident_id=incident.id if incident else None,
        entered_at=now,
        reason=reason,
        observe_until=now + timedelta(hours=observe_hours) if observe_hours else None,
        created_at=now,
        created_by=actor.label,
        gate=actor.gate,
    )
    session.add(stay)
    session.flush()
    _sync_state(session, room)
    audit.append(
        session,
        actor,
        "room.admit",
        f"room:{room.code}",
        {
            "person_id": person_id,
            "incident_id": stay.incident_id,
            "entry_id": entry_id,
            "reason": reason,
            "observe_until": stay.observe_until,
        },
        clock=clock,
    )
    return stay


def release(
    session: Session,
    actor: Actor,
    room_code: str,
    *,
    disposition: str,
    person_id: str | None = None,
    collected_by: str = "",
    note: str = "",
    clock: Clock = SYSTEM_CLOCK,
) -> IsolationStay:
    """A person leaves the room: to a guardian (who), hospital, home, or the dormitory.

    The linked incident's "after departure" steps get their deadline from this moment.
    """
    require(actor, "room.manage")
    room = _room(session, room_code)
    if disposition not in DISPOSITIONS:
        raise UserError(
            N_("'{disposition}' is not a disposition; use one of: {choices}."),
            disposition=disposition,
            choices=", ".join(DISPOSITIONS),
        )
    collected_by = collected_by.strip()
    if disposition == "guardian" and not collected_by:
        raise UserError(N_("Releasing to a guardian needs the guardian's name (who collected)."))
    stmt = select(IsolationStay).where(
        IsolationStay.room_code == room.code, col(IsolationStay.left_at).is_(None)
    )
    if person_id:
        stmt = stmt.where(IsolationStay.person_id == person_id)
    stays = list(session.exec(stmt))
    if not stays:
        raise UserError(
            N_("Nobody {person} is in room {room}."), person=person_id or "", room=room.code
        )
    if len(stays) > 1:
        raise UserError(
            N_("Room {room} has {n} people; say which one leaves."), room=room.code, n=len(stays)
        )
    stay = stays[0]
    now = clock.now()
    if disposition == "dormitory" and stay.observe_until is not None and now < stay.observe_until:
        raise UserError(
            N_("{person} is under observation until {until}; the dormitory comes after it."),
            person=stay.person_id,
            until=stay.observe_until.isoformat(timespec="minutes"),
        )
    stay.left_at = now
    stay.disposition = disposition
    stay.collected_by = collected_by
    stay.released_by = actor.label
    stay.note = note
    session.add(stay)
    if stay.incident_id is not None:
        _start_departure_steps(session, stay.incident_id, now)
    session.flush()
    _sync_state(session, room)
    audit.append(
        session,
        actor,
        "room.release",
        f"room:{room.code}",
        {
            "person_id": stay.person_id,
            "incident_id": stay.incident_id,
            "disposition": disposition,
            "collected_by": collected_by,
            "note": note,
        },
        clock=clock,
    )
    return stay


def _start_departure_steps(session: Session, incident_id: int, left_at: datetime) -> None:
    """The incident's steps timed from the departure fall due ``limit_minutes`` after it."""
    incident = session.get(Incident, incident_id)
    if incident is None:
        return
    limits = {
        p.n: p.limit_minutes
        for p in session.exec(
            select(PlaybookStep).where(PlaybookStep.playbook_id == incident.playbook_id)
        )
    }
    for step in session.exec(
        select(IncidentStep).where(
            IncidentStep.incident_id == incident_id, IncidentStep.timed_from == FROM_DEPARTURE
        )
    ):
        if step.done_at is None and not step.skipped:
            step.due_at = left_at + timedelta(minutes=limits.get(step.n, 0) or IMMEDIATELY_MIN)
            session.add(step)


def disinfect_room(
    session: Session,
    actor: Actor,
    room_code: str,
    *,
    agent: str,
    concentration: str,
    note: str = "",
    clock: Clock = SYSTEM_CLOCK,
) -> DisinfectionRecord:
    """Record the room's after-use disinfection: the timers' ``record_disinfection`` of the
    room's area (the agent and its concentration checked against the isolation area type's
    range, the alerts settled, the departure step of the last stay's incident signed off), once
    the room is empty."""
    require(actor, "hygiene.record")
    room = _room(session, room_code)
    if room_state(session, room).state == "occupied":
        raise UserError(
            N_("Room {room} is occupied; disinfect it after the person leaves."), room=room.code
        )
    record = timers.record_disinfection(
        session,
        actor,
        room.area_code or room.code,
        agent=agent,
        concentration=concentration,
        note=note,
        clock=clock,
    )
    _sync_state(session, room)
    return record


def rooms_status(session: Session) -> list[dict[str, Any]]:
    """The ``rooms`` of ``status --format json`` (DESIGN §3.4, §3.9)."""
    return [
        {
            "code": r.code,
            "name": r.name_en,
            "name_zh": r.name_zh,
            "illness": r.illness,
            "capacity": r.capacity,
            "state": r.state,
            "occupants": [o.person_id for o in r.occupants],
        }
        for r in list_rooms(session)
    ]
