"""People under daily watch (重点人群): each with a named contact who checks on them every day.

Who has not been checked today (the site's local day) is what the officer looks at; a watch
ends only with a reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from sqlmodel import Session, col, select

from duty_console.db.models import Person, Staff, WatchCategory, WatchCheck, WatchEntry
from duty_console.domain import audit
from duty_console.domain.actors import Actor
from duty_console.domain.clock import SYSTEM_CLOCK, Clock
from duty_console.domain.permissions import require
from duty_console.errors import NotFound, UserError, terms
from duty_console.i18n import N_

CHECK_STATUSES = ("ok", "symptoms", "absent")


@dataclass(frozen=True, slots=True)
class WatchRow:
    watch_id: int
    person_id: str
    name: str
    class_name: str
    category: str
    category_zh: str
    category_en: str
    contact_staff_id: str
    contact_name: str
    since: datetime
    last_check_at: datetime | None
    last_status: str
    checked_today: bool


def day_start(day: date, tz: tzinfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz)


def local_day(now: datetime, tz: tzinfo) -> date:
    return now.astimezone(tz).date()


def person(session: Session, person_id: str) -> Person:
    found = session.exec(select(Person).where(Person.person_id == person_id)).first()
    if found is None or not found.active:
        raise NotFound(N_("There is nobody with the id {id} in the roster."), id=person_id)
    return found


def _open_entries(session: Session, person_id: str) -> list[WatchEntry]:
    return list(
        session.exec(
            select(WatchEntry)
            .where(WatchEntry.person_id == person_id, col(WatchEntry.until).is_(None))
            .order_by(col(WatchEntry.id))
        )
    )


def add_watch(
    session: Session,
    actor: Actor,
    person_id: str,
    category: str,
    contact_staff_id: str,
    *,
    note: str = "",
    clock: Clock = SYSTEM_CLOCK,
    contact_required: bool = True,
) -> WatchEntry:
    """Put a person under daily watch in a category, with the staff member who checks on them.

    ``contact_required=False`` (a follow-up raised by an account that is no staff member)
    leaves the contact empty, shown as unassigned until the officer names one.
    """
    require(actor, "watch.add")
    person(session, person_id)
    if session.get(WatchCategory, category) is None:
        known = list(session.exec(select(WatchCategory.key).order_by(col(WatchCategory.key))))
        raise NotFound(
            N_("There is no watch category '{key}'; the categories are: {known}."),
            key=category,
            known=known,
        )
    contact = session.exec(select(Staff).where(Staff.staff_id == contact_staff_id)).first()
    if contact_required and (contact is None or not contact.active):
        raise NotFound(N_("There is no active staff member {id}."), id=contact_staff_id)
    if any(e.category == category for e in _open_entries(session, person_id)):
        raise UserError(
            N_("{id} is already under watch in the category '{key}'."),
            id=person_id,
            key=category,
        )
    now = clock.now()
    entry = WatchEntry(
        person_id=person_id,
        category=category,
        contact_staff_id=contact_staff_id if contact is not None else "",
        since=now,
        note=note,
        created_at=now,
        created_by=actor.label,
        gate=actor.gate,
    )
    session.add(entry)
    session.flush()
    audit.append(
        session,
        actor,
        "watch.add",
        f"person:{person_id}",
        {"watch_id": entry.id, "category": category, "contact": contact_staff_id},
        clock=clock,
    )
    return entry


def record_check(
    session: Session,
    actor: Actor,
    person_id: str,
    status: str,
    *,
    note: str = "",
    clock: Clock = SYSTEM_CLOCK,
) -> list[WatchCheck]:
    """Today's check of a person under watch (one record for each open watch of theirs)."""
    require(actor, "watch.check")
    if status not in CHECK_STATUSES:
        raise UserError(
            N_("'{status}' is not a check result; use one of: {known}."),
            status=status,
            known=terms(CHECK_STATUSES),
        )
    if status != "ok" and not note.strip():
        raise UserError(N_("Say what was found in a note when the result is not ok."))
    entries = _open_entries(session, person_id)
    if not entries:
        person(session, person_id)
        raise UserError(N_("{id} is not under watch."), id=person_id)
    now = clock.now()
    checks = []
    for entry in entries:
        check = WatchCheck(
            watch_id=entry.id,  # type: ignore[arg-type]
            at=now,
            status=status,
            note=note,
            created_at=now,
            created_by=actor.label,
            gate=actor.gate,
        )
        session.add(check)
        checks.append(check)
    session.flush()
    audit.append(
        session,
        actor,
        "watch.check",
        f"person:{person_id}",
        {"status": status, "watch_ids": [e.id for e in entries]},
        clock=clock,
    )
    return checks


def end_watch(
    session: Session,
    actor: Actor,
    person_id: str,
    reason: str,
    *,
    category: str | None = None,
    clock: Clock = SYSTEM_CLOCK,
) -> list[WatchEntry]:
    """End a person's watch (one category, or all of theirs); the reason is required."""
    require(actor, "watch.end")
    if not reason.strip():
        raise UserError(N_("Ending a watch needs a reason."))
    entries = [
        e for e in _open_entries(session, person_id) if category is None or e.category == category
    ]
    if not entries:
        person(session, person_id)
        raise UserError(N_("{id} is not under watch."), id=person_id)
    now = clock.now()
    for entry in entries:
        entry.until = now
        entry.ended_by = actor.label
        entry.end_reason = reason.strip()
        session.add(entry)
    session.flush()
    audit.append(
        session,
        actor,
        "watch.end",
        f"person:{person_id}",
        {"reason": reason.strip(), "watch_ids": [e.id for e in entries]},
        clock=clock,
    )
    return entries


def watch_list(session: Session, now: datetime, tz: tzinfo) -> list[WatchRow]:
    """Everyone under watch now; those not checked today first, then by class and id."""
    today = day_start(local_day(now, tz), tz)
    stmt = (
        select(WatchEntry, Person, WatchCategory)
        .join(Person, col(Person.person_id) == col(WatchEntry.person_id))
        .join(WatchCategory, col(WatchCategory.key) == col(WatchEntry.category))
        .where(col(WatchEntry.until).is_(None))
    )
    staff_names = {s.staff_id: s.name for s in session.exec(select(Staff))}
    rows = []
    for entry, p, cat in session.exec(stmt):
        last = session.exec(
            select(WatchCheck)
            .where(WatchCheck.watch_id == entry.id)
            .order_by(col(WatchCheck.at).desc(), col(WatchCheck.id).desc())
            .limit(1)
        ).first()
        rows.append(
            WatchRow(
                watch_id=entry.id,  # type: ignore[arg-type]
                person_id=p.person_id,
                name=p.name,
                class_name=p.class_name,
                category=cat.key,
                category_zh=cat.name_zh,
                category_en=cat.name_en,
                contact_staff_id=entry.contact_staff_id,
                contact_name=staff_names.get(entry.contact_staff_id, ""),
                since=entry.since,
                last_check_at=last.at if last else None,
                last_status=last.status if last else "",
                checked_today=last is not None and today <= last.at < today + timedelta(days=1),
            )
        )
    rows.sort(key=lambda r: (r.checked_today, r.class_name, r.person_id, r.category))
    return rows


def unchecked_today(session: Session, now: datetime, tz: tzinfo) -> list[WatchRow]:
    """People under watch whose contact has not checked on them today."""
    return [r for r in watch_list(session, now, tz) if not r.checked_today]
