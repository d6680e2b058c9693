"""Leaving the console at the gate (issue: security and robustness, point 7).

The gate console runs as the database's owner; quitting it must not hand the next person that
account's shell. At the gate only an admin closes it; anyone else signs out and the sign-in
screen comes back, as it does when nobody pressed a key for ``[access] idle_lock_min``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from duty_console.domain.actors import Actor
from duty_console.tui import run as run_module
from duty_console.tui.app import DutyConsoleApp
from duty_console.tui.screens.sign_in import SignInScreen

from .conftest import gate_ready, until

MakeApp = Callable[..., DutyConsoleApp]
ADMIN = Actor("T004", "赵敏", "admin", "north", "console")


async def test_ctrl_q_at_the_gate_signs_the_duty_teacher_out(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await gate_ready(pilot)
        await pilot.press("ctrl+q")
        await until(pilot, lambda: app.signed_out)
    assert app.return_code == 0


async def test_an_admin_closes_the_gate_console(make_app: MakeApp) -> None:
    app = make_app(actor=ADMIN)
    async with app.run_test(size=(80, 24)) as pilot:
        await gate_ready(pilot)
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert not app.signed_out and app.return_code == 0


async def test_over_ssh_anyone_may_leave(make_app: MakeApp, officer_actor: Actor) -> None:
    app = make_app(actor=officer_actor)  # via ssh
    async with app.run_test(size=(80, 24)) as pilot:
        await gate_ready(pilot)
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert not app.signed_out


async def test_nobody_closes_the_sign_in_screen_at_the_gate(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SSH_CONNECTION", raising=False)
    app = make_app(actor=None, lang="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, SignInScreen))
        await pilot.press("ctrl+q")
        await until(pilot, lambda: len(app._notifications) == 1)
        told = next(iter(app._notifications)).message
        assert told == "The gate console stays open; an administrator signs in to close it."
        assert app.is_running and isinstance(app.screen, SignInScreen)


async def test_an_idle_console_goes_back_to_the_sign_in_screen(make_app: MakeApp) -> None:
    app = make_app(idle_lock_s=2.0)
    async with app.run_test(size=(80, 24)) as pilot:
        await gate_ready(pilot)
        for _ in range(6):  # someone is working: three seconds, and no lock
            await pilot.press("down")
            await pilot.pause(0.5)
        assert not app.signed_out
        await until(pilot, lambda: app.signed_out, timeout=5)


def test_signing_out_starts_the_console_again_with_nobody_signed_in(
    runtime: Any, duty_actor: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[Actor | None] = []

    class FakeApp:
        def __init__(self, rt: Any, actor: Actor | None, *, lang: str) -> None:
            started.append(actor)
            self.signed_out = len(started) < 3  # signs out twice, then an admin closes it
            self.hung_up = False
            self.return_code = 0
            self.watch_terminal = False

        def run(self, mouse: bool = True) -> None:
            pass

        def stop_live_feed(self) -> None:
            pass

    monkeypatch.setattr("duty_console.tui.app.DutyConsoleApp", FakeApp)
    assert run_module.run_console(runtime, duty_actor, lang="en") == 0
    assert started == [duty_actor, None, None]
