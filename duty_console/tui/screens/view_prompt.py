"""The ':' line: type a view name (gate, timers, rooms...) and Enter jumps there."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Input, Label

from duty_console.i18n import N_, _
from duty_console.tui.keys import translate_bindings
from duty_console.tui.views import VIEWS, resolve_view, view_label
from duty_console.tui.widgets.field import Field


class ViewPrompt(ModalScreen[str | None]):
    """Dismisses with the resolved view name, 'quit', or None."""

    BINDINGS = [Binding("escape", "cancel", N_("cancel"), id="prompt.cancel")]

    DEFAULT_CSS = """
    ViewPrompt {
        align: left bottom;
        background: $background 40%;
        & > #prompt { height: auto; background: $panel; padding: 0 1; }
        & #views { color: $text-muted; width: 100%; }
        & #problem { color: $text-error; }
        & Input { width: 100%; }
    }
    """

    def __init__(self) -> None:
        super().__init__()
        translate_bindings(self)

    def compose(self) -> ComposeResult:
        names = "  ".join(
            f":{name}" if view_label(name) == name else f":{name} {view_label(name)}"
            for name in VIEWS
        )
        words = [*VIEWS, *(view_label(name) for name in VIEWS), "quit"]
        with Vertical(id="prompt"):
            yield Label(names, id="views", markup=False)
            yield Label("", id="problem", markup=False)
            yield Field(
                placeholder=_("view name, then enter"),
                suggester=SuggestFromList(words, case_sensitive=False),
            )

    def on_mount(self) -> None:
        self.query_one("#problem").display = False
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        name = resolve_view(event.value)
        if name is None:
            problem = self.query_one("#problem", Label)
            problem.update(_("There is no view called {name}.").format(name=event.value.strip()))
            problem.display = True
            return
        self.dismiss(name)

    def action_cancel(self) -> None:
        self.dismiss(None)
