"""GY-MCU90614 / 90615 UART modules (profile ``gy-mcu90614``).

Frame: ``5A 5A 45 04 TOH TOL TAH TAL SUM``; object and ambient in °C × 100, signed 16-bit
big-endian; SUM is the low byte of the sum of bytes 0–7.
"""

from __future__ import annotations

from datetime import datetime

from devices.frames import Frame, Reading
from devices.protocols.base import BinaryProtocol, FrameError, checksum8

FRAME_LEN = 9


class GyMcu(BinaryProtocol):
    role = "thermometer"
    name = "gy-mcu90614"
    sync = b"\x5a\x5a\x45\x04"

    def frame_length(self, buf: bytearray, start: int) -> int | None:
        return FRAME_LEN

    def decode(self, frame: bytes, mono: float, at: datetime) -> list[Frame]:
        want = checksum8(frame[:8])
        if frame[8] != want:
            raise FrameError(f"bad checksum: got {frame[8]:02X}, want {want:02X}")
        temp = int.from_bytes(frame[4:6], "big", signed=True) / 100
        ambient = int.from_bytes(frame[6:8], "big", signed=True) / 100
        return [Reading(self.device, at, mono, temp, self.mode, ambient, frame)]
