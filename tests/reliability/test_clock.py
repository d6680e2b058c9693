"""The wall clock stepping an hour back or forward (NTP after a dead RTC battery, a wrong
time zone corrected): fevers never disappear, airings never end before they began, and a live
engine is neither shown stopped nor taken over."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from duty_console.db.connect import Database
from duty_console.db.models import EngineLease
from duty_console.domain import timers
from duty_console.domain.actors import Actor, system_actor
from duty_console.domain.clock import SYSTEM_CLOCK, ManualClock
from duty_console.domain.entries import open_fevers
from duty_console.domain.health import engine_state
from duty_console.domain.intake import record_reading
from duty_console.domain.screening import Mode, Rules
from duty_console.engine.lease import Lease, LeaseHeld
from tests.conftest import T0
from tests.pg import PgServer
from tests.reliability.helpers import build_pg

HOUR = timedelta(hours=1)
ENGINE = system_actor(gate="north", via="engine", name="engine:north")


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


@pytest.mark.parametrize("step", [HOUR, -HOUR], ids=["forward", "back"])
def test_an_airing_across_a_clock_step_is_never_negative(
    db: Database, duty_actor: Actor, step: timedelta
) -> None:
    clock = ManualClock(T0)
    with db.write() as session:
        timers.start_ventilation(session, duty_actor, "C7-1", clock=clock)
    clock.advance(5 * 60 + step.total_seconds())  # five minutes, and the clock stepped
    with db.write() as session:
        stopped = timers.stop_ventilation(session, duty_actor, "C7-1", clock=clock)
    assert stopped.session.ended_at is not None
    assert stopped.session.ended_at >= stopped.session.started_at
    assert stopped.minutes >= 0
    if step < timedelta(0):
        assert not stopped.counted


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
