"""Timers and alerts on PostgreSQL: the same states and the same alert rows as on SQLite."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from duty_console.db import schema
from duty_console.db.connect import Database
from duty_console.domain import alerts, defaults
from duty_console.domain import timers as t
from duty_console.domain.actors import Actor, system_actor
from duty_console.domain.clock import ManualClock
from duty_console.paths import DEFAULTS_DIR
from tests.pg import PgServer

pytestmark = pytest.mark.postgres

TZ = ZoneInfo("Asia/Shanghai")


def test_timers_and_alerts_on_postgresql(pg_server: PgServer) -> None:
    db = Database(pg_server.url(pg_server.create_database()))
    try:
        schema.upgrade(db)
        installer = system_actor(gate="north", name="installer")
        with db.write() as session:
            defaults.load_defaults(session, installer, DEFAULTS_DIR)
        clock = ManualClock(datetime(2026, 11, 29, 9, 0, tzinfo=TZ))
        sched = t.Schedule(tz=TZ)
        duty = Actor("T001", "李华", "admin", "north")
        with db.write() as session:
            t.record_disinfection(session, duty, "C7-1", concentration="300", clock=clock)
            t.start_ventilation(session, duty, "C7-1", clock=clock)
        clock.advance(31 * 60)
        with db.write() as session:
            assert t.stop_ventilation(session, duty, "C7-1", clock=clock).counted
            first = t.sweep(session, system_actor(gate="north"), sched, clock=clock)
        with db.write() as session:
            again = t.sweep(session, system_actor(gate="south"), sched, clock=clock)
        assert first.raised and not again.raised
        with db.read() as session:
            c71 = {
                x.kind: x
                for x in t.compute_timers(session, clock.now(), sched, area_codes=["C7-1"])
            }
            assert c71[t.DISINFECTION].state == t.OK
            assert c71[t.DISINFECTION].last_done_at == clock.now() - timedelta(minutes=31)
            assert c71[t.VENTILATION].sessions_today == 1
            assert alerts.alert_mark(session).newest is not None
            assert alerts.alert_mark(session).newest.tzinfo is not None  # type: ignore[union-attr]
            assert len(alerts.active(session)) == len(first.raised)
    finally:
        db.dispose()
