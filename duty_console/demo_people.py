"""The demo's people side of the day: a rota with who is on now, class checks partly reported,
absences being followed up and people under watch, all relative to the demo's start.

Written through the same domain services as the console (role-checked, audited), as the demo
staff who would have done it; only once per database.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta, tzinfo

from sqlmodel import Session, select

from duty_console.config import RotaSettings
from duty_console.db.models import Shift
from duty_console.domain import absences, checks, rota, watch
from duty_console.domain.actors import Actor
from duty_console.domain.clock import ManualClock

DAY_STAFF, NIGHT_STAFF, OFFICER, DOCTOR = "T001", "T005", "T002", "T003"


def seed_people_day(session: Session, gate: str, tz: tzinfo, now: datetime) -> None:
    if session.exec(select(Shift).limit(1)).first() is not None:
        return
    rng = random.Random(11)
    officer = Actor(OFFICER, "王强", "officer", gate, "demo")
    day_duty = Actor(DAY_STAFF, "李华", "duty", gate, "demo")
    then = ManualClock(now - timedelta(days=1))
    clock = ManualClock(now)

    # The rota: yesterday's night to tomorrow's day, the default 08:00/20:00 shifts.
    patterns = RotaSettings().shifts
    today = now.astimezone(tz).date()
    for offset in (-1, 0, 1):
        day = today + timedelta(days=offset)
        for pattern, staff in zip(patterns, (DAY_STAFF, NIGHT_STAFF), strict=False):
            start, end = rota.shift_window(day, pattern, tz)
            if end > now - timedelta(days=1):
                rota.add_shift(session, officer, staff, start, end, tz=tz, clock=clock)

    # This session's class checks: most classes in, three still to report.
    day, current = checks.current_session(now, tz)
    sizes = checks.class_sizes(session)
    sessions = ["morning"] if current == "morning" else ["morning", "noon"]
    for name in sessions:
        names = list(sizes)
        if name == current:
            names = names[:-3]
        for class_name in names:
            absent = rng.choice((0, 0, 1, 1, 2))
            sick = min(absent, rng.choice((0, 1)))
            symptomatic = 1 if class_name == "七年级1班" and name == current else 0
            checks.record_check(
                session,
                day_duty,
                class_name,
                name,
                present=sizes[class_name] - absent,
                absent=absent,
                absent_sick=sick,
                symptomatic=symptomatic,
                symptomatic_people=["S1001"] if symptomatic else [],
                day=day,
                clock=clock,
            )

    # Absences: one with fever and cough since yesterday, not yet called today; one recovering.
    absences.add_absence(
        session, day_duty, "S1002", "sick", "fever,cough", started_at=then.now(), clock=then
    )
    absences.follow_up(session, day_duty, "S1002", "seeing_doctor", note="fever clinic", clock=then)
    absences.add_absence(
        session, day_duty, "S1040", "sick", "diarrhoea", started_at=then.now(), clock=then
    )
    absences.follow_up(session, day_duty, "S1040", "recovered", note="back tomorrow", clock=clock)

    # People under watch, each with a named contact; one checked today, two not yet.
    watch.add_watch(session, officer, "S1003", "risk_area_travel", DAY_STAFF, clock=then)
    watch.add_watch(session, officer, "S1009", "boarder_observation", NIGHT_STAFF, clock=then)
    watch.add_watch(session, officer, "T010", "high_exposure_staff", DOCTOR, clock=then)
    watch.record_check(session, day_duty, "S1003", "ok", clock=clock)
