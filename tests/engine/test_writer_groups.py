"""The writer's groups: ids known without RETURNING, read-sized hand-offs, and a backlog that
must not split a person standing in front of a streaming sensor into two entries."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlmodel import col, select

from devices.frames import BadFrame, Reading
from devices.profile import load_profile
from duty_console.db.connect import Database
from duty_console.db.models import AuditRecord, Device
from duty_console.domain.clock import SYSTEM_CLOCK
from duty_console.domain.screening import Rules
from duty_console.engine import ingest
from duty_console.engine.ingest import MAX_BATCH, DeviceState, Writer, register_devices
from tests.engine.helpers import entries, wait_for


def _writer(db: Database, trigger: str) -> Writer:
    states = {
        "ir": DeviceState(
            "ir", "thermometer", load_profile("gy-mcu90614", {"trigger": trigger}), "pty"
        )
    }
    register_devices(db, "north", states, SYSTEM_CLOCK)
    return Writer(db, "north", Rules(), states)


def test_a_group_inserted_in_bulk_has_its_real_ids_in_the_audit_record(db: Database) -> None:
    writer = _writer(db, "frame")
    now = datetime.now(UTC)
    # One read's frames handed over at once, as a device thread does.
    writer.submit_many(
        [
            Reading("ir", now, 1.0 + i / 100, 36.0 + i % 10 / 10, "body", 24.0, b"")
            for i in range(700)
        ]
    )
    writer.start()
    writer.stop()
    rows = entries(db)
    assert len(rows) == 700 and writer.stats.entries == 700
    with db.read() as session:
        records = session.exec(
            select(AuditRecord).where(col(AuditRecord.action) == "entries.ingest")
        ).all()
    covered = []
    for record in records:
        details = json.loads(record.details)
        covered.extend(range(details["first_id"], details["last_id"] + 1))
        assert details["count"] == details["last_id"] - details["first_id"] + 1
    assert covered == [e.id for e in rows]
    assert [e.temp_c for e in rows] == [round(36.0 + i % 10 / 10, 1) for i in range(700)]


def test_a_backlog_does_not_split_one_person_into_two_entries(db: Database) -> None:
    writer = _writer(db, "presence")
    now = datetime.now(UTC)
    # Frames received long ago (a writer far behind): the empty scene for most of a group,
    # then one person whose frames straddle the end of the group, then the empty scene again.
    empty, person = 24.0, 36.6
    temps = [empty] * (MAX_BATCH - 5) + [person] * 12 + [empty] * 20
    frames = [Reading("ir", now, 1.0 + i * 0.07, t, "body", 24.0, b"") for i, t in enumerate(temps)]
    for start in range(0, len(frames), 50):
        writer.submit_many(frames[start : start + 50])
    writer.start()
    writer.stop()
    assert [e.temp_c for e in entries(db)] == [person]


def test_a_lone_reading_is_committed_without_waiting_out_the_group_window(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A window far longer than the wait allowed below: only the idle rule can end the group.
    monkeypatch.setattr(ingest, "MAX_WAIT_S", 30.0)
    writer = _writer(db, "frame")
    writer.start()
    try:
        writer.submit_many([Reading("ir", datetime.now(UTC), 1.0, 36.5, "body", 24.0, b"")])
        assert wait_for(lambda: writer.stats.entries == 1, timeout=5)
    finally:
        writer.stop()


def test_a_read_with_other_events_in_it_is_read_event_by_event(db: Database) -> None:
    writer = _writer(db, "frame")
    now = datetime.now(UTC)
    writer.submit_many(
        [
            Reading("ir", now, 1.0, 36.5, "body", 24.0, b""),
            BadFrame("ir", now, b"\x5a", "bad checksum"),
            Reading("nobody", now, 1.0, 36.6, "body", 24.0, b""),  # not a configured device
            Reading("ir", now, 1.1, 36.7, "body", 24.0, b""),
        ]
    )
    # Nothing a bug could put in the queue kills the writer: an empty list, a list of junk.
    writer.queue.put([])
    writer.queue.put([object(), 42])
    writer.submit_many([Reading("ir", now, 1.2, 36.8, "body", 24.0, b"")])
    writer.start()
    writer.stop()
    assert writer.is_alive() is False and not writer.stats.failure
    assert [e.temp_c for e in entries(db)] == [36.5, 36.7, 36.8]
    assert writer.stats.unreadable == 2
    with db.read() as session:
        device = session.exec(select(Device).where(Device.name == "ir")).one()
    assert (device.frames_ok, device.frames_bad) == (3, 1)  # the junk is no device's
