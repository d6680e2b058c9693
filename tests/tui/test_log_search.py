"""The entry log's text filter reaches the whole history: what the text names (a device, a
visitor, a refusal reason, a person) is resolved first, then read on the log's indexes."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import insert

from duty_console.db.connect import Database
from duty_console.db.models import Device, Entry, Visitor
from duty_console.domain.clock import ManualClock
from duty_console.tui import log_source
from duty_console.tui.log_source import LogFilter

from .conftest import engine_reading

_ENTRY = Entry.__table__  # type: ignore[attr-defined]


def _bury(db: Database, clock: ManualClock, n: int = 25_000) -> None:
    """``n`` newer readings of another device: more than the newest 20,000 a scan would read."""
    later = clock.now() + timedelta(minutes=1)
    row = {
        "at": later,
        "gate": "north",
        "device": "north-ir-1",
        "temp_c": 36.5,
        "mode": "ir",
        "kind": "body",
        "status": "normal",
        "reason": "",
        "note": "",
        "created_at": later,
        "created_by": "engine",
    }
    with db.write() as session:
        session.execute(insert(_ENTRY), [row] * n)


def _search(db: Database, text: str) -> list[int]:
    with db.read() as session:
        found = log_source.search(session, "north", LogFilter(text=text), lambda: False)
    return [r.id for r in found]


def test_a_device_named_in_the_filter_is_found_under_25000_newer_entries(
    db: Database, clock: ManualClock
) -> None:
    with db.write() as session:
        for name in ("north-ir-1", "north-ir-2"):
            session.add(Device(name=name, gate="north", role="thermometer", profile="x", port="-"))
    old = engine_reading(db, clock, person_id=None, temp_c=36.6, device="north-ir-2")
    _bury(db, clock)
    assert _search(db, "IR-2") == [old]
    assert _search(db, "no such thing") == []


def test_a_visitor_named_in_the_filter_is_found_under_25000_newer_entries(
    db: Database, clock: ManualClock
) -> None:
    with db.write() as session:
        visitor = Visitor(at=clock.now(), name="Delivery Wang", reason="parcel", gate="north")
        session.add(visitor)
        session.flush()
        row = {
            "at": clock.now(),
            "gate": "north",
            "device": "manual",
            "temp_c": 36.4,
            "mode": "contact",
            "status": "normal",
            "visitor_id": visitor.id,
            "created_at": clock.now(),
            "created_by": "T001",
        }
        old = session.execute(insert(_ENTRY).returning(_ENTRY.c.id), [row]).scalar_one()
    _bury(db, clock)
    assert _search(db, "delivery") == [old]
