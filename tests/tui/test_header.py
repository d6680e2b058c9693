"""The header at 80 columns (SSH) keeps who is signed in and the time in sight beside the
alerts: the school's name, the date and the calm 'on duty' give way first."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from duty_console.db.connect import Database
from duty_console.domain.actors import Actor
from duty_console.domain.clock import ManualClock
from duty_console.tui.app import DutyConsoleApp
from duty_console.tui.text import role_label

from .conftest import engine_reading, gate_ready, screen_text, until

MakeApp = Callable[..., DutyConsoleApp]


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
async def test_who_and_when_stay_in_sight_at_80_columns(
    make_app: MakeApp, db: Database, clock: ManualClock, duty_actor: Actor, lang: str
) -> None:
    engine_reading(db, clock, person_id="S1001", temp_c=38.4)
    clock.advance(15 * 60)  # the fever's recheck is overdue: an alert in the header
    app = make_app(lang=lang)
    site = app.rt.settings.site
    local = clock.now().astimezone(site.tz)
    who = f"{duty_actor.name} {role_label(duty_actor.role)}"
    async with app.run_test(size=(80, 24)) as pilot:
        await gate_ready(pilot)
        overdue = app.screen.query_one("#overdue")
        await until(pilot, lambda: bool(overdue.display))
        top = screen_text(app).splitlines()[0]
        assert who in top and local.strftime("%H:%M") in top
        assert site.name not in top
        assert local.strftime("%m-%d") not in top
        await pilot.resize_terminal(130, 30)
        await until(pilot, lambda: local.strftime("%m-%d %H:%M") in screen_text(app))
        top = screen_text(app).splitlines()[0]
        assert site.name in top and who in top
