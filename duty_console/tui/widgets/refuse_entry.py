"""Refuse entry at the gate, with the reason: not registered, no mask, fever, or other + a note."""

from __future__ import annotations

from rich.text import Text
from sqlmodel import Session
from textual import events, on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from duty_console.domain import entries
from duty_console.i18n import _
from duty_console.tui import text
from duty_console.tui.context import ConsoleContext
from duty_console.tui.widgets.field import Field
from duty_console.tui.widgets.form import FormModal, Recorded
from duty_console.tui.widgets.person_search import PersonSearch


class RefuseEntry(FormModal):
    """Reason first (1-4 or the arrows), then an optional person, then the note; Enter records."""

    DEFAULT_CSS = """
    RefuseEntry #reasons { height: auto; background: $surface; }
    """

    def __init__(self, context: ConsoleContext) -> None:
        super().__init__(context)

    def compose(self) -> ComposeResult:
        with Vertical(id="form"):
            yield Label(_("Refuse entry"), classes="title")
            yield Label(_("Reason"), classes="field-label")
            yield OptionList(
                *(
                    Option(Text(f"{n}  {text.reason_label(reason)}"), id=reason)
                    for n, reason in enumerate(entries.DENY_REASONS, 1)
                ),
                compact=True,
                id="reasons",
            )
            yield Label(_("Person (if known)"), classes="field-label")
            yield PersonSearch(self.context.rt.db, id="person")
            yield Label(_("Note (needed for 'other')"), classes="field-label")
            yield Field(id="note")
            yield self.error_label()
            yield self.hint_label()

    def on_mount(self) -> None:
        reasons = self.query_one("#reasons", OptionList)
        reasons.highlighted = 0
        reasons.focus()

    @property
    def reason(self) -> str:
        highlighted = self.query_one("#reasons", OptionList).highlighted
        return entries.DENY_REASONS[highlighted or 0]

    def on_key(self, event: events.Key) -> None:
        key = event.character
        reasons = self.query_one("#reasons", OptionList)
        if reasons.has_focus and key and key.isdigit() and 1 <= int(key) <= 4:
            reasons.highlighted = int(key) - 1
            self.query_one(PersonSearch).focus_query()

    @on(OptionList.OptionSelected, "#reasons")
    def _reason_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.query_one(PersonSearch).focus_query()

    @on(PersonSearch.Chosen)
    def _person_chosen(self, event: PersonSearch.Chosen) -> None:
        event.stop()
        self.query_one("#note", Input).focus()

    @on(Input.Submitted, "#note")
    def _note_entered(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()

    def action_submit(self) -> None:
        context = self.context
        reason = self.reason
        note = self.query_one("#note", Input).value.strip()
        person = self.query_one(PersonSearch).chosen
        if reason == "other" and not note:
            self.show_error(_("Say why in a note when the reason is 'other'."))
            self.query_one("#note", Input).focus()
            return

        def refuse(session: Session) -> Recorded:
            entries.deny_entry(
                session,
                context.actor,
                reason=reason,
                person_id=person.person_id if person else None,
                note=note,
                clock=context.clock,
            )
            who = person.short if person else _("no name given")
            return Recorded(
                _("Entry refused ({reason}): {who}.").format(
                    reason=text.reason_label(reason), who=who
                )
            )

        self.write(refuse)
