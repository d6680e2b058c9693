"""GY-MCU90614 / 90615 UART modules (profile ``gy-mcu90614``).

Frame: ``5A 5A 45 04 TOH TOL TAH TAL SUM``; object and ambient in °C × 100, signed 16-bit
big-endian; SUM is the low byte of the sum of bytes 0–7.
"""

from __future__ import annotations

import struct
from datetime import datetime

from devices.frames import Frame, Reading
from devices.protocols.base import BinaryProtocol, FrameError, checksum8

FRAME_LEN = 9
SYNC = b"\x5a\x5a\x45\x04"
# A whole frame as numbers: the sync bytes, object and ambient (unsigned here), the sum.
_FRAME = struct.Struct(">IHHB")
_SYNC_VALUE = int.from_bytes(SYNC, "big")
_SYNC_SUM = sum(SYNC)


def _signed(value: int) -> int:
    return value - 0x10000 if value & 0x8000 else value


class GyMcu(BinaryProtocol):
    role = "thermometer"
    name = "gy-mcu90614"
    sync = SYNC
    fixed_length = FRAME_LEN

    def frame_length(self, buf: bytearray, start: int) -> int | None:
        return FRAME_LEN

    def decode(self, frame: bytes, mono: float, at: datetime) -> list[Frame]:
        want = checksum8(frame[:8])
        if frame[8] != want:
            raise FrameError(f"bad checksum: got {frame[8]:02X}, want {want:02X}")
        temp = int.from_bytes(frame[4:6], "big", signed=True) / 100
        ambient = int.from_bytes(frame[6:8], "big", signed=True) / 100
        return [Reading(self.device, at, mono, temp, self._mode, ambient, frame)]

    def _take_aligned(self, buf: bytearray, out: list[Frame], mono: float, at: datetime) -> int:
        """The frames a streaming module sends back to back, in one pass: each unpacked as
        numbers in place and its sum checked on them (the same check and values as
        :meth:`decode`, which the scan falls back to at the first frame that fails)."""
        n = len(buf)
        if n < FRAME_LEN:
            return 0
        data = bytes(buf)  # slices of bytes are the frames' raw bytes, with no second copy
        unpack = _FRAME.unpack_from
        new = tuple.__new__  # Reading(...) without the named tuple's Python-level __new__
        device, mode = self.device, self._mode
        pos = 0
        while n - pos >= FRAME_LEN:
            sync, temp, ambient, total = unpack(data, pos)
            if (
                sync != _SYNC_VALUE
                or total
                != (_SYNC_SUM + (temp >> 8) + (temp & 0xFF) + (ambient >> 8) + (ambient & 0xFF))
                & 0xFF
            ):
                break
            raw = data[pos : pos + FRAME_LEN]
            if temp & 0x8000 or ambient & 0x8000:
                temp, ambient = _signed(temp), _signed(ambient)
            out.append(new(Reading, (device, at, mono, temp / 100, mode, ambient / 100, raw, None)))
            pos += FRAME_LEN
        return pos
