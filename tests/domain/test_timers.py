"""Disinfection and ventilation timers, computed from the records and an injected clock.

The clock starts at T0 = 2026-11-29 08:00 Asia/Shanghai (a Sunday; the schedules count every
day). Every-N-days periods count from [timers] anchor_date, 2026-09-01: the two-day periods
around T0 are [11-28, 11-30) and [11-30, 12-02).
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from duty_console.config import parse_settings
from duty_console.db.connect import Database
from duty_console.db.models import Alert, AuditRecord, DisinfectionRecord, IsolationStay
from duty_console.domain import alerts
from duty_console.domain import timers as t
from duty_console.domain.actors import Actor, system_actor
from duty_console.domain.clock import ManualClock
from duty_console.errors import PermissionDenied, UserError
from duty_console.runtime import Runtime, timers_schedule

TZ = ZoneInfo("Asia/Shanghai")
SCHED = t.Schedule(tz=TZ)
ENGINE = system_actor(gate="north", via="engine", name="engine")


def local(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=TZ).astimezone(UTC)


def at(clock: ManualClock, when: datetime) -> None:
    clock.advance((when - clock.now()).total_seconds())


def timer(db: Database, clock: ManualClock, code: str, kind: str) -> t.Timer:
    with db.read() as session:
        found = t.compute_timers(session, clock.now(), SCHED, area_codes=[code])
    return next(x for x in found if x.kind == kind)


def disinfect(db: Database, actor: Actor, clock: ManualClock, code: str, conc: str = "500") -> None:
    with db.write() as session:
        t.record_disinfection(session, actor, code, concentration=conc, sched=SCHED, clock=clock)


def test_a_daily_disinfection_is_ok_today_due_after_midnight_and_overdue_a_day_later(
    db: Database, clock: ManualClock, duty_actor: Actor
) -> None:
    assert timer(db, clock, "C7-1", t.DISINFECTION).state == t.OVERDUE  # never done
    at(clock, local(11, 29, 10))
    disinfect(db, duty_actor, clock, "C7-1", "500 mg/L")
    at(clock, local(11, 29, 23, 59))
    done = timer(db, clock, "C7-1", t.DISINFECTION)
    assert (done.state, done.due_at) == (t.OK, local(11, 30, 0))
    at(clock, local(11, 30, 0, 1))  # across midnight: today's is not done yet
    today = timer(db, clock, "C7-1", t.DISINFECTION)
    assert (today.state, today.due_at) == (t.DUE, local(12, 1, 0))
    at(clock, local(12, 1, 0, 1))  # a whole day without one
    missed = timer(db, clock, "C7-1", t.DISINFECTION)
    assert (missed.state, missed.due_at) == (t.OVERDUE, local(12, 1, 0))


def test_every_two_days_counts_from_the_anchor_and_a_late_run_does_not_shift_it(
    db: Database, clock: ManualClock, duty_actor: Actor
) -> None:
    at(clock, local(11, 29, 9))
    disinfect(db, duty_actor, clock, "COR-A", "300 mg/L")
    assert timer(db, clock, "COR-A", t.DISINFECTION).due_at == local(11, 30, 0)
    at(clock, local(11, 30, 12))
    assert timer(db, clock, "COR-A", t.DISINFECTION).state == t.DUE  # by 12-02 00:00
    at(clock, local(12, 2, 8))
    assert timer(db, clock, "COR-A", t.DISINFECTION).state == t.OVERDUE
    at(clock, local(12, 3, 23))  # late, on the period's second day
    disinfect(db, duty_actor, clock, "COR-A", "300 mg/L")
    late = timer(db, clock, "COR-A", t.DISINFECTION)
    # Anchored: the next period still starts 12-04 00:00, not two days after the late run.
    assert (late.state, late.due_at) == (t.OK, local(12, 4, 0))


def test_a_restart_or_a_second_process_sees_the_same_timers(
    db: Database, clock: ManualClock, duty_actor: Actor
) -> None:
    at(clock, local(11, 29, 10))
    disinfect(db, duty_actor, clock, "CAN")
    with db.write() as session:
        t.start_ventilation(session, duty_actor, "C8-1", clock=clock)
    clock.advance(600)
    with db.read() as session:
        before = t.compute_timers(session, clock.now(), SCHED)
    restarted = Database(db.url)  # a new process: nothing in memory but the file
    try:
        with restarted.read() as session:
            after = t.compute_timers(session, clock.now(), SCHED)
    finally:
        restarted.dispose()
    assert after == before
    aired = next(x for x in after if x.area_code == "C8-1" and x.kind == t.VENTILATION)
    assert aired.state == t.RUNNING and aired.remaining_s(clock.now()) == 20 * 60
    assert after[0] == aired  # running countdowns first


def test_the_gate_booth_is_due_at_each_shift_change(
    db: Database, clock: ManualClock, duty_actor: Actor
) -> None:
    at(clock, local(11, 29, 7, 45))  # the night shift cleans just before handing over
    disinfect(db, duty_actor, clock, "GATE-N", "75%")
    at(clock, local(11, 29, 8, 10))
    booth = timer(db, clock, "GATE-N", t.DISINFECTION)
    assert (booth.state, booth.due_at) == (t.OK, local(11, 29, 20))
    at(clock, local(11, 29, 20, 5))
    assert timer(db, clock, "GATE-N", t.DISINFECTION).state == t.DUE
    at(clock, local(11, 29, 20, 31))
    assert timer(db, clock, "GATE-N", t.DISINFECTION).state == t.OVERDUE
    disinfect(db, duty_actor, clock, "GATE-N", "75 %")
    assert timer(db, clock, "GATE-N", t.DISINFECTION).state == t.OK


def test_an_isolation_room_is_due_as_soon_as_a_stay_ends(
    db: Database, clock: ManualClock, duty_actor: Actor
) -> None:
    assert timer(db, clock, "ISO-1", t.DISINFECTION).state == t.OK  # never used
    with db.write() as session:
        session.add(
            IsolationStay(
                room_code="ISO-1",
                person_id="S1001",
                entered_at=clock.now(),
                left_at=clock.now() + timedelta(hours=1),
            )
        )
    at(clock, local(11, 29, 9, 5))
    with db.read() as session:
        assert t.after_use_due(session, "ISO-1") == local(11, 29, 9)
    assert timer(db, clock, "ISO-1", t.DISINFECTION).state == t.DUE
    at(clock, local(11, 29, 9, 31))
    assert timer(db, clock, "ISO-1", t.DISINFECTION).state == t.OVERDUE
    with pytest.raises(UserError, match="expected 500-1000 mg/L"):
        disinfect(db, duty_actor, clock, "ISO-1", "250 mg/L")
    disinfect(db, duty_actor, clock, "ISO-1", "1000 mg/L")  # by the room's area code
    with db.read() as session:
        assert t.after_use_due(session, "ISO-1") is None
    assert timer(db, clock, "ISO-1", t.DISINFECTION).state == t.OK


def test_a_disinfection_keeps_who_when_agent_concentration_and_note(
    db: Database, clock: ManualClock, duty_actor: Actor
) -> None:
    with db.write() as session:
        rec = t.record_disinfection(
            session, duty_actor, "LIB", concentration="450mg/L", note="desks, handles", clock=clock
        )
        assert (rec.agent, rec.concentration, rec.note) == (
            "chlorine",
            "450 mg/L",
            "desks, handles",
        )
        assert (rec.created_by, rec.done_at, rec.gate) == ("T001", clock.now(), "north")
    with db.read() as session:
        last = session.exec(
            AuditRecord.__table__.select().order_by(AuditRecord.id.desc()).limit(1)  # type: ignore[attr-defined]
        ).first()
    assert last is not None and last.action == "disinfection.record" and last.actor == "T001"


@pytest.mark.parametrize(
    ("agent", "conc", "expected"),
    [
        (None, "1000 mg/L", "outside the range for chlorine in C7-2: expected 250-500 mg/L"),
        (None, None, r"Give the concentration of chlorine used \(expected 250-500 mg/L\)"),
        ("alcohol", "95%", "expected 70-80 %"),
        ("bleach-ish", "5", "not a known disinfectant"),
        (None, "lots", "not a concentration of chlorine"),
    ],
)
def test_a_wrong_concentration_is_refused_with_the_expected_range_and_nothing_is_written(
    db: Database,
    clock: ManualClock,
    duty_actor: Actor,
    agent: str | None,
    conc: str | None,
    expected: str,
) -> None:
    with pytest.raises(UserError, match=expected), db.write() as session:
        t.record_disinfection(
            session, duty_actor, "C7-2", agent=agent, concentration=conc, clock=clock
        )
    with db.read() as session:
        assert session.exec(DisinfectionRecord.__table__.select()).first() is None  # type: ignore[attr-defined]


def test_a_thirty_minute_airing_counts_down_and_then_counts(
    db: Database, clock: ManualClock, duty_actor: Actor
) -> None:
    at(clock, local(11, 29, 9))
    with db.write() as session:
        t.start_ventilation(session, duty_actor, "C7-3", clock=clock)
    clock.advance(10 * 60)
    running = timer(db, clock, "C7-3", t.VENTILATION)
    assert running.state == t.RUNNING
    assert running.remaining_s(clock.now()) == 20 * 60
    clock.advance(20 * 60)
    assert timer(db, clock, "C7-3", t.VENTILATION).remaining_s(clock.now()) == 0  # may close
    with db.write() as session:
        stopped = t.stop_ventilation(session, duty_actor, "C7-3", clock=clock)
    assert stopped.counted
    aired = timer(db, clock, "C7-3", t.VENTILATION)
    assert (aired.state, aired.sessions_today, aired.required_today) == (t.OK, 1, 3)
    assert aired.due_at == local(11, 29, 13)  # the next airing by the 13:00 reminder


def test_a_twenty_nine_minute_airing_is_kept_but_does_not_count(
    db: Database, clock: ManualClock, duty_actor: Actor
) -> None:
    at(clock, local(11, 29, 9))
    with db.write() as session:
        t.start_ventilation(session, duty_actor, "C7-4", clock=clock)
    clock.advance(29 * 60)
    with db.write() as session:
        stopped = t.stop_ventilation(session, duty_actor, "C7-4", clock=clock)
    assert not stopped.counted
    short = timer(db, clock, "C7-4", t.VENTILATION)
    assert (short.sessions_today, short.short_today, short.state) == (0, 1, t.DUE)
    at(clock, local(11, 29, 9, 31))
    assert timer(db, clock, "C7-4", t.VENTILATION).state == t.OVERDUE


def test_the_days_airings_reset_at_local_midnight(
    db: Database, clock: ManualClock, duty_actor: Actor
) -> None:
    for hour in (9, 13, 17):
        at(clock, local(11, 29, hour))
        with db.write() as session:
            t.start_ventilation(session, duty_actor, "LIB", clock=clock)
        clock.advance(31 * 60)
        with db.write() as session:
            t.stop_ventilation(session, duty_actor, "LIB", clock=clock)
    at(clock, local(11, 29, 23, 59))
    assert timer(db, clock, "LIB", t.VENTILATION).sessions_today == 3
    at(clock, local(11, 30, 0, 1))
    fresh = timer(db, clock, "LIB", t.VENTILATION)
    assert (fresh.sessions_today, fresh.state, fresh.due_at) == (0, t.OK, local(11, 30, 9))


def test_airing_twice_at_once_or_stopping_none_is_refused(
    db: Database, clock: ManualClock, duty_actor: Actor
) -> None:
    with db.write() as session:
        t.start_ventilation(session, duty_actor, "OFF-T", clock=clock)
    with pytest.raises(UserError, match="already being aired"), db.write() as session:
        t.start_ventilation(session, duty_actor, "OFF-T", clock=clock)
    with pytest.raises(UserError, match="not being aired"), db.write() as session:
        t.stop_ventilation(session, duty_actor, "OFF-A", clock=clock)
    with pytest.raises(UserError, match="no timed airing"), db.write() as session:
        t.start_ventilation(session, duty_actor, "WC-1F", clock=clock)


def test_an_overdue_task_realerts_until_someone_acknowledges_it(
    db: Database, clock: ManualClock, duty_actor: Actor
) -> None:
    with db.write() as session:
        result = t.sweep(session, ENGINE, SCHED, clock=clock)
    subject = "timer:C9-1:disinfection"
    with db.read() as session:
        alert = alerts.get_active(session, subject)
        assert alert is not None and alert.id in result.raised
        alert_id = alert.id
    for minutes in (14, 1):  # nothing at 14 minutes, the re-alert at 15
        clock.advance(minutes * 60)
        with db.write() as session:
            again = t.sweep(session, ENGINE, SCHED, clock=clock)
    assert alert_id in again.realerted
    with db.write() as session:
        with pytest.raises(UserError, match="Say why"):
            alerts.acknowledge(session, duty_actor, alert_id, "  ", clock=clock)
        alerts.acknowledge(session, duty_actor, alert_id, "cleaner on the way", clock=clock)
    clock.advance(30 * 60)
    with db.write() as session:
        later = t.sweep(session, ENGINE, SCHED, clock=clock)
    assert alert_id not in later.realerted
    with db.read() as session:
        seen = session.get(Alert, alert_id)
        assert seen is not None
        assert (seen.realert_count, seen.acknowledged_by, seen.ack_reason) == (
            1,
            "T001",
            "cleaner on the way",
        )
        assert seen.resolved_at is None  # acknowledged, still overdue, still listed
    assert timer(db, clock, "C9-1", t.DISINFECTION).state == t.OVERDUE
    disinfect(db, duty_actor, clock, "C9-1")
    with db.read() as session:
        assert alerts.get_active(session, subject) is None
        done = session.get(Alert, alert_id)
        assert done is not None and done.resolved_by == "T001"


def test_two_consoles_see_the_same_overdue_task(
    db: Database, clock: ManualClock, duty_actor: Actor
) -> None:
    gate_pc, ssh_console = Database(db.url), Database(db.url)
    try:
        with gate_pc.write() as session:
            t.sweep(session, ENGINE, SCHED, clock=clock)
        with ssh_console.read() as session:
            seen = {a.subject for a in alerts.active(session)}
            mark = alerts.alert_mark(session)
            overdue = {
                x.subject
                for x in t.compute_timers(session, clock.now(), SCHED)
                if x.state == t.OVERDUE
            }
        assert "timer:CAN:disinfection" in seen and seen == overdue
        assert mark.unacknowledged == len(seen) and mark.newest == clock.now()
        with ssh_console.write() as session:
            t.record_disinfection(session, duty_actor, "CAN", concentration="400", clock=clock)
        with gate_pc.read() as session:
            assert "timer:CAN:disinfection" not in {a.subject for a in alerts.active(session)}
    finally:
        gate_pc.dispose()
        ssh_console.dispose()


def test_a_ventilation_reminder_counts_the_rooms_still_to_air(
    db: Database, clock: ManualClock, duty_actor: Actor
) -> None:
    at(clock, local(11, 29, 9))
    with db.write() as session:
        alert_id = t.remind_ventilation(session, ENGINE, SCHED, clock=clock)
    with db.read() as session:
        alert = session.get(Alert, alert_id)
        assert alert is not None and alert.severity == "info"
        assert "18 room(s)" in alerts.as_dict(alert, TZ)["message"]


def test_only_staff_record_hygiene_and_only_staff_acknowledge(
    db: Database, clock: ManualClock
) -> None:
    stranger = Actor("X", "x", "visitor", "north")
    with pytest.raises(PermissionDenied), db.write() as session:
        t.record_disinfection(session, stranger, "C7-1", concentration="300", clock=clock)
    with pytest.raises(PermissionDenied), db.write() as session:
        alerts.acknowledge(session, ENGINE, 1, "engine cannot acknowledge", clock=clock)


def test_compliance_counts_done_over_due_per_local_day(
    db: Database, clock: ManualClock, duty_actor: Actor
) -> None:
    at(clock, local(11, 29, 10))
    for code in ("C7-1", "C7-2"):
        disinfect(db, duty_actor, clock, code)
    day = local(11, 29, 12).astimezone(TZ).date()
    with db.read() as session:
        per = t.day_compliance(session, day, SCHED)
        week = t.week_by_type(session, day, SCHED)
    assert per["classroom"]["disinfection"] == (2, 10)
    assert per["classroom"]["ventilation"] == (0, 30)
    assert len(week["classroom"]) == 7 and week["classroom"][-1] == pytest.approx(2 / 40)
    assert week["isolation"] == [1.0] * 7  # nothing due: compliant


def test_days_are_local_days_even_where_the_clocks_change() -> None:
    """Europe/Berlin leaves summer time on 2026-10-25: that local day lasts 25 hours, and the
    daily period still runs from local midnight to local midnight."""
    berlin = ZoneInfo("Europe/Berlin")
    sched = t.Schedule(tz=berlin)
    noon = datetime(2026, 10, 25, 12, 0, tzinfo=berlin)
    start, end = sched.period(noon, 24)
    assert start.astimezone(berlin) == datetime(2026, 10, 25, 0, 0, tzinfo=berlin)
    assert end.astimezone(berlin) == datetime(2026, 10, 26, 0, 0, tzinfo=berlin)
    assert end - start == timedelta(hours=25)
    two_day_start, two_day_end = sched.period(noon, 48)
    assert (two_day_end - two_day_start) == timedelta(hours=49)


def test_the_booths_shift_changes_are_the_rotas_unless_timers_names_its_own(
    db: Database, clock: ManualClock, duty_actor: Actor
) -> None:
    """A school whose shifts change at 07:30 and 19:30 ([rota]) disinfects the booth then; the
    [timers] shift_changes default of 08:00/20:00 no longer contradicts its rota."""
    rota = {
        "shifts": [
            {"name": "day", "start": "07:30", "end": "19:30"},
            {"name": "night", "start": "19:30", "end": "07:30"},
        ]
    }
    rt = Runtime(parse_settings({"rota": rota}), db)
    sched = timers_schedule(rt)
    assert sched.shift_changes == (time(7, 30), time(19, 30))
    at(clock, local(11, 29, 7, 20))
    disinfect(db, duty_actor, clock, "GATE-N", "75%")
    at(clock, local(11, 29, 8, 10))
    with db.read() as session:
        found = t.compute_timers(session, clock.now(), sched, area_codes=["GATE-N"])
    booth = next(x for x in found if x.kind == t.DISINFECTION)
    assert booth.due_at == local(11, 29, 19, 30)
    own = parse_settings({"rota": rota, "timers": {"shift_changes": ["06:00"]}})
    assert timers_schedule(Runtime(own, db)).shift_changes == (time(6),)
