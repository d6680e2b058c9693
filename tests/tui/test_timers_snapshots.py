"""Screenshots of the Timers view with fixed records and a stopped clock, in both languages.

Regenerate after a deliberate change: pytest tests/tui/test_timers_snapshots.py
--snapshot-update, then look at the SVGs before committing them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from textual.pilot import Pilot

from duty_console.db.connect import Database
from duty_console.domain.actors import Actor
from duty_console.domain.clock import ManualClock
from duty_console.tui.app import DutyConsoleApp

from .test_timers_screen import a_morning_of_timers, timers_ready

MakeApp = Callable[..., DutyConsoleApp]


async def ready(pilot: Pilot[Any]) -> None:
    await timers_ready(pilot)
    await pilot.pause(0.2)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_timers_screen(
    snap_compare: Any,
    make_app: MakeApp,
    db: Database,
    clock: ManualClock,
    duty_actor: Actor,
    lang: str,
    size: tuple[int, int],
) -> None:
    a_morning_of_timers(db, clock, duty_actor)
    assert snap_compare(make_app(lang=lang), terminal_size=size, run_before=ready)
