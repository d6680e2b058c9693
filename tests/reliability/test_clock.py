"""The wall clock stepping an hour back or forward (NTP after a dead RTC battery, a wrong
time zone corrected): fevers never disappear, an airing lasts what it lasted (on the boot clock
of the PC that started it) and never ends before it began, and a live engine is neither shown
stopped nor taken over."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from duty_console.db.connect import Database
from duty_console.db.models import EngineLease
from duty_console.domain import timers
from duty_console.domain.actors import Actor, system_actor
from duty_console.domain.clock import SYSTEM_CLOCK, BootInstant, ManualClock, boot_id
from duty_console.domain.entries import open_fevers
from duty_console.domain.health import engine_state
from duty_console.domain.intake import record_reading
from duty_console.domain.screening import Mode, Rules
from duty_console.engine.lease import Lease, LeaseHeld
from duty_console.tui.app import DutyConsoleApp
from tests.conftest import T0
from tests.pg import PgServer
from tests.reliability.helpers import build_pg
from tests.tui.conftest import shows
from tests.tui.test_timers_screen import a_morning_of_timers, timers_ready

HOUR = timedelta(hours=1)
ENGINE = system_actor(gate="north", via="engine", name="engine:north")
SCHED = timers.Schedule(tz=ZoneInfo("Asia/Shanghai"))


def _reading(db: Database, person: str, temp: float, at: datetime) -> str:
    with db.write() as session:
        entry, _ = record_reading(
            session,
            ENGINE,
            Rules(),
            person_id=person,
            temp_c=temp,
            mode=Mode.IR,
            at=at,
            device="north-ir-1",
        )
        return entry.status


@pytest.mark.parametrize("step", [HOUR, -HOUR], ids=["forward", "back"])
def test_a_fever_survives_a_clock_step_before_its_recheck(db: Database, step: timedelta) -> None:
    assert _reading(db, "S1001", 38.0, T0) == "fever"
    # Two minutes later by the person's watch, an hour off by the PC's.
    second = _reading(db, "S1001", 36.6, T0 + timedelta(minutes=2) + step)
    with db.read() as session:
        still_open = [f.person_id for f in open_fevers(session)]
    if step > timedelta(0):
        # Past the window by the PC's clock: a late recheck of the overdue fever, which is
        # its recheck all the same (DESIGN §3.6: overdue until someone rechecks).
        assert second == "recheck_normal" and still_open == []
    else:
        # Stamped before the fever's rest ended: the same fever resting, never a new one.
        assert second == "fever" and still_open == ["S1001"]


def _airing(db: Database, now: datetime, boot: BootInstant | None = None) -> timers.Timer:
    with db.read() as session:
        found = timers.compute_timers(session, now, SCHED, area_codes=["C7-1"], boot=boot)
    return next(x for x in found if x.kind == timers.VENTILATION)


def _aired_today(db: Database) -> int:
    """C7-1's type's airings counted on T0's day, as the daily report counts them."""
    with db.read() as session:
        area_type = timers.find_area(session, "C7-1")[1].key
        per = timers.day_compliance(session, SCHED.local_day(T0), SCHED)
    return per[area_type][timers.VENTILATION][0]


@pytest.mark.parametrize("step", [HOUR, -HOUR], ids=["forward", "back"])
def test_an_airing_across_a_clock_step_lasts_what_it_lasted(
    db: Database, duty_actor: Actor, step: timedelta
) -> None:
    """Five minutes of airing on one PC, its clock stepped an hour meanwhile: five minutes for
    every reader (was: 65 minutes forward, counted as a full airing; 0 back)."""
    clock = ManualClock(T0)
    with db.write() as session:
        started = timers.start_ventilation(session, duty_actor, "C7-1", clock=clock)
        assert started.started_boot and started.started_boot_s is not None
    clock.advance(5 * 60)
    clock.step(step.total_seconds())
    with db.write() as session:
        stopped = timers.stop_ventilation(session, duty_actor, "C7-1", sched=SCHED, clock=clock)
    assert stopped.minutes == pytest.approx(5)
    assert stopped.session.ended_at == stopped.session.started_at + timedelta(minutes=5)
    assert not stopped.counted
    airing = _airing(db, clock.now())
    assert (airing.sessions_today, airing.short_today) == (0, 1)
    assert _aired_today(db) == 0


def test_a_full_airing_across_a_clock_stepped_back_counts(db: Database, duty_actor: Actor) -> None:
    clock = ManualClock(T0)
    with db.write() as session:
        timers.start_ventilation(session, duty_actor, "C7-1", clock=clock)
    clock.advance(31 * 60)
    clock.step(-3600)
    with db.write() as session:
        stopped = timers.stop_ventilation(session, duty_actor, "C7-1", sched=SCHED, clock=clock)
    assert stopped.counted and stopped.minutes == pytest.approx(31)
    assert _airing(db, clock.now()).sessions_today == 1
    assert _aired_today(db) == 1


@pytest.mark.parametrize("step", [HOUR, -HOUR], ids=["forward", "back"])
def test_an_airing_stopped_on_another_pc_keeps_its_wall_clock(
    db: Database, duty_actor: Actor, step: timedelta
) -> None:
    """Another PC (another boot) knows only the wall clocks: forward counts the step (the
    limit, in docs/reliability.md), back never ends it before it began."""
    with db.write() as session:
        timers.start_ventilation(session, duty_actor, "C7-1", clock=ManualClock(T0))
    elsewhere = ManualClock(T0 + timedelta(minutes=5) + step)
    with db.write() as session:
        stopped = timers.stop_ventilation(session, duty_actor, "C7-1", sched=SCHED, clock=elsewhere)
    assert stopped.session.ended_at is not None
    assert stopped.session.ended_at >= stopped.session.started_at
    if step > timedelta(0):
        assert stopped.minutes == pytest.approx(65) and stopped.counted
    else:
        assert stopped.minutes == 0 and not stopped.counted


def test_a_running_airings_countdown_does_not_jump_with_the_clock(
    db: Database, duty_actor: Actor
) -> None:
    clock = ManualClock(T0)
    with db.write() as session:
        timers.start_ventilation(session, duty_actor, "C7-1", clock=clock)
    clock.advance(5 * 60)
    clock.step(3600)
    now, boot = clock.now(), clock.boot_instant()
    airing = _airing(db, now, boot)
    assert airing.state == timers.RUNNING
    assert airing.remaining_s(now, boot) == pytest.approx(25 * 60)
    assert airing.due_at == now + timedelta(minutes=25)
    with db.read() as session:
        (shown,) = [
            x
            for x in timers.status_timers(session, now, SCHED, boot)
            if x["area_code"] == "C7-1" and x["kind"] == timers.VENTILATION
        ]
    assert shown["due_at"] == (now + timedelta(minutes=25)).astimezone(SCHED.tz).isoformat(
        timespec="seconds"
    )
    # Read on another PC: only the wall clock, on which the step looks like an hour's airing.
    assert airing.remaining_s(now, ManualClock(now).boot_instant()) == 0


async def test_the_timers_view_counts_down_across_a_clock_step(
    make_app: Callable[..., DutyConsoleApp], db: Database, clock: ManualClock, duty_actor: Actor
) -> None:
    a_morning_of_timers(db, clock, duty_actor)
    app = make_app(lang="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await timers_ready(pilot)
        await shows(pilot, "21:00 left")
        clock.step(3600)  # was: "may close" at once
        clock.advance(60)
        await shows(pilot, "20:00 left")


def test_the_boot_clock_of_this_pc() -> None:
    first = SYSTEM_CLOCK.boot_instant()
    if first is None:
        pytest.skip("no boot id or CLOCK_BOOTTIME here")
    second = SYSTEM_CLOCK.boot_instant()
    assert second is not None and first.boot_id == boot_id() != ""
    assert (second.seconds_since(first) or 0) >= 0
    assert BootInstant("another-boot", 0.0).seconds_since(first) is None


def test_a_gate_pc_clock_stepped_back_keeps_its_engine_shown_alive_and_its_lease(
    db: Database,
) -> None:
    clock = ManualClock(SYSTEM_CLOCK.now())
    lease = Lease(db, "north", clock=clock)
    lease.acquire()
    clock.advance(-3600)
    assert lease.heartbeat()
    with db.read() as session:
        assert engine_state(session, "north", clock.now()).alive
    with pytest.raises(LeaseHeld):
        Lease(db, "north", clock=clock).acquire()
    clock.advance(2 * 3600)  # and an hour forward of the truth
    assert lease.heartbeat()
    with db.read() as session:
        assert engine_state(session, "north", clock.now()).alive


@pytest.mark.postgres
def test_on_a_shared_server_leases_run_on_the_servers_clock(pg_server: PgServer) -> None:
    """Gate PCs whose clocks are an hour apart: the engine on the slow one is still alive for
    the consoles elsewhere, and a standby PC for the same gate does not take it over."""
    db = build_pg(pg_server.url(pg_server.create_database()))
    try:
        slow = Lease(db, "north", clock=ManualClock(SYSTEM_CLOCK.now() - HOUR))
        slow.holder = "gate-pc-1:4242:aaaa0001"  # another PC: only the heartbeat's age tells
        slow.acquire()
        assert slow.heartbeat()
        for observer in (SYSTEM_CLOCK.now(), SYSTEM_CLOCK.now() + HOUR):
            with db.read() as session:
                state = engine_state(session, "north", observer)
            assert state.alive and (state.heartbeat_age_s or 0) < 5, state
        standby = Lease(db, "north", clock=ManualClock(SYSTEM_CLOCK.now() + HOUR))
        standby.holder = "gate-pc-2:4343:bbbb0002"
        with pytest.raises(LeaseHeld):
            standby.acquire()
        with db.read() as session:
            lease = session.get(EngineLease, "north")
            assert lease is not None and lease.holder == slow.holder
            assert abs(lease.heartbeat_at - datetime.now(UTC)) < timedelta(seconds=30)
    finally:
        db.dispose()
