"""LU90614 module in query mode (profile ``lu90614``).

Write ``FA CA C4`` to measure; the reply is ``FE <AA surface|AC body> H L 00 00 00 00 SUM`` with
temp = H + L/100 and SUM the low byte of the sum of bytes 0–7.
"""

from __future__ import annotations

from datetime import datetime

from devices.frames import Frame, Reading
from devices.protocols.base import BinaryProtocol, FrameError, checksum8

FRAME_LEN = 9
MEASURE = b"\xfa\xca\xc4"
SET_BODY = b"\xfa\xc5\xbf"
SET_SURFACE = b"\xfa\xc6\xc0"
MODE_BYTES = {0xAA: "surface", 0xAC: "body"}


class Lu90614(BinaryProtocol):
    role = "thermometer"
    name = "lu90614"
    sync = b"\xfe"

    def frame_length(self, buf: bytearray, start: int) -> int | None:
        if len(buf) - start < 2:
            return None
        return FRAME_LEN if buf[start + 1] in MODE_BYTES else 0

    def decode(self, frame: bytes, mono: float, at: datetime) -> list[Frame]:
        want = checksum8(frame[:8])
        if frame[8] != want:
            raise FrameError(f"bad checksum: got {frame[8]:02X}, want {want:02X}")
        if frame[3] > 99:
            raise FrameError(f"hundredths out of range: {frame[3]}")
        temp = round(frame[2] + frame[3] / 100, 2)
        return [Reading(self.device, at, mono, temp, MODE_BYTES[frame[1]], None, frame)]

    def poll_request(self) -> bytes:
        return MEASURE
