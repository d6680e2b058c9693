"""The typed events a device produces: frames from the parser, status from the transport.

Times: ``at`` is wall-clock UTC (tz-aware) for records; ``mono`` is ``time.monotonic()`` at receipt,
for durations and debouncing that must not jump when the wall clock is set.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

MODES = ("body", "surface", "unknown")


class Reading(NamedTuple):
    """One temperature frame. ``temp_c is None`` (with ``error`` set) is a sensor error.

    A named tuple, not a frozen dataclass: a streaming sensor makes one per frame, and a
    frozen dataclass costs three times as much to make (every field set through
    ``object.__setattr__``). As immutable, compared and hashed by value the same way.
    """

    device: str
    at: datetime
    mono: float
    temp_c: float | None
    mode: str
    ambient_c: float | None
    raw: bytes
    error: str | None = None


@dataclass(frozen=True, slots=True)
class CardRead:
    """One presentation of a card or barcode (the reader's repeats already debounced)."""

    device: str
    at: datetime
    mono: float
    card_id: str
    raw: bytes


@dataclass(frozen=True, slots=True)
class BadFrame:
    """Bytes that did not make a frame: bad checksum, unparseable line, or skipped garbage."""

    device: str
    at: datetime
    raw: bytes
    reason: str


@dataclass(frozen=True, slots=True)
class DeviceStatus:
    """The port came up or went away, or the device fell silent or spoke again."""

    device: str
    at: datetime
    online: bool
    reason: str


class Measurement(NamedTuple):
    """One person's temperature, made from one or more readings by a trigger (a named tuple,
    like :class:`Reading`: the frame trigger makes one per frame)."""

    device: str
    at: datetime
    temp_c: float | None
    mode: str
    frames: int
    error: str | None = None
    mono: float = 0.0  # time.monotonic() of the reading that ended it (pairs it with a card)


@dataclass(frozen=True, slots=True)
class SensorError:
    """A sensor error seen while watching the scene: counted, but not a person's entry."""

    device: str
    at: datetime
    error: str


Frame = Reading | CardRead | BadFrame
DeviceEvent = Reading | CardRead | BadFrame | DeviceStatus
