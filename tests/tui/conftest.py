"""Console test helpers: the app on the fixtures' real SQLite file, engine-like writes, waiting."""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from typing import Any

import pytest
from rich.console import Console
from textual.pilot import Pilot

from duty_console.db.connect import Database
from duty_console.domain.actors import Actor, system_actor
from duty_console.domain.clock import ManualClock
from duty_console.domain.intake import record_reading
from duty_console.domain.screening import Mode, Rules
from duty_console.runtime import Runtime
from duty_console.tui.app import DutyConsoleApp

RULES = Rules()


def engine_reading(
    db: Database,
    clock: ManualClock,
    *,
    person_id: str | None,
    temp_c: float,
    device: str = "north-ir-1",
    gate: str = "north",
    note: str = "",
) -> int:
    """Write one reading the way the engine does (the one screening path), committed on its own."""
    engine = system_actor(gate=gate, via="engine", name=f"engine:{gate}")
    with db.write() as session:
        entry, _decision = record_reading(
            session,
            engine,
            RULES,
            person_id=person_id,
            temp_c=temp_c,
            mode=Mode.IR,
            kind="body",
            at=clock.now(),
            device=device,
            note=note,
            clock=clock,
        )
        assert entry.id is not None
        return entry.id


def screen_text(app: DutyConsoleApp) -> str:
    """What the terminal shows, as plain text (the screen and any modal over it)."""
    width, height = app.size
    console = Console(
        width=width,
        height=height,
        file=io.StringIO(),
        force_terminal=True,
        color_system=None,
        record=True,
        legacy_windows=False,
    )
    console.print(
        app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    )
    return console.export_text()


async def until(pilot: Pilot[Any], condition: Callable[[], bool], timeout: float = 5.0) -> float:
    """Let the app run until ``condition`` holds; returns how long it took."""
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > timeout:
            raise AssertionError(f"still waiting after {timeout} s")
        await pilot.pause(0.02)
    return time.monotonic() - start


async def shows(pilot: Pilot[Any], text: str, timeout: float = 5.0) -> None:
    """Wait until ``text`` is on the screen."""
    app = pilot.app
    assert isinstance(app, DutyConsoleApp)
    try:
        await until(pilot, lambda: text in screen_text(app), timeout)
    except AssertionError:
        raise AssertionError(f"{text!r} not on screen:\n{screen_text(app)}") from None


async def typed(pilot: Pilot[Any], text: str) -> None:
    await pilot.press(*text)


async def gate_ready(pilot: Pilot[Any]) -> None:
    """Signed in, the gate shown and its log and live state read."""
    from duty_console.tui.screens.gate import GateScreen
    from duty_console.tui.widgets.entry_log import EntryLog

    app = pilot.app
    assert isinstance(app, DutyConsoleApp)
    await until(
        pilot,
        lambda: (
            isinstance(app.screen, GateScreen)
            and app.live is not None
            and app.screen.query_one(EntryLog).loaded
        ),
    )
    await pilot.pause()


@pytest.fixture
def make_app(
    runtime: Runtime, duty_actor: Actor, clock: ManualClock
) -> Callable[..., DutyConsoleApp]:
    def make(
        lang: str = "zh_CN",
        actor: Actor | None = duty_actor,
        runtime: Runtime = runtime,
        **options: Any,
    ) -> DutyConsoleApp:
        return DutyConsoleApp(
            runtime, actor, lang=lang, clock=clock, poll_interval_s=0.05, **options
        )

    return make


@pytest.fixture(autouse=True)
def _restore_language() -> Any:
    yield
    from duty_console.i18n import set_language

    set_language("zh_CN")
