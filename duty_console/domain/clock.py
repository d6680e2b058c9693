"""An injectable clock: every timer, countdown and deadline reads it."""

from __future__ import annotations

import functools
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol

BOOT_ID_FILE = Path("/proc/sys/kernel/random/boot_id")


@dataclass(frozen=True, slots=True)
class BootInstant:
    """A moment on one boot's clock (``CLOCK_BOOTTIME``: never stepped, counts suspend too).

    Two instants of the same boot give a true duration whatever the wall clock did between
    them (NTP stepping it an hour, a time zone corrected by hand); instants of different
    boots (another PC, a restart) tell nothing, and the wall clock is all there is."""

    boot_id: str
    seconds: float

    def seconds_since(self, earlier: BootInstant | None) -> float | None:
        """Seconds from ``earlier`` to this instant, or None if they are not of one boot."""
        if earlier is None or not self.boot_id or earlier.boot_id != self.boot_id:
            return None
        return max(0.0, self.seconds - earlier.seconds)


@functools.cache
def boot_id() -> str:
    """This boot of this machine (Linux: a new random id at every boot); '' elsewhere."""
    try:
        return BOOT_ID_FILE.read_text("ascii").strip()
    except OSError:
        return ""


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, aware, in UTC."""
        ...

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back (for durations)."""
        ...

    def boot_instant(self) -> BootInstant | None:
        """Now on this boot's clock (durations that outlive a process), or None if unknown."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()

    def boot_instant(self) -> BootInstant | None:
        boot = boot_id()
        if not boot or not hasattr(time, "CLOCK_BOOTTIME"):
            return None
        return BootInstant(boot, time.clock_gettime(time.CLOCK_BOOTTIME))


class ManualClock:
    """A clock that only moves when told to (tests, snapshots).

    Each one is a boot of its own: two ManualClocks never share a monotonic clock, so a
    duration between them is taken from their wall clocks."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs an aware datetime")
        self._now = start.astimezone(UTC)
        self._mono = 1000.0
        self._boot = f"manual-{uuid.uuid4()}"

    def now(self) -> datetime:
        return self._now

    def monotonic(self) -> float:
        return self._mono

    def boot_instant(self) -> BootInstant | None:
        return BootInstant(self._boot, self._mono)

    def advance(self, seconds: float) -> None:
        self._now += timedelta(seconds=seconds)
        self._mono += seconds

    def step(self, seconds: float) -> None:
        """The wall clock alone jumps (NTP, a time zone corrected); time itself does not."""
        self._now += timedelta(seconds=seconds)


SYSTEM_CLOCK = SystemClock()
