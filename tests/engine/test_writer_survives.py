"""The writer never dies of a frame (issue: security and robustness, point 3).

What killed it before: a barcode of '²' (isdigit() passes, int() raises) and an MLX line whose
object value is 1e29 (Decimal raises). Each is now an entry or a bad frame with its reason, the
writer lives on, and a writer that dies anyway stops its engine instead of looking alive.
"""

from __future__ import annotations

import shutil
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from devices.frames import CardRead, Reading
from devices.profile import load_profile
from devices.protocols import get_protocol
from devices.simulator import encode_card, encode_reading
from duty_console.db.connect import Database
from duty_console.db.models import AuditRecord, Device, EngineLease
from duty_console.domain.clock import SYSTEM_CLOCK
from duty_console.domain.screening import Rules, round_temp
from duty_console.engine.ingest import DeviceState, Writer, register_devices
from duty_console.engine.runner import Engine
from duty_console.runtime import Runtime
from tests.engine.helpers import PtyDevice, entries, wait_for
from tests.engine.test_engine import make_settings

THERMOMETERS = ["mlx90614-ascii", "gy-mcu90614", "lu90614", "idc50", "modbus-ir"]
ID_READERS = ["rdm6300", "barcode-line"]
FRAMES_PER_PROFILE = 10_000
CHUNKS_PER_EXAMPLE = 200


def _state(name: str, profile: str, trigger: str = "frame") -> DeviceState:
    overrides = {"trigger": trigger} if profile in THERMOMETERS else {"debounce_s": 0.0}
    loaded = load_profile(profile, overrides)
    return DeviceState(name, loaded.role, loaded, "fuzz")


def _writer(db: Database, states: dict[str, DeviceState]) -> Writer:
    register_devices(db, "north", states, SYSTEM_CLOCK)
    writer = Writer(db, "north", Rules(), states)
    writer.start()
    return writer


@pytest.fixture
def fresh_db(tmp_path: Path, _template_db: Path):
    target = tmp_path / "fuzz.db"
    shutil.copyfile(_template_db, target)
    target.chmod(0o600)
    database = Database(f"sqlite:///{target}")
    yield database
    database.dispose()


# -- the two frames that killed the writer -----------------------------------------------------


def test_a_superscript_two_from_the_barcode_reader_is_a_bad_frame_and_pairs_with_nothing(
    fresh_db: Database,
) -> None:
    proto = get_protocol("barcode-line")("scan", load_profile("barcode-line").options)
    frames = proto.feed("²\r\n".encode(), 1.0, datetime.now(UTC))
    assert [type(f).__name__ for f in frames] == ["BadFrame"]
    # And if a '²' reached the writer by another way, it is a card nobody has.
    states = {"ir": _state("ir", "mlx90614-ascii"), "scan": _state("scan", "barcode-line")}
    writer = _writer(fresh_db, states)
    now = SYSTEM_CLOCK.now()
    writer.submit(CardRead("scan", now, 1.0, "²", "²".encode()))
    writer.submit(Reading("ir", now, 2.0, 36.6, "body", 24.0, b""))
    writer.submit(CardRead("scan", now, 3.0, "٣٤", b""))
    writer.submit(Reading("ir", now, 4.0, 36.7, "body", 24.0, b""))
    assert wait_for(lambda: writer.stats.entries == 2)
    assert writer.is_alive() and not writer.stats.failure
    rows = entries(fresh_db)
    assert [(e.person_id, e.status) for e in rows[-2:]] == [(None, "normal"), (None, "normal")]
    assert "card ² is not in the roster" in rows[-2].note
    writer.stop()


def test_an_mlx_object_of_1e29_is_an_invalid_entry_saying_why(fresh_db: Database) -> None:
    proto = get_protocol("mlx90614-ascii")("ir", load_profile("mlx90614-ascii").options)
    line = b"Ambient = 24.51*C\tObject = 100000000000000000000000000000.00*C\r\n"
    frames = proto.feed(line, 1.0, datetime.now(UTC))
    assert isinstance(frames[0], Reading) and frames[0].temp_c == 1e29
    for value in (1e29, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="not a temperature"):
            round_temp(value)
    writer = _writer(fresh_db, {"ir": _state("ir", "mlx90614-ascii")})
    writer.submit(frames[0])
    writer.submit(Reading("ir", SYSTEM_CLOCK.now(), 2.0, 36.5, "body", 24.0, b""))
    assert wait_for(lambda: writer.stats.entries == 2)
    assert writer.is_alive()
    bad, good = entries(fresh_db)[-2:]
    assert (bad.status, bad.temp_c) == ("invalid", None)
    assert bad.note.startswith("not a temperature: 1e+29")
    assert (good.status, good.temp_c) == ("normal", 36.5)
    writer.stop()


def test_a_bug_in_screening_costs_one_reading_not_the_writer(
    fresh_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    from duty_console.engine import ingest

    writer = _writer(fresh_db, {"ir": _state("ir", "mlx90614-ascii")})
    calls = {"n": 0}
    real = ingest.screen

    def buggy(*args: object, **kwargs: object) -> object:
        calls["n"] += 1
        if calls["n"] == 1:
            raise ZeroDivisionError("a bug nobody has found yet")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(ingest, "screen", buggy)
    writer.submit(Reading("ir", SYSTEM_CLOCK.now(), 1.0, 36.5, "body", 24.0, b""))
    writer.submit(Reading("ir", SYSTEM_CLOCK.now(), 2.0, 36.6, "body", 24.0, b""))
    assert wait_for(lambda: writer.stats.entries == 2)
    first, second = entries(fresh_db)[-2:]
    assert (first.status, first.note) == ("invalid", "not screened: ZeroDivisionError")
    assert second.status == "normal"
    assert writer.is_alive() and writer.stats.unreadable == 1
    writer.stop()


# -- the watchdog ------------------------------------------------------------------------------


def test_a_writer_that_dies_stops_its_engine_and_releases_the_lease(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ir, card = PtyDevice(tmp_path / "ir"), PtyDevice(tmp_path / "card")
    try:
        rt = Runtime(make_settings(ir.link, card.link), db, SYSTEM_CLOCK)
        engine = Engine(rt)

        def die(final: bool) -> None:
            raise MemoryError("simulated: the writer's loop itself failed")

        monkeypatch.setattr(engine.writer, "_commit_with_retry", die)
        engine.start()
        from tests.engine.helpers import mlx_line

        ir.write(mlx_line(36.5))
        assert wait_for(lambda: engine.failed.is_set(), timeout=10)
        assert wait_for(lambda: not engine.running, timeout=15)
        assert "MemoryError" in engine.writer.stats.failure
        with db.read() as session:
            assert session.get(EngineLease, "north") is None  # consoles: engine stopped
            stop = session.exec(
                select(AuditRecord).where(AuditRecord.action == "engine.stop")
            ).all()[-1]
            assert "MemoryError" in stop.details
        # The device threads are not stuck on a queue nobody empties.
        assert all(not r.is_alive() for r in engine.readers)
    finally:
        ir.close()
        card.close()


def test_serve_exits_1_when_its_writer_dies(db: Database, tmp_path: Path) -> None:
    import subprocess
    import sys

    from tests.engine.test_serve import write_config

    ir, card = PtyDevice(tmp_path / "ir"), PtyDevice(tmp_path / "card")
    try:
        cfg = write_config(tmp_path, db, ir.link, card.link, "frame")
        # The same failure as above, injected through a sitecustomize the child imports.
        hook = tmp_path / "hook"
        hook.mkdir()
        (hook / "sitecustomize.py").write_text(
            "from duty_console.engine import ingest\n"
            "def _die(self, final):\n"
            "    raise MemoryError('simulated')\n"
            "ingest.Writer._commit_with_retry = _die\n",
            encoding="utf-8",
        )
        import os

        env = {**os.environ, "PYTHONPATH": f"{hook}{os.pathsep}{Path.cwd()}"}
        proc = subprocess.Popen(
            [sys.executable, "-m", "duty_console", "serve", "--config", str(cfg)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        time.sleep(1.5)
        from tests.engine.helpers import mlx_line

        ir.write(mlx_line(36.5))
        _, err = proc.communicate(timeout=30)
        assert proc.returncode == 1, err
        assert "its writer failed (MemoryError: simulated)" in err
    finally:
        ir.close()
        card.close()


# -- 10,000 fuzzed frames per profile ----------------------------------------------------------

DIGITS = st.text(st.sampled_from("0123456789"), min_size=1, max_size=40)
HOSTILE_NUMBER = st.one_of(
    DIGITS,
    st.tuples(DIGITS, DIGITS).map(lambda t: f"{t[0]}.{t[1]}"),
    st.sampled_from(["nan", "-nan", "inf", "-inf", "ovf", "1e29", "-0", "+.5", "²", "٣٦.٥"]),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)


def hostile_chunk(profile: str) -> st.SearchStrategy[bytes]:
    """One frame's worth of bytes: a frame with a value from the edge, or plain garbage."""
    garbage = st.binary(min_size=1, max_size=24)
    if profile == "mlx90614-ascii":
        line = HOSTILE_NUMBER.map(
            lambda v: f"Ambient = 24.51*C\tObject = {v}*C\r\n".encode("utf-8", "replace")
        )
        return st.one_of(line, garbage)
    if profile in THERMOMETERS:
        ranges = {
            "gy-mcu90614": (-327.68, 327.67),
            "lu90614": (0.0, 255.99),
            "idc50": (0.0, 255.9),
            "modbus-ir": (-3276.8, 3276.7),
        }
        lo, hi = ranges[profile]
        value = st.one_of(st.floats(lo, hi).map(lambda v: round(v, 1)), st.sampled_from([lo, hi]))
        frame = value.map(lambda v: _encoded(profile, v))
        return st.one_of(frame, garbage)
    if profile == "rdm6300":
        card = st.integers(0, 2**32 - 1).map(lambda n: encode_card("rdm6300", str(n)))
        return st.one_of(card, garbage)
    scan = st.text(
        st.characters(blacklist_characters="\r\n\t", blacklist_categories=("Cs",)),
        min_size=1,
        max_size=20,
    ).map(lambda t: t.encode("utf-8") + b"\r\n")
    return st.one_of(scan, garbage)


def _encoded(profile: str, value: float) -> bytes:
    try:
        return encode_reading(profile, value)
    except ValueError:
        return b"\x00"


@pytest.mark.slow
@pytest.mark.parametrize("profile", THERMOMETERS + ID_READERS)
def test_the_writer_survives_ten_thousand_fuzzed_frames(profile: str, fresh_db: Database) -> None:
    _fuzz_the_writer(profile, fresh_db, FRAMES_PER_PROFILE)


@pytest.mark.parametrize(
    ("profile", "trigger"),
    [(p, "frame") for p in THERMOMETERS + ID_READERS] + [(p, "presence") for p in THERMOMETERS],
)
def test_the_writer_survives_fuzzed_frames_quickly(
    profile: str, trigger: str, fresh_db: Database
) -> None:
    """make test's representative of the above (make soak runs the ten thousand), and the
    presence trigger's medians of hostile values too."""
    _fuzz_the_writer(profile, fresh_db, 2 * CHUNKS_PER_EXAMPLE, trigger)


def _fuzz_the_writer(profile: str, fresh_db: Database, frames: int, trigger: str = "frame") -> None:
    is_reader = profile in ID_READERS
    # A thermometer is fuzzed next to a card reader (so readings are paired, screened, rechecked)
    # and a card reader next to a thermometer (so every hostile card is looked up).
    states = {"dut": _state("dut", profile, trigger)}
    partner = "ir" if is_reader else "card"
    states[partner] = _state(partner, "mlx90614-ascii" if is_reader else "barcode-line")
    writer = _writer(fresh_db, states)
    options = states["dut"].profile.options
    proto = get_protocol(states["dut"].profile.protocol)("dut", options)
    fed = {"chunks": 0, "mono": 0.0}

    chunk_lists = st.lists(
        hostile_chunk(profile), min_size=CHUNKS_PER_EXAMPLE, max_size=CHUNKS_PER_EXAMPLE
    )

    @settings(
        max_examples=frames // CHUNKS_PER_EXAMPLE,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(chunk_lists)
    def feed(chunks: list[bytes]) -> None:
        nonlocal proto
        for i, chunk in enumerate(chunks):
            fed["mono"] += 0.4
            mono, at = fed["mono"], SYSTEM_CLOCK.now()
            if i % 3 == 0:  # the partner speaks too: a known card, or a 38.0 reading
                partner_event = (
                    Reading("ir", at, mono, 38.0, "body", 24.0, b"")
                    if is_reader
                    else CardRead("card", at, mono, "S1001", b"")
                )
                writer.submit(partner_event)
            try:
                frames = proto.feed(chunk, mono + 0.1, at)
            except Exception:  # a parser bug is the transport's to catch (it starts afresh)
                proto = get_protocol(states["dut"].profile.protocol)("dut", options)
                frames = []
            for frame in frames:
                writer.submit(frame)
            fed["chunks"] += 1
        assert writer.is_alive(), writer.stats.failure

    feed()
    assert fed["chunks"] >= frames
    writer.stop(timeout=60)
    assert not writer.stats.failure
    assert writer.stats.uncommitted == 0
    with fresh_db.read() as session:
        device = session.exec(select(Device).where(Device.name == "dut")).one()
        assert device.frames_ok + device.frames_bad > 0


# -- leases and clocks (point 8) ---------------------------------------------------------------


def test_a_card_pairs_by_the_monotonic_clock_whatever_the_wall_clock_says(
    fresh_db: Database,
) -> None:
    from datetime import timedelta

    states = {"ir": _state("ir", "mlx90614-ascii"), "card": _state("card", "barcode-line")}
    writer = _writer(fresh_db, states)
    t = SYSTEM_CLOCK.now()
    writer.submit(CardRead("card", t, 1.0, "S1002", b""))
    # The wall clock jumped an hour forward between the card and the reading: 2 s apart.
    writer.submit(Reading("ir", t + timedelta(hours=1), 3.0, 36.5, "body", 24.0, b""))
    assert wait_for(lambda: writer.stats.entries == 1)
    writer.stop()
    assert entries(fresh_db)[-1].person_id == "S1002"


def test_a_live_engine_behind_a_long_write_lock_is_not_taken_over(db: Database) -> None:
    import os
    import socket
    from datetime import timedelta

    from duty_console.db.connect import BUSY_TIMEOUT_MS
    from duty_console.domain.health import LEASE_STALE_S, engine_state
    from duty_console.engine.lease import Lease, LeaseHeld

    # A heartbeat can wait the whole busy timeout behind another writer and still be alive.
    assert LEASE_STALE_S > BUSY_TIMEOUT_MS / 1000 + 1.0
    now = SYSTEM_CLOCK.now()
    with db.write() as session:
        session.add(
            EngineLease(
                gate="north",
                holder=f"{socket.gethostname()}:{os.getpid()}:live0001",
                heartbeat_at=now - timedelta(minutes=10),
            )
        )
    # On its own host a live holder is trusted over the heartbeat's age...
    with pytest.raises(LeaseHeld):
        Lease(db, "north").acquire()
    # ...and a dead one is taken over at once, however fresh its heartbeat.
    with db.write() as session:
        lease = session.get(EngineLease, "north")
        assert lease is not None
        lease.holder, lease.heartbeat_at = f"{socket.gethostname()}:999999999:dead0001", now
        session.add(lease)
        assert not engine_state(session, "north", now).alive
    Lease(db, "north").acquire()
