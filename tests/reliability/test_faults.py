"""Faults one at a time: a device thread that dies, the config or roster unreadable, the clock
stepping an hour back and forward."""

from __future__ import annotations

import socket
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from devices.transport import PortReader
from duty_console.db.connect import Database
from duty_console.db.models import EngineLease
from duty_console.domain import health
from duty_console.domain.clock import SYSTEM_CLOCK
from duty_console.engine.runner import Engine
from duty_console.runtime import Runtime
from tests.engine.helpers import PtyDevice, entries, mlx_line, rdm6300_frame, wait_for
from tests.engine.test_engine import _card_of, make_settings
from tests.pg import PgServer
from tests.reliability.helpers import build_pg


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_a_device_thread_that_dies_is_restarted_and_the_others_never_stop(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = PortReader._status
    failures = {"left": 1}

    def dies_once(self: PortReader, online: bool, reason: str) -> None:
        if self.device == "north-ir-1" and reason == "connected" and failures["left"]:
            failures["left"] -= 1
            raise RuntimeError("a bug past the reader's own guards")
        real(self, online, reason)

    monkeypatch.setattr(PortReader, "_status", dies_once)
    ir, card = PtyDevice(tmp_path / "ir"), PtyDevice(tmp_path / "card")
    engine = Engine(Runtime(make_settings(ir.link, card.link), db, SYSTEM_CLOCK))
    try:
        engine.start()
        card_thread = next(r for r in engine.readers if r.device == "north-card-1")
        assert wait_for(lambda: engine.reader_restarts.get("north-ir-1") == 1, timeout=10)
        time.sleep(0.3)
        card.write(rdm6300_frame(_card_of(db, "S1001")))
        time.sleep(0.2)
        ir.write(mlx_line(36.6))
        assert wait_for(lambda: any(e.person_id == "S1001" for e in entries(db)), timeout=10)
        # The card reader ran all along, in the same thread; the thermometer's is a new one.
        assert card_thread.is_alive() and card_thread in engine.readers
        assert all(r.is_alive() for r in engine.readers)
        assert engine.reader_restarts == {"north-ir-1": 1}
    finally:
        engine.stop()
        ir.close()
        card.close()
    assert all(not r.is_alive() for r in engine.readers)


@pytest.mark.parametrize(
    ("holder", "trouble"),
    [
        ("gate-pc-2:4242:aaaa0001:", health.TROUBLE_NOT_WRITING),  # another PC: nobody knows
        (f"{socket.gethostname()}:{2**22 + 1}:aaaa0001:", ""),  # gone from this PC: stopped
    ],
    ids=["another-pc", "gone"],
)
def test_an_engine_holding_its_lease_without_a_heartbeat_is_not_writing(
    db: Database, holder: str, trouble: str
) -> None:
    """Its lease held, its heartbeat stale: "not writing" (was "engine off") unless its process
    is known to be gone (then it did stop); on PostgreSQL the same, on the server's clock."""
    now = SYSTEM_CLOCK.now()
    with db.write() as session:
        session.add(
            EngineLease(
                gate="north",
                holder=holder,
                started_at=now - timedelta(minutes=5),
                heartbeat_at=now - timedelta(minutes=1),
            )
        )
    with db.read() as session:
        state = health.engine_state(session, "north", now)
    assert not state.alive
    assert health.engine_trouble(state, db.path) == trouble


@pytest.mark.postgres
def test_on_postgresql_an_engine_whose_heartbeat_stopped_is_not_writing_or_disk_full(
    pg_server: PgServer,
) -> None:
    """A console cannot see into the server's disk: "engine not writing" (was "engine off"),
    or "disk full" once one of its own writes was refused for a full disk."""
    db = build_pg(pg_server.url(pg_server.create_database()))
    try:
        with db.write() as session:
            now = health.server_now(session)
            assert now is not None
            session.add(
                EngineLease(
                    gate="north",
                    holder="gate-pc-2:4242:aaaa0001:",
                    started_at=now - timedelta(minutes=5),
                    heartbeat_at=now - timedelta(minutes=1),
                )
            )
        with db.read() as session:
            state = health.engine_state(session, "north", SYSTEM_CLOCK.now())
        assert not state.alive and db.path is None
        assert health.engine_trouble(state, db.path) == health.TROUBLE_NOT_WRITING
        # This console's write refused for a full disk (the server's: SQLSTATE 53100) says more.
        full_disk = (
            "DO $$ BEGIN RAISE EXCEPTION 'could not extend file' USING ERRCODE = 'disk_full'; "
            "END $$"
        )
        with pytest.raises(OperationalError), db.write() as session:
            session.execute(text(full_disk))
        assert db.disk_full_seen()
        trouble = health.engine_trouble(state, db.path, db.disk_full_seen())
        assert trouble == health.TROUBLE_DISK_FULL
        with db.write() as session:  # a write goes through: there is room again
            session.execute(text("SELECT 1"))
        assert not db.disk_full_seen()
    finally:
        db.dispose()
