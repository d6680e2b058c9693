"""Register a visitor: name, phone, reason, host and temperature. A fever refuses them."""

from __future__ import annotations

from sqlmodel import Session
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Label

from duty_console.domain import entries
from duty_console.domain.screening import DENIED
from duty_console.errors import UserError
from duty_console.i18n import N_, _
from duty_console.tui import text
from duty_console.tui.widgets.field import Field
from duty_console.tui.widgets.form import FormModal, Recorded
from duty_console.tui.widgets.mode_choice import ModeChoice

FIELDS = (
    ("name", N_("Name")),
    ("phone", N_("Phone")),
    ("reason", N_("Reason for the visit")),
    ("host", N_("Visiting whom")),
    ("temperature", N_("Temperature (for example 36.8)")),
)


class VisitorForm(FormModal):
    """Enter moves to the next field; on the temperature it records the visitor."""

    DEFAULT_CSS = """
    VisitorForm .field-label { margin-top: 0; }
    """

    def compose(self) -> ComposeResult:
        with Vertical(id="form"):
            yield Label(_("Register a visitor"), classes="title")
            for field_id, label in FIELDS:
                if field_id == "temperature":
                    yield Label(_("Measured with (1, 2)"), classes="field-label")
                    yield ModeChoice(id="mode")
                yield Label(_(label), classes="field-label")
                yield Field(id=field_id)
            yield self.error_label()
            yield self.hint_label()

    def on_mount(self) -> None:
        self.query_one("#name", Input).focus()

    def value(self, field_id: str) -> str:
        return self.query_one(f"#{field_id}", Input).value.strip()

    @on(Input.Submitted)
    def _entered(self, event: Input.Submitted) -> None:
        event.stop()
        ids = [field_id for field_id, _label in FIELDS]
        current = ids.index(event.input.id or "name")
        if ids[current + 1 : current + 2] == ["temperature"]:
            self.query_one(ModeChoice).focus()
        elif current + 1 < len(ids):
            self.query_one(f"#{ids[current + 1]}", Input).focus()
        else:
            self.action_submit()

    @on(ModeChoice.Chosen)
    def _mode_chosen(self, event: ModeChoice.Chosen) -> None:
        event.stop()
        self.query_one("#temperature", Input).focus()

    def action_submit(self) -> None:
        context = self.context
        try:
            temp_c = entries.parse_temperature(self.value("temperature"), context.rules)
        except UserError as exc:
            self.fail(exc)
            self.query_one("#temperature", Input).focus()
            return
        name, phone = self.value("name"), self.value("phone")
        reason, host = self.value("reason"), self.value("host")
        mode = self.query_one(ModeChoice).mode

        def register(session: Session) -> Recorded:
            _visitor, entry = entries.register_visitor(
                session,
                context.actor,
                context.rules,
                name=name,
                phone=phone,
                reason=reason,
                host=host,
                temp_c=temp_c,
                mode=mode,
                clock=context.clock,
            )
            if entry.status == DENIED:
                return Recorded(
                    _("Visitor refused: {temp} is a fever.").format(temp=text.temperature(temp_c)),
                    alarm=True,
                )
            return Recorded(
                _("Visitor registered: {temp}, {status}.").format(
                    temp=text.temperature(temp_c), status=text.status_label(entry.status)
                )
            )

        self.write(register)
