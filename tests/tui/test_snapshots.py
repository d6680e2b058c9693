"""Screenshots of the gate screen with fixed data and a stopped clock, in both languages.

Regenerate after a deliberate change: pytest tests/tui/test_snapshots.py --snapshot-update,
then look at the SVGs before committing them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from textual.pilot import Pilot

from duty_console.db.connect import Database
from duty_console.domain import entries
from duty_console.domain.actors import Actor
from duty_console.domain.clock import ManualClock
from duty_console.domain.screening import Rules
from duty_console.tui.app import DutyConsoleApp
from duty_console.tui.widgets.arrivals_strip import ArrivalsStrip
from duty_console.tui.widgets.recheck_prompt import RecheckPrompt

from .conftest import engine_reading, gate_ready, until

MakeApp = Callable[..., DutyConsoleApp]


def a_morning_at_the_gate(db: Database, clock: ManualClock, actor: Actor) -> None:
    """Eight minutes of arrivals: normal readings, an unknown face, refusals, a visitor, fevers."""
    for person, temp in (("S1002", 36.4), ("S1003", 36.6), (None, 36.5), ("S1004", 36.8)):
        engine_reading(db, clock, person_id=person, temp_c=temp)
        clock.advance(40)
    with db.write() as session:
        entries.register_visitor(
            session,
            actor,
            Rules(),
            name="王芳",
            phone="13800001234",
            reason="parent meeting",
            host="李华",
            temp_c=36.5,
            clock=clock,
        )
        clock.advance(30)
        entries.deny_entry(session, actor, reason="no_mask", clock=clock)
        clock.advance(30)
    for person, temp in (("S1005", 37.6), ("S1006", 36.3), ("S1001", 38.1)):
        engine_reading(db, clock, person_id=person, temp_c=temp)
        clock.advance(40)
    clock.advance(5)


async def ready(pilot: Pilot[Any]) -> None:
    await gate_ready(pilot)
    app = pilot.app
    assert isinstance(app, DutyConsoleApp)
    await until(pilot, lambda: app.live is not None and len(app.live.fevers) == 2)
    prompt = app.screen.query_one(RecheckPrompt)
    await until(pilot, lambda: prompt.rendered_for_width)
    strip = app.screen.query_one(ArrivalsStrip)
    await until(pilot, lambda: strip.drawn or not strip.display)
    await pilot.pause(0.3)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_gate_screen(
    snap_compare: Any,
    make_app: MakeApp,
    db: Database,
    clock: ManualClock,
    duty_actor: Actor,
    lang: str,
    size: tuple[int, int],
) -> None:
    a_morning_at_the_gate(db, clock, duty_actor)
    assert snap_compare(make_app(lang=lang), terminal_size=size, run_before=ready)


def test_refuse_entry_form(
    snap_compare: Any, make_app: MakeApp, db: Database, clock: ManualClock, duty_actor: Actor
) -> None:
    a_morning_at_the_gate(db, clock, duty_actor)

    async def open_form(pilot: Pilot[Any]) -> None:
        await ready(pilot)
        await pilot.press("d")
        await pilot.pause(0.2)

    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=open_form)
