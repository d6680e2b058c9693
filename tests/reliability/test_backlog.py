"""A long outage: the engine's backlog (readings read, not yet committed) is bounded.

The database refuses writes (here: another process holds the write lock past the busy
timeout; in life PostgreSQL down for hours, or a full disk) while the thermometer keeps
sending. Past the bound the newest readings are dropped, never silently: counted in the
writer, in device health, in `status` and in every console's header, logged once, audited once
the database takes writes again; fevers are kept.
"""

from __future__ import annotations

import json
import logging
import shutil
import sqlite3
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import col, select

from devices.frames import Reading
from duty_console.db import connect
from duty_console.db.connect import Database
from duty_console.db.models import AuditRecord, Device, Entry
from duty_console.domain import health
from duty_console.domain.clock import SYSTEM_CLOCK, ManualClock
from duty_console.domain.screening import Rules
from duty_console.domain.snapshot import snapshot
from duty_console.engine.ingest import Writer, register_devices
from duty_console.tui.app import DutyConsoleApp
from tests.conftest import AUDIT_KEY
from tests.engine.helpers import wait_for
from tests.engine.test_writer_survives import _state
from tests.reliability.helpers import assert_sound, count_entries
from tests.tui.conftest import gate_ready, screen_text, until

BOUND = 50


def test_a_full_backlog_drops_the_newest_counted_and_keeps_every_fever(
    tmp_path: Path,
    _template_db: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(connect, "BUSY_TIMEOUT_MS", 300)
    path = tmp_path / "duty.db"
    shutil.copyfile(_template_db, path)
    db = Database(f"sqlite:///{path}", audit_key=AUDIT_KEY)
    states = {"ir": _state("ir", "mlx90614-ascii")}
    register_devices(db, "north", states, SYSTEM_CLOCK)
    writer = Writer(db, "north", Rules(), states, max_pending=BOUND)
    before = count_entries(db)
    # Another process holds the write lock (an import, a purge) past the busy timeout.
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    caplog.set_level(logging.WARNING, logger="duty_console.engine.ingest")
    try:
        writer.start()

        def normal(i: int) -> None:
            writer.submit(Reading("ir", SYSTEM_CLOCK.now(), float(i), 36.5, "body", 24.0, b""))

        normal(0)
        assert wait_for(lambda: writer.stats.failed_commits > 0, timeout=10)
        for i in range(1, 4 * BOUND):
            normal(i)
        for i in range(3):  # three fevers after the bound: kept
            writer.submit(Reading("ir", SYSTEM_CLOCK.now(), 1e3 + i, 38.6, "body", 24.0, b""))
        assert wait_for(lambda: writer.stats.dropped == 3 * BOUND, timeout=10), writer.stats
        assert writer.stats.dropped_fevers == 0
        assert count_entries(db) == before
        blocker.rollback()
        blocker.close()
        assert wait_for(lambda: count_entries(db) == before + BOUND + 3, timeout=15)
        writer.stop()
        assert not writer.stats.failure and writer.stats.uncommitted == 0
        assert writer.stats.dropped == 3 * BOUND
        with db.read() as session:
            fevers = session.exec(
                select(Entry.id).where(col(Entry.temp_c) >= 38.6, col(Entry.id) > before)
            ).all()
            assert len(fevers) == 3
            (ir,) = health.devices(session, "north")
            assert ir.readings_dropped == 3 * BOUND and ir.dropped_at is not None
            assert health.readings_lost([ir], SYSTEM_CLOCK.now()) == 3 * BOUND
            snap = snapshot(
                session,
                site_name="x",
                gate="north",
                tz=ZoneInfo("Asia/Shanghai"),
                now=SYSTEM_CLOCK.now(),
            )
            assert snap["devices"][0]["readings_dropped"] == 3 * BOUND
            audited = session.exec(
                select(AuditRecord).where(AuditRecord.action == "entries.dropped")
            ).all()
            assert sum(json.loads(a.details)["count"] for a in audited) == 3 * BOUND
        said = [r for r in caplog.records if "newer ones are dropped" in r.getMessage()]
        assert len(said) == 1, "logged once per outage"
        assert any("readings dropped in all" in r.getMessage() for r in caplog.records)
        assert_sound(db)
    finally:
        writer.final_retry_s = 1.0
        writer.stop()
        db.dispose()


async def test_every_console_header_says_how_many_readings_were_lost(
    db: Database, clock: ManualClock, make_app: Callable[..., DutyConsoleApp]
) -> None:
    with db.write() as session:
        for name, dropped, ago in (("north-ir-1", 150, 60), ("north-ir-2", 7, 3 * 86400)):
            session.add(
                Device(
                    name=name,
                    gate="north",
                    role="thermometer",
                    profile="mlx90614-ascii",
                    readings_dropped=dropped,
                    dropped_at=clock.now() - timedelta(seconds=ago),
                )
            )
    app = make_app(lang="en")
    async with app.run_test(size=(120, 24)) as pilot:
        await gate_ready(pilot)
        # The outage of a minute ago, not the one three days ago.
        await until(pilot, lambda: "lost 150" in screen_text(app).splitlines()[0])
