"""What the gate's modal forms share: a panel, a title, a plain error line, and one write.

A form checks what it can itself (a typo in a temperature never reaches the database), then
writes in a worker thread inside ``db.write()``; the worker posts the outcome as a message and
the form either closes with what was recorded or shows why nothing was.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlmodel import Session
from textual import on, work
from textual.binding import Binding
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Label

from duty_console.errors import UserError
from duty_console.i18n import N_, _, translate_error
from duty_console.tui.context import ConsoleContext
from duty_console.tui.keys import translate_bindings
from duty_console.tui.text import nothing_recorded


@dataclass(frozen=True)
class Recorded:
    """What a form wrote, in one sentence for the notification."""

    message: str
    alarm: bool = False


class FormModal(ModalScreen[Recorded | None]):
    """A centred panel with no box lines (they are ambiguous-width in Chinese terminals)."""

    BINDINGS = [
        Binding("escape", "cancel", N_("cancel"), id="form.cancel"),
        Binding("ctrl+s", "submit", N_("record"), id="form.submit"),
    ]

    DEFAULT_CSS = """
    FormModal {
        align: center middle;
        & > #form {
            width: 64;
            max-width: 100%;
            height: auto;
            max-height: 100%;
            background: $panel;
            padding: 1 2;
        }
        & .title { text-style: bold; width: 100%; margin-bottom: 1; }
        & .field-label { color: $text-muted; margin-top: 1; }
        & .error { color: $text-error; text-style: bold; width: 100%; height: auto; }
        & .hint { color: $text-muted; width: 100%; margin-top: 1; }
        & Input { margin: 0; }
    }
    """

    class Written(Message):
        def __init__(self, recorded: Recorded) -> None:
            super().__init__()
            self.recorded = recorded

    class Failed(Message):
        def __init__(self, reason: str) -> None:
            super().__init__()
            self.reason = reason

    def __init__(self, context: ConsoleContext) -> None:
        super().__init__()
        translate_bindings(self)
        self.context = context
        self.busy = False

    def show_error(self, message: str) -> None:
        label = self.query_one("#error", Label)
        label.update(message)
        label.display = bool(message)

    def error_label(self) -> Label:
        label = Label("", id="error", classes="error", markup=False)
        label.display = False
        return label

    def hint_label(self) -> Label:
        return Label(_("enter: next field or record   esc: cancel"), classes="hint", markup=False)

    def fail(self, error: UserError) -> None:
        self.show_error(translate_error(error))

    def write(self, action: Callable[[Session], Recorded]) -> None:
        if self.busy:
            return
        self.busy = True
        self.show_error("")
        self._write(action)

    @work(thread=True, exclusive=True, group="form-write")
    def _write(self, action: Callable[[Session], Recorded]) -> None:
        try:
            with self.context.rt.db.write() as session:
                recorded = action(session)
        except UserError as exc:
            self.post_message(self.Failed(translate_error(exc)))
        except Exception as exc:
            self.post_message(self.Failed(nothing_recorded(exc, self.context.rt.db.path)))
        else:
            self.post_message(self.Written(recorded))

    @on(Written)
    def _on_written(self, message: Written) -> None:
        self.busy = False
        self.dismiss(message.recorded)

    @on(Failed)
    def _on_failed(self, message: Failed) -> None:
        self.busy = False
        self.show_error(message.reason)

    def action_cancel(self) -> None:
        if not self.busy:
            self.dismiss(None)

    def action_submit(self) -> None:
        """Check the fields and write (subclasses)."""
