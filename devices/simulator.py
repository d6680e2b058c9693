"""Fake devices that write real frames: for the demo, the tests and a gate without hardware.

The encoders are the parsers' mirror image. :class:`Simulator` plays one device on a pty master
(see :func:`open_pty`), a serial port or a pyserial URL: a streaming thermometer sends the empty
scene (~24 °C) and, for each person, a short approach and a plateau at body temperature; a
polled one answers the requests it reads with the current scene; a card reader repeats its frame
while the card is held. With ``rate_hz=0`` nothing happens by itself except the empty scene:
a coordinator calls :meth:`Simulator.present` and :meth:`Simulator.present_card`.
"""

from __future__ import annotations

import contextlib
import errno
import os
import random
import select
import threading
import time
import tty
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import serial

from devices.profile import Profile, load_profile
from devices.protocols import get_protocol
from devices.protocols.base import checksum8
from devices.protocols.lu90614 import MODE_BYTES
from devices.protocols.modbus_ir import EXCEPTION_BIT, READ_HOLDING, with_crc
from devices.transport import open_port

NATURAL_RATE_HZ = {"gy-mcu90614": 10.0}  # others: a frame every 500 ms
DEFAULT_NATURAL_RATE_HZ = 2.0
CARD_REPEAT_S = 0.05
AMBIENT_C = 24.0
RDM6300_VERSION = 0x00  # data byte 0; the card number is data bytes 1–4 (zero-based)


def _profile(profile_name: str, options: Mapping[str, Any] | None = None) -> Profile:
    return load_profile(profile_name, options)


def _f(celsius: float) -> float:
    return celsius * 9 / 5 + 32


def encode_reading(
    profile_name: str,
    temp_c: float | None,
    *,
    ambient_c: float = 24.5,
    mode: str = "body",
    options: Mapping[str, Any] | None = None,
) -> bytes:
    """The bytes a thermometer of ``profile_name`` sends for ``temp_c``.

    ``None`` is a sensor error where the format has one (MLX prints ``nan``, a Modbus sensor
    answers with an exception); ValueError where it has none or the value does not fit.
    """
    profile = _profile(profile_name, options)
    protocol = profile.protocol
    if protocol == "mlx90614-ascii":
        obj_c = "nan" if temp_c is None else f"{temp_c:.2f}"
        obj_f = "nan" if temp_c is None else f"{_f(temp_c):.2f}"
        return (
            f"Ambient = {ambient_c:.2f}*C\tObject = {obj_c}*C\r\n"
            f"Ambient = {_f(ambient_c):.2f}*F\tObject = {obj_f}*F\r\n\r\n"
        ).encode()
    if protocol == "modbus-ir":
        opts = profile.options
        address = int(opts.get("address", 1))
        if temp_c is None:
            return with_crc(bytes([address, READ_HOLDING | EXCEPTION_BIT, 0x04]))
        value = round(temp_c / float(opts.get("scale", 0.1)))
        signed = bool(opts.get("signed", True))
        try:
            payload = value.to_bytes(2, "big", signed=signed)
        except OverflowError as exc:
            raise ValueError(f"{temp_c} °C does not fit the register") from exc
        return with_crc(bytes([address, READ_HOLDING, 2]) + payload)
    if temp_c is None:
        raise ValueError(f"{profile_name} frames cannot carry a sensor error")
    if protocol == "gy-mcu90614":
        try:
            body = b"\x5a\x5a\x45\x04" + round(temp_c * 100).to_bytes(2, "big", signed=True)
            body += round(ambient_c * 100).to_bytes(2, "big", signed=True)
        except OverflowError as exc:
            raise ValueError(f"{temp_c} °C does not fit a GY-MCU frame") from exc
        return body + bytes([checksum8(body)])
    if protocol == "lu90614":
        whole, hundredths = divmod(round(temp_c * 100), 100)
        if not 0 <= whole <= 255:
            raise ValueError(f"{temp_c} °C does not fit an LU90614 frame")
        mode_byte = {v: k for k, v in MODE_BYTES.items()}.get(mode, 0xAC)
        body = bytes([0xFE, mode_byte, whole, hundredths, 0, 0, 0, 0])
        return body + bytes([checksum8(body)])
    if protocol == "idc50":
        whole, tenths = divmod(round(temp_c * 10), 10)
        if not 0 <= whole <= 255:
            raise ValueError(f"{temp_c} °C does not fit an IDC-50 frame")
        body = bytes([0xAA, 0x55, 0x06, whole, tenths])
        return body + bytes([checksum8(body)])
    raise ValueError(f"{profile_name} is not a thermometer")


def encode_card(profile_name: str, card_id: str, *, version: int = RDM6300_VERSION) -> bytes:
    """The bytes an id-reader of ``profile_name`` sends once for ``card_id``.

    RDM6300: data byte 0 is ``version``, data bytes 1–4 (zero-based) the card number.
    """
    protocol = _profile(profile_name).protocol
    if protocol == "rdm6300":
        if not card_id.isdigit() or int(card_id) >= 2**32:
            raise ValueError(f"an RDM6300 card number is 0–4294967295, not {card_id!r}")
        data = bytes([version]) + int(card_id).to_bytes(4, "big")
        xor = 0
        for byte in data:
            xor ^= byte
        return b"\x02" + data.hex().upper().encode() + f"{xor:02X}".encode() + b"\x03"
    if protocol == "barcode-line":
        text = card_id.strip()
        if not text or not text.isprintable() or "\t" in text:
            raise ValueError(f"a scanned ID is printable text on one line, not {card_id!r}")
        return text.encode() + b"\r\n"
    raise ValueError(f"{profile_name} is not an id-reader")


# Bytes that may start a frame, per protocol: simulated noise avoids them so that it can never
# be mistaken for a frame (real noise can, which is what checksums are for).
_FRAME_STARTS = {
    "gy-mcu90614": b"\x5a",
    "lu90614": b"\xfe",
    "idc50": b"\xaa",
    "rdm6300": b"\x02",
}


def encode_garbage(
    rng: random.Random,
    profile_name: str | None = None,
    options: Mapping[str, Any] | None = None,
) -> bytes:
    """A burst of line noise (1–16 bytes).

    For ``profile_name`` it is noise that cannot form or complete a frame of that profile: no
    frame start byte for binary profiles, and for text profiles a line of its own that a
    parser rejects (so the next real line starts clean).
    """
    profile = _profile(profile_name, options) if profile_name else None
    protocol = profile.protocol if profile else None
    if protocol in ("mlx90614-ascii", "barcode-line"):
        body = bytes(
            rng.choice(b"\x00\x01\x07\x08\x15\x7f#%&!~") for _ in range(rng.randint(1, 12))
        )
        return body + b"\x00\r\n"
    avoid = set(_FRAME_STARTS.get(protocol or "", b""))
    if profile is not None and protocol == "modbus-ir":
        avoid.add(int(profile.options.get("address", 1)))
    return bytes(
        rng.choice([b for b in range(256) if b not in avoid]) for _ in range(rng.randint(1, 16))
    )


def mlx_banner() -> bytes:
    """What the Adafruit sketch prints after a reset (every time the port is opened)."""
    return (
        b"Adafruit MLX90614 test\r\n"
        b"Emissivity = 1.00\r\n"
        b"================================================\r\n"
    )


def open_pty() -> tuple[int, str]:
    """A new pseudo-terminal: the master fd (the device's side) and the slave's path."""
    master, slave = os.openpty()
    tty.setraw(slave)
    path = os.ttyname(slave)
    os.close(slave)
    return master, path


class _FdLink:
    """A pty master: writes never block (bytes nobody reads are lost, as on a real line)."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        os.set_blocking(fd, False)

    def write(self, data: bytes) -> None:
        with contextlib.suppress(BlockingIOError, InterruptedError):
            try:
                os.write(self.fd, data)
            except OSError as exc:
                if exc.errno != errno.EIO:  # EIO: no one has the port open
                    raise

    def read(self, timeout: float) -> bytes:
        ready, _, _ = select.select([self.fd], [], [], max(0.0, timeout))
        if not ready:
            return b""
        try:
            return os.read(self.fd, 4096)
        except BlockingIOError:
            return b""
        except OSError as exc:
            if exc.errno != errno.EIO:
                raise
            time.sleep(max(0.0, timeout))  # the port is closed on the other side
            return b""

    def close(self) -> None:
        """The caller owns the fd."""


class _SerialLink:
    def __init__(self, url: str, baudrate: int) -> None:
        self.port = open_port(url, baudrate, 0.05, exclusive=False)

    def write(self, data: bytes) -> None:
        with contextlib.suppress(serial.SerialTimeoutException):
            self.port.write(data)

    def read(self, timeout: float) -> bytes:
        self.port.timeout = max(0.0, timeout)
        return bytes(self.port.read(self.port.in_waiting or 1))

    def close(self) -> None:
        self.port.close()


@dataclass(frozen=True, slots=True)
class _Presentation:
    """A person (``temp_c``) or a card (``card_id``) queued by a coordinator."""

    temp_c: float | None = None
    card_id: str = ""


@dataclass(frozen=True, slots=True)
class _Tick:
    """One moment of the scene in front of a thermometer."""

    temp_c: float | None
    person_done: bool = False  # this tick completes a person (counted as sent)
    person: bool = False  # a person is in front (for frame-trigger devices: send a frame)


class Simulator:
    """One simulated device; see the module docstring.

    ``count`` people or card presentations are sent, then :meth:`run` returns (None: until
    ``stop_event`` is set). ``fever_rate`` is the chance a person has a fever (37.5–38.6 °C);
    ``garbage_rate`` the chance of a burst of noise before a frame. ``cards`` are the card
    numbers an id-reader draws from (else random ones). In manual mode (``rate_hz=0``) the empty
    scene goes on at the device's own rate, ``natural_rate_hz`` (2 Hz; GY modules 10 Hz).
    """

    def __init__(
        self,
        profile_name: str,
        port: str | int,
        *,
        rate_hz: float = 2.0,
        seed: int | None = None,
        fever_rate: float = 0.05,
        garbage_rate: float = 0.0,
        count: int | None = None,
        options: Mapping[str, Any] | None = None,
        cards: list[str] | None = None,
        progress: Callable[[int], None] | None = None,
        natural_rate_hz: float | None = None,
    ) -> None:
        self.profile = load_profile(profile_name, options)
        self.natural_rate_hz = natural_rate_hz or NATURAL_RATE_HZ.get(
            self.profile.protocol, DEFAULT_NATURAL_RATE_HZ
        )
        self.profile_name = profile_name
        self.port = port
        self.rate_hz = rate_hz
        self.rng = random.Random(seed)
        self.fever_rate = fever_rate
        self.garbage_rate = garbage_rate
        self.count = count
        self.cards = list(cards or [])
        self.progress = progress
        self.sent = 0
        self._queue: deque[_Presentation] = deque()
        self._lock = threading.Lock()
        self._protocol = get_protocol(self.profile.protocol)("simulator", self.profile.options)
        self._link: _FdLink | _SerialLink | None = None
        self._stop = threading.Event()

    @property
    def manual(self) -> bool:
        return self.rate_hz <= 0

    @property
    def polled(self) -> bool:
        return (
            self.profile.poll_interval_s is not None and self._protocol.poll_request() is not None
        )

    def present(self, temp_c: float | None) -> None:
        """Queue one person in front of the thermometer (``None``: the sensor fails a read)."""
        if self.profile.role != "thermometer":
            raise ValueError(f"{self.profile_name} is not a thermometer")
        if temp_c is None:
            encode_reading(self.profile_name, None, options=self.profile.options)  # or ValueError
        with self._lock:
            self._queue.append(_Presentation(temp_c=temp_c))

    def present_card(self, card_id: str) -> None:
        """Queue one presentation of a card (or one scan) at the id-reader."""
        encode_card(self.profile_name, card_id)  # raises for a non-reader or a bad id
        with self._lock:
            self._queue.append(_Presentation(card_id=card_id))

    def _next_queued(self) -> _Presentation | None:
        """The next queued presentation, if any."""
        with self._lock:
            return self._queue.popleft() if self._queue else None

    def run(self, stop_event: threading.Event) -> int:
        """Send until ``count`` presentations are done or ``stop_event`` is set; returns how
        many were sent."""
        self._stop = stop_event
        if isinstance(self.port, int):
            self._link = _FdLink(self.port)
        else:
            self._link = _SerialLink(self.port, self.profile.baudrate)
        try:
            if self.profile.role == "id-reader":
                self._run_id_reader()
            elif self.polled:
                self._run_polled()
            else:
                if self.profile.protocol == "mlx90614-ascii":
                    self._link.write(mlx_banner())
                self._run_streaming()
        finally:
            self._link.close()
        return self.sent

    # -- the scene ------------------------------------------------------------------------

    def _period(self) -> float:
        return 1.0 / (self.natural_rate_hz if self.manual else self.rate_hz)

    def _done(self) -> bool:
        return self.count is not None and self.sent >= self.count

    def _person_temp(self) -> float:
        if self.rng.random() < self.fever_rate:
            return round(self.rng.uniform(37.5, 38.6), 1)
        return round(self.rng.uniform(36.2, 36.9), 1)

    def _background(self) -> _Tick:
        return _Tick(round(AMBIENT_C + self.rng.uniform(-0.3, 0.3), 2))

    def _person(self, temp_c: float | None, exact: bool) -> Iterator[_Tick]:
        """A person stepping up, holding still, and leaving."""
        if temp_c is None:
            yield _Tick(None, person_done=True, person=True)
            return
        yield _Tick(round(self.rng.uniform(31.0, temp_c - 1.5), 2), person=True)
        plateau = self.rng.randint(6, 10)
        for i in range(plateau):
            wobble = 0.0 if exact else self.rng.choice((-0.05, 0.0, 0.0, 0.05))
            yield _Tick(round(temp_c + wobble, 2), person=True, person_done=i == plateau - 1)

    def _scene(self) -> Iterator[_Tick]:
        frame_trigger = self.profile.trigger == "frame"
        while not self._done():
            if self.manual:
                queued = self._next_queued()
                if queued is None:
                    yield self._background()
                    continue
                temp, exact = queued.temp_c, True
            else:
                for _ in range(self.rng.randint(3, 6)):
                    yield self._background()
                temp, exact = self._person_temp(), False
            if frame_trigger:
                yield _Tick(temp, person_done=True, person=True)
            else:
                yield from self._person(temp, exact)
                if self.manual:
                    yield self._background()  # they step away before the next one steps up
        if not frame_trigger:
            for _ in range(3):  # the scene clears after the last person
                yield self._background()

    def _count_person(self) -> None:
        self.sent += 1
        if self.progress is not None:
            self.progress(self.sent)

    def _send(self, data: bytes) -> None:
        assert self._link is not None
        if self.garbage_rate and self.rng.random() < self.garbage_rate:
            self._link.write(encode_garbage(self.rng, self.profile_name, self.profile.options))
        self._link.write(data)

    def _encode(self, temp_c: float | None) -> bytes:
        return encode_reading(
            self.profile_name,
            temp_c,
            ambient_c=round(AMBIENT_C + 0.5, 2),
            mode=str(self.profile.options.get("mode", "body")),
            options=self.profile.options,
        )

    def _run_streaming(self) -> None:
        frame_trigger = self.profile.trigger == "frame"
        next_at = time.monotonic()
        for tick in self._scene():
            if self._stop.wait(max(0.0, next_at - time.monotonic())):
                return
            next_at = max(next_at + self._period(), time.monotonic() - self._period())
            if tick.person or not frame_trigger:
                self._send(self._encode(tick.temp_c))
            if tick.person_done:
                self._count_person()

    def _run_polled(self) -> None:
        """Answer each poll request with the scene as it is at that moment."""
        assert self._link is not None
        request = self._protocol.poll_request() or b""
        pending = b""
        next_at = time.monotonic()
        for tick in self._scene():
            while not self._stop.is_set():
                left = next_at - time.monotonic()
                if left <= 0:
                    break
                pending += self._link.read(min(left, 0.05))
                while (i := pending.find(request)) >= 0:
                    pending = pending[i + len(request) :]
                    self._send(self._encode(tick.temp_c))
                pending = pending[-len(request) :]
            if self._stop.is_set():
                return
            next_at += self._period()
            if tick.person_done:
                self._count_person()

    def _run_id_reader(self) -> None:
        debounce = float(self.profile.options.get("debounce_s", 1.0))
        last_shown: dict[str, float] = {}  # card → when its last frame went out
        last: str | None = None
        next_at = time.monotonic()
        while not self._done():
            if self.manual:
                queued = self._next_queued()
                if queued is None:
                    if self._stop.wait(0.05):
                        return
                    continue
                card = queued.card_id
            else:
                if self._stop.wait(max(0.0, next_at - time.monotonic())):
                    return
                card = self._random_card(avoid=last)
            # The same card again is a new presentation only after the reader's debounce.
            since = time.monotonic() - last_shown.get(card, -1e9)
            if since < debounce + 0.05 and self._stop.wait(debounce + 0.05 - since):
                return
            if not self._present_card(card):
                return
            last_shown[card] = time.monotonic()
            last = card
            next_at = time.monotonic() + (0.0 if self.manual else 1.0 / self.rate_hz)
            self._count_person()

    def _random_card(self, avoid: str | None) -> str:
        choices = [c for c in self.cards if c != avoid] or self.cards
        if choices:
            return self.rng.choice(choices)
        return str(self.rng.randint(10_000_000, 2**32 - 1))

    def _present_card(self, card: str) -> bool:
        """Send one presentation; False if stopped meanwhile."""
        frame = encode_card(self.profile_name, card)
        if self.profile.protocol != "rdm6300":
            self._send(frame)
            return True
        for _ in range(self.rng.randint(6, 16)):  # held for 0.3–0.8 s
            self._send(frame)
            if self._stop.wait(CARD_REPEAT_S):
                return False
        return True


def run_simulation(
    port: str,
    profile: str,
    rate: float,
    count: int | None,
    fever_rate: float,
    garbage_rate: float,
    seed: int | None,
    progress: Callable[[int], None] | None = None,
    *,
    on_open: Callable[[str], None] | None = None,
    stop_event: threading.Event | None = None,
) -> int:
    """Play ``profile`` on ``port`` (a serial device, a pty slave, a pyserial URL, or ``pty``
    for a new pseudo-terminal whose path is passed to ``on_open``); returns people/cards sent.

    ``progress`` is called with the running total after each presentation. Ctrl-C ends it.
    """
    master: int | None = None
    target: str | int = port
    if port == "pty":
        master, path = open_pty()
        target = master
        if on_open is not None:
            on_open(path)
    elif on_open is not None:
        on_open(port)
    simulator = Simulator(
        profile,
        target,
        rate_hz=rate,
        seed=seed,
        fever_rate=fever_rate,
        garbage_rate=garbage_rate,
        count=count,
        progress=progress,
    )
    try:
        return simulator.run(stop_event or threading.Event())
    except KeyboardInterrupt:
        return simulator.sent
    finally:
        if master is not None:
            os.close(master)
