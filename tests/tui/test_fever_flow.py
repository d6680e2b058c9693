"""The fever flow at the gate, as the night duty teacher lives it (Pilot at 80x24, real SQLite)."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from duty_console.db.connect import Database
from duty_console.domain import entries
from duty_console.domain.clock import ManualClock
from duty_console.tui import app as app_module
from duty_console.tui.app import DutyConsoleApp
from duty_console.tui.screens.gate import GateScreen
from duty_console.tui.widgets.close_fever import CloseFever
from duty_console.tui.widgets.last_reading import LastReading
from duty_console.tui.widgets.manual_reading import ManualReading
from duty_console.tui.widgets.recheck_prompt import RecheckPrompt

from .conftest import engine_reading, gate_ready, screen_text, shows, typed, until

MakeApp = Callable[..., DutyConsoleApp]


async def test_an_unrechecked_fever_stays_on_screen_overdue_and_rings_again(
    make_app: MakeApp, db: Database, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app_module, "OVERDUE_BELL_S", 0.2)
    app = make_app()
    bells: list[float] = []
    app.bell = lambda: bells.append(time.monotonic())  # type: ignore[method-assign]
    async with app.run_test(size=(80, 24)) as pilot:
        await gate_ready(pilot)
        engine_reading(db, clock, person_id="S1001", temp_c=38.1)
        await shows(pilot, "待复测 1 人")
        await pilot.pause(0.5)
        rung = len(bells)
        assert rung >= 1, "the fever rang once"
        await pilot.pause(0.5)
        assert len(bells) == rung, "inside its window, a fever rings once"

        clock.advance(301)
        await shows(pilot, "复测超时：1 / 1 人")
        await shows(pilot, "复测超时1 ")  # the header's count
        prompt = app.screen.query_one(RecheckPrompt)
        assert prompt.has_class("-overdue")
        await pilot.pause(0.6)
        assert len(bells) > rung, "an overdue recheck rings again"

        clock.advance(3 * 3600)
        app.nudge()
        await pilot.pause(0.3)
        assert "复测超时" in screen_text(app), "hours later, still there"


async def test_the_recheck_waits_for_the_rest_and_says_until_when(
    make_app: MakeApp, db: Database, clock: ManualClock
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await gate_ready(pilot)
        fever_id = engine_reading(db, clock, person_id="S1001", temp_c=38.1)
        await shows(pilot, "休息中，08:01:00 复测 (1:00)")
        clock.advance(20)
        await shows(pilot, "休息中，08:01:00 复测 (0:40)")
        await pilot.press("r")
        await pilot.pause(0.2)
        assert isinstance(app.screen, GateScreen), "no recheck form during the rest"
        told = [n.message for n in app._notifications]
        assert "请先让其休息：08:01:00 起的复测才有效。" in told

        # A second pull of the gun during the rest: the same fever, no second one.
        engine_reading(db, clock, person_id="S1001", temp_c=38.3)
        last = app.screen.query_one(LastReading)
        await until(pilot, lambda: last.row is not None and last.row.rest_of == fever_id)
        await shows(pilot, "距复测时间太近：请休息，08:01:00 复测")
        assert "待复测 1 人" in screen_text(app)

        clock.advance(45)
        await shows(pilot, "剩 3:55")
        await pilot.press("r")
        await until(pilot, lambda: isinstance(app.screen, ManualReading))
        await typed(pilot, "36.6")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, GateScreen))
        await until(pilot, lambda: not app.screen.query_one(RecheckPrompt).fevers)
    with db.read() as session:
        assert entries.open_fevers(session) == []


async def test_a_reading_nobody_is_named_for_never_says_may_enter(
    make_app: MakeApp, db: Database, clock: ManualClock
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await gate_ready(pilot)
        engine_reading(
            db, clock, person_id=None, temp_c=36.5, note="card 99999999 is not in the roster"
        )
        await shows(pilot, "卡号不在名册中：按 p 指定人员")
        assert "可以入校" not in screen_text(app)
        assert not app.screen.query_one(LastReading).has_class("-normal")
        clock.advance(15)
        engine_reading(db, clock, person_id=None, temp_c=36.4)
        await shows(pilot, "未识别身份：按 p 指定人员")
        assert "可以入校" not in screen_text(app)


async def test_closing_a_fever_with_a_reason_takes_it_off_every_console(
    make_app: MakeApp, db: Database, clock: ManualClock
) -> None:
    app = make_app(lang="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await gate_ready(pilot)
        engine_reading(db, clock, person_id="S1002", temp_c=38.6)
        await shows(pilot, "Awaiting recheck: 1")
        await pilot.press("x")
        await until(pilot, lambda: isinstance(app.screen, CloseFever))
        await pilot.press("enter")
        await shows(pilot, "Say why the fever is closed without a recheck.")
        await typed(pilot, "went home with parent")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, GateScreen))
        await until(pilot, lambda: not app.screen.query_one(RecheckPrompt).fevers)
    with db.read() as session:
        assert entries.open_fevers(session) == []
