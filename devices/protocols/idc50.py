"""IDC-50 kiosk temperature module (profile ``idc50``), 115200 baud, a frame every 500 ms.

Frame: ``AA 55 06 <whole °C> <tenths> <sum>``, sum = low byte of the sum of the first five bytes.
"""

from __future__ import annotations

from datetime import datetime

from devices.frames import Frame, Reading
from devices.protocols.base import BinaryProtocol, FrameError, checksum8

FRAME_LEN = 6


class Idc50(BinaryProtocol):
    role = "thermometer"
    name = "idc50"
    sync = b"\xaa\x55\x06"
    fixed_length = FRAME_LEN

    def frame_length(self, buf: bytearray, start: int) -> int | None:
        return FRAME_LEN

    def decode(self, frame: bytes, mono: float, at: datetime) -> list[Frame]:
        want = checksum8(frame[:5])
        if frame[5] != want:
            raise FrameError(f"bad checksum: got {frame[5]:02X}, want {want:02X}")
        if frame[4] > 9:
            raise FrameError(f"tenths out of range: {frame[4]}")
        temp = round(frame[3] + frame[4] / 10, 1)
        return [Reading(self.device, at, mono, temp, self._mode, None, frame)]
