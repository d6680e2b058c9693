"""The live state's costly parts are re-read when something was written, not at every change
the feed reports (an engine's heartbeat commits every second and changes nothing shown)."""

from __future__ import annotations

from duty_console.domain.clock import ManualClock
from duty_console.domain.screening import Rules
from duty_console.engine.lease import Lease
from duty_console.runtime import Runtime
from duty_console.tui.live import LiveCache, read_live_state

from .conftest import engine_reading


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
