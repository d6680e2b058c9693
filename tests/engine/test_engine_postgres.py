"""The engine's writer on PostgreSQL: the same screening, recheck and incident, on a real server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import col, select

from devices.frames import CardRead, Reading
from devices.profile import load_profile
from duty_console.db import schema
from duty_console.db.connect import Database
from duty_console.db.models import Entry, Incident, Person
from duty_console.domain import audit, defaults, people
from duty_console.domain.actors import system_actor
from duty_console.domain.screening import Rules
from duty_console.engine.ingest import DeviceState, Writer, register_devices
from duty_console.paths import DEFAULTS_DIR, SAMPLE_DIR
from tests.pg import PgServer

pytestmark = pytest.mark.postgres


class _Clock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return 0.0

    def boot_instant(self) -> None:
        return None


def test_readings_fever_and_recheck_are_committed_on_postgresql(pg_server: PgServer) -> None:
    db = Database(pg_server.url(pg_server.create_database()))
    schema.upgrade(db)
    installer = system_actor(gate="north", name="installer")
    with db.write() as session:
        defaults.load_defaults(session, installer, DEFAULTS_DIR)
        people.import_roster(session, installer, (SAMPLE_DIR / "roster.csv").read_bytes())
        card = session.exec(select(Person.card_id).where(Person.person_id == "S1001")).one()
    assert card is not None
    states = {
        "ir": DeviceState(
            "ir", "thermometer", load_profile("mlx90614-ascii", {"trigger": "frame"}), "pty"
        ),
        "card": DeviceState("card", "id-reader", load_profile("rdm6300"), "pty"),
    }
    register_devices(db, "north", states, _Clock())
    writer = Writer(db, "north", Rules(), states)
    writer.start()
    t0 = datetime.now(UTC)
    for i, temp in enumerate((38.0, 38.2)):  # a fever, and its recheck a minute later
        at = t0 + timedelta(minutes=i)
        writer.submit(CardRead("card", at, float(i), card, b""))
        writer.submit(
            Reading("ir", at + timedelta(seconds=1), float(i) + 1, temp, "body", 24.0, b"")
        )
    writer.submit(Reading("ir", t0 + timedelta(minutes=3), 9.0, 45.0, "body", 24.0, b""))
    writer.stop()
    with db.read() as session:
        rows = list(session.exec(select(Entry).order_by(col(Entry.id))))
        incident = session.exec(select(Incident)).one()
        chain = audit.verify(session)
    assert [(e.person_id, e.temp_c, e.status) for e in rows] == [
        ("S1001", 38.0, "fever"),
        ("S1001", 38.2, "fever_confirmed"),
        (None, 45.0, "invalid"),
    ]
    assert rows[1].recheck_of == rows[0].id
    assert incident.person_id == "S1001" and incident.entry_id == rows[1].id
    assert chain.ok
    db.dispose()
