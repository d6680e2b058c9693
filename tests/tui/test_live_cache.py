"""The live state's costly parts are re-read when something was written, not at every change
the feed reports (an engine's heartbeat commits every second and changes nothing shown)."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import select

from duty_console.db.models import Device
from duty_console.domain.clock import ManualClock
from duty_console.domain.screening import Rules
from duty_console.engine.lease import Lease
from duty_console.runtime import Runtime
from duty_console.tui.app import DutyConsoleApp
from duty_console.tui.live import LiveCache, read_live_state, read_quick

from .conftest import engine_reading, gate_ready, shows, until

MakeApp = Callable[..., DutyConsoleApp]


def test_a_heartbeat_does_not_reread_the_timers_but_an_entry_does(
    runtime: Runtime, clock: ManualClock
) -> None:
    lease = Lease(runtime.db, runtime.gate, clock=clock)
    lease.acquire()  # audited: before the first read
    cache = LiveCache()
    read_live_state(runtime, Rules(), clock.now(), cache)
    assert cache.reads == 1
    clock.advance(1)
    lease.heartbeat()  # a commit, not audited
    again = read_live_state(runtime, Rules(), clock.now(), cache)
    assert cache.reads == 1 and again.engine_alive
    engine_reading(runtime.db, clock, person_id=None, temp_c=36.6)
    after = read_live_state(runtime, Rules(), clock.now(), cache)
    assert cache.reads == 2 and after.latest_id > again.latest_id


async def test_an_engine_heartbeat_makes_no_view_read_again_but_a_reading_does(
    runtime: Runtime, clock: ManualClock, make_app: MakeApp
) -> None:
    # Every view re-reads when data_generation moves: at every heartbeat (each second) that was
    # the log's count and page, and the other views' tables, on an idle console.
    lease = Lease(runtime.db, runtime.gate, clock=clock)
    lease.acquire()
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await gate_ready(pilot)
        generation = app.data_generation
        for _ in range(4):
            clock.advance(1)
            lease.heartbeat()
            await pilot.pause(0.2)
        assert app.data_generation == generation
        assert app.live is not None and app.live.engine_alive
        engine_reading(runtime.db, clock, person_id="S1001", temp_c=36.5)
        await until(pilot, lambda: app.data_generation > generation)
        await shows(pilot, "张*明")


def test_the_quick_check_moves_with_a_device_unplugged_not_with_a_heartbeat(
    runtime: Runtime, clock: ManualClock
) -> None:
    lease = Lease(runtime.db, runtime.gate, clock=clock)
    lease.acquire()
    with runtime.db.write() as session:
        session.add(
            Device(
                name="ir-1",
                gate=runtime.gate,
                role="thermometer",
                profile="x",
                port="-",
                online=True,
            )
        )
    before = read_quick(runtime)
    clock.advance(1)
    lease.heartbeat()
    assert read_quick(runtime) == before, "a heartbeat: nothing shown changes"
    with runtime.db.write() as session:
        device = session.exec(select(Device).where(Device.name == "ir-1")).one()
        device.online = False
    assert read_quick(runtime) != before, "an unplugged thermometer shows at once"
    assert read_live_state(runtime, Rules(), clock.now()).quick == read_quick(runtime)
