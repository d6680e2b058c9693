"""The reports view (`:reports`): the day's report, its pictures, export and submission."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from textual.pilot import Pilot

from duty_console.db.connect import Database
from duty_console.domain import report_versions, supplies
from duty_console.domain.actors import Actor
from duty_console.domain.clock import ManualClock
from duty_console.reports.daily import make_daily_report
from duty_console.tui.app import DutyConsoleApp
from duty_console.tui.screens.reports import ReportsScreen

from .conftest import gate_ready, screen_text, shows, until
from .test_snapshots import a_morning_at_the_gate

MakeApp = Callable[..., DutyConsoleApp]
TZ = ZoneInfo("Asia/Shanghai")


async def reports_ready(pilot: Pilot[Any]) -> None:
    await gate_ready(pilot)
    app = pilot.app
    assert isinstance(app, DutyConsoleApp)
    app.show_view("reports")
    await until(
        pilot, lambda: isinstance(app.screen, ReportsScreen) and app.screen.shown is not None
    )
    await pilot.pause(0.1)


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_reports_view(
    snap_compare: Any,
    make_app: MakeApp,
    db: Database,
    clock: ManualClock,
    duty_actor: Actor,
    officer_actor: Actor,
    lang: str,
) -> None:
    a_morning_at_the_gate(db, clock, duty_actor)
    app = make_app(lang=lang, actor=officer_actor)
    assert snap_compare(app, terminal_size=(80, 24), run_before=reports_ready)


async def test_the_view_shows_the_day_and_marks_it_submitted(
    make_app: MakeApp,
    db: Database,
    clock: ManualClock,
    duty_actor: Actor,
    officer_actor: Actor,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    a_morning_at_the_gate(db, clock, duty_actor)
    app = make_app(lang="en", actor=officer_actor)
    async with app.run_test(size=(100, 40)) as pilot:
        await reports_ready(pilot)
        text = screen_text(app)
        assert "2026-11-29 (today)" in text
        assert "not a zero report" in text
        assert "Arrivals per 10 minutes" in text
        assert "|37.3" in text  # the fever line under the temperatures
        await pilot.press("e")
        await until(pilot, lambda: (tmp_path / "reports").is_dir())
        await pilot.press("s")
        await shows(pilot, "submitted by T002")
        await pilot.press("left_square_bracket")
        await shows(pilot, "2026-11-28")
        await shows(pilot, "zero report  not made yet")
    with db.read() as session:
        row = report_versions.submitted(session, "2026-11-29")
    assert row is not None and row.submitted_by == "T002"
    assert sorted(p.suffix for p in (tmp_path / "reports").iterdir()) == [".md", ".xlsx"]


async def test_a_duty_teacher_cannot_submit(
    make_app: MakeApp, db: Database, clock: ManualClock, duty_actor: Actor
) -> None:
    app = make_app(lang="en", actor=duty_actor)
    async with app.run_test(size=(80, 24)) as pilot:
        await reports_ready(pilot)
        screen = app.screen
        assert isinstance(screen, ReportsScreen)
        assert screen.check_action("submit", ()) is False
        assert screen.check_action("export", ()) is False
        assert screen.check_action("previous", ()) is True


async def test_low_stock_shows_in_the_header(
    make_app: MakeApp, db: Database, clock: ManualClock, duty_actor: Actor
) -> None:
    app = make_app(lang="en", actor=duty_actor)
    async with app.run_test(size=(120, 30)) as pilot:
        await gate_ready(pilot)
        assert "supplies low" not in screen_text(app)
        with db.write() as session:
            supplies.move(
                session, duty_actor, "gown", -40, "used in the isolation room", clock=clock
            )
        await shows(pilot, "supplies low 1")


async def test_an_officer_is_reminded_of_an_unsubmitted_report(
    make_app: MakeApp, db: Database, clock: ManualClock, officer_actor: Actor
) -> None:
    clock.advance(10 * 3600)  # 18:00 local, after [reports] remind_at (17:00)
    app = make_app(lang="en", actor=officer_actor)
    async with app.run_test(size=(120, 30)) as pilot:
        await shows(pilot, "report not submitted")
        with db.write() as session:
            make_daily_report(session, officer_actor, date(2026, 11, 29), TZ, clock=clock)
            report_versions.submit(session, officer_actor, "2026-11-29", clock=clock)
        await until(pilot, lambda: "report not submitted" not in screen_text(app))
