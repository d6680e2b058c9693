"""Entries made by people at the gate: manual (contact) readings, picking the person for an
unidentified reading, refusals and visitors; and the queries the entry log reads."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, or_
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from duty_console.db.models import Device, Entry, Person, Visitor
from duty_console.domain import audit
from duty_console.domain.actors import Actor
from duty_console.domain.clock import SYSTEM_CLOCK, Clock
from duty_console.domain.inert import foreign, inert
from duty_console.domain.intake import after_insert, record_reading
from duty_console.domain.permissions import require
from duty_console.domain.screening import (
    DENIED,
    FEVER,
    FEVER_CONFIRMED,
    RESOLVED_DENIED,
    Decision,
    Mode,
    Rules,
    classify,
    entry_fields,
    person_state,
    resolve_fever,
    round_temp,
    screen,
)
from duty_console.errors import NotFound, Term, UserError
from duty_console.i18n import N_

DENY_REASONS = ("not_registered", "no_mask", "fever", "other")
# How a temperature typed at the gate was taken: an axillary/oral thermometer, or an IR gun.
TYPED_MODES = (Mode.CONTACT, Mode.MANUAL)
RESOLVED_CLOSED = "closed"
_TEMP = re.compile(r"^\s*(\d{2}(?:[.,]\d{1,2})?)\s*(?:°?\s*[cC]|℃)?\s*$")


def parse_temperature(text: str, rules: Rules) -> float:
    """'36.8', '36,8', '36.8C' → 36.8; anything else is a clear error, never a guess."""
    match = _TEMP.match(text)
    if not match:
        raise UserError(N_("'{text}' is not a temperature; type it like 36.8."), text=text.strip())
    value = round_temp(float(match.group(1).replace(",", ".")))
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


def _add_manual_entry(session: Session, actor: Actor, clock: Clock, **fields: Any) -> Entry:
    """An entry made by a person at the gate: who, when and where are the actor's."""
    now = clock.now()
    entry = Entry(
        at=now, gate=actor.gate, device="manual", created_at=now, created_by=actor.label, **fields
    )
    session.add(entry)
    session.flush()
    return entry


def record_manual_reading(
    session: Session,
    actor: Actor,
    rules: Rules,
    *,
    temp_c: float,
    person_id: str | None,
    mode: str = Mode.CONTACT,
    note: str = "",
    clock: Clock = SYSTEM_CLOCK,
) -> tuple[Entry, Decision]:
    """A reading taken by hand (contact thermometer, or an IR gun), screened by the same rules."""
    require(actor, "entry.record")
    if mode not in TYPED_MODES:
        raise UserError(
            N_("A typed reading is '{contact}' or '{manual}', not '{mode}'."),
            contact=Mode.CONTACT.value,
            manual=Mode.MANUAL.value,
            mode=mode,
        )
    if person_id:
        _person(session, person_id)
    entry, decision = record_reading(
        session,
        actor,
        rules,
        person_id=person_id,
        temp_c=round_temp(temp_c),
        mode=mode,
        at=clock.now(),
        note=note,
        clock=clock,
    )
    audit.append(
        session,
        actor,
        "entry.manual",
        f"entry:{entry.id}",
        {
            "person_id": person_id,
            "temp_c": entry.temp_c,
            "mode": mode,
            "status": entry.status,
            "recheck_of": entry.recheck_of,
            "rest_of": entry.rest_of,
            "incident_id": entry.incident_id,
        },
        clock=clock,
    )
    return entry, decision


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
    decision: Decision | None = None
    if entry.status != DENIED:
        decision = screen(
            session, rules, person_id, entry.temp_c, entry.mode or Mode.IR, entry.at, 0
        )
        for key, value in entry_fields(decision).items():
            setattr(entry, key, value)
    entry.person_id = person_id
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
    if decision is not None:
        after_insert(session, actor, decision, entry_id, clock=clock)
        session.refresh(entry)
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
    fever = None
    if person_id:
        _person(session, person_id)
        fever, _incident = person_state(session, person_id, clock.now())
    entry = _add_manual_entry(
        session, actor, clock, person_id=person_id, status=DENIED, reason=reason, note=note
    )
    if fever is not None:
        # Refused and sent away: the fever has its ending; it leaves the recheck list.
        resolve_fever(session, fever.id, entry.at, actor.label, RESOLVED_DENIED, reason)
    audit.append(
        session,
        actor,
        "entry.deny",
        f"entry:{entry.id}",
        {
            "person_id": person_id,
            "reason": reason,
            "note": note,
            "fever_resolved": fever.id if fever else None,
        },
        clock=clock,
    )
    return entry


def close_fever(
    session: Session,
    actor: Actor,
    entry_id: int,
    reason: str,
    *,
    clock: Clock = SYSTEM_CLOCK,
) -> Entry:
    """Take a fever off the recheck list without a recheck: only with a reason, audited."""
    require(actor, "entry.close_fever")
    entry = session.get(Entry, entry_id)
    if entry is None:
        raise NotFound(N_("There is no entry {entry}."), entry=entry_id)
    if entry.status != FEVER or entry.rest_of is not None:
        raise UserError(N_("Entry {entry} is not a fever awaiting its recheck."), entry=entry_id)
    if entry.resolved_at is not None:
        raise UserError(
            N_("The fever of entry {entry} was already closed ({how})."),
            entry=entry_id,
            how=entry.resolution,
        )
    if not reason.strip():
        raise UserError(N_("Say why the fever is closed without a recheck."))
    resolve_fever(session, entry_id, clock.now(), actor.label, RESOLVED_CLOSED, reason.strip())
    audit.append(
        session,
        actor,
        "entry.close_fever",
        f"entry:{entry_id}",
        {"person_id": entry.person_id, "reason": reason.strip()},
        clock=clock,
    )
    session.refresh(entry)
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
    mode: str = Mode.CONTACT,
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
    if mode not in TYPED_MODES:
        raise UserError(
            N_("A typed reading is '{contact}' or '{manual}', not '{mode}'."),
            contact=Mode.CONTACT.value,
            manual=Mode.MANUAL.value,
            mode=mode,
        )
    temp_c = round_temp(temp_c)
    status = classify(temp_c, False, rules, mode)
    denied = status == FEVER
    entry = _add_manual_entry(
        session,
        actor,
        clock,
        temp_c=temp_c,
        mode=mode,
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
    note: str = ""
    recheck_of: int | None = None
    rest_of: int | None = None  # came during the rest after that fever: the same fever again
    incident_id: int | None = None  # a step of this open incident

    @property
    def rings(self) -> bool:
        """A new fever, or a confirmed one: what rings the bell (never a reading of a fever
        already known: during the rest, or under the person's open incident)."""
        if self.status == FEVER:
            return self.rest_of is None
        if self.status == FEVER_CONFIRMED:
            return self.recheck_of is not None
        return False


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
        Entry.recheck_of,
        Entry.rest_of,
        Entry.incident_id,
        Entry.note,
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
        recheck_of=r[13],
        rest_of=r[14],
        incident_id=r[15],
        note=r[16] or "",
    )


def count_entries(session: Session, *, status: str | None = None, gate: str | None = None) -> int:
    stmt = select(func.count()).select_from(Entry)
    if status:
        stmt = stmt.where(Entry.status == status)
    if gate:
        stmt = stmt.where(Entry.gate == gate)
    return int(session.exec(stmt).one())


def count_and_newest(
    session: Session,
    *,
    status: str | None = None,
    gate: str | None = None,
    above_id: int | None = None,
) -> tuple[int, int]:
    """(how many entries, the newest id among them; 0 when none), those after ``above_id`` only
    when given: a range of the (gate, id) index instead of all of it."""
    stmt = sa_select(func.count(), func.max(col(Entry.id))).select_from(Entry)
    if status:
        stmt = stmt.where(col(Entry.status) == status)
    if gate:
        stmt = stmt.where(col(Entry.gate) == gate)
    if above_id is not None:
        stmt = stmt.where(col(Entry.id) > above_id)
    total, newest = session.execute(stmt).one()
    return int(total), int(newest or 0)


def newest_entries(
    session: Session,
    offset: int,
    limit: int,
    *,
    status: str | None = None,
    gate: str | None = None,
    person_ids: Collection[str] | None = None,
    below_id: int | None = None,
    above_id: int | None = None,
) -> list[EntryRow]:
    """A page of the log, newest first (offset 0 is the newest): what a virtual list shows.

    The offset is walked on the (gate, status, id) index alone, then only the page's rows are
    joined to the roster: a page deep in a million entries stays a fraction of a second.
    ``person_ids`` keeps only those people's entries (a search), on the (person_id, at) index.

    A step from a page already read needs no walk at all (keyset): ``below_id`` reads the
    ``limit`` entries just older than that id, ``above_id`` the ``limit`` just newer (the offset
    is then ignored). Walking 2.5 million index entries to the middle of a 5-million log took
    ~160 ms; a step from its neighbour is a seek.
    """
    ids = sa_select(col(Entry.id))
    if status:
        ids = ids.where(col(Entry.status) == status)
    if gate:
        ids = ids.where(col(Entry.gate) == gate)
    if person_ids is not None:
        ids = ids.where(col(Entry.person_id).in_(list(person_ids)))
    if below_id is not None:
        ids = ids.where(col(Entry.id) < below_id).order_by(col(Entry.id).desc())
    elif above_id is not None:
        ids = ids.where(col(Entry.id) > above_id).order_by(col(Entry.id).asc())
    else:
        ids = ids.order_by(col(Entry.id).desc()).offset(offset)
    page = ids.limit(limit).subquery()
    stmt = (
        _rows_query().where(col(Entry.id).in_(sa_select(page.c.id))).order_by(col(Entry.id).desc())
    )
    return [_to_row(r) for r in session.execute(stmt)]


def device_names(session: Session) -> list[str]:
    """Every device an entry can name: the configured ones and the forms' ``manual``."""
    names = set(session.exec(select(Device.name)))
    names.add("manual")
    return sorted(names)


def visitor_ids_named(session: Session, needle: str, limit: int = 2000) -> list[int]:
    """Visitors whose name contains ``needle`` (their entries carry the visitor's id)."""
    found = session.exec(
        select(Visitor.id).where(col(Visitor.name).contains(needle, autoescape=True)).limit(limit)
    )
    return [int(v) for v in found if v is not None]


def newest_matching(
    session: Session,
    limit: int,
    *,
    status: str | None = None,
    gate: str | None = None,
    person_ids: Collection[str] = (),
    devices: Collection[str] = (),
    denied_for: Collection[str] = (),
    visitor_ids: Collection[int] = (),
) -> list[EntryRow]:
    """The newest ``limit`` entries over the whole history that are any of: these people's,
    from these devices, refused for these reasons, these visitors'. A text filter resolves what
    it names to these first (people, devices, reasons, visitors are few), so the log is searched
    on its indexes instead of row by row."""
    wanted: list[Any] = []
    if person_ids:
        wanted.append(col(Entry.person_id).in_(list(person_ids)))
    if devices:
        wanted.append(col(Entry.device).in_(list(devices)))
    if denied_for:
        wanted.append((col(Entry.status) == DENIED) & col(Entry.reason).in_(list(denied_for)))
    if visitor_ids:
        wanted.append(col(Entry.visitor_id).in_(list(visitor_ids)))
    if not wanted:
        return []
    ids = sa_select(col(Entry.id)).where(or_(*wanted))
    if status:
        ids = ids.where(col(Entry.status) == status)
    if gate:
        ids = ids.where(col(Entry.gate) == gate)
    page = ids.order_by(col(Entry.id).desc()).limit(limit).subquery()
    stmt = (
        _rows_query().where(col(Entry.id).in_(sa_select(page.c.id))).order_by(col(Entry.id).desc())
    )
    return [_to_row(r) for r in session.execute(stmt)]


def latest_id(session: Session) -> int:
    return int(session.execute(sa_select(func.coalesce(func.max(Entry.id), 0))).scalar_one())


def open_fevers(session: Session) -> list[EntryRow]:
    """Every fever nobody has rechecked, refused or closed yet, oldest first (all gates).

    They stay open past the recheck window: overdue, never dropped (DESIGN §3.6).
    """
    stmt = (
        _rows_query(FEVER)
        .where(col(Entry.resolved_at).is_(None))
        .where(col(Entry.rest_of).is_(None))
        .order_by(col(Entry.id))
    )
    return [_to_row(r) for r in session.execute(stmt)]


def recheck_due(row: EntryRow, rules: Rules) -> datetime:
    """When the recheck window of a fever ends (after that it is overdue)."""
    return row.at + timedelta(seconds=rules.recheck_within_s)


def rest_until(row: EntryRow, rules: Rules) -> datetime:
    """When the person has rested long enough for the recheck to count."""
    return row.at + timedelta(seconds=rules.recheck_rest_s)


def fever_status(session: Session, now: datetime, rules: Rules, tz: Any) -> dict[str, Any]:
    """``fevers_awaiting_recheck`` and ``recheck_overdue`` of ``status`` (DESIGN §3.9)."""

    def item(row: EntryRow) -> dict[str, Any]:
        return {
            "entry_id": row.id,
            "at": row.at.astimezone(tz).isoformat(timespec="seconds"),
            "gate": row.gate,
            "person_id": row.person_id,
            "temp_c": row.temp_c,
            "mode": row.mode,
            "rest_until": rest_until(row, rules).astimezone(tz).isoformat(timespec="seconds"),
            "due_at": recheck_due(row, rules).astimezone(tz).isoformat(timespec="seconds"),
        }

    inside, overdue = split_fevers(open_fevers(session), now, rules)
    return {
        "fevers_awaiting_recheck": [item(row) for row in inside],
        "recheck_overdue": [item(row) for row in overdue],
    }


def split_fevers(
    rows: Collection[EntryRow], now: datetime, rules: Rules
) -> tuple[list[EntryRow], list[EntryRow]]:
    """(still inside their recheck window, overdue)."""
    inside = [row for row in rows if now < recheck_due(row, rules)]
    overdue = [row for row in rows if now >= recheck_due(row, rules)]
    return inside, overdue
