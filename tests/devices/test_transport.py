"""PortReader over real pseudo-terminals: the test plays the device on the master side."""

from __future__ import annotations

import os
import queue
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from devices.frames import BadFrame, DeviceEvent, DeviceStatus, Reading
from devices.profile import load_profile
from devices.protocols import PROTOCOLS
from devices.protocols.mlx_ascii import MlxAscii
from devices.transport import EchoFilter, PortReader

from .conftest import Pty, read_master

MLX = b"Ambient = 24.51*C\tObject = 36.20*C\r\n"


class Sink:
    """Collects what the reader reports, for the test to wait on."""

    def __init__(self) -> None:
        self.events: queue.Queue[DeviceEvent] = queue.Queue()
        self.seen: list[DeviceEvent] = []

    def __call__(self, event: DeviceEvent) -> None:
        self.events.put(event)

    def wait_for(self, match: Callable[[DeviceEvent], bool], timeout: float = 3.0) -> DeviceEvent:
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                event = self.events.get(timeout=left)
            except queue.Empty:
                break
            self.seen.append(event)
            if match(event):
                return event
        raise AssertionError(f"nothing matched within {timeout} s; seen {self.seen!r}")


def status(online: bool, starts: str = "") -> Callable[[DeviceEvent], bool]:
    return lambda e: (
        isinstance(e, DeviceStatus) and e.online is online and e.reason.startswith(starts)
    )


def is_reading(e: DeviceEvent) -> bool:
    return isinstance(e, Reading)


@pytest.fixture
def readers() -> Iterator[list[PortReader]]:
    started: list[PortReader] = []
    yield started
    for reader in started:
        reader.stop()
    for reader in started:
        reader.join(2)


def start(readers: list[PortReader], path: str, profile: str, sink: Sink, **kw) -> PortReader:
    overrides = kw.pop("overrides", None)
    reader = PortReader(
        "gate-1", path, load_profile(profile, overrides), sink, backoff_min_s=0.05, **kw
    )
    reader.start()
    readers.append(reader)
    return reader


def test_frames_written_by_the_device_reach_the_sink(pty_pair: Pty, readers, tmp_path) -> None:
    sink = Sink()
    start(readers, pty_pair.path, "mlx90614-ascii", sink)
    sink.wait_for(status(True, "connected"))
    pty_pair.write(b"Adafruit MLX90614 test\r\n" + MLX + b"Ambient = 24.51*C\tObject = 37.90*C\r\n")
    first = sink.wait_for(is_reading)
    second = sink.wait_for(is_reading)
    assert isinstance(first, Reading)
    assert isinstance(second, Reading)
    assert (first.temp_c, second.temp_c) == (36.2, 37.9)
    assert first.at.tzinfo is not None


def test_lu90614_is_polled_and_its_reply_parsed(pty_pair: Pty, readers) -> None:
    sink = Sink()
    start(readers, pty_pair.path, "lu90614", sink, overrides={"poll_interval_s": 0.1})
    sink.wait_for(status(True, "connected"))
    assert read_master(pty_pair.master, 3) == bytes.fromhex("FA CA C4")
    pty_pair.write(bytes.fromhex("FE AC 28 1E 00 00 00 00 F0"))
    reading = sink.wait_for(is_reading)
    assert isinstance(reading, Reading)
    assert (reading.temp_c, reading.mode) == (40.3, "body")
    assert read_master(pty_pair.master, 3) == bytes.fromhex("FA CA C4")  # and again


def test_modbus_ir_is_polled_with_the_configured_register(pty_pair: Pty, readers) -> None:
    sink = Sink()
    start(readers, pty_pair.path, "modbus-ir", sink, overrides={"poll_interval_s": 0.1})
    sink.wait_for(status(True, "connected"))
    assert read_master(pty_pair.master, 8) == bytes.fromhex("01 03 00 12 00 01 24 0F")
    pty_pair.write(bytes.fromhex("01 03 02 01 6E 38 38"))
    reading = sink.wait_for(is_reading)
    assert isinstance(reading, Reading)
    assert reading.temp_c == 36.6


def test_unplug_and_replug_through_the_same_link(readers, tmp_path: Path) -> None:
    link = tmp_path / "usb-Arduino_MLX90614-if00"
    first = Pty()
    os.symlink(first.path, link)
    sink = Sink()
    start(readers, str(link), "mlx90614-ascii", sink)
    sink.wait_for(status(True, "connected"))
    first.write(MLX)
    sink.wait_for(is_reading)

    first.close()  # the cable is pulled
    lost = sink.wait_for(status(False))
    assert isinstance(lost, DeviceStatus)
    assert lost.reason.startswith("port lost")

    second = Pty()  # plugged back in: a new tty behind the same by-id link
    try:
        tmp = tmp_path / "link.tmp"
        os.symlink(second.path, tmp)
        os.replace(tmp, link)
        sink.wait_for(status(True, "connected"), timeout=5)
        second.write(b"Ambient = 24.51*C\tObject = 36.80*C\r\n")
        reading = sink.wait_for(is_reading)
        assert isinstance(reading, Reading)
        assert reading.temp_c == 36.8
    finally:
        second.close()


def test_a_missing_port_is_reported_once_and_opened_when_it_appears(readers, tmp_path) -> None:
    link = tmp_path / "ttyGate"
    sink = Sink()
    start(readers, str(link), "gy-mcu90614", sink)
    down = sink.wait_for(status(False, "cannot open"))
    assert str(link) in down.reason  # type: ignore[union-attr]
    time.sleep(0.3)  # several retries, reported once
    pty = Pty()
    try:
        os.symlink(pty.path, link)
        sink.wait_for(status(True, "connected"), timeout=5)
        assert [e for e in sink.seen if isinstance(e, DeviceStatus)].count(down) == 1
        assert sum(isinstance(e, DeviceStatus) for e in sink.seen) == 2
    finally:
        pty.close()


def test_a_silent_device_goes_offline_and_comes_back(pty_pair: Pty, readers) -> None:
    sink = Sink()
    start(readers, pty_pair.path, "mlx90614-ascii", sink, overrides={"offline_after_s": 0.3})
    sink.wait_for(status(True, "connected"))
    silent = sink.wait_for(status(False))
    assert silent.reason == "silent for 0.3 s"  # type: ignore[union-attr]
    pty_pair.write(MLX)
    sink.wait_for(status(True, "data resumed"))
    sink.wait_for(is_reading)


def test_an_id_reader_idle_for_long_stays_online(pty_pair: Pty, readers) -> None:
    sink = Sink()
    start(readers, pty_pair.path, "rdm6300", sink)
    sink.wait_for(status(True, "connected"))
    time.sleep(0.5)
    assert sink.events.empty()


def test_a_parser_bug_is_a_bad_frame_and_reading_goes_on(
    pty_pair: Pty, readers, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Fragile(MlxAscii):
        def parse_line(self, line, mono, at):
            if b"boom" in line:
                raise ZeroDivisionError("boom")
            return super().parse_line(line, mono, at)

    monkeypatch.setitem(PROTOCOLS, "mlx90614-ascii", Fragile)
    sink = Sink()
    start(readers, pty_pair.path, "mlx90614-ascii", sink)
    sink.wait_for(status(True, "connected"))
    pty_pair.write(b"boom\r\n")
    broken = sink.wait_for(lambda e: isinstance(e, BadFrame))
    assert broken.reason.startswith("parser error: ZeroDivisionError")  # type: ignore[union-attr]
    pty_pair.write(MLX)
    sink.wait_for(is_reading)


def test_a_sink_that_raises_does_not_stop_the_reader(pty_pair: Pty, readers) -> None:
    sink = Sink()
    calls = 0

    def flaky(event: DeviceEvent) -> None:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise RuntimeError("database is locked")
        sink(event)

    start(readers, pty_pair.path, "mlx90614-ascii", flaky)  # type: ignore[arg-type]
    sink.wait_for(status(True, "connected"))
    pty_pair.write(MLX)
    pty_pair.write(MLX.replace(b"36.20", b"36.30"))
    reading = sink.wait_for(is_reading)
    assert reading.temp_c == 36.3  # type: ignore[union-attr]


def test_stop_is_prompt(pty_pair: Pty, readers) -> None:
    sink = Sink()
    reader = start(readers, pty_pair.path, "lu90614", sink)
    sink.wait_for(status(True, "connected"))
    began = time.monotonic()
    reader.stop()
    reader.join(2)
    assert not reader.is_alive()
    assert time.monotonic() - began < 0.5
    assert sink.wait_for(status(False)).reason == "stopped"  # type: ignore[union-attr]


def test_stop_is_prompt_while_waiting_to_reconnect(readers, tmp_path) -> None:
    sink = Sink()
    reader = PortReader(
        "gate-1", str(tmp_path / "nothing"), load_profile("idc50"), sink, backoff_min_s=30
    )
    reader.start()
    readers.append(reader)
    sink.wait_for(status(False, "cannot open"))
    began = time.monotonic()
    reader.stop()
    reader.join(2)
    assert time.monotonic() - began < 0.5


def test_a_second_reader_cannot_take_the_port(pty_pair: Pty, readers) -> None:
    sink, other = Sink(), Sink()
    start(readers, pty_pair.path, "mlx90614-ascii", sink)
    sink.wait_for(status(True, "connected"))
    start(readers, pty_pair.path, "mlx90614-ascii", other)
    assert other.wait_for(status(False, "cannot open"))


def test_pyserial_urls_without_exclusive_locking_open(readers) -> None:
    sink = Sink()
    start(readers, "loop://", "mlx90614-ascii", sink)
    sink.wait_for(status(True, "connected"))


@pytest.mark.parametrize(
    ("profile", "request_hex", "reply_hex", "temp"),
    [
        ("modbus-ir", "01 03 00 12 00 01 24 0F", "01 03 02 01 6E 38 38", 36.6),
        ("lu90614", "FA CA C4", "FE AC 24 14 00 00 00 00 E2", 36.2),
    ],
)
def test_an_rs485_adapter_that_echoes_the_request_with_local_echo(
    pty_pair: Pty, readers, profile: str, request_hex: str, reply_hex: str, temp: float
) -> None:
    """Some RS485 adapters hear their own transmission: the poll comes back before the reply.
    With ``local_echo = true`` the echo is dropped, not counted as a bad frame."""
    sink = Sink()
    overrides = {"poll_interval_s": 0.2, "trigger": "frame", "local_echo": True}
    start(readers, pty_pair.path, profile, sink, overrides=overrides)
    sink.wait_for(status(True, "connected"))
    request = bytes.fromhex(request_hex)
    assert read_master(pty_pair.master, len(request)) == request
    pty_pair.write(request + bytes.fromhex(reply_hex))
    reading = sink.wait_for(is_reading)
    assert isinstance(reading, Reading) and reading.temp_c == temp
    assert not [e for e in sink.seen if isinstance(e, BadFrame)]


def test_the_echo_filter_passes_what_is_not_the_echo() -> None:
    echo = EchoFilter()
    echo.sent(b"\x01\x03\x00\x12")
    assert echo.strip(b"\x01\x03") == b""
    assert echo.strip(b"\x00\x12\x01\x03\x02") == b"\x01\x03\x02"  # the echo's end, the reply
    echo.sent(b"\xfa\xca\xc4")
    assert echo.strip(b"\xfe\xac") == b"\xfe\xac"  # no echo came: the reply is kept whole
    assert echo.strip(b"\xfa") == b"\xfa"
