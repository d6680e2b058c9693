"""The engine end to end: pty devices → frames → screened entries committed in the SQLite file."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlmodel import select

from duty_console.config import Settings, parse_settings
from duty_console.db.connect import Database
from duty_console.db.models import Device, Incident, IncidentStep
from duty_console.domain.clock import SYSTEM_CLOCK
from duty_console.domain.entries import open_fevers
from duty_console.engine.lease import LeaseHeld
from duty_console.engine.runner import Engine
from duty_console.runtime import Runtime
from tests.engine.helpers import PtyDevice, entries, mlx_line, rdm6300_frame, wait_for


def _card_of(db: Database, person_id: str) -> int:
    from duty_console.db.models import Person

    with db.read() as session:
        person = session.exec(select(Person).where(Person.person_id == person_id)).one()
        assert person.card_id is not None
        return int(person.card_id)


def make_settings(ir: Path, card: Path, trigger: str = "frame", **screening: float) -> Settings:
    return parse_settings(
        {
            "site": {"name": "示例中学", "gate": "north"},
            "screening": {"recheck_within_s": 300, "pair_within_s": 10, **screening},
            "devices": [
                {
                    "name": "north-ir-1",
                    "role": "thermometer",
                    "port": str(ir),
                    "profile": "mlx90614-ascii",
                    "trigger": trigger,
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


@pytest.fixture
def ptys(tmp_path: Path):
    ir = PtyDevice(tmp_path / "ir")
    card = PtyDevice(tmp_path / "card")
    yield ir, card
    ir.close()
    card.close()


@pytest.fixture
def engine_for(db: Database, ptys):
    started: list[Engine] = []

    def make(trigger: str = "frame", **screening: float) -> Engine:
        ir, card = ptys
        rt = Runtime(make_settings(ir.link, card.link, trigger, **screening), db, SYSTEM_CLOCK)
        engine = Engine(rt)
        engine.start()
        started.append(engine)
        time.sleep(0.3)  # the readers open their ports
        return engine

    yield make
    for engine in started:
        engine.stop()


def test_card_then_reading_is_one_identified_normal_entry(db, ptys, engine_for):
    ir, card = ptys
    engine_for()
    card.write(rdm6300_frame(_card_of(db, "S1001")) * 5)  # held for a moment: repeats
    time.sleep(0.2)
    ir.write(mlx_line(36.4))
    assert wait_for(lambda: len(entries(db)) == 1)
    time.sleep(0.3)
    [entry] = entries(db)
    assert (entry.person_id, entry.temp_c, entry.status) == ("S1001", 36.4, "normal")
    assert entry.device == "north-ir-1" and entry.gate == "north"


def test_fever_then_recheck_confirms_and_opens_an_incident(db, ptys, engine_for):
    ir, card = ptys
    engine_for(recheck_rest_s=1)
    number = _card_of(db, "S1001")
    card.write(rdm6300_frame(number))
    time.sleep(0.2)
    ir.write(mlx_line(37.8))
    assert wait_for(lambda: len(entries(db)) == 1)
    time.sleep(1.2)  # the card reader's debounce: a new presentation
    card.write(rdm6300_frame(number))
    time.sleep(0.2)
    ir.write(mlx_line(37.9))
    assert wait_for(lambda: len(entries(db)) == 2)
    first, second = entries(db)
    assert first.status == "fever"
    assert second.status == "fever_confirmed" and second.recheck_of == first.id
    with db.read() as session:
        incident = session.exec(select(Incident)).one()
    assert incident.person_id == "S1001" and incident.playbook_key == "fever-at-gate"
    assert incident.entry_id == second.id and not incident.drill
    # What happened at the gate is already done in the checklist, with its readings.
    with db.read() as session:
        steps = session.exec(
            select(IncidentStep).where(IncidentStep.incident_id == incident.id)
        ).all()
    done = {step.n: step.entry_id for step in steps if step.done_at is not None}
    assert done == {1: first.id, 2: second.id}
    assert all(step.due_at is not None for step in steps if step.timed_from == "opening")


def test_a_second_reading_during_the_rest_is_the_same_fever_not_its_recheck(db, ptys, engine_for):
    ir, card = ptys
    engine_for()  # the default rest: 60 s
    number = _card_of(db, "S1001")
    for temp in (37.8, 37.9):
        card.write(rdm6300_frame(number))
        time.sleep(0.2)
        ir.write(mlx_line(temp))
        time.sleep(1.2)
    assert wait_for(lambda: len(entries(db)) == 2)
    first, second = entries(db)
    assert (first.status, second.status) == ("fever", "fever")
    assert second.rest_of == first.id and second.recheck_of is None
    with db.read() as session:
        assert session.exec(select(Incident)).first() is None
        assert [row.id for row in open_fevers(session)] == [first.id]


def test_fever_then_normal_recheck(db, ptys, engine_for):
    ir, card = ptys
    engine_for(recheck_rest_s=1)
    number = _card_of(db, "S1002")
    card.write(rdm6300_frame(number))
    time.sleep(0.2)
    ir.write(mlx_line(37.5))
    assert wait_for(lambda: len(entries(db)) == 1)
    time.sleep(1.2)
    card.write(rdm6300_frame(number))
    time.sleep(0.2)
    ir.write(mlx_line(36.6))
    assert wait_for(lambda: len(entries(db)) == 2)
    assert [e.status for e in entries(db)] == ["fever", "recheck_normal"]


def test_a_reading_without_a_card_is_unidentified_and_out_of_range_is_invalid(db, ptys, engine_for):
    ir, _card = ptys
    engine_for()
    ir.write(mlx_line(36.5) + mlx_line(45.0) + b"Ambient = 24.00*C\tObject = nan*C\r\n")
    assert wait_for(lambda: len(entries(db)) == 3)
    got = [(e.person_id, e.temp_c, e.status) for e in entries(db)]
    assert got == [(None, 36.5, "normal"), (None, 45.0, "invalid"), (None, None, "invalid")]


def test_garbage_and_bad_frames_are_counted_not_entered(db, ptys, engine_for):
    ir, card = ptys
    engine_for()
    bad = bytearray(rdm6300_frame(12345678))
    bad[11] = ord("0") if bad[11] != ord("0") else ord("1")  # break the checksum
    card.write(bytes(bad))
    ir.write(b"\x00\xff garbage \xfe\r\n" + mlx_line(36.7))
    assert wait_for(lambda: len(entries(db)) == 1)

    def counted() -> bool:
        with db.read() as session:
            devs = {d.name: d for d in session.exec(select(Device))}
        return devs["north-card-1"].frames_bad >= 1 and devs["north-ir-1"].frames_bad >= 1

    assert wait_for(counted)
    assert [e.temp_c for e in entries(db)] == [36.7]


def test_presence_stream_gives_one_entry_per_person(db, ptys, engine_for):
    ir, _card = ptys
    engine_for(trigger="presence")
    scene = [24.1, 24.2, 24.1] + [36.3, 36.5, 36.6, 36.5, 36.6, 36.5, 36.6, 36.5] + [24.0] * 3
    for value in scene:
        ir.write(mlx_line(value))
    assert wait_for(lambda: len(entries(db)) == 1)
    time.sleep(0.5)
    [entry] = entries(db)
    assert entry.status == "normal" and 36.4 <= (entry.temp_c or 0) <= 36.6


def test_offset_is_added_to_every_reading(db, ptys, tmp_path):
    ir, card = ptys
    settings = make_settings(ir.link, card.link)
    data = settings.model_dump(by_alias=True)
    data["devices"][0]["offset_c"] = 0.4
    data.pop("source", None)
    rt = Runtime(parse_settings(data, "t"), db, SYSTEM_CLOCK)
    engine = Engine(rt)
    engine.start()
    try:
        time.sleep(0.3)
        ir.write(mlx_line(36.55))
        assert wait_for(lambda: len(entries(db)) == 1)
        assert entries(db)[0].temp_c == 37.0  # 36.55 + 0.4 = 36.95 → 37.0 (half up)
        assert entries(db)[0].status == "normal"
    finally:
        engine.stop()


def test_a_second_engine_for_the_same_gate_is_refused(db, ptys, engine_for):
    ir, card = ptys
    engine_for()
    rt = Runtime(make_settings(ir.link, card.link), db, SYSTEM_CLOCK)
    with pytest.raises(LeaseHeld, match="already running"):
        Engine(rt).start()


def test_stop_commits_what_was_read(db, ptys, engine_for):
    ir, _card = ptys
    engine = engine_for()
    for i in range(50):
        ir.write(mlx_line(36.0 + (i % 5) / 10))
    time.sleep(0.5)
    engine.stop()
    assert len(entries(db)) == 50


def test_a_lease_whose_heartbeat_stopped_is_taken_over(db):
    from datetime import timedelta

    from duty_console.db.models import EngineLease
    from duty_console.domain.health import LEASE_STALE_S
    from duty_console.engine.lease import Lease

    now = SYSTEM_CLOCK.now()
    with db.write() as session:
        session.add(EngineLease(gate="north", holder="other-pc:4242:abcd", heartbeat_at=now))
    with pytest.raises(LeaseHeld, match="other-pc"):
        Lease(db, "north").acquire()
    with db.write() as session:
        lease = session.get(EngineLease, "north")
        assert lease is not None
        lease.heartbeat_at = now - timedelta(seconds=LEASE_STALE_S + 1)
        session.add(lease)
    taker = Lease(db, "north")
    taker.acquire()
    with db.read() as session:
        assert session.get(EngineLease, "north").holder == taker.holder  # type: ignore[union-attr]


def test_the_console_runs_the_gates_engine_only_when_none_is_live(db, ptys):
    from duty_console.engine.runner import start_unless_live

    ir, card = ptys
    rt = Runtime(make_settings(ir.link, card.link), db, SYSTEM_CLOCK)
    first = start_unless_live(rt)
    assert first is not None and first.running  # no engine yet: this console runs it
    try:
        assert start_unless_live(rt) is None  # a second console attaches
    finally:
        first.stop()
    again = start_unless_live(rt)  # the first one stopped: the next console runs it
    assert again is not None
    again.stop()
    no_devices = Runtime(
        make_settings(ir.link, card.link).model_copy(update={"devices": []}), db, SYSTEM_CLOCK
    )
    assert start_unless_live(no_devices) is None  # an office PC with no devices runs none


def test_readings_wait_for_a_busy_database_and_none_is_lost(db, ptys, engine_for):
    import sqlite3
    import threading

    ir, _card = ptys
    engine_for()
    assert db.path is not None
    other = sqlite3.connect(db.path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    released = threading.Event()

    def release_later() -> None:
        time.sleep(2.0)
        other.execute("COMMIT")
        released.set()

    threading.Thread(target=release_later, daemon=True).start()
    for i in range(20):
        ir.write(mlx_line(36.0 + i / 20))
    time.sleep(0.5)
    assert not released.is_set() and entries(db) == []  # nothing could be written yet
    assert wait_for(lambda: len(entries(db)) == 20, timeout=20)
    other.close()
    from duty_console.domain.screening import round_temp

    assert [e.temp_c for e in entries(db)] == [round_temp(36.0 + i / 20) for i in range(20)]


def test_stopping_with_the_database_gone_says_how_many_readings_were_not_committed(tmp_path):
    import shutil

    from devices.frames import Reading
    from devices.profile import load_profile
    from duty_console.domain.screening import Rules
    from duty_console.engine.ingest import DeviceState, Writer, register_devices
    from tests.conftest import build_database

    db = build_database(tmp_path / "gone.db", roster=False)
    states = {
        "ir": DeviceState(
            "ir", "thermometer", load_profile("mlx90614-ascii", {"trigger": "frame"}), "pty"
        )
    }
    register_devices(db, "north", states, SYSTEM_CLOCK)
    writer = Writer(db, "north", Rules(), states)
    writer.final_retry_s = 1.0
    writer.start()
    writer.submit(Reading("ir", SYSTEM_CLOCK.now(), 1.0, 36.5, "body", 24.0, b""))
    assert wait_for(lambda: writer.stats.entries == 1)
    # The disk is swapped, the file removed: the next connections find an empty database.
    shutil.rmtree(tmp_path)
    for i in range(3):
        writer.submit(Reading("ir", SYSTEM_CLOCK.now(), 2.0 + i, 36.6, "body", 24.0, b""))
    writer.stop(timeout=30)
    assert not writer.is_alive()
    assert writer.stats.entries == 1 and writer.stats.uncommitted == 3
    assert writer.stats.last_error
