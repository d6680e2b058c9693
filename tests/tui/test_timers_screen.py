"""The Timers view (:timers): rows from the records, enter does the obvious thing, alerts ring."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from textual.pilot import Pilot

from duty_console.db.connect import Database
from duty_console.domain import alerts
from duty_console.domain import timers as t
from duty_console.domain.actors import Actor, system_actor
from duty_console.domain.clock import ManualClock
from duty_console.tui.app import DutyConsoleApp
from duty_console.tui.screens.timers import TimersScreen

from .conftest import gate_ready, screen_text, shows, until

MakeApp = Callable[..., DutyConsoleApp]
TZ = ZoneInfo("Asia/Shanghai")
SCHED = t.Schedule(tz=TZ)


def local(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, 29, hour, minute, tzinfo=TZ).astimezone(UTC)


def a_morning_of_timers(db: Database, clock: ManualClock, actor: Actor) -> None:
    """09:40: most key areas disinfected, the canteen not, two airings done, one running."""
    clock.advance((local(7, 30) - clock.now()).total_seconds())
    with db.write() as session:
        for code in ("C7-1", "C7-2", "C7-3", "C7-4", "C8-1", "C8-2", "C8-3", "LIB", "DORM-B"):
            t.record_disinfection(session, actor, code, concentration="500", clock=clock)
        t.record_disinfection(session, actor, "GATE-N", concentration="75%", clock=clock)
    clock.advance((local(9) - clock.now()).total_seconds())
    with db.write() as session:
        for code in ("C7-1", "C7-2"):
            t.start_ventilation(session, actor, code, clock=clock)
    clock.advance(31 * 60)
    with db.write() as session:
        for code in ("C7-1", "C7-2"):
            t.stop_ventilation(session, actor, code, clock=clock)
        t.start_ventilation(session, actor, "C8-1", clock=clock)
    clock.advance(9 * 60)


async def timers_ready(pilot: Pilot[Any]) -> TimersScreen:
    await gate_ready(pilot)
    await pilot.press("colon", *"timers", "enter")
    app = pilot.app
    await until(pilot, lambda: isinstance(app.screen, TimersScreen) and app.screen.loaded)
    await pilot.pause(0.1)
    screen = app.screen
    assert isinstance(screen, TimersScreen)
    return screen


async def test_running_airings_come_first_with_their_countdown(
    make_app: MakeApp, db: Database, clock: ManualClock, duty_actor: Actor
) -> None:
    a_morning_of_timers(db, clock, duty_actor)
    app = make_app(lang="en")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await timers_ready(pilot)
        first = screen.selected
        assert first is not None and (first.area_code, first.state) == ("C8-1", t.RUNNING)
        await shows(pilot, "21:00 left")
        clock.advance(21 * 60)
        await shows(pilot, "may close")
        states = [x.state for x in screen._shown]
        assert states == sorted(states, key=list(t.STATES).index)
        assert "overdue" in screen_text(app).lower()


async def test_enter_stops_the_airing_and_the_day_counts_it(
    make_app: MakeApp, db: Database, clock: ManualClock, duty_actor: Actor
) -> None:
    a_morning_of_timers(db, clock, duty_actor)
    clock.advance(21 * 60)
    app = make_app(lang="en")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await timers_ready(pilot)
        await pilot.press("enter")
        await until(pilot, lambda: all(x.state != t.RUNNING for x in screen.timers))
    with db.read() as session:
        c81 = next(
            x
            for x in t.compute_timers(session, clock.now(), SCHED, area_codes=["C8-1"])
            if x.kind == t.VENTILATION
        )
    assert c81.sessions_today == 1


async def test_enter_on_an_overdue_disinfection_records_it_with_the_concentration(
    make_app: MakeApp, db: Database, clock: ManualClock, duty_actor: Actor
) -> None:
    a_morning_of_timers(db, clock, duty_actor)
    app = make_app(lang="en")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await timers_ready(pilot)
        await pilot.press("slash", *"CAN")
        await pilot.press("enter")  # back to the table
        await until(pilot, lambda: [x.area_code for x in screen._shown] == ["CAN", "CAN"])
        assert screen.selected is not None and screen.selected.kind == t.DISINFECTION
        await pilot.press("enter")
        await shows(pilot, "Disinfected: CAN")
        await pilot.press(*"900", "enter", "enter")  # too strong for a canteen
        await shows(pilot, "250-500 mg/L.")
        await pilot.press("shift+tab", "end", "backspace", "backspace", "backspace")
        await pilot.press(*"400", "enter", *"tables", "enter")
        await until(
            pilot,
            lambda: any(
                x.area_code == "CAN" and x.kind == t.DISINFECTION and x.state == t.OK
                for x in screen.timers
            ),
        )


async def test_an_alert_from_the_engine_rings_and_can_be_acknowledged(
    make_app: MakeApp, db: Database, clock: ManualClock, duty_actor: Actor
) -> None:
    a_morning_of_timers(db, clock, duty_actor)
    app = make_app(lang="en")
    rings: list[int] = []
    app.bell = lambda: rings.append(1)  # type: ignore[method-assign]
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await timers_ready(pilot)
        assert "overdue" in screen_text(app)  # the header count
        with db.write() as session:  # the engine's sweep, as another process would
            t.sweep(session, system_actor(gate="north", via="engine"), SCHED, clock=clock)
        await until(pilot, lambda: bool(rings) and bool(screen.alerts_by_subject))
        await pilot.press("slash", *"CAN", "enter")
        await until(pilot, lambda: screen.check_action("acknowledge", ()) is True)
        await pilot.press("a")
        await shows(pilot, "Acknowledge: CAN")
        await pilot.press(*"cleaner on the way", "enter")
        await until(pilot, lambda: not screen.check_action("acknowledge", ()))
    with db.read() as session:
        alert = alerts.get_active(session, "timer:CAN:disinfection")
        assert alert is not None and alert.ack_reason == "cleaner on the way"


async def test_the_screen_in_chinese_fits_80_columns(
    make_app: MakeApp, db: Database, clock: ManualClock, duty_actor: Actor
) -> None:
    a_morning_of_timers(db, clock, duty_actor)
    app = make_app(lang="zh_CN")
    async with app.run_test(size=(80, 24)) as pilot:
        await timers_ready(pilot)
        shown = screen_text(app)
        assert "通风中" in shown and "超时" in shown


async def test_help_and_the_palette_list_the_timers_actions(
    make_app: MakeApp, db: Database, clock: ManualClock, duty_actor: Actor
) -> None:
    a_morning_of_timers(db, clock, duty_actor)
    app = make_app(lang="en")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await timers_ready(pilot)
        entries = [title for title, _key, _row in screen.palette_entries()]
        assert "timers: Start or stop the airing of the selected area" in entries
        await pilot.press("question_mark")
        await shows(pilot, "Record a disinfection of the selected area")
