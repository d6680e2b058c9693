"""Readings become one measurement per person (DESIGN §3.8 "Measurements, not frames")."""

from __future__ import annotations

import pytest

from devices.frames import Measurement, Reading, SensorError
from devices.measure import FrameTrigger, PresenceTrigger, make_trigger
from devices.profile import load_profile

from .conftest import AT, feed_all, parser


def reading(temp: float | None, mono: float, error: str | None = None) -> Reading:
    return Reading("gate-1", AT, mono, temp, "body", 24.5, b"", error)


def run(trigger: PresenceTrigger | FrameTrigger, temps: list[float | None], step: float = 0.5):
    out: list[Measurement | SensorError] = []
    for i, t in enumerate(temps):
        out.extend(trigger.feed(reading(t, 100.0 + i * step, None if t else "sensor error: nan")))
    return out


AMBIENT = [24.1, 24.3, 24.2, 24.2]


class TestPresenceTrigger:
    def test_empty_scene_makes_no_measurement(self) -> None:
        assert run(PresenceTrigger("gate-1"), AMBIENT * 10) == []

    def test_person_plateau_is_one_measurement_of_the_stable_median(self) -> None:
        person = [33.0, 35.9, 36.5, 36.6, 36.5, 36.7, 36.6, 36.6, 36.6, 34.0]
        out = run(PresenceTrigger("gate-1"), AMBIENT + person + AMBIENT)
        assert len(out) == 1
        assert isinstance(out[0], Measurement)
        assert (out[0].temp_c, out[0].frames) == (36.6, 5)

    def test_measurement_comes_as_soon_as_the_reading_settles(self) -> None:
        trigger = PresenceTrigger("gate-1")
        assert run(trigger, [*AMBIENT, 36.5, 36.6, 36.5, 36.6]) == []
        out = trigger.feed(reading(36.6, 104.0))
        assert [m.temp_c for m in out if isinstance(m, Measurement)] == [36.6]

    def test_person_who_walks_off_before_it_settles_still_gets_one(self) -> None:
        out = run(PresenceTrigger("gate-1"), [*AMBIENT, 34.0, 36.0, 37.1, *AMBIENT])
        assert [m.temp_c for m in out if isinstance(m, Measurement)] == [36.0]
        assert out[0].frames == 3

    def test_next_person_needs_the_scene_to_clear_first(self) -> None:
        two_people_no_gap = [36.5] * 6 + [38.0] * 6
        out = run(PresenceTrigger("gate-1"), AMBIENT + two_people_no_gap + AMBIENT)
        assert [m.temp_c for m in out if isinstance(m, Measurement)] == [36.5]
        cleared = [36.5] * 6 + [24.0] + [38.0] * 6
        out = run(PresenceTrigger("gate-1"), AMBIENT + cleared + AMBIENT)
        assert [m.temp_c for m in out if isinstance(m, Measurement)] == [36.5, 38.0]

    def test_stream_that_stops_mid_person_is_flushed(self) -> None:
        trigger = PresenceTrigger("gate-1", max_gap_s=2.0)
        assert run(trigger, [*AMBIENT, 35.0, 36.9, 37.4]) == []
        last_mono = 100.0 + 6 * 0.5
        assert trigger.flush(last_mono + 1.0) == []
        out = trigger.flush(last_mono + 2.0)
        assert [m.temp_c for m in out] == [36.9]
        assert trigger.flush(last_mono + 10.0) == []

    def test_fever_and_out_of_range_are_still_reported(self) -> None:
        out = run(PresenceTrigger("gate-1"), AMBIENT + [45.0] * 5 + AMBIENT)
        assert [m.temp_c for m in out if isinstance(m, Measurement)] == [45.0]

    def test_sensor_error_is_counted_and_does_not_break_the_run(self) -> None:
        out = run(PresenceTrigger("gate-1"), [*AMBIENT, 36.5, 36.5, None, 36.6, 36.5, 36.5])
        assert [type(x) for x in out] == [SensorError, Measurement]
        assert isinstance(out[0], SensorError)
        assert out[0].error == "sensor error: nan"
        assert isinstance(out[1], Measurement)
        assert out[1].temp_c == 36.5

    def test_presence_threshold_and_stable_frames_per_device(self) -> None:
        trigger = make_trigger(
            load_profile("mlx90614-ascii", {"presence_c": 34.0, "stable_frames": 3}), "g"
        )
        out = run(trigger, [32.0] * 5 + [36.4] * 3 + [32.0] * 5)
        assert [(m.device, m.temp_c, m.frames) for m in out if isinstance(m, Measurement)] == [
            ("g", 36.4, 3)
        ]


class TestFrameTrigger:
    def test_every_reading_is_a_measurement(self) -> None:
        out = run(FrameTrigger("gun"), [36.5, 24.0, None])
        assert [(m.temp_c, m.frames) for m in out if isinstance(m, Measurement)] == [
            (36.5, 1),
            (24.0, 1),
            (None, 1),
        ]
        assert isinstance(out[2], Measurement)
        assert out[2].error == "sensor error: nan"

    def test_mlx_nan_with_frame_trigger_is_a_measurement_without_temperature(self) -> None:
        profile = load_profile("mlx90614-ascii", {"trigger": "frame"})
        trigger = make_trigger(profile, "gate-1")
        readings = feed_all(parser("mlx90614-ascii"), [b"Ambient = 24.51*C\tObject = nan*C\r\n"])
        out = [m for r in readings if isinstance(r, Reading) for m in trigger.feed(r)]
        assert out == [Measurement("gate-1", AT, None, "body", 1, "sensor error: nan", mono=100.0)]


def test_make_trigger_follows_the_profile() -> None:
    assert isinstance(make_trigger(load_profile("gy-mcu90614"), "g"), PresenceTrigger)
    assert isinstance(make_trigger(load_profile("idc50", {"trigger": "frame"}), "g"), FrameTrigger)
    with pytest.raises(ValueError, match="id-reader"):
        make_trigger(load_profile("rdm6300"), "g")
