"""'?': every key of the console, the views, and how the filter reads what you type."""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from duty_console.i18n import N_, _
from duty_console.tui.keys import translate_bindings

Section = tuple[str, list[tuple[str, str]]]


class HelpScreen(ModalScreen[None]):
    """A list, nothing to do here but read; esc, q or ? closes it."""

    BINDINGS = [
        Binding("escape,q,question_mark", "close", N_("close"), id="help.close"),
    ]

    DEFAULT_CSS = """
    HelpScreen {
        align: center middle;
        & > #help {
            width: 76;
            max-width: 100%;
            height: auto;
            max-height: 100%;
            background: $panel;
            padding: 1 2;
        }
        & .title { text-style: bold; margin-bottom: 1; }
        & VerticalScroll { height: auto; max-height: 100%; }
    }
    """

    def __init__(self, sections: list[Section]) -> None:
        super().__init__()
        translate_bindings(self)
        self._sections = sections

    def compose(self) -> ComposeResult:
        with Vertical(id="help"):
            yield Label(_("Keys"), classes="title")
            with VerticalScroll():
                yield Static(self._text(), markup=False)

    def on_mount(self) -> None:
        # Focused, so the arrows and page keys scroll a list longer than the terminal.
        self.query_one(VerticalScroll).focus()

    def _text(self) -> Text:
        width = max(
            (cell_len(key) for _title, rows in self._sections for key, _what in rows), default=4
        )
        shown = Text()
        for number, (title, rows) in enumerate(self._sections):
            if number:
                shown.append("\n")
            shown.append(title + "\n", style="bold")
            for key, what in rows:
                shown.append("  " + key + " " * (width - cell_len(key) + 2), style="bold")
                shown.append(what + "\n")
        return shown

    def action_close(self) -> None:
        self.dismiss(None)
