"""A view that is not built yet says so, calmly, and how to get back."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Center, Middle
from textual.screen import Screen
from textual.widgets import Label

from duty_console.i18n import _
from duty_console.tui.context import ConsoleContext
from duty_console.tui.views import view_label
from duty_console.tui.widgets.footer import ConsoleFooter
from duty_console.tui.widgets.header import ConsoleHeader


class NotBuiltScreen(Screen[None]):
    DEFAULT_CSS = """
    NotBuiltScreen {
        & #message { width: auto; max-width: 70; padding: 1 2; background: $panel; }
    }
    """

    def __init__(self, context: ConsoleContext, view: str) -> None:
        super().__init__(name=view)
        self.console_context = context
        self.view = view

    def compose(self) -> ComposeResult:
        yield ConsoleHeader(self.console_context)
        with Middle(), Center():
            yield Label(
                _(
                    "The {view} view is not built yet.\n"
                    "The gate works as usual meanwhile.\n\n"
                    "esc goes back; : and a name opens another view (:gate)."
                ).format(view=view_label(self.view)),
                id="message",
                markup=False,
            )
        yield ConsoleFooter(show_command_palette=False)
