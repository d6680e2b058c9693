"""Barcode / QR scanners in serial mode (profile ``barcode-line``): one ID per line.

The scanner's suffix may be CR, LF, CRLF (one terminator) or TAB. Surrounding whitespace is
stripped, empty lines are ignored, and a line with control characters or anything beyond printable
ASCII (no card or roster id has it) is a bad frame, not an ID.
The same ID again within ``debounce_s`` (default 1.0 s) is the same scan (continuous-read mode).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any, ClassVar

from devices.frames import CardRead, Frame
from devices.protocols.base import Debouncer, LineProtocol, debounce_option


class BarcodeLine(LineProtocol):
    role = "id-reader"
    name = "barcode-line"
    max_line: ClassVar[int] = 512
    terminator: ClassVar[re.Pattern[bytes]] = re.compile(rb"\r\n|[\r\n\t]")

    def __init__(self, device: str, options: Mapping[str, Any]) -> None:
        super().__init__(device, options)
        self._debounce = Debouncer(debounce_option(self.options))

    def parse_line(self, line: bytes, mono: float, at: datetime) -> list[Frame]:
        try:
            text = line.decode("utf-8").strip()
        except UnicodeDecodeError:
            return [self._bad(line, "scan is not text", at)]
        if not text:
            return []
        if not text.isprintable():
            return [self._bad(line, "scan with control characters", at)]
        if not text.isascii():
            return [self._bad(line, "scan with characters no ID has", at)]
        if not self._debounce.seen(text, mono):
            return []
        return [CardRead(self.device, at, mono, text, bytes(line))]
