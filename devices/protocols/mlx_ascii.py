"""MLX90614 on an Arduino running the Adafruit example sketch (profile ``mlx90614-ascii``).

Every 500 ms the sketch prints ``Ambient = 24.51*C\\tObject = 36.20*C``, the same in °F, and a
blank line. On a failed read Arduino's float printing gives ``nan`` (or ``inf``/``ovf``). When the
port opens the board resets and prints its banner again.
"""

from __future__ import annotations

import math
import re
from datetime import datetime
from typing import ClassVar

from devices.frames import Frame, Reading
from devices.protocols.base import LineProtocol

_VALUE = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)|[-+]?nan|[-+]?inf|ovf"
_DEGREE = "(?:\u00c2?\u00b0)?"  # an optional ° (UTF-8 bytes C2 B0, read as Latin-1)
_LINE = re.compile(
    rf"(?:Ambient\s*=\s*(?P<ambient>{_VALUE})\s*\*?\s*{_DEGREE}(?P<ambient_unit>[CF])\W*)?"
    rf"Object\s*=\s*(?P<object>{_VALUE})\s*\*?\s*{_DEGREE}(?P<object_unit>[CF])\b",
    re.IGNORECASE,
)
# What the sketch prints around its measurements: the title, the emissivity, a rule of '='.
_BANNER = re.compile(r"^(?:adafruit\b.*|.*\bmlx9061\d.*|emissivity\s*=.*|[=\-*#\s]+)$", re.I)


def _number(text: str) -> float | None:
    """A printed value, or None for Arduino's nan/inf/ovf."""
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


class MlxAscii(LineProtocol):
    role = "thermometer"
    name = "mlx90614-ascii"
    max_line: ClassVar[int] = 256

    def parse_line(self, line: bytes, mono: float, at: datetime) -> list[Frame]:
        # Latin-1 maps each byte to one character, so match positions are byte offsets.
        text = line.decode("latin-1")
        if not text.strip():
            return []
        match = _LINE.search(text)
        if match is None:
            if _BANNER.match(text.strip()):
                return []
            return [self._bad(line, f"unparseable line: {text.strip()[:40]!r}", at)]
        out: list[Frame] = []
        if text[: match.start()].strip():
            out.append(self._bad(line[: match.start()], "garbage before a reading", at))
        unit = match["object_unit"].upper()
        ambient_unit = (match["ambient_unit"] or unit).upper()
        if ambient_unit != unit:
            out.append(self._bad(line, "ambient and object in different units", at))
            return out
        if unit == "F":
            return out  # the sketch repeats the °C measurement in °F: not a second one
        temp = _number(match["object"])
        ambient = _number(match["ambient"]) if match["ambient"] else None
        error = None if temp is not None else f"sensor error: {match['object'].lower()}"
        raw = bytes(line[match.start() : match.end()])
        out.append(Reading(self.device, at, mono, temp, self.mode, ambient, raw, error))
        return out
