"""What every device parser shares: the interface, a resyncing binary framer, a line splitter.

A parser is fed whatever bytes the port returned (any split, any garbage) and returns the frames
they completed. Its buffer is bounded; skipped bytes are reported as one BadFrame per run.
"""

from __future__ import annotations

import abc
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any, ClassVar

from devices.frames import MODES, BadFrame, Frame

MAX_BUFFER = 4096
RAW_KEEP = 64  # bytes of a bad run kept in BadFrame.raw; the reason carries the full count


class FrameError(Exception):
    """A candidate frame was complete but wrong (checksum, range); the message is the reason."""


class Protocol(abc.ABC):
    """Bytes from one device in, typed frames out."""

    role: ClassVar[str]
    name: ClassVar[str]
    max_buffer: ClassVar[int] = MAX_BUFFER

    def __init__(self, device: str, options: Mapping[str, Any]) -> None:
        self.device = device
        self.options: dict[str, Any] = dict(options)
        mode = str(self.options.get("mode", "body"))
        self._mode = mode if mode in MODES else "unknown"

    @abc.abstractmethod
    def feed(self, data: bytes, mono: float, at: datetime) -> list[Frame]:
        """Parse ``data`` (received at ``mono``/``at``) and return the frames it completed."""

    def poll_request(self) -> bytes | None:
        """Bytes to write every poll interval, or None for a device that streams by itself."""
        return None

    @property
    def mode(self) -> str:
        """The measuring mode the device is set to (``body`` unless the options say otherwise)."""
        return self._mode

    def _bad(self, raw: bytes | bytearray, reason: str, at: datetime) -> BadFrame:
        return BadFrame(self.device, at, bytes(raw[:RAW_KEEP]), reason)


def checksum8(data: bytes) -> int:
    """Low byte of the sum of ``data`` (the GY, LU and IDC modules' checksum)."""
    return sum(data) & 0xFF


class BinaryProtocol(Protocol):
    """Fixed-header binary frames: find the sync bytes, measure the frame, check it, decode it.

    After a frame fails its check, scanning resumes one byte after its start (a real frame may
    begin inside a corrupt one); the rest of the failed frame is not reported again as garbage.
    """

    sync: bytes  # the bytes every frame starts with
    # The length of every frame, when it never depends on the frame's content (0: it does).
    # Such frames that follow one another are taken straight off the buffer (see feed).
    fixed_length: ClassVar[int] = 0

    def __init__(self, device: str, options: Mapping[str, Any]) -> None:
        super().__init__(device, options)
        self._buf = bytearray()
        self._covered = 0  # bytes at the start of the buffer already reported in a BadFrame
        # The fast path of feed: fixed-length frames, and nothing to skip silently between them.
        self._aligned = (
            self.fixed_length > 0 and type(self).skip_silently is BinaryProtocol.skip_silently
        )

    @abc.abstractmethod
    def frame_length(self, buf: bytearray, start: int) -> int | None:
        """Length of the frame starting at ``start`` (sync already matched), None if more bytes
        are needed to tell, 0 if this is not a frame start after all."""

    @abc.abstractmethod
    def decode(self, frame: bytes, mono: float, at: datetime) -> list[Frame]:
        """Check and decode one complete frame; raise FrameError when it is corrupt."""

    def skip_silently(self, buf: bytearray, start: int) -> int:
        """Bytes at ``start`` that are expected and not garbage (e.g. our own request echoed)."""
        return 0

    def _take_aligned(self, buf: bytearray, out: list[Frame], mono: float, at: datetime) -> int:
        """The fast path: whole, valid fixed-length frames one after another from the start of
        ``buf`` (what a healthy device sends), decoded without the resynchronising scan.
        Returns where the first thing that is not such a frame starts; the scan goes on there
        (and decodes a corrupt frame again, to report it)."""
        length = self.fixed_length
        sync = self.sync
        decode = self.decode
        n = len(buf)
        pos = 0
        while n - pos >= length and buf.startswith(sync, pos):
            try:
                frames = decode(bytes(buf[pos : pos + length]), mono, at)
            except FrameError:
                break
            out += frames
            pos += length
        return pos

    def feed(self, data: bytes, mono: float, at: datetime) -> list[Frame]:
        buf = self._buf
        buf += data
        out: list[Frame] = []
        if not self._aligned:
            return self._scan(buf, 0, out, mono, at)
        pos = self._take_aligned(buf, out, mono, at)
        rest = len(buf) - pos
        if rest < self.fixed_length and buf.startswith(self.sync[:rest], pos):
            # Whole frames, then at most the start of the next one: nothing to scan.
            del buf[:pos]
            self._covered = max(0, self._covered - pos)
            return out
        return self._scan(buf, pos, out, mono, at)

    def _scan(
        self, buf: bytearray, pos: int, out: list[Frame], mono: float, at: datetime
    ) -> list[Frame]:
        """Frames from ``buf[pos:]`` found by looking for the sync bytes, resynchronising after
        garbage and corrupt frames (reported as BadFrames); the rest kept for the next read."""
        garbage = bytearray()
        garbage_count = 0
        # Good frames the fast path took before ``pos`` are not garbage either.
        covered = max(self._covered, pos)
        n = len(buf)
        first = self.sync[:1]

        def flush_garbage() -> None:
            nonlocal garbage, garbage_count
            if garbage_count:
                reason = f"garbage: {garbage_count} bytes skipped"
                out.append(self._bad(garbage, reason, at))
                garbage = bytearray()
                garbage_count = 0

        def skip(a: int, b: int) -> None:
            nonlocal garbage_count
            a = max(a, covered)
            if b > a:
                if len(garbage) < RAW_KEEP:
                    garbage.extend(buf[a : min(b, a + RAW_KEEP - len(garbage))])
                garbage_count += b - a

        while pos < n:
            echo = self.skip_silently(buf, pos)
            if echo:
                flush_garbage()
                pos += echo
                covered = max(covered, pos)
                continue
            k = buf.find(first, pos)
            if k < 0:
                skip(pos, n)
                pos = n
                break
            if k > pos:
                skip(pos, k)
                pos = k
                continue  # the echo check again, at the new position
            have = min(len(self.sync), n - pos)
            if buf[pos : pos + have] != self.sync[:have]:
                skip(pos, pos + 1)
                pos += 1
                continue
            if have < len(self.sync):
                break
            length = self.frame_length(buf, pos)
            if length is None:
                break
            if length == 0:
                skip(pos, pos + 1)
                pos += 1
                continue
            if n - pos < length:
                break
            frame = bytes(buf[pos : pos + length])
            try:
                frames = self.decode(frame, mono, at)
            except FrameError as exc:
                flush_garbage()
                if pos >= covered:
                    out.append(self._bad(frame, str(exc), at))
                covered = max(covered, pos + length)
                pos += 1
                continue
            flush_garbage()
            out.extend(frames)
            pos += length
            covered = max(covered, pos)
        flush_garbage()
        del buf[:pos]
        self._covered = max(0, covered - pos)
        if len(buf) > self.max_buffer:
            out.append(self._bad(buf, f"buffer overflow: {len(buf)} bytes discarded", at))
            buf.clear()
            self._covered = 0
        return out


_TERMINATOR = re.compile(rb"\r\n|[\r\n]")


class LineProtocol(Protocol):
    """Text lines ended by CR, LF or CRLF (one terminator, even when split across reads)."""

    max_line: ClassVar[int] = 256
    terminator: ClassVar[re.Pattern[bytes]] = _TERMINATOR

    def __init__(self, device: str, options: Mapping[str, Any]) -> None:
        super().__init__(device, options)
        self._buf = b""
        self._after_cr = False  # the last read ended in CR: an LF starting the next is its pair
        self._discarding = False  # inside an over-long line, already reported

    @abc.abstractmethod
    def parse_line(self, line: bytes, mono: float, at: datetime) -> list[Frame]:
        """Frames from one complete line (terminator removed)."""

    def feed(self, data: bytes, mono: float, at: datetime) -> list[Frame]:
        if self._after_cr and data.startswith(b"\n"):
            data = data[1:]
        self._after_cr = False
        buf = self._buf + data
        out: list[Frame] = []
        start = 0
        for match in self.terminator.finditer(buf):
            line = buf[start : match.start()]
            start = match.end()
            if match.group() == b"\r" and start == len(buf):
                self._after_cr = True
            if self._discarding:
                self._discarding = False
                continue
            if len(line) > self.max_line:
                out.append(self._bad(line, f"line too long: {len(line)} bytes", at))
                continue
            out.extend(self.parse_line(line, mono, at))
        rest = buf[start:]
        if len(rest) > self.max_line:
            if not self._discarding:
                out.append(self._bad(rest, f"line too long: over {self.max_line} bytes", at))
            self._discarding = True
            rest = b""
        self._buf = rest
        return out


class Debouncer:
    """One event per presentation: an id repeats only after ``debounce_s`` with no sight of it."""

    def __init__(self, debounce_s: float) -> None:
        self.debounce_s = debounce_s
        self._last_seen: dict[str, float] = {}

    def seen(self, key: str, mono: float) -> bool:
        """Record a sighting of ``key``; True when it starts a new presentation."""
        last = self._last_seen.get(key)
        self._last_seen[key] = mono
        if len(self._last_seen) > 64:
            horizon = mono - self.debounce_s
            self._last_seen = {k: t for k, t in self._last_seen.items() if t > horizon}
        return last is None or mono - last >= self.debounce_s


def debounce_option(options: Mapping[str, Any]) -> float:
    """The ``debounce_s`` option (default 1.0 s), checked."""
    value = float(options.get("debounce_s", 1.0))
    if value < 0:
        raise ValueError(f"debounce_s must be 0 or more, not {value}")
    return value
