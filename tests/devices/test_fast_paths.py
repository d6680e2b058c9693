"""The per-frame fast paths (issue 13) give exactly what the plain code gives.

- Fixed-length binary frames sent back to back are taken off the buffer without the
  resynchronising scan (``BinaryProtocol._take_aligned``; the GY-MCU module's own, which unpacks
  and checks a frame as numbers). Whatever the bytes, the frames out are the scan's alone.
- The presence trigger keeps the run's steady stretch as a running low/high instead of slicing
  a window per frame: the same measurements as the definition (the last ``stable_frames``
  readings of the run within the tolerance).
"""

from __future__ import annotations

import statistics

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devices.frames import Measurement, Reading, SensorError
from devices.measure import PresenceTrigger
from devices.protocols.base import BinaryProtocol
from devices.simulator import encode_card, encode_reading

from .conftest import AT, parser

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FIXED = ["gy-mcu90614", "idc50", "rdm6300"]


def _frame(name: str, value: int) -> bytes:
    if name == "gy-mcu90614":
        return encode_reading(name, value / 100, ambient_c=(value % 4000 - 2000) / 100)
    if name == "idc50":
        return encode_reading(name, (value % 2560) / 10)
    return encode_card(name, str(value % 2**32), version=value % 256)


def _pieces(name: str) -> st.SearchStrategy[bytes]:
    """A good frame, a frame with one byte changed (often its sum: a bad frame), or noise."""
    good = st.integers(-32768, 32767).map(lambda v: _frame(name, v))
    corrupt = st.tuples(good, st.integers(0, 13), st.integers(1, 255)).map(
        lambda t: bytes(b ^ t[2] if i == t[1] % len(t[0]) else b for i, b in enumerate(t[0]))
    )
    return st.one_of(good, good, good, corrupt, st.binary(min_size=1, max_size=12))


def _feed(name: str, stream: bytes, cuts: list[int], fast: bool) -> list[object]:
    proto = parser(name, debounce_s=0.0) if name == "rdm6300" else parser(name)
    assert isinstance(proto, BinaryProtocol)
    assert proto._aligned  # the fast path is on for every fixed-length protocol
    proto._aligned = fast
    out: list[object] = []
    edges = [0, *sorted(set(cuts)), len(stream)]
    for i in range(len(edges) - 1):
        out.extend(proto.feed(stream[edges[i] : edges[i + 1]], 100.0 + i, AT))
    return out


@SETTINGS
@given(st.data())
def test_the_fast_path_gives_what_the_scan_gives(data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(FIXED))
    stream = b"".join(data.draw(st.lists(_pieces(name), max_size=30)))
    cuts = data.draw(st.lists(st.integers(0, len(stream)), max_size=8))
    assert _feed(name, stream, cuts, fast=True) == _feed(name, stream, cuts, fast=False)


@pytest.mark.parametrize("name", FIXED)
def test_frames_back_to_back_never_reach_the_scan(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    frames = [_frame(name, v) for v in (3620, -1250, 4012, 0, 32767, -32768)]
    stream = b"".join(frames)

    def no_scan(*args: object) -> None:
        raise AssertionError("the scan ran on frames sent back to back")

    monkeypatch.setattr(BinaryProtocol, "_scan", no_scan)
    # In reads that cut frames anywhere: what is left over is always the start of a frame.
    out = _feed(name, stream, [5, 9, 10, 31, 32, 33], fast=True)
    assert len(out) == len(frames)
    assert [f.raw for f in out] == frames  # type: ignore[attr-defined]


def test_gy_mcu_fast_path_values_are_the_decoders() -> None:
    stream = b"".join(_frame("gy-mcu90614", v) for v in (3650, -4000, -1, 32767))
    [fast] = [_feed("gy-mcu90614", stream, [], fast=True)]
    assert [(r.temp_c, r.ambient_c, r.mode) for r in fast] == [  # type: ignore[attr-defined]
        (36.5, 16.5, "body"),
        (-40.0, -20.0, "body"),
        (-0.01, 19.99, "body"),
        (327.67, -12.33, "body"),
    ]
    assert all(type(r) is Reading for r in fast)


# -- the presence trigger ----------------------------------------------------------------------


def _by_definition(
    temps: list[float | None], presence_c: float, stable: int, tolerance: float
) -> list[tuple[float, int]]:
    """The presence trigger's rule written plainly (no gaps: readings 0.1 s apart)."""
    out: list[tuple[float, int]] = []
    run: list[float] = []
    measured = False
    for t in temps:
        if t is None:
            continue
        if t < presence_c:
            if run and not measured:
                out.append((round(statistics.median(run), 2), len(run)))
            run, measured = [], False
            continue
        if measured:
            continue
        run.append(t)
        window = run[-stable:]
        if len(window) == stable and max(window) - min(window) <= tolerance + 1e-9:
            out.append((round(statistics.median(window), 2), stable))
            run, measured = [], True
    if run and not measured:
        out.append((round(statistics.median(run), 2), len(run)))
    return out


TEMPS = st.one_of(
    st.none(),
    st.integers(2300, 2500).map(lambda v: v / 100),
    st.integers(3550, 3700).map(lambda v: v / 100),
    st.sampled_from([30.0, 36.5, 36.6, 36.7, 36.8]),
)


@SETTINGS
@given(st.lists(TEMPS, max_size=80), st.integers(1, 6), st.sampled_from([0.0, 0.1, 0.2, 0.5]))
def test_presence_trigger_keeps_its_definition(
    temps: list[float | None], stable: int, tolerance: float
) -> None:
    trigger = PresenceTrigger("ir", 30.0, stable, tolerance, max_gap_s=2.0)
    out: list[Measurement | SensorError] = []
    for i, t in enumerate(temps):
        error = None if t is not None else "sensor error: nan"
        out.extend(trigger.feed(Reading("ir", AT, 100.0 + i / 10, t, "body", 24.0, b"", error)))
    out.extend(trigger.flush(1e9))
    got = [(m.temp_c, m.frames) for m in out if isinstance(m, Measurement)]
    assert got == _by_definition(temps, 30.0, stable, tolerance)
    assert sum(isinstance(m, SensorError) for m in out) == temps.count(None)
