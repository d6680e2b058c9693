"""The console app: sign-in, the views (``:gate``...), the live change feed, keys and commands.

One thread worker follows the database (``ChangeFeed``): when anything is committed — by the
engine in this process, another console, or a form here — it reads the live state and posts
``LiveStateRead``; the handler sets ``live`` and bumps ``data_generation``, which the screens
watch. Workers never touch widgets. Idle, the console redraws nothing but the header minute.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import threading
import time
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime
from functools import partial

from textual import events, on, work
from textual.actions import SkipAction
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.command import CommandPalette
from textual.dom import DOMNode
from textual.message import Message
from textual.reactive import reactive
from textual.screen import Screen
from textual.scrollbar import ScrollBar, ScrollBarRender
from textual.worker import get_current_worker

from duty_console.db.feed import ChangeFeed
from duty_console.domain.actors import Actor
from duty_console.domain.clock import Clock
from duty_console.i18n import N_, _, language, plain, set_language
from duty_console.runtime import Runtime
from duty_console.tui import keys
from duty_console.tui.actions import ActionScreen
from duty_console.tui.context import ConsoleContext
from duty_console.tui.keys import bound_key, translate_bindings
from duty_console.tui.live import LiveCache, LiveState, read_live_state, read_quick
from duty_console.tui.screens.checks import ChecksScreen
from duty_console.tui.screens.gate import GateScreen
from duty_console.tui.screens.help import HelpScreen, Section
from duty_console.tui.screens.incidents import IncidentsScreen
from duty_console.tui.screens.not_built import NotBuiltScreen
from duty_console.tui.screens.reports import ReportsScreen
from duty_console.tui.screens.rooms import RoomsScreen
from duty_console.tui.screens.rota import RotaScreen
from duty_console.tui.screens.sign_in import SignInScreen
from duty_console.tui.screens.timers import TimersScreen
from duty_console.tui.screens.view_prompt import ViewPrompt
from duty_console.tui.text import role_label
from duty_console.tui.views import VIEWS, view_label
from duty_console.tui.widgets.form import FormModal
from duty_console.tui.widgets.person_search import PersonSearch

# The views that are built: name (VIEWS) → its screen, made with the console's context.
VIEW_SCREENS: dict[str, type[ActionScreen]] = {
    "gate": GateScreen,
    "rooms": RoomsScreen,
    "incidents": IncidentsScreen,
    "timers": TimersScreen,
    "rota": RotaScreen,
    "checks": ChecksScreen,
    "reports": ReportsScreen,
}


def check_keymap(keymap: dict[str, str], source: str) -> None:
    """``[keys]`` names only binding ids of this console (every screen is imported here)."""
    keys.check_keymap(keymap, source, keys.binding_ids())


# While a recheck is overdue, the bell rings again this often, on every console.
OVERDUE_BELL_S = 180.0

# Health (engine heartbeat, devices) is re-read this often even when nothing was committed:
# a dead engine writes nothing.
HEALTH_EVERY_S = 5.0
# After a failed read, wait this long before trying again.
RETRY_AFTER_S = 2.0
# How often the SSH watchdog checks that the terminal is still there.
TERMINAL_CHECK_S = 1.0
# How often an idle console checks whether it is time to lock (at most).
IDLE_CHECK_S = 30.0


KEY_NAMES = {
    "up": "Up",
    "down": "Down",
    "left": "Left",
    "right": "Right",
    "enter": "Enter",
    "pageup": "PgUp",
    "pagedown": "PgDn",
    "home": "Home",
    "end": "End",
}


class WholeCellScrollBar(ScrollBarRender):
    """Scrollbars drawn in whole cells: the eighth-block glyphs are ambiguous-width."""

    VERTICAL_BARS = [" "] * 8
    HORIZONTAL_BARS = [" "] * 8


class LiveStateRead(Message):
    """The feed read the live state; ``changed``: the database changed since the last read."""

    def __init__(self, state: LiveState, changed: bool) -> None:
        super().__init__()
        self.state = state
        self.changed = changed

    def can_replace(self, message: Message) -> bool:
        # A newer read supersedes an older one still queued, keeping its "changed" news.
        if isinstance(message, LiveStateRead):
            self.changed = self.changed or message.changed
            return True
        return False


class DatabaseFailed(Message):
    """A live read failed (server gone, file unreadable); the feed keeps trying."""

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason


class DutyConsoleApp(App[int]):
    """The duty console. ``actor`` None shows the sign-in screen first."""

    CSS_PATH = "app.tcss"
    ENABLE_COMMAND_PALETTE = True

    BINDINGS = [
        Binding("question_mark", "help", N_("help"), id="console.help"),
        Binding("colon", "goto", N_("views"), id="console.goto", show=False),
        Binding("escape", "go_back", N_("back"), id="console.back", show=False),
        Binding(
            "ctrl+p",
            "command_palette",
            N_("commands"),
            id="console.palette",
            show=False,
            priority=True,
        ),
        Binding("ctrl+q", "quit", N_("quit"), id="console.quit", show=False, priority=True),
    ]

    # Not repaint=True (the default): setting a reactive of the App repaints the whole screen,
    # every row sent to the terminal again (an SSH session) at each database change. The widgets
    # that watch these redraw what they show, when it changed.
    live: reactive[LiveState | None] = reactive(None, init=False, repaint=False)
    data_generation: reactive[int] = reactive(0, init=False, repaint=False)
    database_problem: reactive[str] = reactive("", init=False, repaint=False)

    def __init__(
        self,
        rt: Runtime,
        actor: Actor | None,
        *,
        lang: str = "zh_CN",
        clock: Clock | None = None,
        poll_interval_s: float = 0.25,
        idle_lock_s: float | None = None,
    ) -> None:
        self.language = set_language(lang)
        super().__init__()
        translate_bindings(self)
        ScrollBar.renderer = WholeCellScrollBar
        self.rt = rt
        self.clock = clock or rt.clock
        self.rules = rt.rules
        self.poll_interval_s = poll_interval_s
        self.keymap = dict(rt.settings.keys)
        self.context: ConsoleContext | None = None
        self.title = _("Duty Console")
        self.watch_terminal = False
        self.hung_up = False
        # Set when the console went back to the sign-in screen (Ctrl+Q at the gate, or idle):
        # run_console starts a fresh one with nobody signed in.
        self.signed_out = False
        self.idle_lock_s = (
            idle_lock_s if idle_lock_s is not None else rt.settings.access.idle_lock_min * 60.0
        )
        self._last_input = time.monotonic()
        self._first_actor = actor
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._seen_id: int | None = None
        # (incident, step, round) of the overdue-step alerts this console has rung for.
        self.alerted: set[tuple[int, int, int]] = set()
        self._alert_seen: datetime | None = None
        self._history: list[str] = []
        self._tty_fd: int | None = None

    # -- start: sign in, then the views ---------------------------------------------------

    def on_mount(self) -> None:
        if self.keymap:
            self.set_keymap(self.keymap)
        if self.watch_terminal:
            self._install_hangup_exit()
        if self._first_actor is not None:
            self._begin(self._first_actor)
        else:
            self.push_screen(SignInScreen(self.rt), self._signed_in)

    def _signed_in(self, actor: Actor | None) -> None:
        if actor is not None:
            self._begin(actor)

    def _begin(self, actor: Actor) -> None:
        context = ConsoleContext(self.rt, actor, self.rules, self.clock)
        self.context = context
        for name in VIEWS:
            screen = VIEW_SCREENS.get(name)
            if screen is not None:
                self.add_mode(name, partial(screen, context))
            else:
                self.add_mode(name, partial(NotBuiltScreen, context, name))
        self._follow_database()
        self.set_interval(OVERDUE_BELL_S, self._ring_while_overdue)
        self.switch_mode("gate")
        self._last_input = time.monotonic()
        self.set_interval(min(IDLE_CHECK_S, self.idle_lock_s / 4), self._check_idle)

    # -- who may leave, and an idle console ------------------------------------------------

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key | events.MouseDown | events.Paste):
            self._last_input = time.monotonic()
        await super().on_event(event)

    def _check_idle(self) -> None:
        if self.context is not None and time.monotonic() - self._last_input >= self.idle_lock_s:
            self.sign_out()

    def may_quit(self) -> bool:
        """Over SSH anyone may leave (the session ends); at the gate PC only an admin closes the
        console: anyone else signs out, and the next person gets the sign-in screen."""
        if self.context is None:
            return bool(os.environ.get("SSH_CONNECTION"))
        actor = self.context.actor
        return actor.via in ("ssh", "demo") or self.context.can("console.quit")

    def sign_out(self) -> None:
        self.signed_out = True
        self.exit(0)

    # -- the live feed --------------------------------------------------------------------

    def nudge(self) -> None:
        """Read the live state now (after this console wrote something)."""
        self._wake.set()

    @work(thread=True, exclusive=True, group="live-feed", name="change feed")
    def _follow_database(self) -> None:
        worker = get_current_worker()
        feed: ChangeFeed | None = None
        cache = LiveCache()
        last: LiveState | None = None
        last_read = float("-inf")
        failing = False
        try:
            while not (worker.is_cancelled or self._stop.is_set()):
                try:
                    if feed is None:
                        feed = ChangeFeed(self.rt.db)
                        changed = True
                    else:
                        changed = feed.changed()
                    woken = self._wake.is_set()
                    self._wake.clear()
                    if woken:
                        cache.forget()
                    due = time.monotonic() - last_read >= HEALTH_EVERY_S
                    if changed and not (woken or due or failing) and last is not None:
                        # An engine's heartbeat commits every second and changes nothing shown
                        # (the engine's age is re-read every HEALTH_EVERY_S).
                        changed = read_quick(self.rt) != last.quick
                    if changed or woken or due or last is None:
                        state = read_live_state(self.rt, self.rules, self.clock.now(), cache)
                        last_read = time.monotonic()
                        # The views re-read only for a write they show (it moved the mark), not
                        # for an engine's heartbeat, which commits every second; after a failure
                        # everything is re-read: a reload may have failed too.
                        news = woken or last is None or state.mark != last.mark
                        if news or failing or state != last:
                            self.post_message(LiveStateRead(state, news or failing))
                        last, failing = state, False
                except Exception as exc:
                    # Keep the console up through a network drop or a locked file; say so.
                    failing = True
                    reason = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
                    self.post_message(DatabaseFailed(reason or type(exc).__name__))
                    if feed is not None:
                        feed.close()
                        feed = None
                    self._wake.wait(RETRY_AFTER_S)
                    continue
                self._wake.wait(self.poll_interval_s)
        finally:
            if feed is not None:
                feed.close()

    @on(LiveStateRead)
    def _live_state_read(self, message: LiveStateRead) -> None:
        state = message.state
        if self.database_problem:
            self.database_problem = ""
        new_fever = self._seen_id is not None and state.is_new_fever(self._seen_id)
        if new_fever or self._rings_for_alert(state):
            self.bell()
        self._alert_seen = state.alert_newest or self._alert_seen
        self._seen_id = max(self._seen_id or 0, state.latest_id)
        self._ring_for_overdue_steps(state)
        self.live = state
        if message.changed:
            self.data_generation += 1

    def _ring_while_overdue(self) -> None:
        """Nobody with a fever disappears: an overdue recheck rings again until handled."""
        if self.live is not None and self.live.split(self.clock.now(), self.rules)[1]:
            self.bell()

    def _ring_for_overdue_steps(self, state: LiveState) -> None:
        """An overdue step alerts here, and again each round, until someone acknowledges it."""
        fresh = [a for a in state.alerts if a.key not in self.alerted]
        if not fresh or self.context is None:
            return
        self.alerted.update(a.key for a in fresh)
        self.bell()
        zh = language() == "zh_CN"
        for a in fresh[:3]:
            drill = _("(DRILL)") + " " if a.drill else ""
            self.notify(
                _(
                    "{drill}Incident {id}, step {n} overdue by {minutes} min: {title} ({role})"
                ).format(
                    drill=drill,
                    id=a.incident_id,
                    n=a.n,
                    minutes=a.minutes_over,
                    title=plain(a.title_zh if zh else a.title_en),
                    role=role_label(a.role),
                ),
                severity="error",
                timeout=30,
                markup=False,
            )

    def _rings_for_alert(self, state: LiveState) -> bool:
        """An alert was raised or re-alerted since the last read (not at start: old news)."""
        newest = state.alert_newest
        if newest is None or self._seen_id is None:
            return False
        return self._alert_seen is None or newest > self._alert_seen

    @on(DatabaseFailed)
    def _database_failed(self, message: DatabaseFailed) -> None:
        self.database_problem = message.reason

    def on_unmount(self) -> None:
        self.workers.cancel_group(self, "live-feed")
        self.stop_live_feed()

    def stop_live_feed(self) -> None:
        """End the feed thread within a poll (it is not a daemon: the process waits for it)."""
        self._stop.set()
        self._wake.set()

    # -- views, help, commands ------------------------------------------------------------

    def action_goto(self) -> None:
        if self.context is not None:
            self.push_screen(ViewPrompt(), self._go)

    def _go(self, name: str | None) -> None:
        if name == "quit":
            self.leave()
        elif name is not None:
            self.show_view(name)

    def show_view(self, name: str) -> None:
        if self.context is None or name not in VIEWS or name == self.current_mode:
            return
        self._history.append(self.current_mode)
        self.switch_mode(name)

    def action_go_back(self) -> None:
        if not self._history:
            raise SkipAction()
        self.switch_mode(self._history.pop())

    def get_key_display(self, binding: Binding) -> str:
        # Arrow glyphs are ambiguous-width (misaligned in Chinese terminals): spell them out.
        key = binding.key.split(",")[0].strip()
        if binding.key_display is None and key in KEY_NAMES:
            return KEY_NAMES[key]
        return super().get_key_display(binding)

    def key_for(self, binding_id: str) -> str:
        """How the key bound to ``binding_id`` is shown (after the config's keymap)."""
        for binding in self._all_bindings():
            if binding.id == binding_id:
                key = bound_key(binding, self.keymap).split(",")[0].strip()
                return self.get_key_display(replace(binding, key=key, key_display=None))
        return binding_id

    def _all_bindings(self) -> Iterable[Binding]:
        owners: list[type[DOMNode]] = [DutyConsoleApp, *VIEW_SCREENS.values(), FormModal]
        owners += [widget for screen in VIEW_SCREENS.values() for _t, widget in screen.HELP_WIDGETS]
        owners.append(PersonSearch)
        for owner in owners:
            for binding in owner.BINDINGS:
                if isinstance(binding, Binding):
                    yield binding

    def _binding_rows(self, owner: type[DOMNode]) -> list[tuple[str, str]]:
        listed: list[tuple[str, str]] = []
        for binding in owner.BINDINGS:
            if not isinstance(binding, Binding):
                continue
            keys = [k.strip() for k in bound_key(binding, self.keymap).split(",")]
            shown = " ".join(
                self.get_key_display(replace(binding, key=k, key_display=None)) for k in keys
            )
            listed.append((shown, _(binding.description)))
        return listed

    def help_sections(self, screen: Screen[object] | None = None) -> list[Section]:
        """``?``: the keys everywhere, then the view's own table, its widgets, forms, views."""
        screen = self.screen if screen is None else screen
        sections: list[Section] = [(_("Everywhere"), self._binding_rows(DutyConsoleApp))]
        if isinstance(screen, ActionScreen):
            sections.append((_(screen.AREA).capitalize(), screen.help_rows()))
            for title, widget in screen.HELP_WIDGETS:
                sections.append((_(title), self._binding_rows(widget)))
        sections.append(
            (_("Forms"), self._binding_rows(FormModal) + self._binding_rows(PersonSearch))
        )
        if isinstance(screen, ActionScreen):
            sections += screen.extra_help()
        views = [(f":{name}", view_label(name)) for name in VIEWS]
        sections.append((_("Views (: then the name)"), views))
        return sections

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.help_sections(self.screen)))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Command palette entries, each "area: action"."""
        if self.context is not None:
            for name in VIEWS:
                label = view_label(name)
                if name not in VIEW_SCREENS:
                    label = _("{view} (not built yet)").format(view=label)
                yield SystemCommand(
                    _("view: {view}").format(view=label),
                    _("Open the {view} view").format(view=view_label(name)),
                    partial(self.show_view, name),
                )
        yield SystemCommand(_("console: keys"), _("Every key of the console"), self.action_help)
        yield SystemCommand(_("console: theme"), _("Change the colours"), self.action_change_theme)
        yield SystemCommand(_("console: quit"), _("Leave the console"), self.action_quit)

    def action_command_palette(self) -> None:
        open_already = any(isinstance(s, CommandPalette) for s in self.screen_stack)
        if self.use_command_palette and not open_already:
            self.push_screen(
                CommandPalette(placeholder=_("Search for commands"), id="--command-palette")
            )

    async def action_quit(self) -> None:
        self.leave()

    def leave(self) -> None:
        """Ctrl+Q, ``:quit``, the palette: close the console, or sign out (see may_quit)."""
        if self.may_quit():
            self.exit(0)
        elif self.context is not None:
            self.sign_out()
        else:
            self.notify(_("The gate console stays open; an administrator signs in to close it."))

    # -- over SSH: a vanished terminal ends the console ---------------------------------

    def _install_hangup_exit(self) -> None:
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGHUP, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(signum, self.hang_up)
        stream = sys.__stdin__
        try:
            if stream is not None and os.isatty(stream.fileno()):
                self._tty_fd = stream.fileno()
        except (OSError, ValueError):
            self._tty_fd = None
        if self._tty_fd is not None:
            self.set_interval(TERMINAL_CHECK_S, self._check_terminal)

    def _check_terminal(self) -> None:
        # An SSH session that drops without a SIGHUP leaves a dead tty; reading it would spin.
        try:
            alive = self._tty_fd is not None and os.isatty(self._tty_fd)
        except OSError:
            alive = False
        if not alive:
            self.hang_up()

    def hang_up(self) -> None:
        """The terminal is gone (SIGHUP) or we were told to stop (SIGTERM): leave cleanly."""
        self.hung_up = True
        self.exit(0)
