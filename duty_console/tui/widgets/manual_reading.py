"""A contact (axillary) reading taken by hand, for a person: also how a fever is rechecked."""

from __future__ import annotations

from sqlmodel import Session
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Label

from duty_console.domain import entries
from duty_console.domain.screening import FEVER, FEVER_CONFIRMED
from duty_console.errors import UserError
from duty_console.i18n import _
from duty_console.tui import text
from duty_console.tui.context import ConsoleContext
from duty_console.tui.widgets.field import Field
from duty_console.tui.widgets.form import FormModal, Recorded
from duty_console.tui.widgets.person_search import PersonChoice, PersonSearch


class ManualReading(FormModal):
    """Who (searched, or given for a recheck) and the temperature; Enter records it."""

    def __init__(self, context: ConsoleContext, person: PersonChoice | None = None) -> None:
        super().__init__(context)
        self._preset = person

    def compose(self) -> ComposeResult:
        with Vertical(id="form"):
            if self._preset is None:
                yield Label(_("Contact reading"), classes="title")
                yield Label(_("Person"), classes="field-label")
                yield PersonSearch(self.context.rt.db, id="person")
            else:
                yield Label(_("Recheck by contact thermometer"), classes="title")
                yield Label(self._preset.label, id="preset", markup=False)
            yield Label(_("Temperature (for example 36.8)"), classes="field-label")
            yield Field(placeholder="36.8", id="temperature")
            yield self.error_label()
            yield self.hint_label()

    def on_mount(self) -> None:
        if self._preset is None:
            self.query_one(PersonSearch).focus_query()
        else:
            self.query_one("#temperature", Input).focus()

    @property
    def person(self) -> PersonChoice | None:
        if self._preset is not None:
            return self._preset
        return self.query_one(PersonSearch).chosen

    @on(PersonSearch.Chosen)
    def _person_chosen(self, _event: PersonSearch.Chosen) -> None:
        self.show_error("")
        self.query_one("#temperature", Input).focus()

    @on(Input.Submitted, "#temperature")
    def _temperature_entered(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()

    def action_submit(self) -> None:
        person = self.person
        if person is None:
            self.show_error(_("Pick the person first."))
            self.query_one(PersonSearch).focus_query()
            return
        try:
            temp_c = entries.parse_temperature(
                self.query_one("#temperature", Input).value, self.context.rules
            )
        except UserError as exc:
            self.fail(exc)
            return
        context = self.context

        def record(session: Session) -> Recorded:
            entry = entries.record_manual_reading(
                session,
                context.actor,
                context.rules,
                temp_c=temp_c,
                person_id=person.person_id,
                mode="contact",
                clock=context.clock,
            )
            return Recorded(
                _("Recorded {temp} for {who}: {status}.").format(
                    temp=text.temperature(temp_c),
                    who=person.short,
                    status=text.status_label(entry.status),
                ),
                alarm=entry.status in (FEVER, FEVER_CONFIRMED),
            )

        self.write(record)
