"""Measurements, not frames (DESIGN §3.8): turn a thermometer's readings into one per person.

A streaming sensor reports the empty scene all day. With the ``presence`` trigger a person is a run
of readings at or above ``presence_c``; their measurement is the median of the first stable
stretch of the run, or of the whole run if it ends before settling. With ``frame`` every reading
is a measurement (a hand-held gun sends one frame per trigger pull).
"""

from __future__ import annotations

from typing import Protocol as TypingProtocol

from devices.frames import Measurement, Reading, SensorError
from devices.profile import Profile

DEFAULT_MAX_GAP_S = 2.0


class Trigger(TypingProtocol):
    """What the engine calls: every Reading in, and a periodic flush for a stream that stopped."""

    def feed(self, r: Reading) -> list[Measurement | SensorError]: ...

    def flush(self, now_mono: float) -> list[Measurement]: ...


def _median(values: list[float]) -> float:
    """``statistics.median`` rounded to 0.01, for the few readings of one person."""
    ordered = sorted(values)
    half = len(ordered) // 2
    middle = ordered[half] if len(ordered) % 2 else (ordered[half - 1] + ordered[half]) / 2
    return round(middle, 2)


class PresenceTrigger:
    """One measurement per person standing in front of a streaming sensor.

    Stable means ``stable_frames`` consecutive readings whose spread (max − min) is at most
    ``tolerance_c``. The measurement is made as soon as the first stable stretch completes, and
    the rest of the run is the same person. A run also ends when no reading came for
    ``max_gap_s`` (checked by :meth:`flush` and at the next reading), so a stream that stops
    mid-person still gives that person's measurement.
    """

    def __init__(
        self,
        device: str,
        presence_c: float = 30.0,
        stable_frames: int = 5,
        tolerance_c: float = 0.2,
        max_gap_s: float = DEFAULT_MAX_GAP_S,
    ) -> None:
        if stable_frames < 1:
            raise ValueError("stable_frames must be at least 1")
        self.device = device
        self.presence_c = presence_c
        self.stable_frames = stable_frames
        self.tolerance_c = tolerance_c
        self._tolerance = tolerance_c + 1e-9
        self.max_gap_s = max_gap_s
        self._run: list[Reading] = []
        # The longest stretch at the end of the run within the tolerance: its length and its
        # lowest and highest temperature, kept as readings come (no window sliced per frame).
        self._steady = 0
        self._low = self._high = 0.0
        self._measured = False  # this run's measurement is already out
        self._last_mono: float | None = None

    @property
    def in_run(self) -> bool:
        """True while someone (a run of readings at or above ``presence_c``) is in front."""
        return self._last_mono is not None

    def feed(self, r: Reading) -> list[Measurement | SensorError]:
        temp = r.temp_c
        if temp is None:
            return [SensorError(self.device, r.at, r.error or "sensor error")]
        out: list[Measurement | SensorError] = []
        last = self._last_mono
        if last is not None and r.mono - last >= self.max_gap_s:
            out.extend(self.flush(r.mono))
        if temp < self.presence_c:
            # The empty scene: it ends a run (measured already, or measured now).
            if self._run and not self._measured:
                out.append(self._measure(self._run))
            if self._last_mono is not None:
                self._reset()
            return out
        self._last_mono = r.mono
        if self._measured:
            return out
        run = self._run
        run.append(r)
        low, high = self._low, self._high
        if temp < low:
            low = temp
        elif temp > high:
            high = temp
        if self._steady and high - low <= self._tolerance:
            self._steady += 1
            self._low, self._high = low, high
        else:
            self._restart_steady(temp)
        if self._steady >= self.stable_frames:
            out.append(self._measure(run[-self.stable_frames :]))
            self._measured = True
            self._run = []
        return out

    def _restart_steady(self, temp: float) -> None:
        """The stretch within the tolerance ending at the newest reading, ``temp``: walked back
        over at most ``stable_frames`` readings (the one before was shorter than that)."""
        run = self._run
        low = high = temp
        steady = 1
        for i in range(len(run) - 2, max(-1, len(run) - 1 - self.stable_frames), -1):
            t = run[i].temp_c
            if t is None or max(high, t) - min(low, t) > self._tolerance:
                break
            low, high = min(low, t), max(high, t)
            steady += 1
        self._steady, self._low, self._high = steady, low, high

    def flush(self, now_mono: float) -> list[Measurement]:
        if self._last_mono is None or now_mono - self._last_mono < self.max_gap_s:
            return []
        out = [self._measure(self._run)] if self._run and not self._measured else []
        self._reset()
        return out

    def _reset(self) -> None:
        self._run = []
        self._steady = 0
        self._measured = False
        self._last_mono = None

    def _measure(self, readings: list[Reading]) -> Measurement:
        temps = [r.temp_c for r in readings if r.temp_c is not None]
        last = readings[-1]
        return Measurement(
            self.device, last.at, _median(temps), last.mode, len(temps), mono=last.mono
        )


class FrameTrigger:
    """Every reading is one measurement; a sensor error is a measurement with no temperature."""

    def __init__(self, device: str) -> None:
        self.device = device

    def feed(self, r: Reading) -> list[Measurement | SensorError]:
        return [Measurement(self.device, r.at, r.temp_c, r.mode, 1, r.error, mono=r.mono)]

    def flush(self, now_mono: float) -> list[Measurement]:
        return []


def make_trigger(profile: Profile, device: str) -> PresenceTrigger | FrameTrigger:
    """The trigger a thermometer's profile asks for, with its per-device settings."""
    options = profile.options
    if profile.trigger == "frame":
        return FrameTrigger(device)
    if profile.trigger == "presence":
        max_gap_s = float(options.get("max_gap_s", DEFAULT_MAX_GAP_S))
        if profile.poll_interval_s:
            max_gap_s = max(max_gap_s, 4 * profile.poll_interval_s)
        return PresenceTrigger(
            device,
            presence_c=float(options.get("presence_c", 30.0)),
            stable_frames=int(options.get("stable_frames", 5)),
            tolerance_c=float(options.get("stable_tolerance_c", 0.2)),
            max_gap_s=max_gap_s,
        )
    raise ValueError(f"profile {profile.name!r} has no trigger (a {profile.role})")
