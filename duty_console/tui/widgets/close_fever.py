"""Close an open fever without a recheck (the person went home, was taken to a clinic...).

Only with a reason: the fever otherwise stays on every console until it is rechecked.
"""

from __future__ import annotations

from sqlmodel import Session
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Label

from duty_console.domain import entries
from duty_console.domain.entries import EntryRow
from duty_console.i18n import _
from duty_console.tui import text
from duty_console.tui.context import ConsoleContext
from duty_console.tui.widgets.field import Field
from duty_console.tui.widgets.form import FormModal, Recorded


class CloseFever(FormModal):
    def __init__(self, context: ConsoleContext, row: EntryRow) -> None:
        super().__init__(context)
        self.row = row

    def compose(self) -> ComposeResult:
        row = self.row
        with Vertical(id="form"):
            yield Label(_("Close a fever without its recheck"), classes="title")
            yield Label(
                f"{text.temperature(row.temp_c)}  {text.who(row)}  {row.class_name}  "
                f"{text.clock_time(row.at, self.context.tz)}".rstrip(),
                markup=False,
            )
            yield Label(_("Why (the person left, went to a clinic...)"), classes="field-label")
            yield Field(id="reason")
            yield self.error_label()
            yield self.hint_label()

    def on_mount(self) -> None:
        self.query_one("#reason", Input).focus()

    @on(Input.Submitted, "#reason")
    def _reason_entered(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()

    def action_submit(self) -> None:
        context = self.context
        row = self.row
        reason = self.query_one("#reason", Input).value.strip()
        if not reason:
            self.show_error(_("Say why the fever is closed without a recheck."))
            return

        def close(session: Session) -> Recorded:
            entries.close_fever(session, context.actor, row.id, reason, clock=context.clock)
            return Recorded(_("Fever closed without a recheck: {who}.").format(who=text.who(row)))

        self.write(close)
