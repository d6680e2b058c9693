"""The pictures' data and drawing: arrivals per 10 minutes, temperatures with the fever line."""

from __future__ import annotations

import dataclasses
from datetime import date

from duty_console.db.connect import Database
from duty_console.domain.actors import Actor
from duty_console.domain.clock import ManualClock
from duty_console.domain.entries import record_manual_reading
from duty_console.domain.screening import Rules
from duty_console.reports import pictures as pic
from tests.reports.test_daily_report import DAY, TZ, local


def test_arrivals_fall_in_their_10_minutes_and_a_fever_is_counted_once(
    db: Database, duty_actor: Actor
) -> None:
    for person, temp, hh, mm in (
        ("S1001", 36.5, 7, 1),
        ("S1002", 36.6, 7, 9),
        ("S1003", 37.6, 7, 12),
        ("S1003", 37.7, 7, 12),  # during the rest: the same fever again
        ("S1004", 36.2, 7, 35),
    ):
        with db.write() as s:
            record_manual_reading(
                s,
                duty_actor,
                Rules(),
                temp_c=temp,
                person_id=person,
                clock=ManualClock(local(hh, mm)),
            )
    with db.read() as s:
        p = pic.day_pictures(s, DAY, TZ, 37.3, local(18, 0))
    assert p.arrivals == {42: 2, 43: 2, 45: 1}  # 07:00-07:09, 07:10-07:19, 07:30-07:39
    assert sum(p.temperatures.values()) == 4
    assert p.temperatures[376] == 1 and 377 not in p.temperatures
    assert [h[1] for h in p.history][-1] == 1
    assert p.history[0][0] == date(2026, 11, 16)


def test_the_charts_are_plain_ascii_and_mark_the_fever_side() -> None:
    lines = pic.column_chart([0, 2, 4], height=2, marks={2: "fever"})
    assert [[r for r in line] for line in lines] == [
        [(" ", "muted"), (" ", "muted"), ("#", "fever")],
        [(".", "muted"), ("#", "bar"), ("#", "fever")],
    ]
    bars = pic.bar_rows([("教室", 0.5, "1/2")], label_cells=6, bar_cells=4)
    assert "".join(run for run, _s in bars[0]) == "教室  ##.. 1/2"
    assert all(
        ord(ch) < 0x2500 or pic.cells(ch) == 2 for line in bars for run, _ in line for ch in run
    )


def test_the_gates_strip_reaches_back_across_midnight_and_counts_only_this_gate(
    db: Database, duty_actor: Actor
) -> None:
    """At 00:25 the last 12 columns begin at 22:30 yesterday; another gate's entries are not
    counted, nor a reading of the next ten minutes."""
    night = date(2026, 11, 30)
    south = dataclasses.replace(duty_actor, gate="south")
    for actor, hh, mm, day in (
        (duty_actor, 22, 45, DAY),
        (duty_actor, 23, 59, DAY),
        (duty_actor, 0, 20, night),
        (duty_actor, 0, 24, night),
        (south, 0, 21, night),
        (duty_actor, 0, 31, night),  # later than "now"
    ):
        with db.write() as s:
            record_manual_reading(
                s,
                actor,
                Rules(),
                temp_c=36.5,
                person_id=None,
                clock=ManualClock(local(hh, mm, day)),
            )
    with db.read() as s:
        first, counts = pic.gate_arrivals(s, duty_actor.gate, local(0, 25, night), TZ, 12)
    assert first == (22 * 60 + 30) // 10
    assert counts == [0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 2]
    assert pic.hour_axis(first, 12, every_min=60) == "   23:00"  # no label cut in half
    assert pic.hour_axis(first, 16, every_min=60) == "   23:00 00:00"
