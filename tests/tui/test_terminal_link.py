"""What a reading sends to the terminal (an SSH link, a phone): only the lines that changed.

The bytes themselves are measured in bench/terminal.py; here, which widgets a reading repaints:
each repaint of a widget sends all of its rows again.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from textual._compositor import Compositor
from textual.widget import Widget

from duty_console.db.connect import Database
from duty_console.domain.clock import ManualClock
from duty_console.tui.app import DutyConsoleApp
from duty_console.tui.widgets.entry_log import EntryLog
from duty_console.tui.widgets.last_reading import LastReading
from duty_console.tui.widgets.recheck_prompt import RecheckPrompt

from .conftest import engine_reading, gate_ready, shows, until

MakeApp = Callable[..., DutyConsoleApp]


@pytest.fixture
def repainted(monkeypatch: pytest.MonkeyPatch) -> Counter[Widget]:
    seen: Counter[Widget] = Counter()
    real = Compositor.update_widgets

    def update_widgets(self: Compositor, widgets: set[Widget]) -> Any:
        seen.update(widgets)
        return real(self, widgets)

    monkeypatch.setattr(Compositor, "update_widgets", update_widgets)
    return seen


async def test_readings_repaint_the_lines_that_changed_not_the_panel_or_the_log(
    make_app: MakeApp, db: Database, clock: ManualClock, repainted: Counter[Widget]
) -> None:
    engine_reading(db, clock, person_id="S1001", temp_c=38.2)  # a fever: its countdown runs
    app = make_app(lang="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await gate_ready(pilot)
        await shows(pilot, "Awaiting recheck: 1")
        panel = app.screen.query_one(LastReading)
        prompt = app.screen.query_one(RecheckPrompt)
        log = app.screen.query_one(EntryLog)
        temperature, person, _when = panel.query_children().results()
        prompt_title = prompt.query_children().first()
        await pilot.pause(0.5)
        repainted.clear()
        for i in range(6):
            clock.advance(0.2)
            engine_reading(db, clock, person_id="S1002", temp_c=36.0 + i / 10)
            await until(
                pilot, lambda i=i: panel.row is not None and panel.row.temp_c == 36.0 + i / 10
            )
        await shows(pilot, "36.5C")
        assert repainted[temperature] >= 3, "each reading's temperature is drawn"
        assert repainted[person] <= 1, "the same person's line is drawn once"
        # The fever's red turned to green once: the whole panel then, not at each reading.
        assert repainted[panel] <= 1 and repainted[prompt] == 0, "not the whole panel"
        assert repainted[prompt_title] == 0, "the prompt's title did not change"
        assert repainted[log] <= 2, "the log moves at most every 2 s, not at each reading"
