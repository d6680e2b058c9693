"""RDM6300 125 kHz card reader (profile ``rdm6300``), 9600 baud.

Frame (14 bytes): ``02``, 10 ASCII-hex characters = 5 data bytes, 2 ASCII-hex characters = XOR
of the 5 data bytes, ``03``. Data byte 0 is the card's version/customer byte; data bytes 1–4
(zero-based; "bytes 2–5" counting from one) are the number printed on the card, big-endian,
which becomes ``card_id`` in decimal without leading zeros. While a card is held the reader
repeats the frame about every 50 ms: one CardRead per presentation.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from devices.frames import CardRead, Frame
from devices.protocols.base import BinaryProtocol, Debouncer, FrameError, debounce_option

STX, ETX = 0x02, 0x03
FRAME_LEN = 14
_HEX = frozenset(string.hexdigits.encode())


class Rdm6300(BinaryProtocol):
    role = "id-reader"
    name = "rdm6300"
    sync = bytes([STX])
    fixed_length = FRAME_LEN

    def __init__(self, device: str, options: Mapping[str, Any]) -> None:
        super().__init__(device, options)
        self._debounce = Debouncer(debounce_option(self.options))

    def frame_length(self, buf: bytearray, start: int) -> int | None:
        return FRAME_LEN

    def decode(self, frame: bytes, mono: float, at: datetime) -> list[Frame]:
        if frame[-1] != ETX:
            raise FrameError("card frame without its end byte 03")
        text = frame[1:13]
        if not all(c in _HEX for c in text):
            raise FrameError("card frame with non-hex characters")
        data = bytes.fromhex(text[:10].decode())
        got = int(text[10:], 16)
        want = data[0] ^ data[1] ^ data[2] ^ data[3] ^ data[4]
        if got != want:
            raise FrameError(f"bad checksum: got {got:02X}, want {want:02X}")
        card_id = str(int.from_bytes(data[1:5], "big"))
        if not self._debounce.seen(card_id, mono):
            return []
        return [CardRead(self.device, at, mono, card_id, frame)]
