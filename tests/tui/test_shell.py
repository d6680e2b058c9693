"""The app shell: signing in, the header, views (k9s grammar), help, commands, keymap, width."""

from __future__ import annotations

import errno
import io
import re
import unicodedata
from collections.abc import Callable
from pathlib import Path

from textual.widgets import Input

from duty_console.config import parse_settings
from duty_console.db.connect import Database
from duty_console.domain.actors import Actor
from duty_console.domain.clock import ManualClock
from duty_console.runtime import Runtime
from duty_console.tui.app import DutyConsoleApp
from duty_console.tui.run import _TerminalFile
from duty_console.tui.screens.gate import GateScreen
from duty_console.tui.screens.help import HelpScreen
from duty_console.tui.screens.rooms import RoomsScreen
from duty_console.tui.screens.sign_in import SignInScreen
from duty_console.tui.screens.timers import TimersScreen
from duty_console.tui.screens.view_prompt import ViewPrompt
from duty_console.tui.widgets.refuse_entry import RefuseEntry

from .conftest import engine_reading, gate_ready, screen_text, shows, typed, until

MakeApp = Callable[..., DutyConsoleApp]


async def test_signing_in_with_staff_number_and_pin(make_app: MakeApp) -> None:
    app = make_app(actor=None)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, SignInScreen))
        assert app.live is None, "nothing is read before someone signs in"
        fields = list(app.screen.query(Input))
        assert fields and not any(f.cursor_blink for f in fields), "idle, nothing redraws"
        await typed(pilot, "T001")
        await pilot.press("enter")
        await typed(pilot, "9999")
        await shows(pilot, "****")  # masked with a glyph of one cell in every terminal
        await pilot.press("enter")
        await shows(pilot, "工号或密码不对。")
        await typed(pilot, "123456")
        await pilot.press("enter")
        await gate_ready(pilot)
        assert app.context is not None and app.context.actor.staff_id == "T001"
        await shows(pilot, "李华 值班")


async def test_guessing_pins_locks_the_staff_number(make_app: MakeApp) -> None:
    app = make_app(actor=None)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, SignInScreen))
        await typed(pilot, "T001")
        await pilot.press("enter")
        for guess in ("0000", "1111", "2222", "3333", "4444"):
            await typed(pilot, guess)
            await pilot.press("enter")
            await shows(pilot, "工号或密码不对。")
        await typed(pilot, "123456")  # the right PIN, too late
        await pilot.press("enter")
        await shows(pilot, "同一工号密码错误次数过多")
        assert isinstance(app.screen, SignInScreen)


async def test_the_header_shows_site_gate_time_person_and_health(
    make_app: MakeApp, officer_actor: Actor
) -> None:
    """On a wide terminal; at 80 columns the name and the date give way (test_header.py)."""
    app = make_app(lang="en", actor=officer_actor)
    async with app.run_test(size=(120, 24)) as pilot:
        await gate_ready(pilot)
        header = screen_text(app).splitlines()[0]
        for part in ("示例中学", "gate north", "11-29 08:00", "王强 officer"):
            assert part in header
        assert "engine off" in header and "devices 0/0" in header


async def test_colon_jumps_to_a_view_and_esc_goes_back(make_app: MakeApp) -> None:
    app = make_app(lang="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await gate_ready(pilot)
        await pilot.press("colon")
        await until(pilot, lambda: isinstance(app.screen, ViewPrompt))
        await typed(pilot, "timers")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, TimersScreen))
        await pilot.press("colon")
        await typed(pilot, "隔离室")  # a view's name in the other language works too
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, RoomsScreen))
        await pilot.press("colon")
        await typed(pilot, "nowhere")
        await pilot.press("enter")
        await shows(pilot, "There is no view called nowhere.")
        await pilot.press("escape")  # closes the prompt
        await pilot.press("escape")  # rooms → timers
        await until(pilot, lambda: isinstance(app.screen, TimersScreen))
        await pilot.press("escape")  # timers → gate
        await until(pilot, lambda: isinstance(app.screen, GateScreen))


async def test_help_lists_every_key(make_app: MakeApp) -> None:
    app = make_app(lang="en")
    async with app.run_test(size=(80, 60)) as pilot:
        await gate_ready(pilot)
        await pilot.press("question_mark")
        await shows(pilot, "Keys")
        shown = screen_text(app)
        for key, what in (
            ("m", "Record a reading taken by hand"),
            ("r", "Recheck the most urgent fever"),
            ("p", "Name the person of the chosen entry"),
            ("d", "Refuse entry, with the reason"),
            ("v", "Log a visitor and their reading"),
            ("/", "Show one status, or matching text"),
            ("?", "help"),
            (":", "views"),
            ("^p", "commands"),
            ("^q", "quit"),
            ("Up k", "previous entry"),
            ("PgDn", "page down"),
            ("Enter", "open entry"),
            (":gate", "gate"),
            (":rota", "rota"),
        ):
            # The help panel is centred over the gate: a column or two of it may show at the left.
            assert re.search(rf"^.{{0,3}} +{re.escape(key)} +{what}", shown, re.MULTILINE), key
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, GateScreen))


async def test_keys_are_remapped_from_the_config(
    db: Database, clock: ManualClock, duty_actor: Actor
) -> None:
    settings = parse_settings({"keys": {"gate.refuse": "x", "console.help": "f1"}}, "test")
    app = DutyConsoleApp(Runtime(settings, db, clock), duty_actor, lang="en", clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await gate_ready(pilot)
        assert "x refuse" in screen_text(app).splitlines()[-1]
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, GateScreen)
        await pilot.press("x")
        await until(pilot, lambda: isinstance(app.screen, RefuseEntry))
        await pilot.press("escape", "f1")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen))


async def test_the_command_palette_names_area_and_action(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await gate_ready(pilot)
        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert "视图: 校门" in titles and "视图: 报表" in titles
        assert not [t for t in titles if "尚未开放" in t], "every view is built"
        screen = app.screen
        assert isinstance(screen, GateScreen)
        gate = [title for title, _help, _row in screen.palette_entries()]
        assert "校门: 拒绝入校并记录原因" in gate and "校门: 登记访客及其体温" in gate
        assert "校门: 复测最紧急的发烧人员" not in gate, "nothing awaits a recheck"


async def test_the_palette_runs_a_screen_action_from_its_table(make_app: MakeApp) -> None:
    app = make_app(lang="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await gate_ready(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"refuse entry")
        await shows(pilot, "gate: Refuse entry, with the reason")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, RefuseEntry))


async def test_the_palette_offers_only_what_the_role_may_do(make_app: MakeApp) -> None:
    onlooker = Actor("X001", "访客老师", "onlooker", "north", "console")
    app = make_app(lang="en", actor=onlooker)
    async with app.run_test(size=(80, 24)) as pilot:
        await gate_ready(pilot)
        screen = app.screen
        assert isinstance(screen, GateScreen)
        titles = [title for title, _help, _row in screen.palette_entries()]
        assert titles == ["gate: Show one status, or matching text"]
        keys = [key for key, _what in screen.help_rows()]
        assert "d" not in keys and "m" not in keys


async def test_what_a_role_may_not_do_is_hidden(make_app: MakeApp) -> None:
    onlooker = Actor("X001", "访客老师", "onlooker", "north", "console")
    app = make_app(lang="en", actor=onlooker)
    async with app.run_test(size=(80, 24)) as pilot:
        await gate_ready(pilot)
        footer = screen_text(app).splitlines()[-1]
        assert "refuse" not in footer and "reading" not in footer
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, GateScreen)


async def test_names_and_device_strings_are_text_not_markup(
    make_app: MakeApp, db: Database, clock: ManualClock
) -> None:
    engine_reading(db, clock, person_id=None, temp_c=36.5, device="[bold]ir[/bold]")
    app = make_app(lang="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await gate_ready(pilot)
        await shows(pilot, "[bold]ir[/bold]")


async def test_no_ambiguous_width_glyphs_on_the_gate_screen(
    make_app: MakeApp, db: Database, clock: ManualClock
) -> None:
    engine_reading(db, clock, person_id="S1001", temp_c=38.2)
    for lang in ("zh_CN", "en"):
        app = make_app(lang=lang)
        async with app.run_test(size=(80, 24)) as pilot:
            await gate_ready(pilot)
            await shows(pilot, "38.2C")
            for keys in (
                (),
                ("m",),
                ("escape", "d"),
                ("escape", "question_mark"),
                ("escape", "ctrl+p"),
                tuple("gate"),
            ):
                await pilot.press(*keys)
                await pilot.pause(0.1)
                ambiguous = {
                    ch for ch in screen_text(app) if unicodedata.east_asian_width(ch) == "A"
                }
                assert not ambiguous, (lang, keys, ambiguous)


async def test_a_vanished_terminal_ends_the_console_cleanly(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await gate_ready(pilot)
        app.hang_up()
        await pilot.pause()
    assert app.hung_up and app.return_code == 0


async def test_the_watchdog_ends_the_console_when_the_terminal_is_no_tty(
    make_app: MakeApp, tmp_path: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await gate_ready(pilot)
        with (tmp_path / "not-a-tty").open("w") as plain:
            app._tty_fd = plain.fileno()
            app._check_terminal()
        await pilot.pause()
    assert app.hung_up and app.return_code == 0


def test_writes_to_a_vanished_terminal_are_swallowed() -> None:
    class DeadTerminal(io.StringIO):
        def write(self, text: str) -> int:
            raise OSError(errno.EIO, "Input/output error")

    terminal = _TerminalFile(DeadTerminal())
    assert terminal.write("\x1b[2J") == 4
    terminal.flush()
    assert terminal.gone


def test_a_misspelt_binding_id_in_the_config_is_refused_before_the_console_starts(
    tmp_path: Path,
) -> None:
    import subprocess
    import sys

    from tests.conftest import build_database

    db = build_database(tmp_path / "duty.db")
    db.dispose()
    cfg = tmp_path / "duty-console.toml"
    cfg.write_text(
        f'[database]\nurl = "sqlite:///{tmp_path / "duty.db"}"\n[keys]\n"gate.refuze" = "x"\n',
        encoding="utf-8",
    )
    out = subprocess.run(
        [sys.executable, "-m", "duty_console", "tui", "--config", str(cfg)],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert out.returncode == 1
    assert "[keys] 'gate.refuze' is not a binding id" in out.stderr
    assert "gate.refuse" in out.stderr and "Traceback" not in out.stderr
