"""The shift handover: built from live state, confirmed item by item, then signed out.

The outgoing person starts it (naming who takes over, with their own notes); each part of the
live state is one function below and becomes items; the incoming person confirms each item or
flags it with a note; only then can the outgoing person sign out, which ends their shift.

Items carry an English message id and JSON parameters (``text``, ``params``): each console shows
them in its own language. A parameter given as ``{"zh": ..., "en": ...}`` is a name from the
data (a playbook step, a room, a supply) in both languages.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any

from sqlalchemy import or_
from sqlmodel import Session, col, select

from duty_console.db.models import (
    Handover,
    HandoverItem,
    Incident,
    IncidentStep,
    IsolationRoom,
    IsolationStay,
    Shift,
    Staff,
    Supply,
)
from duty_console.domain import absences, audit, entries, health, rota, watch
from duty_console.domain.actors import Actor
from duty_console.domain.clock import SYSTEM_CLOCK, Clock
from duty_console.domain.permissions import require
from duty_console.domain.screening import Rules
from duty_console.errors import NotFound, UserError
from duty_console.i18n import N_

# A fever with no recheck after this long is overdue (DESIGN §3.6's default window; the
# console and the CLI pass the site's [screening] recheck_within_s).
RECHECK_WITHIN_S = 300


@dataclass(frozen=True, slots=True)
class Item:
    kind: str
    ref: str
    text: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class LiveContext:
    now: datetime
    tz: tzinfo
    gate: str
    recheck_within_s: int = RECHECK_WITHIN_S


def _both(zh: str, en: str) -> dict[str, str]:
    return {"zh": zh, "en": en}


def _hhmm(at: datetime, tz: tzinfo) -> str:
    return at.astimezone(tz).strftime("%H:%M")


# -- the parts of the live state, one function each ------------------------------------------


def open_incidents(session: Session, ctx: LiveContext) -> list[Item]:
    """Open incidents (drills too) and the next step of each."""
    items = []
    stmt = select(Incident).where(Incident.state == "open").order_by(col(Incident.id))
    for inc in session.exec(stmt):
        step = session.exec(
            select(IncidentStep)
            .where(IncidentStep.incident_id == inc.id)
            .where(col(IncidentStep.done_at).is_(None), col(IncidentStep.skipped).is_(False))
            .order_by(col(IncidentStep.n))
        ).first()
        params: dict[str, Any] = {
            "id": inc.id,
            "playbook": inc.playbook_key,
            "person": inc.person_id or "-",
        }
        if step is None:
            items.append(
                Item(
                    "incident",
                    f"incident:{inc.id}",
                    N_("Incident {id} ({playbook}, {person}): every step done, not closed yet."),
                    params,
                )
            )
            continue
        params |= {"n": step.n, "step": _both(step.title_zh, step.title_en)}
        items.append(
            Item(
                "incident",
                f"incident:{inc.id}",
                N_("Incident {id} ({playbook}, {person}): next step {n}, {step}."),
                params,
            )
        )
    return items


def people_in_isolation(session: Session, ctx: LiveContext) -> list[Item]:
    stmt = (
        select(IsolationStay, IsolationRoom)
        .join(IsolationRoom, col(IsolationRoom.code) == col(IsolationStay.room_code))
        .where(col(IsolationStay.left_at).is_(None))
        .order_by(col(IsolationStay.entered_at))
    )
    return [
        Item(
            "isolation",
            f"stay:{stay.id}",
            N_("{person} in {room} since {since}."),
            {
                "person": stay.person_id,
                "room": _both(room.name_zh, room.name_en),
                "since": _hhmm(stay.entered_at, ctx.tz),
            },
        )
        for stay, room in session.exec(stmt)
    ]


def overdue_steps(session: Session, ctx: LiveContext) -> list[Item]:
    """One item per open incident with steps past their limit: how many, and the first."""
    stmt = (
        select(IncidentStep)
        .join(Incident, col(Incident.id) == col(IncidentStep.incident_id))
        .where(Incident.state == "open")
        .where(col(IncidentStep.done_at).is_(None), col(IncidentStep.skipped).is_(False))
        .where(col(IncidentStep.due_at).is_not(None), col(IncidentStep.due_at) < ctx.now)
        .order_by(col(IncidentStep.incident_id), col(IncidentStep.n))
    )
    by_incident: dict[int, list[IncidentStep]] = {}
    for step in session.exec(stmt):
        by_incident.setdefault(step.incident_id, []).append(step)
    return [
        Item(
            "overdue",
            f"incident:{incident_id}:overdue",
            N_("Incident {id}: {count} step(s) overdue, first step {n} ({step}) since {due}."),
            {
                "id": incident_id,
                "count": len(steps),
                "n": steps[0].n,
                "step": _both(steps[0].title_zh, steps[0].title_en),
                "due": _hhmm(steps[0].due_at, ctx.tz),  # type: ignore[arg-type]
            },
        )
        for incident_id, steps in by_incident.items()
    ]


def overdue_rechecks(session: Session, ctx: LiveContext) -> list[Item]:
    """Fevers past their recheck window, still open (nobody with a fever disappears)."""
    rules = Rules(recheck_within_s=ctx.recheck_within_s)
    _inside, overdue = entries.split_fevers(entries.open_fevers(session), ctx.now, rules)
    return [
        Item(
            "recheck",
            f"entry:{e.id}",
            N_("Fever of {person} at {at} ({temp}C) has no recheck."),
            {"person": e.person_id or "-", "at": _hhmm(e.at, ctx.tz), "temp": e.temp_c},
        )
        for e in overdue
    ]


def overdue_timers(session: Session, ctx: LiveContext) -> list[Item]:
    """Disinfection and airing overdue now, as one item (the Timers view has the detail)."""
    from duty_console.domain import timers

    late = [
        t
        for t in timers.compute_timers(session, ctx.now, timers.Schedule(tz=ctx.tz))  # type: ignore[arg-type]
        if t.state == "overdue"
    ]
    if not late:
        return []
    codes = sorted({t.area_code for t in late})
    shown = ", ".join(codes[:6]) + (f" (+{len(codes) - 6})" if len(codes) > 6 else "")
    return [
        Item(
            "timer",
            "timers:overdue",
            N_("{count} disinfection or airing task(s) overdue: {areas}."),
            {"count": len(late), "areas": shown},
        )
    ]


def offline_devices(session: Session, ctx: LiveContext) -> list[Item]:
    engine = health.engine_state(session, ctx.gate, ctx.now)
    return [
        Item("device", f"device:{d.name}", N_("Device {name} is offline."), {"name": d.name})
        for d in health.devices(session, ctx.gate)
        if not (d.online and engine.alive)
    ]


def watch_unchecked(session: Session, ctx: LiveContext) -> list[Item]:
    return [
        Item(
            "watch",
            f"watch:{r.watch_id}",
            N_("{person} under watch, not checked today (contact {contact})."),
            {"person": r.person_id, "contact": r.contact_staff_id or "-"},
        )
        for r in watch.unchecked_today(session, ctx.now, ctx.tz)
    ]


def absences_not_followed(session: Session, ctx: LiveContext) -> list[Item]:
    return [
        Item(
            "absence",
            f"absence:{r.absence_id}",
            N_("{person} absent since {since}, not followed up today."),
            {"person": r.person_id, "since": r.started_at.astimezone(ctx.tz).strftime("%m-%d")},
        )
        for r in absences.open_absences(session, ctx.now, ctx.tz)
        if not r.followed_up_today
    ]


def low_supplies(session: Session, ctx: LiveContext) -> list[Item]:
    stmt = (
        select(Supply).where(col(Supply.on_hand) <= col(Supply.reorder_level)).order_by(Supply.key)
    )
    return [
        Item(
            "supplies",
            f"supply:{s.key}",
            N_("{supply}: {on_hand} left, reorder at {level}."),
            {"supply": _both(s.name_zh, s.name_en), "on_hand": s.on_hand, "level": s.reorder_level},
        )
        for s in session.exec(stmt)
    ]


PARTS: tuple[Callable[[Session, LiveContext], list[Item]], ...] = (
    open_incidents,
    people_in_isolation,
    overdue_steps,
    overdue_rechecks,
    overdue_timers,
    offline_devices,
    watch_unchecked,
    absences_not_followed,
    low_supplies,
)


def live_items(session: Session, ctx: LiveContext) -> list[Item]:
    """Everything the incoming person must know, in the order of PARTS."""
    return [item for part in PARTS for item in part(session, ctx)]


# -- the handover itself ---------------------------------------------------------------------


def _staff(session: Session, staff_id: str) -> Staff:
    staff = session.exec(select(Staff).where(Staff.staff_id == staff_id)).first()
    if staff is None or not staff.active:
        raise NotFound(N_("There is no active staff member {id}."), id=staff_id)
    return staff


def open_handover(session: Session, staff_id: str) -> Handover | None:
    """The handover not yet signed out where ``staff_id`` hands over or takes over."""
    return session.exec(
        select(Handover)
        .where(Handover.state == "open")
        .where(or_(col(Handover.from_staff_id) == staff_id, col(Handover.to_staff_id) == staff_id))
        .order_by(col(Handover.id).desc())
    ).first()


def get(session: Session, handover_id: int) -> Handover:
    found = session.get(Handover, handover_id)
    if found is None:
        raise NotFound(N_("There is no handover {id}."), id=handover_id)
    return found


def items_of(session: Session, handover_id: int) -> list[HandoverItem]:
    return list(
        session.exec(
            select(HandoverItem)
            .where(HandoverItem.handover_id == handover_id)
            .order_by(col(HandoverItem.n))
        )
    )


def start(
    session: Session,
    actor: Actor,
    to_staff_id: str,
    *,
    notes: str = "",
    tz: tzinfo,
    recheck_within_s: int = RECHECK_WITHIN_S,
    clock: Clock = SYSTEM_CLOCK,
) -> Handover:
    """The outgoing person (``actor``) hands over to ``to_staff_id``: items from live state."""
    require(actor, "handover")
    _staff(session, to_staff_id)
    if to_staff_id == actor.staff_id:
        raise UserError(N_("A handover goes to someone else."))
    if open_handover(session, actor.staff_id) is not None:
        raise UserError(
            N_("{id} already has a handover open; finish it first (duty-console handover)."),
            id=actor.staff_id,
        )
    now = clock.now()
    shift = rota.current_shift(session, actor.staff_id, now)
    handover = Handover(
        from_staff_id=actor.staff_id,
        to_staff_id=to_staff_id,
        at=now,
        notes=notes.strip(),
        shift_id=shift.id if shift else None,
        created_at=now,
        created_by=actor.label,
        gate=actor.gate,
    )
    session.add(handover)
    session.flush()
    items = live_items(session, LiveContext(now, tz, actor.gate, recheck_within_s))
    if notes.strip():
        items.append(Item("note", "notes", N_("Notes: {notes}"), {"notes": notes.strip()}))
    for n, item in enumerate(items, start=1):
        session.add(
            HandoverItem(
                handover_id=handover.id,  # type: ignore[arg-type]
                n=n,
                kind=item.kind,
                ref=item.ref,
                text=item.text,
                params=json.dumps(item.params, ensure_ascii=False, default=str),
                created_at=now,
                created_by=actor.label,
                gate=actor.gate,
            )
        )
    session.flush()
    audit.append(
        session,
        actor,
        "handover.start",
        f"handover:{handover.id}",
        {"to": to_staff_id, "items": len(items), "shift_id": handover.shift_id},
        clock=clock,
    )
    return handover


def answer(
    session: Session,
    actor: Actor,
    handover_id: int,
    n: int,
    *,
    flag: bool = False,
    note: str = "",
    clock: Clock = SYSTEM_CLOCK,
) -> HandoverItem:
    """The incoming person confirms item ``n`` (or flags it, saying why)."""
    require(actor, "handover")
    handover = get(session, handover_id)
    if handover.state != "open":
        raise UserError(N_("Handover {id} is already signed out."), id=handover_id)
    if actor.staff_id != handover.to_staff_id:
        raise UserError(
            N_("Only {id}, who takes over, confirms the items of this handover."),
            id=handover.to_staff_id,
        )
    item = session.exec(
        select(HandoverItem).where(HandoverItem.handover_id == handover_id, HandoverItem.n == n)
    ).first()
    if item is None:
        raise NotFound(N_("Handover {id} has no item {n}."), id=handover_id, n=n)
    if flag and not note.strip():
        raise UserError(N_("Say what is wrong when you flag an item."))
    now = clock.now()
    item.state = "flagged" if flag else "confirmed"
    item.answered_by = actor.label
    item.answered_at = now
    item.answer_note = note.strip()
    session.add(item)
    session.flush()
    audit.append(
        session,
        actor,
        "handover.flag" if flag else "handover.confirm",
        f"handover:{handover_id}",
        {"n": n, "note": note.strip()},
        clock=clock,
    )
    return item


def sign_out(
    session: Session, actor: Actor, handover_id: int, *, clock: Clock = SYSTEM_CLOCK
) -> Handover:
    """The outgoing person signs out once every item is confirmed or flagged; their shift ends."""
    require(actor, "handover")
    handover = get(session, handover_id)
    if handover.state != "open":
        raise UserError(N_("Handover {id} is already signed out."), id=handover_id)
    if actor.staff_id != handover.from_staff_id:
        raise UserError(
            N_("Only {id}, who hands over, signs out of this handover."),
            id=handover.from_staff_id,
        )
    pending = [i.n for i in items_of(session, handover_id) if i.state == "pending"]
    if pending:
        raise UserError(
            N_("{to} has not confirmed item(s) {items} yet; each must be confirmed or flagged."),
            to=handover.to_staff_id,
            items=[str(n) for n in pending],
        )
    now = clock.now()
    handover.state = "signed_out"
    handover.signed_out_at = now
    session.add(handover)
    # The shift the handover began in (signing out a little after its end still closes it).
    shift = session.get(Shift, handover.shift_id) if handover.shift_id else None
    shift = shift or rota.current_shift(session, actor.staff_id, now)
    if shift is not None and shift.signed_out_at is None:
        shift.signed_out_at = now
        session.add(shift)
    session.flush()
    audit.append(
        session,
        actor,
        "handover.sign_out",
        f"handover:{handover_id}",
        {"to": handover.to_staff_id, "shift_id": shift.id if shift else None},
        clock=clock,
    )
    return handover


def search(session: Session, text: str = "", limit: int = 50) -> list[Handover]:
    """Past and open handovers, newest first; ``text`` matches staff ids, notes and items."""
    stmt = select(Handover).order_by(col(Handover.id).desc()).limit(limit)
    q = text.strip()
    if q:
        in_items = select(HandoverItem.handover_id).where(
            or_(
                col(HandoverItem.params).contains(q),
                col(HandoverItem.answer_note).contains(q),
                col(HandoverItem.ref).contains(q),
            )
        )
        stmt = stmt.where(
            or_(
                col(Handover.notes).contains(q),
                col(Handover.from_staff_id) == q,
                col(Handover.to_staff_id) == q,
                col(Handover.id).in_(in_items),
            )
        )
    return list(session.exec(stmt))


def item_text(item: HandoverItem, translate: Callable[[str], str], lang: str) -> str:
    """An item in a language: ``translate`` is the active catalog's ``_``."""
    params = json.loads(item.params or "{}")
    shown = {}
    for key, value in params.items():
        if isinstance(value, dict) and "zh" in value:
            value = value["zh"] if lang.startswith("zh") else value["en"]
        shown[key] = value
    return translate(item.text).format(**shown)
