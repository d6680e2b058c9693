"""The Timers view's forms: a disinfection done (agent, concentration, note) and an alert
acknowledged (why). Each writes through the domain service in the form's worker."""

from __future__ import annotations

from sqlmodel import Session
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Label

from duty_console.domain import alerts
from duty_console.domain import timers as timers_domain
from duty_console.i18n import _, language
from duty_console.tui.context import ConsoleContext
from duty_console.tui.widgets.field import Field
from duty_console.tui.widgets.form import FormModal, Recorded


def area_name(timer: timers_domain.Timer) -> str:
    return timer.area_zh if language() == "zh_CN" else timer.area


class DisinfectionForm(FormModal):
    """Agent prefilled from the area type; the concentration's expected range as placeholder."""

    def __init__(
        self,
        context: ConsoleContext,
        timer: timers_domain.Timer,
        schedule: timers_domain.Schedule,
        disinfectants: timers_domain.Disinfectants,
    ) -> None:
        super().__init__(context)
        self.timer = timer
        self.schedule = schedule
        self.disinfectants = disinfectants

    def _agent(self) -> timers_domain.Agent | None:
        return self.disinfectants.agents.get(self.disinfectants.default_for(self.timer.area_type))

    def compose(self) -> ComposeResult:
        agent = self._agent()
        expected = ""
        agent_name = ""
        if agent is not None:
            agent_name = agent.name_zh if language() == "zh_CN" else agent.name_en
            expected = agent.range_text(*self.disinfectants.accepted(self.timer.area_type, agent))
        with Vertical(id="form"):
            yield Label(
                _("Disinfected: {area}").format(
                    area=f"{self.timer.area_code} {area_name(self.timer)}"
                ),
                classes="title",
                markup=False,
            )
            yield Label(_("Disinfectant"), classes="field-label")
            yield Field(value=agent_name, id="agent")
            yield Label(_("Concentration"), classes="field-label")
            yield Field(placeholder=expected, id="concentration")
            yield Label(_("Note"), classes="field-label")
            yield Field(id="note")
            yield self.error_label()
            yield self.hint_label()

    def on_mount(self) -> None:
        self.query_one("#concentration", Input).focus()

    @on(Input.Submitted, "#agent")
    def _agent_entered(self, event: Input.Submitted) -> None:
        event.stop()
        self.query_one("#concentration", Input).focus()

    @on(Input.Submitted, "#concentration")
    def _concentration_entered(self, event: Input.Submitted) -> None:
        event.stop()
        self.query_one("#note", Input).focus()

    @on(Input.Submitted, "#note")
    def _note_entered(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()

    def action_submit(self) -> None:
        context = self.context
        agent = self.query_one("#agent", Input).value.strip() or None
        concentration = self.query_one("#concentration", Input).value.strip() or None
        note = self.query_one("#note", Input).value
        code = self.timer.area_code
        schedule = self.schedule
        table = self.disinfectants

        def record(session: Session) -> Recorded:
            rec = timers_domain.record_disinfection(
                session,
                context.actor,
                code,
                agent=agent,
                concentration=concentration,
                note=note,
                sched=schedule,
                clock=context.clock,
                disinfectants=table,
            )
            return Recorded(
                _("Disinfection of {area} recorded: {concentration}.").format(
                    area=code, concentration=rec.concentration or "-"
                )
            )

        self.write(record)


class AcknowledgeForm(FormModal):
    """Who and when come from the sign-in and the clock; the form asks why."""

    def __init__(self, context: ConsoleContext, alert_id: int, about: str) -> None:
        super().__init__(context)
        self.alert_id = alert_id
        self.about = about

    def compose(self) -> ComposeResult:
        with Vertical(id="form"):
            yield Label(
                _("Acknowledge: {about}").format(about=self.about), classes="title", markup=False
            )
            yield Label(_("Why (it stays overdue until done)"), classes="field-label")
            yield Field(placeholder=_("for example: cleaner on the way"), id="why")
            yield self.error_label()
            yield self.hint_label()

    def on_mount(self) -> None:
        self.query_one("#why", Input).focus()

    @on(Input.Submitted, "#why")
    def _why_entered(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()

    def action_submit(self) -> None:
        context = self.context
        why = self.query_one("#why", Input).value
        alert_id = self.alert_id

        def ack(session: Session) -> Recorded:
            alerts.acknowledge(session, context.actor, alert_id, why, clock=context.clock)
            return Recorded(_("Alert acknowledged; it stays listed until the task is done."))

        self.write(ack)
