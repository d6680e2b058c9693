"""Screenshots of the isolation board and a walkthrough step, with fixed data and a stopped clock,
in both languages. Regenerate after a deliberate change with --snapshot-update, then look."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from textual.pilot import Pilot

from duty_console.db.connect import Database
from duty_console.domain import rooms, walkthrough
from duty_console.domain.actors import Actor
from duty_console.domain.clock import ManualClock
from duty_console.tui.app import DutyConsoleApp
from duty_console.tui.screens.rooms import RoomsScreen

from .conftest import gate_ready, until
from .test_rooms_incidents import confirmed_fever, walk_ready

MakeApp = Callable[..., DutyConsoleApp]
DOCTOR = Actor(staff_id="T003", name="陈静", role="doctor", gate="north", via="console")


def an_incident_in_progress(db: Database, clock: ManualClock, actor: Actor) -> int:
    """S1001's fever confirmed and in room 1; room 2 used earlier and not yet disinfected."""
    with db.write() as s:
        rooms.admit(s, actor, "ISO-2", person_id="S1004", reason="vomiting", clock=clock)
    clock.advance(120)
    with db.write() as s:
        rooms.release(s, actor, "ISO-2", disposition="guardian", collected_by="周丽萍", clock=clock)
    incident_id = confirmed_fever(db, clock, actor)
    with db.write() as s:
        rooms.admit(s, actor, None, incident_id=incident_id, reason="38.0", clock=clock)
        clock.advance(180)
        walkthrough.do_step(
            s, DOCTOR, incident_id, 3, fields={"axillary_c": "38.3"}, note="左腋下", clock=clock
        )
    clock.advance(60)
    return incident_id


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_rooms_board(
    snap_compare: Any,
    make_app: MakeApp,
    db: Database,
    clock: ManualClock,
    duty_actor: Actor,
    lang: str,
) -> None:
    an_incident_in_progress(db, clock, duty_actor)

    async def open_board(pilot: Pilot[Any]) -> None:
        await gate_ready(pilot)
        await pilot.press("colon", *"rooms", "enter")
        app = pilot.app
        await until(
            pilot, lambda: isinstance(app.screen, RoomsScreen) and app.screen.board is not None
        )
        await pilot.pause(0.1)

    assert snap_compare(make_app(lang=lang), terminal_size=(100, 24), run_before=open_board)


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_walkthrough_step(
    snap_compare: Any,
    make_app: MakeApp,
    db: Database,
    clock: ManualClock,
    duty_actor: Actor,
    lang: str,
) -> None:
    an_incident_in_progress(db, clock, duty_actor)

    async def open_walk(pilot: Pilot[Any]) -> None:
        await gate_ready(pilot)
        await pilot.press("colon", *"incidents", "enter")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await walk_ready(pilot)
        await pilot.pause(0.1)

    assert snap_compare(make_app(lang=lang), terminal_size=(120, 36), run_before=open_walk)
