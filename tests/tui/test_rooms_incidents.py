"""The incident walkthrough and the isolation board in the console, driven with Pilot."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlmodel import select
from textual.pilot import Pilot
from textual.widgets import DataTable

from duty_console.db.connect import Database
from duty_console.db.models import Incident, IsolationStay
from duty_console.domain import rooms
from duty_console.domain.actors import Actor
from duty_console.domain.clock import ManualClock
from duty_console.domain.entries import record_manual_reading
from duty_console.domain.screening import Rules
from duty_console.tui.app import DutyConsoleApp
from duty_console.tui.screens.incidents import IncidentsScreen
from duty_console.tui.screens.rooms import RoomsScreen
from duty_console.tui.screens.walkthrough import WalkthroughScreen
from duty_console.tui.widgets.step_form import StepForm

from .conftest import gate_ready, screen_text, shows, until

MakeApp = Callable[..., DutyConsoleApp]
FIELD_VALUES = {
    "axillary_c": "38.4",
    "guardian_name": "张春梅",
    "report_ref": "CDC-2026-0042",
    "agent": "chlorine",
    "concentration": "1000 mg/L",
}


def confirmed_fever(db: Database, clock: ManualClock, actor: Actor, person: str = "S1001") -> int:
    for temp in (38.1, 38.0):
        with db.write() as s:
            entry, _decision = record_manual_reading(
                s, actor, Rules(), temp_c=temp, person_id=person, mode="manual", clock=clock
            )
        clock.advance(90)
    with db.read() as s:
        incident = s.exec(select(Incident).where(Incident.entry_id == entry.id)).one()
        assert incident.id is not None
        return incident.id


async def go(pilot: Pilot[Any], view: str) -> None:
    await pilot.press("colon", *view, "enter")
    await pilot.pause(0.1)


async def walk_ready(pilot: Pilot[Any]) -> WalkthroughScreen:
    app = pilot.app
    await until(pilot, lambda: isinstance(app.screen, WalkthroughScreen))
    screen = app.screen
    assert isinstance(screen, WalkthroughScreen)
    await until(pilot, lambda: screen.walk is not None)
    return screen


async def submit_form(pilot: Pilot[Any], values: dict[str, str] | None = None) -> None:
    app = pilot.app
    await until(pilot, lambda: isinstance(app.screen, StepForm))
    form = app.screen
    assert isinstance(form, StepForm)
    from textual.widgets import Input

    for key, value in (values or {}).items():
        form.query_one(f"#field-{key}", Input).value = value
    await pilot.press("ctrl+s")
    await until(pilot, lambda: not isinstance(app.screen, StepForm))


async def do_open_steps(pilot: Pilot[Any], screen: WalkthroughScreen, leave: set[int]) -> None:
    while True:
        await until(pilot, lambda: screen.walk is not None)
        assert screen.walk is not None
        todo = [
            (i, v) for i, v in enumerate(screen.walk.steps) if not v.finished and v.n not in leave
        ]
        if not todo:
            return
        index, step = todo[0]
        before = screen.walk
        screen.query_one(DataTable).move_cursor(row=index)
        await pilot.pause()
        if step.skippable:
            await pilot.press("s")
            await submit_form(pilot, {"reason": "not a suspected case"})
        else:
            await pilot.press("d")
            values = {k: FIELD_VALUES[k] for k in step.fields}
            values["note"] = "done"
            await submit_form(pilot, values)
        await until(pilot, lambda before=before: screen.walk is not before)  # type: ignore[misc]


async def test_a_fever_at_the_gate_is_walked_to_closing_in_the_console(
    make_app: MakeApp, db: Database, clock: ManualClock, duty_actor: Actor, officer_actor: Actor
) -> None:
    incident_id = confirmed_fever(db, clock, duty_actor)
    app = make_app(lang="en", actor=officer_actor)
    async with app.run_test(size=(120, 40)) as pilot:
        await gate_ready(pilot)
        await go(pilot, "incidents")
        await until(pilot, lambda: isinstance(app.screen, IncidentsScreen))
        await shows(pilot, "Fever detected at the gate")
        await pilot.press("enter")
        screen = await walk_ready(pilot)
        # The officer's own step (the district report) comes first.
        assert screen.walk is not None and screen.walk.steps[0].row.role == "officer"
        await shows(pilot, "Step 7 of 10")
        await shows(pilot, "Time left")

        # A required field is enforced in the form too: the axillary reading.
        three = next(i for i, v in enumerate(screen.walk.steps) if v.n == 3)
        screen.query_one(DataTable).move_cursor(row=three)
        await pilot.pause()
        await pilot.press("d")
        await until(pilot, lambda: isinstance(app.screen, StepForm))
        await pilot.press("ctrl+s")
        await shows(pilot, "Fill in: axillary temperature (C)")
        await pilot.press("escape")

        await pilot.press("r")  # the room, in one action from the incident
        await submit_form(pilot)
        await shows(pilot, "room ISO-1")
        await do_open_steps(pilot, screen, leave={9})

        await pilot.press("escape")
        await go(pilot, "rooms")
        await until(pilot, lambda: isinstance(app.screen, RoomsScreen))
        rooms_screen = app.screen
        assert isinstance(rooms_screen, RoomsScreen)
        await until(pilot, lambda: rooms_screen.board is not None)
        await shows(pilot, "occupied")
        await pilot.press("l")  # release: guardian (the first choice), the name prefilled
        await submit_form(pilot)
        await shows(pilot, "needs_disinfection")
        with db.read() as s:
            stay = s.exec(select(IsolationStay).where(IsolationStay.incident_id == incident_id))
            assert stay.one().collected_by == "张春梅"
            assert rooms.room_state(s, rooms._room(s, "ISO-1")).state == "needs_disinfection"
        await pilot.press("x")
        await submit_form(pilot, {"concentration": "800 mg/L"})  # the agent: chlorine, offered
        await until(pilot, lambda: "needs_disinfection" not in screen_text(app))
        await shows(pilot, "ready")

        await go(pilot, "incidents")
        await until(pilot, lambda: isinstance(app.screen, IncidentsScreen))
        await shows(pilot, "ready to close")
        await pilot.press("enter")
        screen = await walk_ready(pilot)
        await pilot.press("c")
        await submit_form(pilot, {"note": "collected by the guardian"})
        await shows(pilot, "closed")
    with db.read() as s:
        closed = s.get(Incident, incident_id)
        assert closed is not None and closed.state == "closed"


async def test_an_overdue_step_alerts_every_console_until_acknowledged(
    make_app: MakeApp, db: Database, clock: ManualClock, duty_actor: Actor
) -> None:
    confirmed_fever(db, clock, duty_actor)
    app = make_app(lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await gate_ready(pilot)
        clock.advance(61 * 60)  # step 5 (guardian within 60 min) is overdue
        app.nudge()
        await until(pilot, lambda: app.live is not None and bool(app.live.alerts))
        first = set(app.alerted)
        clock.advance(2 * 60)
        app.nudge()
        await until(pilot, lambda: set(app.alerted) - first != set())  # rang again
        await go(pilot, "incidents")
        await until(pilot, lambda: isinstance(app.screen, IncidentsScreen))
        await shows(pilot, "overdue")
        await pilot.press("enter")
        screen = await walk_ready(pilot)
        assert screen.walk is not None
        five = next(i for i, v in enumerate(screen.walk.steps) if v.n == 5)
        screen.query_one(DataTable).move_cursor(row=five)
        await pilot.pause()
        await shows(pilot, "OVERDUE by")
        await pilot.press("a")
        await submit_form(pilot)
        app.nudge()
        await until(pilot, lambda: app.live is not None and all(a.n != 5 for a in app.live.alerts))
