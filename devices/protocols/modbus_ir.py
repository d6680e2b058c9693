"""Modbus RTU infrared transmitters (profile ``modbus-ir``): Calex PyroUSB, Omega OS-MINI, …

We poll with function 0x03 (read holding registers) and read the temperature register as a
16-bit integer times ``scale``. Options: ``address`` (1), ``register`` (0x12), ``signed`` (true),
``scale`` (0.1), ``error_values`` (raw register values the sensor uses to flag a measurement
error or out-of-range, reported as a sensor error). An exception reply is a sensor error too.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from devices.frames import Frame, Reading
from devices.protocols.base import BinaryProtocol, FrameError

READ_HOLDING = 0x03
EXCEPTION_BIT = 0x80
EXCEPTIONS = {
    0x01: "illegal function",
    0x02: "illegal data address",
    0x03: "illegal data value",
    0x04: "slave device failure",
    0x05: "acknowledge",
    0x06: "slave device busy",
    0x0B: "gateway target device failed to respond",
}


def crc16_modbus(data: bytes) -> int:
    """CRC-16/MODBUS (poly 0xA001 reflected, init 0xFFFF); sent low byte first."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


def with_crc(body: bytes) -> bytes:
    """``body`` followed by its Modbus CRC, low byte first."""
    return body + crc16_modbus(body).to_bytes(2, "little")


def read_request(address: int, register: int, count: int = 1) -> bytes:
    """The function 0x03 request for ``count`` registers from ``register`` of slave ``address``."""
    return with_crc(
        bytes([address, READ_HOLDING]) + register.to_bytes(2, "big") + count.to_bytes(2, "big")
    )


class ModbusIr(BinaryProtocol):
    role = "thermometer"
    name = "modbus-ir"

    def __init__(self, device: str, options: Mapping[str, Any]) -> None:
        super().__init__(device, options)
        self.address = int(self.options.get("address", 1))
        self.register = int(self.options.get("register", 0x12))
        self.count = int(self.options.get("count", 1))
        self.signed = bool(self.options.get("signed", True))
        self.scale = float(self.options.get("scale", 0.1))
        self.error_values = {int(v) for v in self.options.get("error_values", ())}
        if not 1 <= self.address <= 247:
            raise ValueError(f"modbus address must be 1–247, not {self.address}")
        if not 0 <= self.register <= 0xFFFF:
            raise ValueError(f"modbus register must be 0–0xFFFF, not {self.register}")
        if not 1 <= self.count <= 125:
            raise ValueError(f"modbus register count must be 1–125, not {self.count}")
        self.sync = bytes([self.address])  # replies start with the slave address
        self._request = read_request(self.address, self.register, self.count)

    def poll_request(self) -> bytes:
        return self._request

    def skip_silently(self, buf: bytearray, start: int) -> int:
        # RS-485 adapters with local echo hand our own request back to us.
        req = self._request
        return len(req) if buf[start : start + len(req)] == req else 0

    def frame_length(self, buf: bytearray, start: int) -> int | None:
        if len(buf) - start < 3:
            return None
        function = buf[start + 1]
        if function == READ_HOLDING | EXCEPTION_BIT:
            return 5
        if function == READ_HOLDING and buf[start + 2] == 2 * self.count:
            return 3 + 2 * self.count + 2
        return 0

    def decode(self, frame: bytes, mono: float, at: datetime) -> list[Frame]:
        want = crc16_modbus(frame[:-2])
        got = int.from_bytes(frame[-2:], "little")
        if got != want:
            raise FrameError(f"bad CRC: got {got:04X}, want {want:04X}")
        if frame[1] & EXCEPTION_BIT:
            code = frame[2]
            text = EXCEPTIONS.get(code, "unknown")
            error = f"modbus exception {code:02X} ({text})"
            return [Reading(self.device, at, mono, None, self.mode, None, frame, error)]
        value = int.from_bytes(frame[3:5], "big", signed=self.signed)
        if value in self.error_values:
            error = f"sensor error: register value {value}"
            return [Reading(self.device, at, mono, None, self.mode, None, frame, error)]
        temp = round(value * self.scale, 6)
        return [Reading(self.device, at, mono, temp, self.mode, None, frame)]
