"""A reading taken by hand, for a person: a contact (axillary) thermometer or a hand-held IR gun.

Also how a fever is rechecked (after the rest). The mode is asked, since each may have its own
fever line; the reading then takes the one screening path (``domain.intake``).
"""

from __future__ import annotations

from sqlmodel import Session
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Label

from duty_console.domain import entries
from duty_console.domain.screening import Mode
from duty_console.errors import UserError
from duty_console.i18n import _
from duty_console.tui import text
from duty_console.tui.context import ConsoleContext
from duty_console.tui.widgets.field import Field
from duty_console.tui.widgets.form import FormModal, Recorded
from duty_console.tui.widgets.mode_choice import ModeChoice
from duty_console.tui.widgets.person_search import PersonChoice, PersonSearch


class ManualReading(FormModal):
    """Who (searched, or given for a recheck), how it was measured, the temperature; Enter."""

    def __init__(
        self, context: ConsoleContext, person: PersonChoice | None = None, *, recheck: bool = False
    ) -> None:
        super().__init__(context)
        self._preset = person
        # A recheck at the gate is an IR re-measure (the gun); the doctor's reading is axillary.
        self._default_mode = Mode.MANUAL if recheck else Mode.CONTACT

    def compose(self) -> ComposeResult:
        with Vertical(id="form"):
            if self._preset is None:
                yield Label(_("Reading taken by hand"), classes="title")
                yield Label(_("Person"), classes="field-label")
                yield PersonSearch(self.context.rt.db, id="person")
            else:
                yield Label(_("Recheck"), classes="title")
                yield Label(self._preset.label, id="preset", markup=False)
            yield Label(_("Measured with (1, 2)"), classes="field-label")
            yield ModeChoice(self._default_mode, id="mode")
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
    def mode(self) -> Mode:
        return self.query_one(ModeChoice).mode

    @on(ModeChoice.Chosen)
    def _mode_chosen(self, event: ModeChoice.Chosen) -> None:
        event.stop()
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
        mode = self.mode

        def record(session: Session) -> Recorded:
            entry, _decision = entries.record_manual_reading(
                session,
                context.actor,
                context.rules,
                temp_c=temp_c,
                person_id=person.person_id,
                mode=mode,
                clock=context.clock,
            )
            row = entries.EntryRow(
                id=entry.id or 0,
                at=entry.at,
                gate=entry.gate,
                device=entry.device,
                person_id=entry.person_id,
                name=person.name,
                class_name=person.class_name,
                temp_c=entry.temp_c,
                mode=entry.mode,
                status=entry.status,
                reason=entry.reason,
                visitor=False,
                recheck_of=entry.recheck_of,
                rest_of=entry.rest_of,
                incident_id=entry.incident_id,
            )
            advice = text.advice(row, context.rules, context.tz)
            return Recorded(
                _("Recorded {temp} for {who}: {advice}.").format(
                    temp=text.temperature(entry.temp_c), who=person.short, advice=advice
                ),
                alarm=row.rings,
            )

        self.write(record)
