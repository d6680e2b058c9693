"""The Timers view (``:timers``): disinfection and ventilation of every area, most urgent first.

Running airings (with their countdown and progress bar) come first, then overdue, due and ok.
``enter`` does the obvious thing for the selected row: a disinfection is recorded as done, an
airing is started or stopped. ``/`` filters by building, area type, code or state. Below the
table, each area type's compliance over the last seven days.

The screen reads its rows in a worker (``TimersRead``) when the database changes, and every
``REFRESH_S`` since a timer turns due or overdue with no write at all; a one-second ticker only
redraws the countdowns of running airings.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from sqlmodel import Session
from textual import on, work
from textual.app import ComposeResult
from textual.message import Message
from textual.timer import Timer as TextualTimer
from textual.widgets import DataTable, Input, Label, Static

from duty_console.domain import alerts
from duty_console.domain import timers as t
from duty_console.i18n import N_, _, language
from duty_console.runtime import timers_schedule
from duty_console.tui import text
from duty_console.tui.actions import ActionScreen, ScreenAction, key_for, nudge
from duty_console.tui.context import ConsoleContext
from duty_console.tui.widgets.field import Field
from duty_console.tui.widgets.footer import ConsoleFooter
from duty_console.tui.widgets.form import Recorded
from duty_console.tui.widgets.header import ConsoleHeader
from duty_console.tui.widgets.timer_forms import AcknowledgeForm, DisinfectionForm, area_name

REFRESH_S = 15.0
BAR_CELLS = 6
# Seven days of compliance in ASCII: block glyphs are ambiguous-width in Chinese terminals.
SPARK = "_.-=+*#"

STATE_LABELS = {
    t.RUNNING: N_("airing"),
    t.OVERDUE: N_("overdue"),
    t.DUE: N_("due"),
    t.OK: N_("ok"),
}
KIND_LABELS = {t.DISINFECTION: N_("disinfect"), t.VENTILATION: N_("air")}


@dataclass(frozen=True)
class AlertInfo:
    id: int
    acknowledged_by: str


class AiringWritten(Message):
    """An airing was started or stopped (or refused: ``error``)."""

    def __init__(self, text: str, error: bool = False) -> None:
        super().__init__()
        self.text = text
        self.error = error


class TimersRead(Message):
    """The worker read every timer, the open alerts and the week's compliance."""

    def __init__(
        self,
        timers: list[t.Timer],
        alerts_by_subject: dict[str, AlertInfo],
        week: dict[str, list[float]],
        type_names: dict[str, tuple[str, str]],
    ) -> None:
        super().__init__()
        self.timers = timers
        self.alerts_by_subject = alerts_by_subject
        self.week = week
        self.type_names = type_names


def spark(values: list[float]) -> str:
    """[0.0, 0.5, 1.0] → '_=#'."""
    top = len(SPARK) - 1
    return "".join(SPARK[round(max(0.0, min(1.0, v)) * top)] for v in values)


class TimerTable(DataTable[Text]):
    """The timers, one row each; colours from the theme."""

    COMPONENT_CLASSES = {
        "timer-table--overdue",
        "timer-table--due",
        "timer-table--running",
        "timer-table--muted",
        "timer-table--bar",
    }
    DEFAULT_CSS = """
    TimerTable {
        & > .timer-table--overdue { color: $text-error; text-style: bold; }
        & > .timer-table--due { color: $text-warning; }
        & > .timer-table--running { color: $text-success; text-style: bold; }
        & > .timer-table--muted { color: $text-muted; }
        & > .timer-table--bar { background: $success; }
    }
    """

    def style_for(self, name: str) -> Style:
        return self.get_component_rich_style(f"timer-table--{name}")


class TimersScreen(ActionScreen):
    CSS_PATH = "timers.tcss"

    AREA = N_("timers")
    ACTIONS = (
        ScreenAction(
            "timers.act",
            "enter",
            "act",
            N_("do it"),
            N_("Do the selected task: record it done, start or stop the airing"),
            "hygiene.record",
        ),
        ScreenAction(
            "timers.disinfect",
            "d",
            "disinfect",
            N_("disinfected"),
            N_("Record a disinfection of the selected area"),
            "hygiene.record",
        ),
        ScreenAction(
            "timers.airing",
            "v",
            "airing",
            N_("air"),
            N_("Start or stop the airing of the selected area"),
            "hygiene.record",
        ),
        ScreenAction(
            "timers.ack",
            "a",
            "acknowledge",
            N_("acknowledge"),
            N_("Acknowledge the selected overdue task's alert (who, when, why)"),
            "alert.acknowledge",
        ),
        ScreenAction(
            "timers.filter",
            "slash",
            "filter",
            N_("filter"),
            N_("Show one building, area type, area or state"),
            show=False,
        ),
        ScreenAction(
            "timers.clear",
            "escape",
            "clear_filter",
            N_("clear the filter"),
            N_("Clear the filter"),
            palette=False,
        ),
    )

    def __init__(self, context: ConsoleContext) -> None:
        super().__init__(context, name="timers")
        self.schedule = timers_schedule(context.rt)
        self.disinfectants = t.load_disinfectants()
        self.timers: list[t.Timer] = []
        self.alerts_by_subject: dict[str, AlertInfo] = {}
        self.week: dict[str, list[float]] = {}
        self.type_names: dict[str, tuple[str, str]] = {}
        self.filter_text = ""
        self.loaded = False
        self._shown: list[t.Timer] = []
        self._ticker: TextualTimer | None = None
        self._stale = False

    def compose(self) -> ComposeResult:
        yield ConsoleHeader(self.context)
        yield Label("", id="timers-title", markup=False)
        yield Field(placeholder=_("building, area type, area or state; esc clears"), id="filter")
        table = TimerTable(id="timers", cursor_type="row", zebra_stripes=False)
        yield table
        yield Static("", id="week", markup=False)
        yield ConsoleFooter(show_command_palette=False)

    def on_mount(self) -> None:
        self.query_one("#filter").display = False
        table = self.query_one(TimerTable)
        table.add_column(_("state"), key="state", width=7)
        table.add_column(_("area"), key="area", width=18)
        table.add_column(_("task"), key="kind", width=9)
        table.add_column(_("due / left"), key="when", width=11)
        table.add_column(_("today"), key="today", width=BAR_CELLS + 5)
        table.add_column(_("last done"), key="last", width=11)
        table.focus()
        self._ticker = self.set_interval(1.0, self._tick, pause=True)
        self.set_interval(REFRESH_S, self.reload)
        self.watch(self.app, "data_generation", self._data_changed, init=False)
        self.reload()

    # -- reading ------------------------------------------------------------------------------

    def reload(self) -> None:
        if self.is_attached:
            self._read()

    @work(thread=True, exclusive=True, group="timers-read")
    def _read(self) -> None:
        now = self.context.now()
        with self.context.rt.db.read() as session:
            timers = t.compute_timers(
                session, now, self.schedule, boot=self.context.clock.boot_instant()
            )
            by_subject = {
                a.subject: AlertInfo(a.id or 0, a.acknowledged_by)
                for a in alerts.active(session, "timer.")
            }
            week = t.week_by_type(session, self.schedule.local_day(now), self.schedule)
            names = t.area_type_names(session)
        self.post_message(TimersRead(timers, by_subject, week, names))

    @on(TimersRead)
    def _timers_read(self, message: TimersRead) -> None:
        unchanged = (
            self.loaded
            and message.timers == self.timers
            and message.alerts_by_subject == self.alerts_by_subject
            and message.week == self.week
        )
        if unchanged:
            return  # an idle console redraws nothing (SSH)
        self.timers = message.timers
        self.alerts_by_subject = message.alerts_by_subject
        self.week = message.week
        self.type_names = message.type_names
        self.loaded = True
        self._show()

    def _data_changed(self, _generation: int) -> None:
        if self.is_current:
            self.reload()
        else:
            self._stale = True

    def on_screen_resume(self) -> None:
        if self._stale:
            self._stale = False
            self.reload()

    # -- showing ------------------------------------------------------------------------------

    def type_name(self, key: str) -> str:
        zh, en = self.type_names.get(key, (key, key))
        return zh if language() == "zh_CN" else en

    def _matches(self, timer: t.Timer) -> bool:
        if not self.filter_text:
            return True
        hay = " ".join(
            [
                timer.area_code,
                timer.area,
                timer.area_zh,
                timer.building,
                timer.area_type,
                *self.type_names.get(timer.area_type, ("", "")),
                timer.kind,
                _(KIND_LABELS[timer.kind]),
                timer.state,
                _(STATE_LABELS[timer.state]),
            ]
        ).lower()
        return all(word in hay for word in self.filter_text.lower().split())

    def _show(self) -> None:
        table = self.query_one(TimerTable)
        selected = self.selected
        self._shown = [x for x in self.timers if self._matches(x)]
        now = self.context.now()
        table.clear()
        for timer in self._shown:
            table.add_row(*self._cells(timer, now), key=self._key(timer))
        if selected is not None:
            keys = [self._key(x) for x in self._shown]
            if self._key(selected) in keys:
                table.move_cursor(row=keys.index(self._key(selected)), animate=False)
        self._show_title()
        self._show_week()
        if self._ticker is not None:
            if any(x.state == t.RUNNING for x in self._shown):
                self._ticker.resume()
            else:
                self._ticker.pause()
        self.refresh_bindings()

    @staticmethod
    def _key(timer: t.Timer) -> str:
        return timer.subject

    def _cells(self, timer: t.Timer, now: datetime) -> list[Text]:
        table = self.query_one(TimerTable)
        tz = self.schedule.tz
        state_style = {
            t.OVERDUE: "overdue",
            t.DUE: "due",
            t.RUNNING: "running",
            t.OK: "muted",
        }[timer.state]
        state = Text(_(STATE_LABELS[timer.state]), style=table.style_for(state_style))
        alert = self.alerts_by_subject.get(timer.subject)
        if alert is not None and alert.acknowledged_by:
            state.append("*", style=table.style_for("muted"))
        area = Text(f"{timer.area_code} {area_name(timer)}", no_wrap=True, overflow="crop")
        if timer.state == t.OVERDUE:
            area.stylize(table.style_for("overdue"))
        kind = Text(_(KIND_LABELS[timer.kind]))
        return [
            state,
            area,
            kind,
            self._when(timer, now),
            self._today(timer, now),
            Text(_when_text(timer.last_done_at, now, tz), style=table.style_for("muted")),
        ]

    def _when(self, timer: t.Timer, now: datetime) -> Text:
        table = self.query_one(TimerTable)
        if timer.state == t.RUNNING:
            left = timer.remaining_s(now, self.context.clock.boot_instant())
            if left <= 0:
                return Text(_("may close"), style=table.style_for("running"))
            return Text(_("{left} left").format(left=text.countdown(left)))
        return Text(_when_text(timer.due_at, now, self.schedule.tz))

    def _today(self, timer: t.Timer, now: datetime) -> Text:
        """A bar: a running airing's progress to M minutes, else today's share done."""
        table = self.query_one(TimerTable)
        if timer.state == t.RUNNING and timer.running_since is not None and timer.minutes:
            left = timer.remaining_s(now, self.context.clock.boot_instant())
            share = 1 - left / (timer.minutes * 60)
            label = f"{int(share * 100):>3}%"
        else:
            share = timer.compliance_today()
            if timer.kind == t.VENTILATION:
                label = f" {timer.sessions_today}/{timer.required_today}"
            else:
                label = " 1/1" if share >= 1 else " 0/1"
        filled = round(max(0.0, min(1.0, share)) * BAR_CELLS)
        bar = Text(" " * filled, style=table.style_for("bar"))
        bar.append("." * (BAR_CELLS - filled), style=table.style_for("muted"))
        bar.append(label)
        return bar

    def _tick(self) -> None:
        table = self.query_one(TimerTable)
        now = self.context.now()
        for timer in self._shown:
            if timer.state == t.RUNNING:
                key = self._key(timer)
                table.update_cell(key, "when", self._when(timer, now))
                table.update_cell(key, "today", self._today(timer, now))

    def _show_title(self) -> None:
        counts = {s: sum(1 for x in self._shown if x.state == s) for s in t.STATES}
        parts = ", ".join(f"{_(STATE_LABELS[s])} {counts[s]}" for s in t.STATES)
        title = Text(_("Timers: {counts}").format(counts=parts), style="bold")
        if self.filter_text:
            title.append("  " + _("filter: {filter}").format(filter=self.filter_text))
        else:
            title.append("  " + _("{key} filters").format(key=key_for(self, "timers.filter")))
        self.query_one("#timers-title", Label).update(title)

    def _show_week(self) -> None:
        """Each area type's seven days, packed into lines without splitting an entry."""
        week = self.query_one("#week", Static)
        width = max(20, (week.size.width or self.size.width or 80) - 2)
        entries = [_("7 days, old to new:")] + [
            f"{self.type_name(key)} {spark(values)}"
            for key, values in sorted(self.week.items())
            if any(x.area_type == key for x in self.timers)
        ]
        lines: list[str] = []
        for entry in entries:
            if lines and cell_len(lines[-1]) + 3 + cell_len(entry) <= width:
                lines[-1] += "   " + entry
            else:
                lines.append(entry)
        week.update("\n".join(lines))

    def on_resize(self) -> None:
        if self.loaded:
            self._show_week()

    # -- the selection and the actions ---------------------------------------------------------

    @property
    def selected(self) -> t.Timer | None:
        table = self.query_one(TimerTable)
        if not self._shown or table.cursor_row < 0 or table.cursor_row >= len(self._shown):
            return None
        return self._shown[table.cursor_row]

    def _disinfection_of(self, timer: t.Timer) -> t.Timer | None:
        return next(
            (x for x in self.timers if x.area_code == timer.area_code and x.kind == t.DISINFECTION),
            None,
        )

    def _ventilation_of(self, timer: t.Timer) -> t.Timer | None:
        return next(
            (x for x in self.timers if x.area_code == timer.area_code and x.kind == t.VENTILATION),
            None,
        )

    def available(self, action: str) -> bool:
        selected = self.selected
        if action in ("act",):
            return selected is not None
        if action == "disinfect":
            return selected is not None and self._disinfection_of(selected) is not None
        if action == "airing":
            return selected is not None and self._ventilation_of(selected) is not None
        if action == "acknowledge":
            if selected is None:
                return False
            alert = self.alerts_by_subject.get(selected.subject)
            return alert is not None and not alert.acknowledged_by
        if action == "clear_filter":
            return bool(self.filter_text) or bool(self.query_one("#filter").display)
        return True

    @on(DataTable.RowHighlighted)
    def _highlighted(self, _event: DataTable.RowHighlighted) -> None:
        self.refresh_bindings()

    @on(DataTable.RowSelected)
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if self.check_action("act", ()):
            self.action_act()

    def _done(self, recorded: Recorded | None) -> None:
        if recorded is None:
            return
        self.notify(recorded.message, markup=False)
        nudge(self)
        self.reload()

    def action_act(self) -> None:
        selected = self.selected
        if selected is None:
            return
        if selected.kind == t.DISINFECTION:
            self.action_disinfect()
        else:
            self.action_airing()

    def action_disinfect(self) -> None:
        selected = self.selected
        target = self._disinfection_of(selected) if selected else None
        if target is None:
            return
        self.app.push_screen(
            DisinfectionForm(self.context, target, self.schedule, self.disinfectants), self._done
        )

    def action_airing(self) -> None:
        selected = self.selected
        target = self._ventilation_of(selected) if selected else None
        if target is not None:
            self._toggle_airing(target.area_code, target.state == t.RUNNING)

    @work(thread=True, exclusive=True, group="timers-write")
    def _toggle_airing(self, code: str, running: bool) -> None:
        from duty_console.errors import UserError
        from duty_console.i18n import translate_error

        context = self.context
        try:
            with context.rt.db.write() as session:
                message = self._airing_write(session, code, running)
        except UserError as exc:
            self.post_message(AiringWritten(translate_error(exc), error=True))
            return
        except Exception as exc:  # a full disk, a long write elsewhere: said, never a crash
            self.post_message(AiringWritten(text.nothing_recorded(exc, context.rt.db.path), True))
            return
        self.post_message(AiringWritten(message))

    @on(AiringWritten)
    def _airing_written(self, message: AiringWritten) -> None:
        if message.error:
            self.notify(message.text, severity="error", markup=False)
        else:
            self._done(Recorded(message.text))

    def _airing_write(self, session: Session, code: str, running: bool) -> str:
        context = self.context
        if running:
            stopped = t.stop_ventilation(
                session, context.actor, code, sched=self.schedule, clock=context.clock
            )
            if stopped.counted:
                return _("Airing of {area} stopped; it counts for today.").format(area=code)
            return _(
                "Airing of {area} stopped after {minutes} min; under {required} min, "
                "it does not count."
            ).format(area=code, minutes=int(stopped.minutes), required=stopped.required_minutes)
        t.start_ventilation(session, context.actor, code, sched=self.schedule, clock=context.clock)
        return _("Airing of {area} started: windows open.").format(area=code)

    def action_acknowledge(self) -> None:
        selected = self.selected
        if selected is None:
            return
        alert = self.alerts_by_subject.get(selected.subject)
        if alert is None:
            return
        about = f"{selected.area_code} {_(KIND_LABELS[selected.kind])}"
        self.app.push_screen(AcknowledgeForm(self.context, alert.id, about), self._done)

    # -- the filter ---------------------------------------------------------------------------

    def action_filter(self) -> None:
        field = self.query_one("#filter", Input)
        field.display = True
        field.value = self.filter_text
        field.focus()
        self.refresh_bindings()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.filter_text = event.value.strip()
        self._show()

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.query_one(TimerTable).focus()

    def action_clear_filter(self) -> None:
        field = self.query_one("#filter", Input)
        field.value = ""
        field.display = False
        self.filter_text = ""
        self._show()
        self.query_one(TimerTable).focus()

    def extra_help(self) -> list[tuple[str, list[tuple[str, str]]]]:
        return [
            (
                _("Timers"),
                [
                    ("", _("airing first, then overdue, due, ok; * acknowledged")),
                    (key_for(self, "timers.filter"), _("then a building, area type or state")),
                ],
            )
        ]


def _when_text(at: datetime | None, now: datetime, tz: object) -> str:
    if at is None:
        return "-"
    local = at.astimezone(tz)  # type: ignore[arg-type]
    if local.date() == now.astimezone(tz).date():  # type: ignore[arg-type]
        return local.strftime("%H:%M")
    return local.strftime("%m-%d %H:%M")
