"""How a typed temperature was measured: one line, 1 or 2 (or the arrows) to choose.

Each mode may have its own fever line (``[screening.thresholds]``), so the forms ask.
"""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

from duty_console.domain.screening import Mode
from duty_console.i18n import N_
from duty_console.tui import text
from duty_console.tui.keys import translate_bindings

MODES = (Mode.CONTACT, Mode.MANUAL)


class ModeChoice(Widget, can_focus=True):
    """``1`` contact thermometer, ``2`` hand-held IR gun; Enter moves on."""

    BINDINGS = [
        Binding("1", "choose(0)", N_("contact"), show=False),
        Binding("2", "choose(1)", N_("IR gun"), show=False),
        Binding("left,right,space", "next_mode", N_("change"), show=False),
        Binding("enter", "done", N_("next"), show=False),
    ]

    DEFAULT_CSS = """
    ModeChoice { height: 1; width: 100%; background: $surface; }
    ModeChoice:focus { background: $boost; }
    """

    index: reactive[int] = reactive(0)

    class Chosen(Message):
        """Enter on the choice: the form moves to the next field."""

    def __init__(self, default: Mode = Mode.CONTACT, *, id: str | None = None) -> None:
        super().__init__(id=id)
        translate_bindings(self)
        self.set_reactive(ModeChoice.index, MODES.index(default))

    @property
    def mode(self) -> Mode:
        return MODES[self.index]

    def render(self) -> Text:
        shown = Text(no_wrap=True, overflow="ellipsis")
        for n, mode in enumerate(MODES):
            label = f" {n + 1} {text.mode_label(mode, long=True)} "
            shown.append(label, style="reverse bold" if n == self.index else "")
            shown.append(" ")
        return shown

    def action_choose(self, index: int) -> None:
        self.index = index
        self.post_message(self.Chosen())

    def action_next_mode(self) -> None:
        self.index = (self.index + 1) % len(MODES)

    def action_done(self) -> None:
        self.post_message(self.Chosen())
