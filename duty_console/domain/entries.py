"""Entries made by people at the gate: manual (contact) readings, picking the person for an
unidentified reading, refusals and visitors; and the queries the entry log reads."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, exists, func
from sqlalchemy import select as sa_select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from duty_console.db.models import Entry, Person, Visitor
from duty_console.domain import audit
from duty_console.domain.actors import Actor
from duty_console.domain.clock import SYSTEM_CLOCK, Clock
from duty_console.domain.incidents import FEVER_AT_GATE, open_incident
from duty_console.domain.inert import foreign, inert
from duty_console.domain.permissions import require
from duty_console.domain.screening import (
    DENIED,
    FEVER,
    FEVER_CONFIRMED,
    Rules,
    classify,
    open_fever_entry,
)
from duty_console.errors import NotFound, Term, UserError
from duty_console.i18n import N_

DENY_REASONS = ("not_registered", "no_mask", "fever", "other")
_TEMP = re.compile(r"^\s*(\d{2}(?:[.,]\d{1,2})?)\s*(?:°?\s*[cC]|℃)?\s*$")


def parse_temperature(text: str, rules: Rules) -> float:
    """'36.8', '36,8', '36.8C' → 36.8; anything else is a clear error, never a guess."""
    match = _TEMP.match(text)
    if not match:
        raise UserError(N_("'{text}' is not a temperature; type it like 36.8."), text=text.strip())
    value = round(float(match.group(1).replace(",", ".")), 1)
    if not rules.valid_min_c <= value <= rules.valid_max_c:
        raise UserError(
            N_("{value}C is outside {low}-{high}C; measure again."),
            value=f"{value:.1f}",
            low=f"{rules.valid_min_c:.1f}",
            high=f"{rules.valid_max_c:.1f}",
        )
    return value


def _person(session: Session, person_id: str) -> Person:
    person = session.exec(select(Person).where(Person.person_id == person_id)).first()
    if person is None or not person.active:
        raise NotFound(N_("There is nobody with the id {id} in the roster."), id=person_id)
    return person


def _classify_for(
    session: Session,
    person_id: str | None,
    temp_c: float | None,
    at: datetime,
    rules: Rules,
    exclude_id: int | None = None,
) -> tuple[str, int | None]:
    fever_id = open_fever_entry(session, person_id, at, rules, exclude_id) if person_id else None
    return classify(temp_c, fever_id is not None, rules), fever_id


def _add_manual_entry(session: Session, actor: Actor, clock: Clock, **fields: Any) -> Entry:
    """An entry made by a person at the gate: who, when and where are the actor's."""
    now = clock.now()
    entry = Entry(
        at=now, gate=actor.gate, device="manual", created_at=now, created_by=actor.label, **fields
    )
    session.add(entry)
    session.flush()
    return entry


def _after_status(session: Session, actor: Actor, entry: Entry, clock: Clock) -> None:
    if entry.status == FEVER_CONFIRMED and entry.person_id:
        open_incident(
            session, actor, FEVER_AT_GATE, person_id=entry.person_id, entry_id=entry.id, clock=clock
        )


def record_manual_reading(
    session: Session,
    actor: Actor,
    rules: Rules,
    *,
    temp_c: float,
    person_id: str | None,
    mode: str = "contact",
    note: str = "",
    clock: Clock = SYSTEM_CLOCK,
) -> Entry:
    """A reading taken by hand (axillary/contact thermometer), screened by the same rules."""
    require(actor, "entry.record")
    if person_id:
        _person(session, person_id)
    status, fever_id = _classify_for(session, person_id, temp_c, clock.now(), rules)
    entry = _add_manual_entry(
        session,
        actor,
        clock,
        person_id=person_id,
        temp_c=temp_c,
        mode=mode,
        status=status,
        recheck_of=fever_id,
        note=note,
    )
    audit.append(
        session,
        actor,
        "entry.manual",
        f"entry:{entry.id}",
        {"person_id": person_id, "temp_c": temp_c, "mode": mode, "status": status},
        clock=clock,
    )
    _after_status(session, actor, entry, clock)
    return entry


def assign_person(
    session: Session,
    actor: Actor,
    rules: Rules,
    entry_id: int,
    person_id: str,
    *,
    clock: Clock = SYSTEM_CLOCK,
) -> Entry:
    """Name the person of an unidentified reading; the rules then apply to them."""
    require(actor, "entry.assign")
    entry = session.get(Entry, entry_id)
    if entry is None:
        raise NotFound(N_("There is no entry {entry}."), entry=entry_id)
    if entry.person_id:
        raise UserError(
            N_("Entry {entry} already belongs to {id}; pick another entry."),
            entry=entry_id,
            id=entry.person_id,
        )
    _person(session, person_id)
    before = entry.status
    entry.person_id = person_id
    if entry.status != DENIED:
        entry.status, entry.recheck_of = _classify_for(
            session, person_id, entry.temp_c, entry.at, rules, exclude_id=entry.id
        )
    session.add(entry)
    session.flush()
    audit.append(
        session,
        actor,
        "entry.assign",
        f"entry:{entry_id}",
        {"person_id": person_id, "status_before": before, "status": entry.status},
        clock=clock,
    )
    _after_status(session, actor, entry, clock)
    return entry


def deny_entry(
    session: Session,
    actor: Actor,
    *,
    reason: str,
    person_id: str | None = None,
    note: str = "",
    clock: Clock = SYSTEM_CLOCK,
) -> Entry:
    """Refuse entry: a ``denied`` entry with its reason."""
    require(actor, "entry.deny")
    if reason not in DENY_REASONS:
        raise UserError(N_("The reason must be one of {reasons}."), reasons=list(DENY_REASONS))
    if reason == "other" and not note.strip():
        raise UserError(N_("Say why in a note when the reason is 'other'."))
    if person_id:
        _person(session, person_id)
    entry = _add_manual_entry(
        session, actor, clock, person_id=person_id, status=DENIED, reason=reason, note=note
    )
    audit.append(
        session,
        actor,
        "entry.deny",
        f"entry:{entry.id}",
        {"person_id": person_id, "reason": reason, "note": note},
        clock=clock,
    )
    return entry


def register_visitor(
    session: Session,
    actor: Actor,
    rules: Rules,
    *,
    name: str,
    phone: str,
    reason: str,
    host: str,
    temp_c: float,
    clock: Clock = SYSTEM_CLOCK,
) -> tuple[Visitor, Entry]:
    """Log a visitor with their temperature; a fever refuses them (a denied entry)."""
    require(actor, "visitor.register")
    problems = []
    if not name.strip():
        problems.append(Term(N_("the visitor's name")))
    if not re.fullmatch(r"\+?[0-9][0-9 -]{4,20}", phone.strip()):
        problems.append(Term(N_("a phone number")))
    if not reason.strip():
        problems.append(Term(N_("the reason for the visit")))
    if not host.strip():
        problems.append(Term(N_("who they visit")))
    for typed in (name, phone, reason, host):
        bad = foreign(typed)
        if bad:
            raise UserError(
                N_("'{text}' holds the control character {char}; type it again."),
                text=inert(typed),
                char=bad,
            )
    if problems:
        raise UserError(N_("A visitor needs {parts}."), parts=problems)
    now = clock.now()
    visitor = Visitor(
        at=now,
        name=name.strip(),
        phone=phone.strip(),
        reason=reason.strip(),
        host=host.strip(),
        gate=actor.gate,
        created_at=now,
        created_by=actor.label,
    )
    session.add(visitor)
    session.flush()
    status = classify(temp_c, False, rules)
    denied = status == FEVER
    entry = _add_manual_entry(
        session,
        actor,
        clock,
        temp_c=temp_c,
        mode="contact",
        status=DENIED if denied else status,
        reason="fever" if denied else "",
        visitor_id=visitor.id,
    )
    audit.append(
        session,
        actor,
        "visitor.register",
        f"visitor:{visitor.id}",
        {"entry_id": entry.id, "temp_c": temp_c, "status": entry.status, "host": visitor.host},
        clock=clock,
    )
    return visitor, entry


@dataclass(frozen=True, slots=True)
class EntryRow:
    """One line of the entry log as a console shows it (the name is masked later)."""

    id: int
    at: datetime
    gate: str
    device: str
    person_id: str | None
    name: str
    class_name: str
    temp_c: float | None
    mode: str
    status: str
    reason: str
    visitor: bool


def _rows_query(status: str | None = None, gate: str | None = None) -> Select[Any]:
    columns: list[Any] = [
        Entry.id,
        Entry.at,
        Entry.gate,
        Entry.device,
        Entry.person_id,
        Person.name,
        Person.class_name,
        Entry.temp_c,
        Entry.mode,
        Entry.status,
        Entry.reason,
        Entry.visitor_id,
        Visitor.name,
    ]
    stmt = (
        sa_select(*columns)
        .join(Person, col(Person.person_id) == col(Entry.person_id), isouter=True)
        .join(Visitor, col(Visitor.id) == col(Entry.visitor_id), isouter=True)
    )
    if status:
        stmt = stmt.where(col(Entry.status) == status)
    if gate:
        stmt = stmt.where(col(Entry.gate) == gate)
    return stmt


def _to_row(r: Any) -> EntryRow:
    return EntryRow(
        id=r[0],
        at=r[1],
        gate=r[2],
        device=r[3],
        person_id=r[4],
        # Roster and visitor text reaches terminals: whatever slipped in before is made inert.
        name=inert(r[5] or r[12] or ""),
        class_name=inert(r[6] or ""),
        temp_c=r[7],
        mode=r[8],
        status=r[9],
        reason=r[10],
        visitor=r[11] is not None,
    )


def count_entries(session: Session, *, status: str | None = None, gate: str | None = None) -> int:
    stmt = select(func.count()).select_from(Entry)
    if status:
        stmt = stmt.where(Entry.status == status)
    if gate:
        stmt = stmt.where(Entry.gate == gate)
    return int(session.exec(stmt).one())


def newest_entries(
    session: Session,
    offset: int,
    limit: int,
    *,
    status: str | None = None,
    gate: str | None = None,
    person_ids: Collection[str] | None = None,
) -> list[EntryRow]:
    """A page of the log, newest first (offset 0 is the newest): what a virtual list shows.

    The offset is walked on the (gate, status, id) index alone, then only the page's rows are
    joined to the roster: a page deep in a million entries stays a fraction of a second.
    ``person_ids`` keeps only those people's entries (a search), on the (person_id, at) index.
    """
    ids = sa_select(col(Entry.id))
    if status:
        ids = ids.where(col(Entry.status) == status)
    if gate:
        ids = ids.where(col(Entry.gate) == gate)
    if person_ids is not None:
        ids = ids.where(col(Entry.person_id).in_(list(person_ids)))
    page = ids.order_by(col(Entry.id).desc()).offset(offset).limit(limit).subquery()
    stmt = (
        _rows_query().where(col(Entry.id).in_(sa_select(page.c.id))).order_by(col(Entry.id).desc())
    )
    return [_to_row(r) for r in session.execute(stmt)]


def entry_row(session: Session, entry_id: int) -> EntryRow | None:
    r = session.execute(_rows_query().where(col(Entry.id) == entry_id)).first()
    return _to_row(r) if r else None


def latest_id(session: Session) -> int:
    return int(session.execute(sa_select(func.coalesce(func.max(Entry.id), 0))).scalar_one())


def awaiting_recheck(session: Session, now: datetime, rules: Rules) -> list[EntryRow]:
    """Fever entries still inside their recheck window with no recheck yet, newest first."""
    recheck = aliased(Entry)
    stmt = (
        _rows_query(FEVER)
        .where(col(Entry.at) >= now - timedelta(seconds=rules.recheck_within_s))
        .where(~exists().where(col(recheck.recheck_of) == col(Entry.id)))
        .order_by(col(Entry.id).desc())
    )
    return [_to_row(r) for r in session.execute(stmt)]
