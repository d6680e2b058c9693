"""Screen pattern: every view declares its actions in one table, and everything else follows.

A view of the console (the gate, the timers, the rooms, the incidents, the rota, the reports) is
an ``ActionScreen``. Its ``ACTIONS`` table is the only place its actions are named: each row
gives the binding id (what ``[keys]`` in the config remaps), the default key, the method, a
short title for the footer, a sentence for the ``?`` help and the command palette, and the
capability the actor's role needs (``duty_console.domain.permissions``). From that one table:

- the screen's ``BINDINGS`` (built when the class is defined, so a keymap can remap them);
- ``check_action``: an action the role may not do is hidden from the footer and refused, and
  ``available(action)`` (override it) hides an action that makes no sense right now;
- the ``?`` help section of the screen (``help_rows``);
- the command palette entries "area: title", offered only when available (``Screen.COMMANDS``
  holds ``ScreenActions``, which reads the table of whichever screen the palette opened over).

An example, the whole of what a new view writes for its actions::

    class TimersScreen(ActionScreen):
        AREA = N_("timers")                       # the palette's "timers: ..." prefix
        ACTIONS = (
            ScreenAction("timers.done", "enter", "done", N_("done"),
                         N_("Record the selected task as done"), "timer.record"),
            ScreenAction("timers.filter", "slash", "filter", N_("filter"),
                         N_("Show one building or area type"), show=False),
        )

        def available(self, action: str) -> bool:
            if action == "done":
                return self.selected is not None
            return True

        def action_done(self) -> None: ...
        def action_filter(self) -> None: ...

The screen gets its ``ConsoleContext`` (runtime, actor, rules, clock) in ``__init__`` and reads
live data from ``app.live`` / ``app.data_generation`` (see ``GateScreen``); it talks to the app
through ``host(self)``, a typed accessor, never ``getattr``. Writes go through a ``FormModal``
(``widgets/form.py``), which runs the domain service in a worker and shows its error in the
user's language.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, runtime_checkable

from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.dom import DOMNode
from textual.screen import Screen

from duty_console.i18n import _
from duty_console.tui.keys import translate_bindings
from duty_console.tui.live import LiveState

if TYPE_CHECKING:
    from duty_console.tui.context import ConsoleContext


@dataclass(frozen=True, slots=True)
class ScreenAction:
    """One action of a screen: one row of its table."""

    id: str  # binding id, "area.action": what [keys] remaps
    key: str  # the default key(s), Textual names ("m", "slash", "enter")
    action: str  # the method is action_<action>
    title: str  # N_ msgid: the footer label and the palette's title after "area: "
    help: str  # N_ msgid: one sentence for ? and the palette
    capability: str | None = None  # what the actor's role must be allowed (permissions.py)
    show: bool = True  # in the footer (the first few fit at 80 columns)
    palette: bool = True  # offered in the command palette

    def binding(self) -> Binding:
        return Binding(self.key, self.action, self.title, show=self.show, id=self.id)


@runtime_checkable
class ConsoleHost(Protocol):
    """What a screen may ask of the console app (implemented by ``DutyConsoleApp``)."""

    live: LiveState | None

    def key_for(self, binding_id: str) -> str: ...

    def nudge(self) -> None: ...

    def show_view(self, name: str) -> None: ...


def host(node: DOMNode) -> ConsoleHost | None:
    """The console app of ``node``, typed; None under a bare test app."""
    app = node.app
    return app if isinstance(app, ConsoleHost) else None


def live_state(node: DOMNode) -> LiveState | None:
    """The console's live state (newest entry, open fevers, health); None before a read."""
    console = host(node)
    return console.live if console is not None else None


def key_for(node: DOMNode, binding_id: str) -> str:
    console = host(node)
    return console.key_for(binding_id) if console is not None else binding_id


def nudge(node: DOMNode) -> None:
    """Ask the console to re-read the live state now (after a write here)."""
    console = host(node)
    if console is not None:
        console.nudge()


class ActionScreen(Screen[None]):
    """A view whose actions come from one table (see the module docstring)."""

    AREA: ClassVar[str] = ""
    ACTIONS: ClassVar[tuple[ScreenAction, ...]] = ()
    # Widgets whose own BINDINGS (navigation) get a section of their own in ``?``.
    HELP_WIDGETS: ClassVar[tuple[tuple[str, type[DOMNode]], ...]] = ()
    COMMANDS: ClassVar[set[Any]] = set()

    context: ConsoleContext

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # Before Textual's own hook, which merges BINDINGS into the class's bindings map.
        if "ACTIONS" in cls.__dict__:
            cls.BINDINGS = [a.binding() for a in cls.ACTIONS]
            cls.COMMANDS = {ScreenActions}
        super().__init_subclass__(**kwargs)

    def __init__(self, context: ConsoleContext, *, name: str | None = None) -> None:
        super().__init__(name=name)
        translate_bindings(self)
        self.context = context

    # -- what may run now ----------------------------------------------------------------

    @classmethod
    def action_row(cls, action: str) -> ScreenAction | None:
        for row in cls.ACTIONS:
            if row.action == action:
                return row
        return None

    def allowed(self, action: str) -> bool:
        """The actor's role may do ``action`` (a row without a capability: anyone)."""
        row = self.action_row(action)
        return row is None or row.capability is None or self.context.can(row.capability)

    def available(self, action: str) -> bool:
        """Override: whether ``action`` makes sense right now (a selection, a waiting fever)."""
        return True

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Hidden rather than greyed out (None): at 80 columns a dimmed key still takes room.
        if not self.allowed(action):
            return False
        return self.action_row(action) is None or self.available(action)

    # -- help and palette ----------------------------------------------------------------

    def help_rows(self) -> list[tuple[str, str]]:
        """(keys as shown, what it does) for ``?``: only what this actor may do."""
        return [
            (key_for(self, row.id), _(row.help)) for row in self.ACTIONS if self.allowed(row.action)
        ]

    def extra_help(self) -> list[tuple[str, list[tuple[str, str]]]]:
        """Override: more ``?`` sections (how a filter reads what is typed, say)."""
        return []

    def palette_entries(self) -> Iterator[tuple[str, str, ScreenAction]]:
        """("area: what it does", "key: k", row) for every action offered now."""
        area = _(self.AREA)
        for row in self.ACTIONS:
            if row.palette and self.check_action(row.action, ()):
                key = key_for(self, row.id)
                yield f"{area}: {_(row.help)}", _("key: {key}").format(key=key), row


class ScreenActions(Provider):
    """The command palette's entries for the screen it opened over, from its ACTIONS."""

    def _entries(self) -> list[tuple[str, str, ScreenAction]]:
        screen = self.screen
        if not isinstance(screen, ActionScreen):
            return []
        return list(screen.palette_entries())

    async def _run(self, action: str) -> None:
        screen = self.screen
        if isinstance(screen, ActionScreen) and screen.check_action(action, ()):
            await screen.run_action(action)

    async def discover(self) -> Hits:
        for title, help_text, row in self._entries():
            yield DiscoveryHit(title, partial(self._run, row.action), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, row in self._entries():
            score = matcher.match(title)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(title),
                    partial(self._run, row.action),
                    text=title,
                    help=help_text,
                )
