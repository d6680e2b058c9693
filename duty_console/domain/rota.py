"""The 24-hour duty rota: shifts, who is on duty now, and the reminder before a shift ends.

The shift pattern (08:00-20:00 and 20:00-08:00 by default) is the config's ``[rota]``; who works
each shift is a ``Shift`` row. Everything here is computed from those records and a time, so the
header, ``status`` and the handover agree, and a test can ask about 07:59 and 08:00.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any, Protocol

from sqlmodel import Session, col, select

from duty_console.db.models import Shift, Staff
from duty_console.domain import audit
from duty_console.domain.actors import Actor
from duty_console.domain.clock import SYSTEM_CLOCK, Clock
from duty_console.domain.permissions import require
from duty_console.errors import NotFound, UserError
from duty_console.i18n import N_

MAX_SHIFT = timedelta(hours=24)


class ShiftPattern(Protocol):
    """One shift of the config's ``[rota] shifts``: a name and local HH:MM start and end."""

    @property
    def name(self) -> str: ...

    @property
    def start(self) -> str: ...

    @property
    def end(self) -> str: ...


@dataclass(frozen=True, slots=True)
class ShiftRow:
    id: int
    staff_id: str
    name: str
    role: str
    starts_at: datetime
    ends_at: datetime
    signed_out_at: datetime | None

    def on_at(self, at: datetime) -> bool:
        return self.starts_at <= at < self.ends_at and self.signed_out_at is None


def _local(day: date, hhmm: str, tz: tzinfo) -> datetime:
    return datetime.combine(day, time.fromisoformat(hhmm), tzinfo=tz)


def shift_window(day: date, pattern: ShiftPattern, tz: tzinfo) -> tuple[datetime, datetime]:
    """The shift of this pattern that starts on the local ``day``; past midnight if end < start."""
    start = _local(day, pattern.start, tz)
    end = _local(day, pattern.end, tz)
    if end <= start:
        end = _local(day + timedelta(days=1), pattern.end, tz)
    return start, end


def find_pattern(patterns: Sequence[ShiftPattern], name: str) -> ShiftPattern:
    for p in patterns:
        if p.name == name:
            return p
    raise NotFound(
        N_("There is no shift '{name}' in [rota] shifts; the shifts are: {known}."),
        name=name,
        known=[p.name for p in patterns],
    )


def shift_boundaries(day: date, tz: tzinfo, patterns: Sequence[ShiftPattern]) -> list[datetime]:
    """Every shift change on the local ``day``, in order (aware, site time).

    The gate booth is disinfected at each of these (the timers' shift-change trigger).
    """
    start_of_day = datetime.combine(day, time(0), tzinfo=tz)
    end_of_day = start_of_day + timedelta(days=1)
    found: set[datetime] = set()
    for p in patterns:
        for d in (day - timedelta(days=1), day):
            s, e = shift_window(d, p, tz)
            found.update(t for t in (s, e) if start_of_day <= t < end_of_day)
    return sorted(found)


def _aware(value: datetime, tz: tzinfo) -> datetime:
    """A time typed without an offset is the site's local time."""
    return value if value.tzinfo is not None else value.replace(tzinfo=tz)


def add_shift(
    session: Session,
    actor: Actor,
    staff_id: str,
    starts_at: datetime,
    ends_at: datetime,
    *,
    tz: tzinfo,
    clock: Clock = SYSTEM_CLOCK,
) -> Shift:
    """Put a staff member on the rota from ``starts_at`` to ``ends_at``."""
    require(actor, "rota.manage")
    starts_at, ends_at = _aware(starts_at, tz), _aware(ends_at, tz)
    if ends_at <= starts_at:
        raise UserError(N_("A shift must end after it starts."))
    if ends_at - starts_at > MAX_SHIFT:
        raise UserError(N_("A shift may last at most 24 hours."))
    staff = session.exec(select(Staff).where(Staff.staff_id == staff_id)).first()
    if staff is None or not staff.active:
        raise NotFound(N_("There is no active staff member {id}."), id=staff_id)
    overlap = session.exec(
        select(Shift).where(
            Shift.staff_id == staff_id,
            col(Shift.starts_at) < ends_at,
            col(Shift.ends_at) > starts_at,
        )
    ).first()
    if overlap is not None:
        raise UserError(
            N_("{id} is already on the rota from {start} to {end}, which overlaps this shift."),
            id=staff_id,
            start=overlap.starts_at.astimezone(tz).strftime("%m-%d %H:%M"),
            end=overlap.ends_at.astimezone(tz).strftime("%m-%d %H:%M"),
        )
    now = clock.now()
    shift = Shift(
        staff_id=staff_id,
        role=staff.role,
        starts_at=starts_at,
        ends_at=ends_at,
        created_at=now,
        created_by=actor.label,
        gate=actor.gate,
    )
    session.add(shift)
    session.flush()
    audit.append(
        session,
        actor,
        "rota.add",
        f"shift:{shift.id}",
        {"staff_id": staff_id, "from": starts_at.isoformat(), "to": ends_at.isoformat()},
        clock=clock,
    )
    return shift


def _rows(session: Session, stmt: Any) -> list[ShiftRow]:
    return [
        ShiftRow(sh.id, sh.staff_id, st.name, sh.role, sh.starts_at, sh.ends_at, sh.signed_out_at)
        for sh, st in session.exec(stmt)
    ]


def _joined() -> Any:
    return select(Shift, Staff).join(Staff, col(Staff.staff_id) == col(Shift.staff_id))


def shifts_between(session: Session, since: datetime, until: datetime) -> list[ShiftRow]:
    """Shifts overlapping [since, until), by start."""
    stmt = (
        _joined()
        .where(col(Shift.starts_at) < until, col(Shift.ends_at) > since)
        .order_by(col(Shift.starts_at), col(Shift.staff_id))
    )
    return _rows(session, stmt)


def shifts_on(session: Session, day: date, tz: tzinfo) -> list[ShiftRow]:
    """Shifts overlapping the local ``day``."""
    start = datetime.combine(day, time(0), tzinfo=tz)
    return shifts_between(session, start, start + timedelta(days=1))


def on_duty_rows(session: Session, now: datetime) -> list[ShiftRow]:
    """Who is on duty at ``now``: a shift running and not signed out (starts count, ends don't)."""
    stmt = (
        _joined()
        .where(col(Shift.starts_at) <= now, col(Shift.ends_at) > now)
        .where(col(Shift.signed_out_at).is_(None))
        .order_by(col(Shift.starts_at), col(Shift.staff_id))
    )
    return _rows(session, stmt)


def on_duty(session: Session, now: datetime) -> list[dict[str, Any]]:
    """The ``on_duty`` of ``status`` (DESIGN §3.4)."""
    return [
        {"staff_id": r.staff_id, "name": r.name, "role": r.role} for r in on_duty_rows(session, now)
    ]


def current_shift(session: Session, staff_id: str, now: datetime) -> Shift | None:
    return session.exec(
        select(Shift)
        .where(Shift.staff_id == staff_id, col(Shift.starts_at) <= now, col(Shift.ends_at) > now)
        .where(col(Shift.signed_out_at).is_(None))
    ).first()


def ending_soon(session: Session, now: datetime, remind_before_min: int = 15) -> list[ShiftRow]:
    """Shifts on duty now that end within ``remind_before_min`` minutes: time to hand over."""
    limit = now + timedelta(minutes=remind_before_min)
    return [r for r in on_duty_rows(session, now) if r.ends_at <= limit]


def shift_ending(
    session: Session, now: datetime, tz: tzinfo, remind_before_min: int = 15
) -> list[dict[str, Any]]:
    """The ``shift_ending`` of ``status``: the reminder before a shift ends."""
    return [
        {
            "staff_id": r.staff_id,
            "name": r.name,
            "ends_at": r.ends_at.astimezone(tz).isoformat(timespec="seconds"),
            "minutes_left": max(0, int((r.ends_at - now).total_seconds() // 60)),
        }
        for r in ending_soon(session, now, remind_before_min)
    ]
