"""The gate's arrivals strip (the daily report issue's pictures "on the gate screen where room
allows"): beside the log on a wide terminal, this gate's entries per 10 minutes, newest on the
right; absent at 80x24, where the log needs the room."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from duty_console.db.connect import Database
from duty_console.domain.clock import ManualClock
from duty_console.tui.app import DutyConsoleApp
from duty_console.tui.widgets.arrivals_strip import ArrivalsStrip

from .conftest import engine_reading, gate_ready, screen_text, shows, until

MakeApp = Callable[..., DutyConsoleApp]


def arrivals(db: Database, clock: ManualClock, count: int, *, gate: str = "north") -> None:
    for _ in range(count):
        engine_reading(db, clock, person_id=None, temp_c=36.5, gate=gate)
        clock.advance(20)


async def test_the_strip_counts_this_gates_arrivals_and_follows_new_ones(
    make_app: MakeApp, db: Database, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ArrivalsStrip, "MIN_INTERVAL_S", 0.2)
    arrivals(db, clock, 5)  # 5 in 100 s: one 10-minute column (or two across a boundary)
    arrivals(db, clock, 9, gate="south")  # another gate's rush is not this gate's
    app = make_app(lang="en")
    async with app.run_test(size=(130, 36)) as pilot:
        await gate_ready(pilot)
        strip = app.screen.query_one(ArrivalsStrip)
        await until(pilot, lambda: strip.drawn)
        assert strip.display and strip.region.width > 0
        text = screen_text(app)
        busiest = int(text.split("busiest: ")[1].split(")")[0])
        assert 3 <= busiest <= 5
        assert "#" in text.split("busiest:")[1]

        clock.advance(700)  # a later 10 minutes: the new column holds these alone
        for _ in range(12):
            engine_reading(db, clock, person_id=None, temp_c=36.4)
        await shows(pilot, "busiest: 12", timeout=5.0)


@pytest.mark.parametrize(
    "lang, title", [("en", "Arrivals per 10 min"), ("zh_CN", "本校门每 10 分钟")]
)
async def test_no_strip_at_80_columns(
    make_app: MakeApp, db: Database, clock: ManualClock, lang: str, title: str
) -> None:
    arrivals(db, clock, 3)
    app = make_app(lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await gate_ready(pilot)
        assert not app.screen.query_one(ArrivalsStrip).display
        assert title not in screen_text(app)
