"""The people views: ``:checks`` and ``:rota`` with the handover, driven by keys, and their
screenshots in both languages (fixed data, a stopped clock)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from textual.pilot import Pilot

from duty_console.config import RotaSettings
from duty_console.db.connect import Database
from duty_console.domain import absences, checks, handover, incidents, rota, watch
from duty_console.domain.actors import Actor
from duty_console.domain.clock import ManualClock
from duty_console.tui.app import DutyConsoleApp
from duty_console.tui.screens.checks import ChecksScreen
from duty_console.tui.screens.rota import RotaScreen

from .conftest import gate_ready, screen_text, shows, until

TZ = ZoneInfo("Asia/Shanghai")
NIGHT = Actor(staff_id="T005", name="周文博", role="duty", gate="north", via="console")
MakeApp = Callable[..., DutyConsoleApp]


def a_day_of_people(db: Database, clock: ManualClock, day_actor: Actor, officer: Actor) -> int:
    """Day shift T001, night shift T005; at 19:50 the noon checks are partly in, an absence is
    followed up, two people are under watch (one checked), and T001 hands over to T005."""
    shifts = RotaSettings().shifts
    today = date(2026, 11, 29)
    with db.write() as s:
        for staff_id, name in (("T001", "day"), ("T005", "night")):
            start, end = rota.shift_window(today, rota.find_pattern(shifts, name), TZ)
            rota.add_shift(s, officer, staff_id, start, end, tz=TZ, clock=clock)
        for cls, present, absent, sick, symptoms in (
            ("七年级1班", 31, 2, 1, 1),
            ("七年级2班", 33, 0, 0, 0),
            ("八年级1班", 32, 1, 1, 0),
        ):
            checks.record_check(
                s,
                day_actor,
                cls,
                "noon",
                present=present,
                absent=absent,
                absent_sick=sick,
                symptomatic=symptoms,
                symptomatic_people=["S1001"] if symptoms else [],
                day=today,
                clock=clock,
            )
        absences.add_absence(s, day_actor, "S1002", "sick", "fever,cough", clock=clock)
        absences.add_absence(s, day_actor, "S1040", "sick", "diarrhoea", clock=clock)
        absences.follow_up(s, day_actor, "S1040", "recovered", clock=clock)
        watch.add_watch(s, officer, "S1003", "risk_area_travel", "T001", clock=clock)
        watch.record_check(s, day_actor, "S1003", "ok", clock=clock)
        incidents.open_incident(s, day_actor, "fever-at-gate", person_id="S1005", clock=clock)
    clock.advance(11 * 3600 + 50 * 60)  # 19:50, ten minutes before the night shift
    with db.write() as s:
        h = handover.start(s, day_actor, "T005", notes="IR gun 2 battery low", tz=TZ, clock=clock)
    assert h.id is not None
    return h.id


async def on_view(pilot: Pilot[Any], name: str, screen: type) -> None:
    await gate_ready(pilot)
    app = pilot.app
    assert isinstance(app, DutyConsoleApp)
    app.show_view(name)
    await until(pilot, lambda: isinstance(app.screen, screen))
    await pilot.pause(0.2)


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_checks_view(
    snap_compare: Any,
    make_app: MakeApp,
    db: Database,
    clock: ManualClock,
    duty_actor: Actor,
    officer_actor: Actor,
    lang: str,
) -> None:
    a_day_of_people(db, clock, duty_actor, officer_actor)

    async def run(pilot: Pilot[Any]) -> None:
        await on_view(pilot, "checks", ChecksScreen)

    assert snap_compare(make_app(lang=lang), terminal_size=(120, 36), run_before=run)


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_rota_view_with_the_handover(
    snap_compare: Any,
    make_app: MakeApp,
    db: Database,
    clock: ManualClock,
    duty_actor: Actor,
    officer_actor: Actor,
    lang: str,
) -> None:
    a_day_of_people(db, clock, duty_actor, officer_actor)

    async def run(pilot: Pilot[Any]) -> None:
        await on_view(pilot, "rota", RotaScreen)

    app = make_app(lang=lang, actor=NIGHT)
    assert snap_compare(app, terminal_size=(120, 36), run_before=run)


async def test_the_incoming_person_confirms_each_item_then_the_outgoing_signs_out(
    make_app: MakeApp, db: Database, clock: ManualClock, duty_actor: Actor, officer_actor: Actor
) -> None:
    hid = a_day_of_people(db, clock, duty_actor, officer_actor)
    with db.read() as s:
        total = len(handover.items_of(s, hid))
    app = make_app(lang="en", actor=NIGHT)
    async with app.run_test(size=(120, 36)) as pilot:
        await on_view(pilot, "rota", RotaScreen)
        screen = app.screen
        assert isinstance(screen, RotaScreen)
        assert not screen.available("sign_out")  # not the outgoing person
        for _n in range(total):
            await pilot.press("c")
            await pilot.press("down")
            await pilot.pause(0.05)
        await shows(pilot, f"{total}/{total} answered")
    with db.read() as s:
        assert all(i.state == "confirmed" for i in handover.items_of(s, hid))

    app = make_app(lang="en", actor=duty_actor)
    async with app.run_test(size=(120, 36)) as pilot:
        await on_view(pilot, "rota", RotaScreen)
        assert "shift ends in 10 min" in screen_text(app)
        await pilot.press("o")
        await shows(pilot, "No handover open for you")
    with db.read() as s:
        assert handover.get(s, hid).state == "signed_out"


async def test_the_checks_view_lists_who_has_not_reported_and_records_a_check(
    make_app: MakeApp, db: Database, clock: ManualClock, duty_actor: Actor, officer_actor: Actor
) -> None:
    a_day_of_people(db, clock, duty_actor, officer_actor)
    app = make_app(lang="en")
    async with app.run_test(size=(120, 36)) as pilot:
        await on_view(pilot, "checks", ChecksScreen)
        await shows(pilot, "3/10 classes reported")
        assert "not reported: 七年级3班" in screen_text(app)
        # Down to 七年级3班 (the third row) and record its noon check.
        await pilot.press("down", "down", "c")
        await pilot.pause(0.2)
        await pilot.press(*"33", "enter", "enter", "enter", "enter", "enter")
        await shows(pilot, "4/10 classes reported")
    with db.read() as s:
        assert "七年级3班" not in checks.not_reported(s, date(2026, 11, 29), "noon")


async def test_help_and_keys_follow_the_role(
    make_app: MakeApp, db: Database, clock: ManualClock, duty_actor: Actor, officer_actor: Actor
) -> None:
    """The rota's actions come from its table: a duty teacher may hand over but not edit the
    rota; the officer may; a doctor checks the fit-to-return note on :checks, duty staff not."""
    app = make_app(lang="en", actor=duty_actor)
    async with app.run_test(size=(120, 36)) as pilot:
        await on_view(pilot, "rota", RotaScreen)
        await pilot.press("question_mark")
        await shows(pilot, "Start the handover to the next person")
        assert "Put a staff member on a shift" not in screen_text(app)
    app = make_app(lang="en", actor=officer_actor)
    async with app.run_test(size=(120, 36)) as pilot:
        await on_view(pilot, "rota", RotaScreen)
        assert app.screen.check_action("add", ())
        app.show_view("checks")
        await until(pilot, lambda: isinstance(app.screen, ChecksScreen))
        assert not app.screen.check_action("back", ())
    doctor = Actor("T003", "陈静", "doctor", "north", "console")
    app = make_app(lang="en", actor=doctor)
    async with app.run_test(size=(120, 36)) as pilot:
        await on_view(pilot, "checks", ChecksScreen)
        assert app.screen.check_action("back", ())


async def test_past_handovers_are_searched_from_the_rota(
    make_app: MakeApp, db: Database, clock: ManualClock, duty_actor: Actor, officer_actor: Actor
) -> None:
    a_day_of_people(db, clock, duty_actor, officer_actor)
    app = make_app(lang="en", actor=officer_actor)
    async with app.run_test(size=(120, 36)) as pilot:
        await on_view(pilot, "rota", RotaScreen)
        await pilot.press("slash")
        await pilot.pause(0.2)
        await pilot.press(*"no such words", "enter")
        await shows(pilot, "matching: no such words")
        assert "IR gun 2 battery low" not in screen_text(app)
        await pilot.press("slash")
        await pilot.pause(0.2)
        await pilot.press(*(["backspace"] * 13), *"battery", "enter")
        await shows(pilot, "matching: battery")
        assert "IR gun 2 battery low" in screen_text(app)


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_handover_answered_and_ready_to_sign_out(
    snap_compare: Any,
    make_app: MakeApp,
    db: Database,
    clock: ManualClock,
    duty_actor: Actor,
    officer_actor: Actor,
    lang: str,
) -> None:
    """The outgoing person's view once every item is confirmed or flagged: the sign-out key."""
    hid = a_day_of_people(db, clock, duty_actor, officer_actor)
    with db.write() as s:
        for item in handover.items_of(s, hid):
            if item.kind == "note":
                handover.answer(s, NIGHT, hid, item.n, flag=True, note="no spare", clock=clock)
            else:
                handover.answer(s, NIGHT, hid, item.n, clock=clock)

    async def run(pilot: Pilot[Any]) -> None:
        await on_view(pilot, "rota", RotaScreen)
        await pilot.pause(0.2)

    assert snap_compare(make_app(lang=lang), terminal_size=(120, 36), run_before=run)
