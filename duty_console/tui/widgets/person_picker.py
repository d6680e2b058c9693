"""Name the person of an unidentified reading (the card was not read, or there was no card)."""

from __future__ import annotations

from sqlmodel import Session
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Label

from duty_console.domain import entries
from duty_console.domain.entries import EntryRow
from duty_console.domain.screening import FEVER, FEVER_CONFIRMED
from duty_console.i18n import _
from duty_console.tui import text
from duty_console.tui.context import ConsoleContext
from duty_console.tui.widgets.form import FormModal, Recorded
from duty_console.tui.widgets.person_search import PersonChoice, PersonSearch


class PersonPicker(FormModal):
    """Shows the entry being named, so the right one is assigned; picking a match writes it."""

    def __init__(self, context: ConsoleContext, entry: EntryRow) -> None:
        super().__init__(context)
        self.entry = entry

    def compose(self) -> ComposeResult:
        entry = self.entry
        with Vertical(id="form"):
            yield Label(_("Who is this?"), classes="title")
            yield Label(
                "  ".join(
                    (
                        text.clock_time(entry.at, self.context.tz),
                        text.temperature(entry.temp_c),
                        text.status_label(entry.status),
                        text.device_label(entry.device),
                    )
                ),
                id="entry",
                markup=False,
            )
            yield Label(_("Person"), classes="field-label")
            yield PersonSearch(self.context.rt.db, id="person")
            yield self.error_label()
            yield self.hint_label()

    def on_mount(self) -> None:
        self.query_one(PersonSearch).focus_query()

    @on(PersonSearch.Chosen)
    def _person_chosen(self, event: PersonSearch.Chosen) -> None:
        event.stop()
        self._assign(event.person)

    def action_submit(self) -> None:
        chosen = self.query_one(PersonSearch).chosen
        if chosen is None:
            self.show_error(_("Pick the person first."))
            return
        self._assign(chosen)

    def _assign(self, person: PersonChoice) -> None:
        context = self.context
        entry_id = self.entry.id

        def assign(session: Session) -> Recorded:
            entry = entries.assign_person(
                session,
                context.actor,
                context.rules,
                entry_id,
                person.person_id,
                clock=context.clock,
            )
            return Recorded(
                _("{who} named for the reading {temp}: {status}.").format(
                    who=person.short,
                    temp=text.temperature(entry.temp_c),
                    status=text.status_label(entry.status),
                ),
                alarm=entry.status in (FEVER, FEVER_CONFIRMED),
            )

        self.write(assign)
