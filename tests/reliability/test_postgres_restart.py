"""The PostgreSQL server restarted under load: the engine keeps what it read and commits it
once the server is back (nothing lost, nothing doubled), keeps its lease, and the console says
"database unreachable" meanwhile and recovers by itself."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from duty_console.config import parse_settings
from duty_console.db.feed import ChangeFeed
from duty_console.domain.actors import Actor
from duty_console.domain.clock import SYSTEM_CLOCK
from duty_console.engine.runner import Engine
from duty_console.runtime import Runtime
from duty_console.tui.app import DutyConsoleApp
from tests.engine.helpers import PtyDevice, wait_for
from tests.pg import PgServer
from tests.reliability.helpers import (
    Flood,
    assert_ingest_matches_entries,
    assert_sound,
    build_pg,
    count_entries,
    lease_holder,
)
from tests.tui.conftest import screen_text, shows, until

pytestmark = pytest.mark.postgres
IR = "north-ir-1"


def _settings(url: str, ir: Path, card: Path):
    return parse_settings(
        {
            "database": {"url": url},
            "site": {"name": "示例中学", "gate": "north"},
            "devices": [
                {
                    "name": IR,
                    "role": "thermometer",
                    "port": str(ir),
                    "profile": "mlx90614-ascii",
                    "trigger": "frame",
                },
                {
                    "name": "north-card-1",
                    "role": "id-reader",
                    "port": str(card),
                    "profile": "rdm6300",
                },
            ],
        },
        "test.toml",
    )


def test_a_server_restart_under_load_loses_nothing(pg_server: PgServer, tmp_path: Path) -> None:
    db = build_pg(pg_server.url(pg_server.create_database()))
    ir, card = PtyDevice(tmp_path / "ir"), PtyDevice(tmp_path / "card")
    engine = Engine(Runtime(_settings(db.url, ir.link, card.link), db, SYSTEM_CLOCK))
    engine.start()
    flood = Flood(ir, gap_s=0.002)
    feed = ChangeFeed(db)
    restarted = False
    try:
        holder = lease_holder(db)
        flood.start()
        assert wait_for(lambda: count_entries(db, IR) >= 200, timeout=20)
        feed.changed()
        pg_server.stop("immediate")  # as if it crashed: recovery runs at the start
        time.sleep(3)  # down, while the devices keep sending
        # A console's feed finds out (on the call after the one that reads the hang-up).
        assert wait_for(lambda: _feed_fails(feed), timeout=5)
        pg_server.start()
        restarted = True
        time.sleep(2)
        sent = flood.finish()
        assert wait_for(lambda: count_entries(db, IR) == sent, timeout=60), (
            count_entries(db, IR),
            sent,
        )
        # The console's feed listens again and says "changed", so it re-reads.
        assert feed.changed()
        engine.stop()
        stats = engine.writer.stats
        assert stats.failed_commits > 0, "the restart did not hit the writer"
        assert stats.uncommitted == 0 and not stats.failure
        assert not engine.lease_lost.is_set()
        assert lease_holder(db) is None  # released at stop, so it was still ours
        assert holder is not None
        assert assert_ingest_matches_entries(db, "north", IR) == sent
        assert_sound(db)
        print(
            f"\npostgres restart: sent {sent}, committed {sent}, failed commits retried "
            f"{stats.failed_commits}"
        )
    finally:
        flood.finish()
        if not restarted:
            pg_server.start()
        engine.stop()
        feed.close()
        ir.close()
        card.close()
        db.dispose()


def _feed_fails(feed: ChangeFeed) -> bool:
    try:
        feed.changed()
    except Exception:
        return True
    return False


async def test_the_console_says_database_unreachable_and_recovers(
    pg_server: PgServer,
) -> None:
    from tests.tui.conftest import engine_reading

    db = build_pg(pg_server.url(pg_server.create_database()))
    settings = parse_settings({"site": {"name": "示例中学", "gate": "north"}}, "test")
    rt = Runtime(settings, db, SYSTEM_CLOCK)
    actor = Actor("T002", "王强", "officer", "north", "ssh")
    app = DutyConsoleApp(rt, actor, lang="en", poll_interval_s=0.05)
    restarted = False
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            await until(pilot, lambda: app.live is not None, timeout=10)
            pg_server.stop("fast")
            await shows(pilot, "database unreachable", timeout=10)
            pg_server.start()
            restarted = True
            from duty_console.domain.clock import ManualClock

            engine_reading(db, ManualClock(SYSTEM_CLOCK.now()), person_id="S1001", temp_c=36.5)
            await until(pilot, lambda: app.database_problem == "", timeout=15)
            await until(pilot, lambda: "database unreachable" not in screen_text(app), 5)
            await shows(pilot, "36.5", timeout=10)
    finally:
        if not restarted:
            pg_server.start()
        db.dispose()
