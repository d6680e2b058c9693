"""One thread per serial port: open, read, poll, parse, reconnect (DESIGN §4).

The reader owns its port. It reopens the *configured* path after every loss, so a device on a
``/dev/serial/by-id/…`` link comes back even when a replug gives it another ``ttyUSB`` number.
Everything it learns goes to ``sink``: frames from the parser and DeviceStatus changes. The
thread never dies of an error: port errors reconnect with backoff, parser bugs become BadFrames.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import serial

from devices.frames import BadFrame, DeviceEvent, DeviceStatus
from devices.profile import Profile
from devices.protocols import get_protocol
from devices.protocols.base import Protocol

log = logging.getLogger(__name__)

# A port that is "ready" yet returns nothing, this many times in a row and much faster than
# the read timeout, has hung up (pyserial raises this itself for POSIX ports; others may not).
EMPTY_READ_STORM = 50


def _utcnow() -> datetime:
    return datetime.now(UTC)


# pyserial URL schemes whose handler refuses a write timeout (rfc2217 raises
# NotImplementedError for one) and for which the OS-level exclusive lock means nothing.
_NO_WRITE_TIMEOUT = ("rfc2217",)


def _scheme(url: str) -> str:
    return url.split("://", 1)[0].lower() if "://" in url else ""


def open_port(url: str, baudrate: int, timeout: float, *, exclusive: bool = True) -> Any:
    """Open ``url`` (a device path or a pyserial URL such as ``socket://``, ``rfc2217://`` or
    ``loop://``).

    ``exclusive`` locks a local port against a second opener where the handler supports it.
    A write timeout (1 s) guards every handler that accepts one.
    """
    scheme = _scheme(url)
    kwargs: dict[str, Any] = {"baudrate": baudrate, "timeout": timeout}
    if scheme not in _NO_WRITE_TIMEOUT:
        kwargs["write_timeout"] = 1.0
    if exclusive and not scheme:
        try:
            return serial.serial_for_url(url, exclusive=True, do_not_open=False, **kwargs)
        except (ValueError, TypeError):
            pass  # a handler without exclusive access; open it shared
    return serial.serial_for_url(url, do_not_open=False, **kwargs)


class EchoFilter:
    """Drops the echo of our own request that some RS485 adapters send back before the reply
    (``local_echo = true``): the next bytes read are compared with what was written and the
    matching prefix is discarded; at the first byte that differs the rest passes through."""

    def __init__(self) -> None:
        self._pending = b""

    def sent(self, request: bytes) -> None:
        self._pending += request

    def strip(self, data: bytes) -> bytes:
        n = 0
        while n < len(data) and n < len(self._pending) and data[n] == self._pending[n]:
            n += 1
        if n < len(data) and n < len(self._pending):
            self._pending = b""  # not an echo after all (or it was lost): keep the bytes
        else:
            self._pending = self._pending[n:]
        return data[n:]


class PortReader(threading.Thread):
    """Reads one device's port for as long as the engine runs; see the module docstring."""

    def __init__(
        self,
        device: str,
        url: str,
        profile: Profile,
        sink: Callable[[DeviceEvent], None],
        *,
        backoff_min_s: float = 1.0,
        backoff_max_s: float = 30.0,
        read_timeout_s: float = 0.1,
        monotonic: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = _utcnow,
        sink_many: Callable[[list[DeviceEvent]], None] | None = None,
    ) -> None:
        """``sink_many``: takes all the frames of one read at once (one hand-off to the engine
        per read instead of one per frame); ``sink`` still takes status changes."""
        super().__init__(name=f"device-{device}", daemon=True)
        self.device = device
        self.url = url
        self.profile = profile
        self.sink = sink
        self.sink_many = sink_many
        self.backoff_min_s = backoff_min_s
        self.backoff_max_s = backoff_max_s
        self.read_timeout_s = read_timeout_s
        self._monotonic = monotonic
        self._now = now
        self._stopping = threading.Event()
        self._port: Any = None
        self._got_data = False  # the current connection delivered bytes (resets the backoff)
        self._protocol_class = get_protocol(profile.protocol)

    def stop(self) -> None:
        """Ask the thread to finish; it closes the port within about one read timeout."""
        self._stopping.set()
        port = self._port
        if port is not None:
            with contextlib.suppress(Exception):
                port.cancel_read()

    def release(self) -> None:
        """Close the port a thread that died left open (its exclusive lock would keep the next
        reader of the same port out)."""
        port, self._port = self._port, None
        if port is not None:
            with contextlib.suppress(Exception):
                port.close()

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    def run(self) -> None:
        backoff = self.backoff_min_s
        announced_down = False
        while not self.stopping:
            try:
                port = open_port(self.url, self.profile.baudrate, self.read_timeout_s)
            except Exception as exc:
                if not announced_down:
                    self._status(False, f"cannot open {self.url}: {exc}")
                    announced_down = True
                if self._stopping.wait(backoff):
                    break
                backoff = min(backoff * 2, self.backoff_max_s)
                continue
            self._port = port
            self._status(True, "connected")
            announced_down = False
            try:
                self._pump(port)
            except (serial.SerialException, OSError) as exc:
                self._status(False, f"port lost: {exc}")
                announced_down = True
            except Exception as exc:  # a bug here must not end the device's thread
                log.exception("device %s: reader failed", self.device)
                self._status(False, f"reader error: {exc!r}")
                announced_down = True
            finally:
                self._port = None
                with contextlib.suppress(Exception):
                    port.close()
            if self.stopping:
                self._status(False, "stopped")
                break
            if self._got_data:
                backoff = self.backoff_min_s
            if self._stopping.wait(backoff):
                break
            backoff = min(backoff * 2, self.backoff_max_s)

    def _pump(self, port: Any) -> None:
        """Read, poll and parse until stopped or the port fails."""
        protocol = self._protocol_class(self.device, self.profile.options)
        interval = self.profile.poll_interval_s
        polled = interval is not None and protocol.poll_request() is not None
        offline_after = self.profile.offline_after_s
        next_poll = self._monotonic()
        last_rx = self._monotonic()
        silent = False
        self._got_data = False
        empty_fast = 0
        echo = EchoFilter() if self.profile.options.get("local_echo") else None
        while not self.stopping:
            if polled and interval is not None and self._monotonic() >= next_poll:
                request = protocol.poll_request()
                if request:
                    port.write(request)
                    if echo is not None:
                        echo.sent(request)
                next_poll = max(next_poll + interval, self._monotonic())
            started = self._monotonic()
            data = port.read(port.in_waiting or 1)
            now = self._monotonic()
            if data and echo is not None:
                data = echo.strip(data)
                if not data:
                    continue
            if data:
                empty_fast = 0
                self._got_data = True
                last_rx = now
                if silent:
                    silent = False
                    self._status(True, "data resumed")
                protocol = self._parse(protocol, data, now)
                continue
            if now - started < self.read_timeout_s / 10 and not self.stopping:
                empty_fast += 1
                if empty_fast >= EMPTY_READ_STORM:
                    raise serial.SerialException("device hung up (empty reads)")
            else:
                empty_fast = 0
            if offline_after and not silent and now - last_rx >= offline_after:
                silent = True
                self._status(False, f"silent for {offline_after:g} s")

    def _parse(self, protocol: Protocol, data: bytes, mono: float) -> Protocol:
        at = self._now()
        try:
            frames = protocol.feed(data, mono, at)
        except Exception as exc:  # a parser bug costs this chunk, not the thread
            log.exception("device %s: parser failed", self.device)
            self._emit(BadFrame(self.device, at, bytes(data[:64]), f"parser error: {exc!r}"))
            return self._protocol_class(self.device, self.profile.options)
        if self.sink_many is not None:
            if frames:
                try:
                    self.sink_many(list(frames))
                except Exception:
                    log.exception("device %s: sink failed on %d frames", self.device, len(frames))
            return protocol
        for frame in frames:
            self._emit(frame)
        return protocol

    def _status(self, online: bool, reason: str) -> None:
        self._emit(DeviceStatus(self.device, self._now(), online, reason))

    def _emit(self, event: DeviceEvent) -> None:
        try:
            self.sink(event)
        except Exception:
            log.exception("device %s: sink failed on %r", self.device, event)
