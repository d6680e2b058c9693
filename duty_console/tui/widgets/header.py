"""The header line: site, gate, local time, who is signed in, overdue rechecks and timers,
engine and device health."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Label

from duty_console.domain.health import TROUBLE_DISK_FULL, TROUBLE_NOT_WRITING
from duty_console.i18n import _
from duty_console.tui.actions import live_state
from duty_console.tui.context import ConsoleContext
from duty_console.tui.live import LiveState
from duty_console.tui.text import role_label


class ConsoleHeader(Horizontal):
    """One line; names and device strings are shown as text, never as markup."""

    DEFAULT_CSS = """
    ConsoleHeader {
        dock: top;
        height: 1;
        background: $panel;
        color: $foreground;
        & Label { width: auto; padding: 0 1; }
        & #site { text-style: bold; }
        /* Who and where give way (cropped) before the health does, on a narrow terminal. */
        & > #where { width: 1fr; height: 1; overflow: hidden hidden; }
        & .-bad { background: $error; color: $text; text-style: bold; }
        & .-muted { color: $text-muted; }
        & #supplies-low { color: $warning; text-style: bold; }
        & #uncalibrated { color: $warning; text-style: bold; }
        /* Under 100 columns (SSH, 80x24): no school name, the time without the date, one
           space between labels, and who is on duty only when a shift is about to end. */
        &.-narrow {
            & Label { padding: 0 0; margin: 0 1 0 0; }
            & #site { display: none; }
        }
    }
    """
    NARROW_BELOW = 100

    def __init__(self, context: ConsoleContext) -> None:
        super().__init__()
        self.console_context = context
        self._minute = ""
        # The text each label shows now (see _put).
        self._shown: dict[str, str] = {}
        self._overdue = -1

    def compose(self) -> ComposeResult:
        site = self.console_context.rt.settings.site
        actor = self.console_context.actor
        with Horizontal(id="where"):
            yield Label(site.name, id="site", markup=False)
            yield Label(_("gate {gate}").format(gate=site.gate), id="gate", markup=False)
            yield Label(self._time_text(), id="clock", markup=False)
            yield Label(f"{actor.name} {role_label(actor.role)}", id="who", markup=False)
        yield Label("", id="overdue", classes="-bad", markup=False)
        yield Label("", id="timers-overdue", markup=False)
        on_duty = Label("", id="on-duty", markup=False)
        on_duty.display = False
        yield on_duty
        yield Label("", id="report-due", classes="-bad", markup=False)
        yield Label("", id="supplies-low", markup=False)
        yield Label("", id="uncalibrated", markup=False)
        yield Label("", id="database", markup=False)
        yield Label("", id="lost", classes="-bad", markup=False)
        yield Label("", id="engine", markup=False)
        yield Label("", id="devices", markup=False)

    def on_mount(self) -> None:
        self.query_one("#database").display = False
        self.query_one("#overdue").display = False
        self.query_one("#timers-overdue").display = False
        self.query_one("#report-due").display = False
        self.query_one("#supplies-low").display = False
        self.query_one("#uncalibrated").display = False
        self.query_one("#lost").display = False
        self.watch(self.app, "live", self._show_live)
        self.watch(self.app, "database_problem", self._show_database)
        # The time shows minutes: a once-a-second check redraws only when the minute changes.
        self.set_interval(1.0, self._tick)

    def _time_text(self) -> str:
        shown = "%H:%M" if self.has_class("-narrow") else "%m-%d %H:%M"
        return self.console_context.now().astimezone(self.console_context.tz).strftime(shown)

    def on_resize(self) -> None:
        narrow = self.size.width < self.NARROW_BELOW
        if narrow != self.has_class("-narrow"):
            self.set_class(narrow, "-narrow")
            self._minute = ""
            self._tick()
            self._show_on_duty(live_state(self))

    def _tick(self) -> None:
        shown = self._time_text()
        if shown != self._minute:
            self._minute = shown
            self.query_one("#clock", Label).update(shown)
        self._show_overdue()

    def _show_overdue(self) -> None:
        """How many fevers are past their recheck window, at any gate (redrawn on change)."""
        live = live_state(self)
        count = 0
        if live is not None:
            context = self.console_context
            count = len(live.split(context.now(), context.rules)[1])
        if count != self._overdue:
            self._overdue = count
            label = self.query_one("#overdue", Label)
            label.update(_("recheck!{count}").format(count=count))
            label.display = count > 0

    def _put(self, label: Label, text: str) -> None:
        """Show ``text`` in ``label`` if it is not already shown: an update lays the header out
        and sends its row to the terminal again, even with the same text."""
        if self._shown.get(label.id or "") != text:
            self._shown[label.id or ""] = text
            label.update(text)

    def _show_live(self, live: LiveState | None) -> None:
        self._show_overdue()
        self._show_timers_overdue(live)
        # Today's report not submitted after [reports] remind_at: whoever may submit it sees so.
        due = live is not None and live.report_due and self.console_context.can("report.submit")
        report_due = self.query_one("#report-due", Label)
        self._put(report_due, _("report not submitted") if due else "")
        report_due.display = due
        low = live.supplies_low if live is not None else 0
        supplies_low = self.query_one("#supplies-low", Label)
        self._put(supplies_low, _("supplies low {count}").format(count=low) if low else "")
        supplies_low.display = low > 0
        self._show_uncalibrated(live)
        self._show_lost(live)
        engine = self.query_one("#engine", Label)
        devices = self.query_one("#devices", Label)
        self._show_on_duty(live)
        if live is None:
            self._put(engine, _("engine ..."))
            self._put(devices, "")
            return
        trouble = live.engine_trouble
        if trouble == TROUBLE_DISK_FULL:
            # The engine cannot even write its heartbeat: say why, not just "engine off".
            self._put(engine, _("disk full"))
            engine.tooltip = _(
                "The disk holding the database is full: nothing can be recorded. The engine "
                "keeps the readings in memory and writes them once some space is freed."
            )
        elif trouble == TROUBLE_NOT_WRITING:
            self._put(engine, _("engine not writing"))
            engine.tooltip = _(
                "The engine holds the gate but has not written for a while: the database "
                "refuses its writes (a full disk, a server problem), or it hangs. "
                "See duty-console status and the engine's log."
            )
        else:
            self._put(engine, _("engine ok") if live.engine_alive else _("engine off"))
            engine.tooltip = None
        engine.set_class(not live.engine_alive or bool(trouble), "-bad")
        self._put(
            devices,
            _("devices {online}/{total}").format(
                online=live.devices_online, total=live.devices_total
            ),
        )
        devices.set_class(live.devices_online < live.devices_total, "-bad")
        devices.set_class(live.devices_total == 0, "-muted")

    def _show_uncalibrated(self, live: LiveState | None) -> None:
        """Thermometers not checked against a reference for [calibration] every_days."""
        count = live.uncalibrated if live is not None else 0
        label = self.query_one("#uncalibrated", Label)
        self._put(label, _("calibrate {count}").format(count=count) if count else "")
        label.tooltip = (
            _("Thermometers not checked against a reference lately: duty-console device calibrate")
            if count
            else None
        )
        label.display = count > 0

    def _show_lost(self, live: LiveState | None) -> None:
        """Readings the engine had to drop (a long outage filled its memory), for a day."""
        count = live.readings_lost if live is not None else 0
        label = self.query_one("#lost", Label)
        self._put(label, _("lost {count}").format(count=count) if count else "")
        label.tooltip = (
            _(
                "Readings the engine could not keep while the database could not be written "
                "(its memory for them was full): duty-console status"
            )
            if count
            else None
        )
        label.display = count > 0

    def _show_timers_overdue(self, live: LiveState | None) -> None:
        overdue = self.query_one("#timers-overdue", Label)
        count = live.timers_overdue if live is not None else 0
        # Every view shows overdue disinfection and airing (short: 80 columns are tight in
        # English); the Timers view (:timers) lists them.
        self._put(overdue, _("overdue {count}").format(count=count) if count else "")
        overdue.tooltip = _("Overdue disinfection or airing: see :timers") if count else None
        overdue.set_class(bool(count), "-bad")
        overdue.display = bool(count)

    def _show_on_duty(self, live: LiveState | None) -> None:
        label = self.query_one("#on-duty", Label)
        if live is None or not (live.on_duty or live.shift_ending):
            label.display = False
            return
        if live.shift_ending:
            self._put(
                label, _("{names}: hand over soon").format(names=", ".join(live.shift_ending))
            )
        else:
            self._put(label, _("on duty: {names}").format(names=", ".join(live.on_duty)))
        label.set_class(bool(live.shift_ending), "-bad")
        label.display = bool(live.shift_ending) or not self.has_class("-narrow")

    def _show_database(self, problem: str) -> None:
        label = self.query_one("#database", Label)
        self._put(label, _("database unreachable") if problem else "")
        label.set_class(bool(problem), "-bad")
        label.display = bool(problem)
