"""The simulator speaks each device's real frames: encode → parse gives the value back, and a
simulated device on a pty drives the real PortReader and trigger to one measurement per person."""

from __future__ import annotations

import os
import random
import select
import threading
import time
from collections.abc import Iterator

import pytest

from devices.frames import BadFrame, CardRead, DeviceEvent, Measurement, Reading, SensorError
from devices.measure import make_trigger
from devices.profile import load_profile
from devices.simulator import (
    Simulator,
    encode_card,
    encode_garbage,
    encode_reading,
    mlx_banner,
    open_pty,
    run_simulation,
)
from devices.transport import PortReader

from .conftest import AT, feed_all, parser

THERMOMETERS = ["mlx90614-ascii", "gy-mcu90614", "lu90614", "idc50", "modbus-ir"]


class TestEncoders:
    @pytest.mark.parametrize("name", THERMOMETERS)
    @pytest.mark.parametrize("temp", [24.3, 36.5, 37.3, 38.6, 42.9])
    def test_reading_round_trips(self, name: str, temp: float) -> None:
        out = feed_all(parser(name), [encode_reading(name, temp)])
        assert [f.temp_c for f in out if isinstance(f, Reading)] == [temp]
        assert [f for f in out if isinstance(f, BadFrame)] == []

    def test_lu90614_surface_mode_round_trips(self) -> None:
        out = feed_all(parser("lu90614"), [encode_reading("lu90614", 31.5, mode="surface")])
        assert [(f.temp_c, f.mode) for f in out if isinstance(f, Reading)] == [(31.5, "surface")]

    def test_gy_ambient_round_trips(self) -> None:
        out = feed_all(
            parser("gy-mcu90614"), [encode_reading("gy-mcu90614", 36.5, ambient_c=22.25)]
        )
        assert [f.ambient_c for f in out if isinstance(f, Reading)] == [22.25]

    def test_modbus_register_map_round_trips(self) -> None:
        options = {"address": 9, "register": 0x0E, "scale": 0.01, "signed": False}
        frame = encode_reading("modbus-ir", 36.62, options=options)
        out = feed_all(parser("modbus-ir", **options), [frame])
        assert [f.temp_c for f in out if isinstance(f, Reading)] == [36.62]

    @pytest.mark.parametrize("name", ["mlx90614-ascii", "modbus-ir"])
    def test_sensor_error_round_trips(self, name: str) -> None:
        out = feed_all(parser(name), [encode_reading(name, None)])
        assert [(f.temp_c, bool(f.error)) for f in out if isinstance(f, Reading)] == [(None, True)]

    @pytest.mark.parametrize("name", ["gy-mcu90614", "lu90614", "idc50"])
    def test_formats_without_a_sensor_error_refuse_one(self, name: str) -> None:
        with pytest.raises(ValueError, match="sensor error"):
            encode_reading(name, None)

    def test_values_that_do_not_fit_are_refused(self) -> None:
        with pytest.raises(ValueError):
            encode_reading("idc50", -5.0)
        with pytest.raises(ValueError):
            encode_reading("modbus-ir", 5000.0)
        with pytest.raises(ValueError, match="not a thermometer"):
            encode_reading("rdm6300", 36.5)

    @pytest.mark.parametrize("card", ["0", "12345", "4294967295"])
    def test_rdm6300_card_round_trips_whatever_the_version_byte(self, card: str) -> None:
        out = feed_all(parser("rdm6300"), [encode_card("rdm6300", card, version=0x1A)])
        assert [f.card_id for f in out if isinstance(f, CardRead)] == [card]

    def test_barcode_round_trips(self) -> None:
        out = feed_all(parser("barcode-line"), [encode_card("barcode-line", "S2024-0117")])
        assert [f.card_id for f in out if isinstance(f, CardRead)] == ["S2024-0117"]

    def test_bad_card_ids_are_refused(self) -> None:
        with pytest.raises(ValueError):
            encode_card("rdm6300", "4294967296")
        with pytest.raises(ValueError):
            encode_card("barcode-line", "two\nlines")
        with pytest.raises(ValueError, match="not an id-reader"):
            encode_card("idc50", "1")

    @pytest.mark.parametrize("name", [*THERMOMETERS, "rdm6300", "barcode-line"])
    def test_simulated_noise_never_makes_a_frame(self, name: str) -> None:
        rng = random.Random(7)
        out = feed_all(parser(name), [encode_garbage(rng, name) for _ in range(300)])
        assert out
        assert all(isinstance(f, BadFrame) for f in out)

    def test_mlx_banner_is_ignored(self) -> None:
        assert feed_all(parser("mlx90614-ascii"), [mlx_banner()]) == []


class Rig:
    """A simulator on a pty master, the real PortReader on its slave, the profile's trigger."""

    def __init__(self, name: str, **options: object) -> None:
        self.profile = load_profile(name, options or None)
        self.master, path = open_pty()
        self.events: list[DeviceEvent] = []
        self.reader = PortReader("gate-1", path, self.profile, self.events.append)
        self.reader.start()
        deadline = time.monotonic() + 3
        while not self.events and time.monotonic() < deadline:
            time.sleep(0.01)  # wait for "connected": bytes sent before the port opens are lost

    def results(self) -> list[Measurement | SensorError]:
        trigger = make_trigger(self.profile, "gate-1")
        out: list[Measurement | SensorError] = []
        for event in list(self.events):
            if isinstance(event, Reading):
                out.extend(trigger.feed(event))
        return out

    def measured(self) -> list[float | None]:
        return [m.temp_c for m in self.results() if isinstance(m, Measurement)]

    def cards(self) -> list[str]:
        return [e.card_id for e in self.events if isinstance(e, CardRead)]

    def close(self) -> None:
        self.reader.stop()
        self.reader.join(2)
        os.close(self.master)


@pytest.fixture
def rig() -> Iterator[list[Rig]]:
    rigs: list[Rig] = []
    yield rigs
    for r in rigs:
        r.close()


def settle(rig: Rig, predicate, timeout: float = 3.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.02)


@pytest.mark.parametrize("name", ["mlx90614-ascii", "gy-mcu90614", "idc50"])
def test_streaming_sensor_gives_one_measurement_per_person(name: str, rig: list[Rig]) -> None:
    r = Rig(name)
    rig.append(r)
    sim = Simulator(name, r.master, rate_hz=100, seed=3, count=4, fever_rate=0.0, garbage_rate=0.2)
    assert sim.run(threading.Event()) == 4
    settle(r, lambda: len(r.measured()) >= 4)
    measured = r.measured()
    assert len(measured) == 4
    assert all(m is not None and 36.1 <= m <= 37.0 for m in measured)
    assert any(isinstance(e, BadFrame) for e in r.events)  # the noise was seen and skipped


@pytest.mark.parametrize("name", ["lu90614", "modbus-ir"])
def test_polled_sensor_answers_the_readers_polls(name: str, rig: list[Rig]) -> None:
    r = Rig(name, poll_interval_s=0.01)
    rig.append(r)
    sim = Simulator(name, r.master, rate_hz=25, seed=5, count=2, fever_rate=1.0)
    assert sim.run(threading.Event()) == 2
    settle(r, lambda: len(r.measured()) >= 2)
    measured = r.measured()
    assert len(measured) == 2
    assert all(m is not None and 37.4 <= m <= 38.7 for m in measured)


def test_frame_trigger_profile_sends_one_frame_per_person(rig: list[Rig]) -> None:
    r = Rig("mlx90614-ascii", trigger="frame")
    rig.append(r)
    sim = Simulator(
        "mlx90614-ascii", r.master, rate_hz=100, seed=1, count=5, options={"trigger": "frame"}
    )
    assert sim.run(threading.Event()) == 5
    settle(r, lambda: len(r.measured()) >= 5)
    assert len(r.measured()) == 5


def test_card_reader_held_card_is_one_presentation(rig: list[Rig]) -> None:
    r = Rig("rdm6300", debounce_s=0.3)
    rig.append(r)
    cards = ["1001", "1002"]
    sim = Simulator(
        "rdm6300", r.master, rate_hz=20, seed=2, count=3, cards=cards, options={"debounce_s": 0.3}
    )
    assert sim.run(threading.Event()) == 3
    settle(r, lambda: len(r.cards()) >= 3)
    assert r.cards() == ["1001", "1002", "1001"] or r.cards() == ["1002", "1001", "1002"]


def test_manual_mode_presents_what_the_coordinator_asks(rig: list[Rig]) -> None:
    thermo, reader = Rig("mlx90614-ascii"), Rig("barcode-line")
    rig.extend([thermo, reader])
    stop = threading.Event()
    gun = Simulator("mlx90614-ascii", thermo.master, rate_hz=0, seed=1, natural_rate_hz=20)
    scanner = Simulator("barcode-line", reader.master, rate_hz=0)
    threads = [threading.Thread(target=s.run, args=(stop,)) for s in (gun, scanner)]
    for t in threads:
        t.start()
    try:
        settle(thermo, lambda: sum(isinstance(e, Reading) for e in thermo.events) >= 2)
        assert thermo.measured() == []  # the empty scene goes on by itself
        scanner.present_card("S-0042")
        gun.present(37.8)
        gun.present(None)
        settle(thermo, lambda: len(thermo.results()) >= 2, timeout=10)
        settle(reader, lambda: reader.cards() == ["S-0042"])
    finally:
        stop.set()
        for t in threads:
            t.join(2)
    assert thermo.measured() == [37.8]
    assert [type(x) for x in thermo.results()] == [Measurement, SensorError]
    assert reader.cards() == ["S-0042"]
    assert (gun.sent, scanner.sent) == (2, 1)


def test_manual_people_queued_back_to_back_are_two_measurements(rig: list[Rig]) -> None:
    r = Rig("gy-mcu90614")
    rig.append(r)
    stop = threading.Event()
    gun = Simulator("gy-mcu90614", r.master, rate_hz=0, natural_rate_hz=100)
    thread = threading.Thread(target=gun.run, args=(stop,))
    thread.start()
    try:
        gun.present(36.6)
        gun.present(38.2)
        settle(r, lambda: len(r.measured()) >= 2)
    finally:
        stop.set()
        thread.join(2)
    assert r.measured() == [36.6, 38.2]


def test_present_refuses_what_the_device_cannot_send() -> None:
    master, _ = open_pty()
    try:
        with pytest.raises(ValueError):
            Simulator("idc50", master).present(None)
        with pytest.raises(ValueError):
            Simulator("idc50", master).present_card("1")
        with pytest.raises(ValueError):
            Simulator("rdm6300", master).present(36.5)
    finally:
        os.close(master)


def test_run_simulation_on_a_new_pty_counts_what_it_sent() -> None:
    paths: list[str] = []
    progress: list[int] = []
    sent = run_simulation(
        "pty", "idc50", 200, 3, 0.0, 0.1, 4, progress.append, on_open=paths.append
    )
    assert sent == 3
    assert progress == [1, 2, 3]
    assert paths and paths[0].startswith("/dev/")


def test_run_simulation_on_a_pyserial_url() -> None:
    assert run_simulation("loop://", "barcode-line", 100, 2, 0.0, 0.0, 1) == 2


def test_run_simulation_stops_when_asked() -> None:
    stop = threading.Event()
    result: list[int] = []
    thread = threading.Thread(
        target=lambda: result.append(
            run_simulation("pty", "gy-mcu90614", 5, None, 0.0, 0.0, 1, stop_event=stop)
        )
    )
    thread.start()
    time.sleep(0.2)
    began = time.monotonic()
    stop.set()
    thread.join(2)
    assert not thread.is_alive()
    assert time.monotonic() - began < 0.5
    assert result == [0]


def read_until_quiet(fd: int, quiet_s: float = 0.2) -> bytes:
    """Everything the pty delivers (the kernel hands bytes over to the slave asynchronously)."""
    data = b""
    while select.select([fd], [], [], quiet_s)[0]:
        data += os.read(fd, 65536)
    return data


def test_same_seed_same_stream() -> None:
    streams = []
    for _ in range(2):
        master, path = open_pty()
        slave = os.open(path, os.O_RDONLY | os.O_NOCTTY)
        try:
            Simulator("gy-mcu90614", master, rate_hz=500, seed=11, count=2).run(threading.Event())
            streams.append(read_until_quiet(slave))
        finally:
            os.close(slave)
            os.close(master)
    assert streams[0] == streams[1]
    assert [
        f.temp_c for f in parser("gy-mcu90614").feed(streams[0], 0, AT) if isinstance(f, Reading)
    ]
