"""Disinfection and ventilation timers: due, running, overdue or ok, computed from the records.

Nothing here remembers anything between calls: every state is worked out from the
``disinfection_record``, ``ventilation_session`` and ``isolation_stay`` rows, the schedules of
``data/defaults/areas.toml`` (loaded into ``area_type``), the ``[timers]`` config and the clock.
So a restart, a second console or a headless engine all see the same timers.

The rules (DOMAIN.md, "Disinfection and ventilation"):

- **Every N hours** (daily, every two days): the time is cut into periods of N hours counted from
  ``[timers] anchor_date`` (local midnight; N a multiple of 24 counts local days, so there is no
  drift and no restart after a late run). Done in the current period: ok until the next period
  starts. Done in the previous period only: due, by the end of this one. Neither: overdue.
- **At each shift change** (the gate booth) and **after each trip** (the bus): the latest event
  (``[timers] shift_changes`` / ``trip_ends``, local times) needs a record at or after it (for a
  shift change, up to ``event_grace_min`` before it counts too: the outgoing shift cleans); due
  from the event, overdue ``event_grace_min`` after it.
- **After each use** (isolation rooms): due as soon as a stay in the room ends with no
  disinfection after it (``after_use_due``), overdue ``event_grace_min`` later.
- **Ventilation**: K sessions of at least M minutes per local day. Session i should have started
  by the i-th reminder time (``[timers] ventilation_reminders``): due from it, overdue
  ``event_grace_min`` after it; an open session is running (a countdown to M minutes). A
  session shorter than M minutes is kept but does not count. A session's length is measured
  on the boot clock of the PC that started it when the same PC (same boot) stops it, so a wall
  clock stepped meanwhile neither adds nor takes away time; otherwise on the wall clock, never
  below zero.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import Session, col, select

from duty_console.db.models import (
    Area,
    AreaType,
    DisinfectionRecord,
    IsolationRoom,
    IsolationStay,
    VentilationSession,
)
from duty_console.domain import alerts, audit, walkthrough
from duty_console.domain.actors import Actor
from duty_console.domain.clock import SYSTEM_CLOCK, BootInstant, Clock
from duty_console.domain.permissions import require
from duty_console.errors import NotFound, Term, UserError
from duty_console.i18n import N_
from duty_console.paths import DEFAULTS_DIR

DISINFECTION = "disinfection"
VENTILATION = "ventilation"
KINDS = (DISINFECTION, VENTILATION)

RUNNING, OVERDUE, DUE, OK = "running", "overdue", "due", "ok"
STATES = (RUNNING, OVERDUE, DUE, OK)  # most urgent first
_RANK = {s: i for i, s in enumerate(STATES)}

TRIGGER_SHIFT_CHANGE = "shift_change"
TRIGGER_AFTER_USE = "after_use"
TRIGGER_AFTER_TRIP = "after_trip"

DISINFECTANTS_FILE = DEFAULTS_DIR / "disinfectants.toml"


# -- the schedule (from [timers]) --------------------------------------------------------------


class _TimersConfig(Protocol):
    realert_min: int
    ventilation_reminders: list[str]
    shift_changes: list[str] | None
    trip_ends: list[str]
    event_grace_min: int
    anchor_date: str


def _hhmm(value: str) -> time:
    hh, _, mm = value.partition(":")
    return time(int(hh), int(mm))


@dataclass(frozen=True)
class Schedule:
    """The ``[timers]`` settings the rules need, plus the site's timezone."""

    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Shanghai"))
    realert_min: int = 15
    ventilation_reminders: tuple[time, ...] = (time(9), time(13), time(17))
    shift_changes: tuple[time, ...] = (time(8), time(20))
    trip_ends: tuple[time, ...] = (time(8), time(17, 30))
    event_grace: timedelta = timedelta(minutes=30)
    anchor: date = date(2026, 9, 1)

    @classmethod
    def from_settings(
        cls, timers: _TimersConfig, tz: ZoneInfo, shift_times: Sequence[str] = ()
    ) -> Schedule:
        """``shift_times``: the rota's shift starts and ends, the booth's disinfection times
        when ``[timers] shift_changes`` does not name its own."""
        changes = timers.shift_changes if timers.shift_changes is not None else shift_times
        return cls(
            tz=tz,
            realert_min=timers.realert_min,
            ventilation_reminders=tuple(_hhmm(t) for t in timers.ventilation_reminders),
            shift_changes=tuple(sorted({_hhmm(t) for t in changes})),
            trip_ends=tuple(_hhmm(t) for t in timers.trip_ends),
            event_grace=timedelta(minutes=timers.event_grace_min),
            anchor=date.fromisoformat(timers.anchor_date),
        )

    def local_day(self, at: datetime) -> date:
        return at.astimezone(self.tz).date()

    def at_local(self, day: date, when: time = time(0)) -> datetime:
        """A local wall-clock time of ``day``, in UTC (DST-safe: local days, not 24 h steps)."""
        return datetime.combine(day, when, tzinfo=self.tz).astimezone(UTC)

    def period(self, now: datetime, every_hours: int) -> tuple[datetime, datetime]:
        """The [start, end) of the every-N-hours period that holds ``now``."""
        if every_hours % 24 == 0:
            days = every_hours // 24
            k = (self.local_day(now) - self.anchor).days // days
            first = self.anchor + timedelta(days=k * days)
            return self.at_local(first), self.at_local(first + timedelta(days=days))
        origin = self.at_local(self.anchor)
        step = timedelta(hours=every_hours)
        k = math.floor((now - origin) / step)
        return origin + k * step, origin + (k + 1) * step

    def events_around(
        self, now: datetime, times: Sequence[time]
    ) -> tuple[datetime | None, datetime | None]:
        """The latest event at or before ``now`` and the next one after it."""
        if not times:
            return None, None
        today = self.local_day(now)
        instants = sorted(
            self.at_local(today + timedelta(days=d), t) for d in (-1, 0, 1) for t in times
        )
        last = max((i for i in instants if i <= now), default=None)
        nxt = min((i for i in instants if i > now), default=None)
        return last, nxt

    def ventilation_times(self, day: date, per_day: int) -> list[datetime]:
        """When each of the day's ``per_day`` airings should have started (the reminder times;
        more airings than reminders are all due by the last reminder)."""
        reminders = list(self.ventilation_reminders) or [time(9)]
        wanted = reminders[:per_day] + [reminders[-1]] * max(0, per_day - len(reminders))
        return [self.at_local(day, t) for t in wanted]


# -- disinfectants (data/defaults/disinfectants.toml) ------------------------------------------


@dataclass(frozen=True)
class Agent:
    key: str
    name_zh: str
    name_en: str
    unit: str
    low: float | None
    high: float | None

    def range_text(self, low: float | None = None, high: float | None = None) -> str:
        lo = self.low if low is None else low
        hi = self.high if high is None else high
        if lo is None or hi is None:
            return ""
        if lo == hi:
            return f"{_num(lo)} {self.unit}"
        return f"{_num(lo)}-{_num(hi)} {self.unit}"


@dataclass(frozen=True)
class Disinfectants:
    agents: dict[str, Agent]
    by_area_type: dict[str, tuple[str, float | None, float | None]]

    def default_for(self, area_type: str) -> str:
        return self.by_area_type.get(area_type, ("", None, None))[0]

    def accepted(self, area_type: str, agent: Agent) -> tuple[float | None, float | None]:
        """The range accepted for ``agent`` in an area of ``area_type``."""
        key, low, high = self.by_area_type.get(area_type, ("", None, None))
        if key == agent.key and low is not None and high is not None:
            return low, high
        return agent.low, agent.high


def _num(value: float) -> str:
    return f"{value:g}"


def load_disinfectants(path: Path = DISINFECTANTS_FILE) -> Disinfectants:
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        return Disinfectants({}, {})
    except tomllib.TOMLDecodeError as exc:
        raise UserError(N_("{path}: not valid TOML ({why})."), path=path, why=exc) from exc
    agents = {
        a["key"]: Agent(
            a["key"],
            a.get("name_zh", a["key"]),
            a.get("name_en", a["key"]),
            a.get("unit", ""),
            a.get("min"),
            a.get("max"),
        )
        for a in data.get("agent", [])
    }
    by_type = {
        key: (str(v.get("agent", "")), v.get("min"), v.get("max"))
        for key, v in data.get("area_type", {}).items()
    }
    return Disinfectants(agents, by_type)


def parse_concentration(text: str, agent: Agent) -> float:
    """'500 mg/L', '500mg/l', '500', '75%', '75 %' → the number, in the agent's unit."""
    raw = text.strip().replace(" ", "").lower()
    unit = agent.unit.replace(" ", "").lower()
    number = raw.removesuffix(unit) if unit else raw
    try:
        value = float(number)
    except ValueError:
        raise UserError(
            N_("'{text}' is not a concentration of {agent}; type it like {example}."),
            text=text,
            agent=Term(agent.name_en),
            example=f"{_num(agent.low or 1)} {agent.unit}".strip(),
        ) from None
    if not math.isfinite(value) or value <= 0:
        raise UserError(
            N_("'{text}' is not a concentration of {agent}; type it like {example}."),
            text=text,
            agent=Term(agent.name_en),
            example=f"{_num(agent.low or 1)} {agent.unit}".strip(),
        )
    return value


# -- the timers ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Timer:
    """One area's disinfection or ventilation timer, as of ``now``."""

    area_code: str
    area: str  # English name
    area_zh: str
    area_type: str
    building: str
    key_area: bool
    kind: str  # disinfection | ventilation
    state: str  # running | overdue | due | ok
    due_at: datetime | None
    last_done_at: datetime | None = None
    trigger: str = ""  # "" | shift_change | after_use | after_trip
    every_hours: int = 0
    minutes: int = 0  # ventilation: the minimum length of a session
    sessions_today: int | None = None
    required_today: int | None = None
    short_today: int = 0
    running_since: datetime | None = None
    # The running airing's start on its PC's boot clock (None: unknown, an older session).
    running_boot: BootInstant | None = None

    @property
    def subject(self) -> str:
        return f"timer:{self.area_code}:{self.kind}"

    @property
    def sort_key(self) -> tuple[int, float, str, str]:
        due = self.due_at.timestamp() if self.due_at else float("inf")
        return (_RANK[self.state], due, self.area_code, self.kind)

    def compliance_today(self) -> float:
        """Today's share done: sessions counted ÷ required, or 1/0 for a disinfection."""
        if self.kind == VENTILATION:
            required = self.required_today or 0
            return 1.0 if required == 0 else min(self.sessions_today or 0, required) / required
        return 0.0 if self.state in (DUE, OVERDUE) else 1.0

    def remaining_s(self, now: datetime, boot: BootInstant | None = None) -> float:
        """A running airing: seconds until the windows may close (0 once M minutes passed).

        ``boot``: now on this PC's boot clock; on the boot the airing started on, the countdown
        runs on it and does not jump when the wall clock is stepped."""
        if self.running_since is None:
            return 0.0
        elapsed = boot.seconds_since(self.running_boot) if boot is not None else None
        if elapsed is None:
            elapsed = (now - self.running_since).total_seconds()
        return max(0.0, self.minutes * 60 - elapsed)

    def as_dict(self, tz: Any) -> dict[str, Any]:
        out: dict[str, Any] = {
            "area_code": self.area_code,
            "area": self.area,
            "area_zh": self.area_zh,
            "area_type": self.area_type,
            "building": self.building,
            "kind": self.kind,
            "state": self.state,
            "due_at": _iso(self.due_at, tz),
            "last_done_at": _iso(self.last_done_at, tz),
        }
        if self.kind == DISINFECTION:
            out["trigger"] = self.trigger or f"every_{self.every_hours}h"
        else:
            out["sessions_today"] = self.sessions_today
            out["required_today"] = self.required_today
            out["minutes"] = self.minutes
            out["running_since"] = _iso(self.running_since, tz)
        return out


def _iso(value: datetime | None, tz: Any) -> str | None:
    return None if value is None else value.astimezone(tz).isoformat(timespec="seconds")


def _latest_disinfections(session: Session, codes: Iterable[str]) -> dict[str, datetime]:
    stmt = (
        select(DisinfectionRecord.area_code, func.max(DisinfectionRecord.done_at))
        .where(col(DisinfectionRecord.area_code).in_(list(codes)))
        .group_by(col(DisinfectionRecord.area_code))
    )
    out: dict[str, datetime] = {}
    for code, at in session.exec(stmt):
        if at is not None:
            out[code] = _aware(at)
    return out


def _aware(value: datetime | str) -> datetime:
    """func.max() skips the column type on SQLite: the value may come back naive or as text."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def after_use_due(
    session: Session, area_code: str, since: datetime | None = None
) -> datetime | None:
    """When the after-use disinfection of an isolation room's area became due: the end of its
    latest stay (ended at or after ``since``) with no disinfection recorded after it; None when
    nothing is owed. The rooms engineer can call this to show a room ``needs_disinfection``."""
    rooms = [
        r.code
        for r in session.exec(select(IsolationRoom).where(IsolationRoom.area_code == area_code))
    ]
    if not rooms:
        return None
    stmt = select(func.max(IsolationStay.left_at)).where(
        col(IsolationStay.room_code).in_(rooms), col(IsolationStay.left_at).is_not(None)
    )
    if since is not None:
        stmt = stmt.where(col(IsolationStay.left_at) >= since)
    ended = session.exec(stmt).one()
    if ended is None:
        return None
    ended = _aware(ended)
    done = session.exec(
        select(DisinfectionRecord.id).where(
            DisinfectionRecord.area_code == area_code, col(DisinfectionRecord.done_at) >= ended
        )
    ).first()
    return None if done is not None else ended


def _disinfection_state(
    session: Session,
    area: Area,
    atype: AreaType,
    last: datetime | None,
    now: datetime,
    sched: Schedule,
) -> tuple[str, datetime | None]:
    trigger = atype.disinfection_trigger
    grace = sched.event_grace
    if atype.disinfection_every_hours > 0 and not trigger:
        start, end = sched.period(now, atype.disinfection_every_hours)
        if last is not None and last >= start:
            return OK, end
        prev_start = start - (end - start)
        if last is not None and last >= prev_start:
            return DUE, end
        return OVERDUE, start
    if trigger == TRIGGER_AFTER_USE:
        due_from = after_use_due(session, area.code)
        if due_from is None:
            return OK, None
        return (DUE if now < due_from + grace else OVERDUE), due_from + grace
    if trigger in (TRIGGER_SHIFT_CHANGE, TRIGGER_AFTER_TRIP):
        times = sched.shift_changes if trigger == TRIGGER_SHIFT_CHANGE else sched.trip_ends
        event, nxt = sched.events_around(now, times)
        if event is None:
            return OK, None
        # The outgoing shift may clean just before the change; a bus only after its trip.
        early = grace if trigger == TRIGGER_SHIFT_CHANGE else timedelta(0)
        if last is not None and last >= event - early:
            return OK, nxt
        return (DUE if now < event + grace else OVERDUE), event + grace
    return OK, None


def _ventilation_state(
    sessions: list[VentilationSession], atype: AreaType, now: datetime, sched: Schedule
) -> tuple[str, datetime | None, int, int, datetime | None]:
    """(state, due_at, counted today, short today, running since)."""
    day = sched.local_day(now)
    minimum = timedelta(minutes=atype.ventilation_minutes)
    open_ = [s for s in sessions if s.ended_at is None]
    today = [s for s in sessions if s.ended_at is not None and sched.local_day(s.started_at) == day]
    counted = len([s for s in today if s.ended_at and s.ended_at - s.started_at >= minimum])
    short = len(today) - counted
    if open_:
        since = min(s.started_at for s in open_)
        return RUNNING, since + minimum, counted, short, since
    needed = atype.ventilation_per_day
    if counted >= needed:
        tomorrow = sched.ventilation_times(day + timedelta(days=1), needed)
        return OK, (tomorrow[0] if tomorrow else None), counted, short, None
    due_at = sched.ventilation_times(day, needed)[counted]
    if now < due_at:
        return OK, due_at, counted, short, None
    state = DUE if now < due_at + sched.event_grace else OVERDUE
    return state, due_at, counted, short, None


def started_boot(vs: VentilationSession) -> BootInstant | None:
    """Where an airing started on its PC's boot clock (None for sessions before 0010)."""
    if vs.started_boot and vs.started_boot_s is not None:
        return BootInstant(vs.started_boot, vs.started_boot_s)
    return None


def compute_timers(
    session: Session,
    now: datetime,
    sched: Schedule,
    *,
    area_codes: Sequence[str] | None = None,
    boot: BootInstant | None = None,
) -> list[Timer]:
    """Every timer of every active area (or of ``area_codes``), most urgent first.

    ``boot``: now on this PC's boot clock: a running airing started on this boot is due to
    end M minutes after its start on that clock, whatever the wall clock did since."""
    types = {t.key: t for t in session.exec(select(AreaType))}
    stmt = select(Area).where(col(Area.active).is_(True)).order_by(col(Area.code))
    if area_codes is not None:
        stmt = stmt.where(col(Area.code).in_(list(area_codes)))
    areas = list(session.exec(stmt))
    codes = [a.code for a in areas]
    latest = _latest_disinfections(session, codes)
    # Today's sessions (from the local midnight before yesterday's, to be safe) and open ones.
    since = sched.at_local(sched.local_day(now) - timedelta(days=1))
    vent: dict[str, list[VentilationSession]] = {}
    for s in session.exec(
        select(VentilationSession)
        .where(col(VentilationSession.area_code).in_(codes))
        .where(
            (col(VentilationSession.started_at) >= since)
            | col(VentilationSession.ended_at).is_(None)
        )
    ):
        vent.setdefault(s.area_code, []).append(s)
    out: list[Timer] = []
    for area in areas:
        atype = types[area.type]
        common: dict[str, Any] = {
            "area_code": area.code,
            "area": area.name_en,
            "area_zh": area.name_zh,
            "area_type": area.type,
            "building": area.building,
            "key_area": atype.key_area,
        }
        if atype.disinfection_every_hours > 0 or atype.disinfection_trigger:
            last = latest.get(area.code)
            state, due_at = _disinfection_state(session, area, atype, last, now, sched)
            out.append(
                Timer(
                    **common,
                    kind=DISINFECTION,
                    state=state,
                    due_at=due_at,
                    last_done_at=last,
                    trigger=atype.disinfection_trigger,
                    every_hours=atype.disinfection_every_hours,
                )
            )
        if atype.ventilation_per_day > 0:
            sessions = vent.get(area.code, [])
            state, due_at, counted, short, running = _ventilation_state(sessions, atype, now, sched)
            ended = [s.ended_at for s in sessions if s.ended_at is not None]
            running_boot = None
            if running is not None:
                first = min((s for s in sessions if s.ended_at is None), key=lambda s: s.started_at)
                running_boot = started_boot(first)
                elapsed = boot.seconds_since(running_boot) if boot is not None else None
                if elapsed is not None:
                    left = atype.ventilation_minutes * 60 - elapsed
                    due_at = now + timedelta(seconds=left)
            out.append(
                Timer(
                    **common,
                    kind=VENTILATION,
                    state=state,
                    due_at=due_at,
                    last_done_at=max(ended) if ended else None,
                    minutes=atype.ventilation_minutes,
                    sessions_today=counted,
                    required_today=atype.ventilation_per_day,
                    short_today=short,
                    running_since=running,
                    running_boot=running_boot,
                )
            )
    out.sort(key=lambda t: t.sort_key)
    return out


def area_type_names(session: Session) -> dict[str, tuple[str, str]]:
    """Area type key → (Chinese name, English name)."""
    return {a.key: (a.name_zh, a.name_en) for a in session.exec(select(AreaType))}


def status_timers(
    session: Session, now: datetime, sched: Schedule, boot: BootInstant | None = None
) -> list[dict[str, Any]]:
    """The ``timers`` of ``status --format json`` (DESIGN §3.4/§3.9), most urgent first."""
    return [t.as_dict(sched.tz) for t in compute_timers(session, now, sched, boot=boot)]


def overdue_count(session: Session, now: datetime, sched: Schedule) -> int:
    return sum(1 for t in compute_timers(session, now, sched) if t.state == OVERDUE)


# -- writes ------------------------------------------------------------------------------------


def find_area(session: Session, code: str) -> tuple[Area, AreaType]:
    """An area by its code, or an isolation room's code (its area)."""
    typed = code.strip()
    area = session.exec(select(Area).where(Area.code == typed)).first()
    if area is None:
        room = session.exec(select(IsolationRoom).where(IsolationRoom.code == typed)).first()
        if room is not None and room.area_code:
            area = session.exec(select(Area).where(Area.code == room.area_code)).first()
    if area is None or not area.active:
        known = list(session.exec(select(Area.code).order_by(col(Area.code))))
        raise NotFound(
            N_("There is no area '{code}'; the areas are: {known}."), code=typed, known=known
        )
    atype = session.get(AreaType, area.type)
    assert atype is not None
    return area, atype


def _settle(
    session: Session, actor: Actor, area_code: str, kind: str, sched: Schedule, clock: Clock
) -> None:
    """After a record: the timer's alert is resolved once the timer is no longer overdue."""
    timers = compute_timers(session, clock.now(), sched, area_codes=[area_code])
    for timer in timers:
        if timer.kind == kind and timer.state != OVERDUE:
            alerts.resolve(session, actor, timer.subject, N_("done"), clock=clock)


def record_disinfection(
    session: Session,
    actor: Actor,
    area_code: str,
    *,
    agent: str | None = None,
    concentration: str | None = None,
    note: str = "",
    sched: Schedule | None = None,
    clock: Clock = SYSTEM_CLOCK,
    disinfectants: Disinfectants | None = None,
) -> DisinfectionRecord:
    """A disinfection of the area done now: who, when, the agent, the concentration, a note.

    The agent defaults to the area type's; a concentration outside the range accepted for the
    agent (in that area type) is refused with the range.
    """
    require(actor, "hygiene.record")
    sched = sched or Schedule()
    area, atype = find_area(session, area_code)
    table = disinfectants or load_disinfectants()
    key = (agent or table.default_for(atype.key)).strip()
    chosen = table.agents.get(key) or next(
        (a for a in table.agents.values() if key in (a.name_zh, a.name_en)), None
    )
    if chosen is None:
        if key or table.agents:
            raise UserError(
                N_("'{agent}' is not a known disinfectant; use one of: {known}."),
                agent=key,
                known=sorted(table.agents),
            )
        stored_agent: str = key
        stored_conc: str = (concentration or "").strip()
    else:
        low, high = table.accepted(atype.key, chosen)
        stored_agent = chosen.key
        if low is not None and high is not None:
            if not (concentration or "").strip():
                raise UserError(
                    N_("Give the concentration of {agent} used (expected {range})."),
                    agent=Term(chosen.name_en),
                    range=chosen.range_text(low, high),
                )
            value = parse_concentration(concentration or "", chosen)
            if not low <= value <= high:
                raise UserError(
                    N_("{value} is outside the range for {agent} in {area}: expected {range}."),
                    value=f"{_num(value)} {chosen.unit}",
                    agent=Term(chosen.name_en),
                    area=area.code,
                    range=chosen.range_text(low, high),
                )
            stored_conc = f"{_num(value)} {chosen.unit}"
        else:
            stored_conc = (concentration or "").strip()
    now = clock.now()
    record = DisinfectionRecord(
        area_code=area.code,
        done_at=now,
        agent=stored_agent,
        concentration=stored_conc,
        note=note.strip(),
        created_at=now,
        created_by=actor.label,
        gate=actor.gate,
    )
    session.add(record)
    session.flush()
    audit.append(
        session,
        actor,
        "disinfection.record",
        f"area:{area.code}",
        {"agent": stored_agent, "concentration": stored_conc, "note": record.note},
        clock=clock,
    )
    _settle(session, actor, area.code, DISINFECTION, sched, clock)
    _sign_off_departure(session, actor, area.code, record, clock)
    return record


def _sign_off_departure(
    session: Session, actor: Actor, area_code: str, record: DisinfectionRecord, clock: Clock
) -> None:
    """An isolation room's disinfection after its last stay signs off the "after departure"
    step of that stay's incident, whichever view or command recorded it."""
    codes = [
        r.code
        for r in session.exec(select(IsolationRoom).where(IsolationRoom.area_code == area_code))
    ]
    if not codes:
        return
    last = session.exec(
        select(IsolationStay)
        .where(col(IsolationStay.room_code).in_(codes), col(IsolationStay.left_at).is_not(None))
        .order_by(col(IsolationStay.left_at).desc())
    ).first()
    if last is not None and last.incident_id is not None:
        walkthrough.complete_departure_steps(
            session,
            actor,
            last.incident_id,
            {"agent": record.agent, "concentration": record.concentration},
            clock=clock,
        )


def open_session(session: Session, area_code: str) -> VentilationSession | None:
    return session.exec(
        select(VentilationSession)
        .where(VentilationSession.area_code == area_code)
        .where(col(VentilationSession.ended_at).is_(None))
        .order_by(col(VentilationSession.started_at))
    ).first()


def start_ventilation(
    session: Session,
    actor: Actor,
    area_code: str,
    *,
    note: str = "",
    sched: Schedule | None = None,
    clock: Clock = SYSTEM_CLOCK,
) -> VentilationSession:
    """Windows open: a session starts now (refused while one is already running)."""
    require(actor, "hygiene.record")
    area, atype = find_area(session, area_code)
    if atype.ventilation_minutes <= 0:
        raise UserError(
            N_("{area} has no timed airing (continuous or natural ventilation)."),
            area=area.code,
        )
    running = open_session(session, area.code)
    if running is not None:
        raise UserError(
            N_("{area} is already being aired (since {since})."),
            area=area.code,
            since=running.started_at.astimezone((sched or Schedule()).tz).strftime("%H:%M"),
        )
    now = clock.now()
    boot = clock.boot_instant()
    vs = VentilationSession(
        area_code=area.code,
        started_at=now,
        started_boot=boot.boot_id if boot is not None else None,
        started_boot_s=boot.seconds if boot is not None else None,
        note=note.strip(),
        created_at=now,
        created_by=actor.label,
        gate=actor.gate,
    )
    session.add(vs)
    session.flush()
    audit.append(session, actor, "ventilation.start", f"area:{area.code}", {}, clock=clock)
    return vs


@dataclass(frozen=True)
class Stopped:
    session: VentilationSession
    minutes: float
    counted: bool
    required_minutes: int


def stop_ventilation(
    session: Session,
    actor: Actor,
    area_code: str,
    *,
    sched: Schedule | None = None,
    clock: Clock = SYSTEM_CLOCK,
) -> Stopped:
    """Windows closed: the running session ends; it counts if it lasted at least M minutes."""
    require(actor, "hygiene.record")
    sched = sched or Schedule()
    area, atype = find_area(session, area_code)
    running = open_session(session, area.code)
    if running is None:
        raise UserError(N_("{area} is not being aired; start an airing first."), area=area.code)
    # On the boot it started on, the airing lasted what the boot clock says, and it ends that
    # long after its start: a wall clock stepped meanwhile (NTP, a corrected time zone) adds
    # or takes nothing, and every reader (the timers, status, the day's report) counts the
    # true length from started_at and ended_at. Stopped on another PC or after a restart,
    # only the wall clock is known: a clock stepped back would end the session before it
    # began, so it ends where it began instead (and counts nothing).
    here = clock.boot_instant()
    elapsed = here.seconds_since(started_boot(running)) if here is not None else None
    if elapsed is None:
        now = max(clock.now(), running.started_at)
    else:
        now = running.started_at + timedelta(seconds=elapsed)
    running.ended_at = now
    session.add(running)
    session.flush()
    minutes = (now - running.started_at).total_seconds() / 60
    counted = minutes >= atype.ventilation_minutes
    audit.append(
        session,
        actor,
        "ventilation.stop",
        f"area:{area.code}",
        {"minutes": round(minutes, 1), "counted": counted},
        clock=clock,
    )
    _settle(session, actor, area.code, VENTILATION, sched, clock)
    return Stopped(running, minutes, counted, atype.ventilation_minutes)


# -- the engine's sweep: overdue timers become alerts ------------------------------------------

OVERDUE_MESSAGES = {
    DISINFECTION: N_("Disinfection overdue: {area} (due {due})."),
    VENTILATION: N_("Airing overdue: {area} (due {due})."),
}
REMINDER_MESSAGE = N_("Time to air the rooms: {count} room(s) still need an airing today.")


@dataclass
class SweepResult:
    raised: list[int] = field(default_factory=list)
    realerted: list[int] = field(default_factory=list)
    resolved: list[int] = field(default_factory=list)

    @property
    def rings(self) -> bool:
        return bool(self.raised or self.realerted)


def sweep(
    session: Session, actor: Actor, sched: Schedule, *, clock: Clock = SYSTEM_CLOCK
) -> SweepResult:
    """Raise an alert for every overdue timer, resolve those no longer overdue, re-alert the
    unacknowledged ones whose time has come. Safe to run from any number of places."""
    now = clock.now()
    result = SweepResult()
    timers = compute_timers(session, now, sched)
    overdue = {t.subject: t for t in timers if t.state == OVERDUE}
    for timer in overdue.values():
        due = timer.due_at.astimezone(sched.tz).strftime("%m-%d %H:%M") if timer.due_at else "-"
        alert, new = alerts.raise_alert(
            session,
            actor,
            kind=alerts.KIND_TIMER_OVERDUE,
            subject=timer.subject,
            message=OVERDUE_MESSAGES[timer.kind],
            params={"area": timer.area_code, "due": due},
            due_at=timer.due_at,
            realert_min=sched.realert_min,
            clock=clock,
        )
        if new and alert.id is not None:
            result.raised.append(alert.id)
    for alert in alerts.active(session, "timer."):
        if alert.kind == alerts.KIND_TIMER_OVERDUE and alert.subject not in overdue:
            alerts.resolve(session, actor, alert.subject, N_("no longer overdue"), clock=clock)
            result.resolved.append(alert.id or 0)
        elif (
            alert.kind == alerts.KIND_TIMER_REMINDER and now - alert.raised_at >= sched.event_grace
        ):
            alerts.resolve(session, actor, alert.subject, N_("reminder passed"), clock=clock)
            result.resolved.append(alert.id or 0)
    result.realerted = [
        a.id or 0 for a in alerts.realert_due(session, actor, sched.realert_min, clock=clock)
    ]
    return result


def remind_ventilation(
    session: Session, actor: Actor, sched: Schedule, *, clock: Clock = SYSTEM_CLOCK
) -> int | None:
    """At a reminder time: one alert saying how many rooms still need an airing today."""
    now = clock.now()
    rooms = [
        t
        for t in compute_timers(session, now, sched)
        if t.kind == VENTILATION
        and t.state != RUNNING
        and (t.sessions_today or 0) < (t.required_today or 0)
    ]
    if not rooms:
        return None
    local = now.astimezone(sched.tz).strftime("%Y-%m-%d %H:%M")
    alert, new = alerts.raise_alert(
        session,
        actor,
        kind=alerts.KIND_TIMER_REMINDER,
        subject=f"reminder:ventilation:{local}",
        message=REMINDER_MESSAGE,
        params={"count": len(rooms)},
        severity="info",
        realert_min=None,
        clock=clock,
    )
    return alert.id if new else None


# -- compliance ---------------------------------------------------------------------------------


def day_compliance(
    session: Session, day: date, sched: Schedule
) -> dict[str, dict[str, tuple[int, int]]]:
    """Per area type: {"disinfection": (done, due), "ventilation": (done, due)} for a local day.

    Disinfection: a daily area is due once a day; an every-N-days area once on the last day of
    its period (done if its period has a record); a shift-change or trip area once per event.
    Ventilation: K sessions per area, counting sessions of at least M minutes (at most K).
    """
    start, end = sched.at_local(day), sched.at_local(day + timedelta(days=1))
    types = {t.key: t for t in session.exec(select(AreaType))}
    areas = list(session.exec(select(Area).where(col(Area.active).is_(True))))
    codes = [a.code for a in areas]
    window = start - timedelta(days=14)
    records: dict[str, list[datetime]] = {}
    for code, at in session.exec(
        select(DisinfectionRecord.area_code, DisinfectionRecord.done_at)
        .where(col(DisinfectionRecord.area_code).in_(codes))
        .where(
            col(DisinfectionRecord.done_at) >= window,
            col(DisinfectionRecord.done_at) < end + sched.event_grace,
        )
    ):
        records.setdefault(code, []).append(_aware(at))
    sessions: dict[str, list[VentilationSession]] = {}
    for s in session.exec(
        select(VentilationSession)
        .where(col(VentilationSession.area_code).in_(codes))
        .where(
            col(VentilationSession.started_at) >= start, col(VentilationSession.started_at) < end
        )
    ):
        sessions.setdefault(s.area_code, []).append(s)
    out: dict[str, dict[str, tuple[int, int]]] = {}

    def add(area_type: str, kind: str, done: int, due: int) -> None:
        per = out.setdefault(area_type, {})
        d0, u0 = per.get(kind, (0, 0))
        per[kind] = (d0 + done, u0 + due)

    for area in areas:
        atype = types[area.type]
        recs = records.get(area.code, [])
        if atype.disinfection_every_hours > 0 and not atype.disinfection_trigger:
            p_start, p_end = sched.period(start, atype.disinfection_every_hours)
            if p_end <= end:  # the period ends with this day
                add(area.type, DISINFECTION, int(any(p_start <= r < p_end for r in recs)), 1)
        elif atype.disinfection_trigger in (TRIGGER_SHIFT_CHANGE, TRIGGER_AFTER_TRIP):
            times = (
                sched.shift_changes
                if atype.disinfection_trigger == TRIGGER_SHIFT_CHANGE
                else sched.trip_ends
            )
            early = (
                sched.event_grace
                if atype.disinfection_trigger == TRIGGER_SHIFT_CHANGE
                else timedelta(0)
            )
            for t in times:
                event = sched.at_local(day, t)
                ok = any(event - early <= r <= event + sched.event_grace for r in recs)
                add(area.type, DISINFECTION, int(ok), 1)
        if atype.ventilation_per_day > 0:
            minimum = timedelta(minutes=atype.ventilation_minutes)
            counted = sum(
                1
                for s in sessions.get(area.code, [])
                if s.ended_at is not None and s.ended_at - s.started_at >= minimum
            )
            add(
                area.type,
                VENTILATION,
                min(counted, atype.ventilation_per_day),
                atype.ventilation_per_day,
            )
    return out


def ratio(done: int, due: int) -> float:
    """done ÷ due, 1.0 when nothing was due (DESIGN §3.7)."""
    return 1.0 if due == 0 else done / due


def compliance(session: Session, day: date, sched: Schedule) -> tuple[float, float]:
    """The day's (disinfection, ventilation) compliance over every area (report daily)."""
    per = day_compliance(session, day, sched)
    totals = {k: [0, 0] for k in KINDS}
    for kinds in per.values():
        for kind, (done, due) in kinds.items():
            totals[kind][0] += done
            totals[kind][1] += due
    return ratio(*totals[DISINFECTION]), ratio(*totals[VENTILATION])


def week_by_type(
    session: Session, today: date, sched: Schedule, days: int = 7
) -> dict[str, list[float]]:
    """Per area type, the last ``days`` local days' compliance (both kinds together), oldest
    first: the sparkline of the Timers screen."""
    out: dict[str, list[float]] = {}
    for i in range(days - 1, -1, -1):
        day = today - timedelta(days=i)
        per = day_compliance(session, day, sched)
        for area_type in {t.key for t in session.exec(select(AreaType))}:
            kinds = per.get(area_type, {})
            done = sum(d for d, _ in kinds.values())
            due = sum(u for _, u in kinds.values())
            out.setdefault(area_type, []).append(ratio(done, due))
    return out
