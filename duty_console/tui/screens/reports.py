"""The reports view (``:reports``): the day's report previewed, its pictures, exporting it to
``[reports] folder`` and marking it submitted.

The preview reads without writing (no version is kept for a look); exporting and submitting
make the report, which keeps a new version only when it changed. Reads and writes run in thread
workers that post messages; the handlers own every change on screen.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Label, Static

from duty_console.domain import report_versions
from duty_console.errors import UserError
from duty_console.i18n import N_, _, language, translate_error
from duty_console.reports import pictures as pic
from duty_console.reports.daily import daily_report, make_daily_report, write_daily_report
from duty_console.reports.render import to_markdown, translator
from duty_console.runtime import timers_schedule
from duty_console.tui.actions import ActionScreen, ScreenAction
from duty_console.tui.context import ConsoleContext
from duty_console.tui.text import nothing_recorded
from duty_console.tui.widgets.chart import Chart
from duty_console.tui.widgets.footer import ConsoleFooter
from duty_console.tui.widgets.header import ConsoleHeader

# A busy gate changes the data several times a second: the view re-reads at most this often.
RELOAD_EVERY_S = 5.0


@dataclass
class ReportRead(Message):
    """A worker read the day's report and pictures."""

    day: date
    report: dict[str, Any]
    pictures: pic.DayPictures
    version: int | None
    submitted_by: str


@dataclass
class ReportActed(Message):
    """An export or a submission finished (``error``: it was refused)."""

    text: str
    error: bool = False


class ReportsScreen(ActionScreen):
    DEFAULT_CSS = """
    ReportsScreen {
        layout: vertical;
        & #report-title { width: 100%; height: 1; padding: 0 1; background: $panel; }
        & #report-body { height: 1fr; }
        & #report-text { padding: 0 1; }
    }
    """

    AREA = N_("reports")
    ACTIONS = (
        ScreenAction(
            "reports.previous",
            "left_square_bracket",
            "previous",
            N_("day before"),
            N_("Show the report of the day before"),
        ),
        ScreenAction(
            "reports.next",
            "right_square_bracket",
            "next",
            N_("day after"),
            N_("Show the report of the day after"),
        ),
        ScreenAction("reports.today", "t", "today", N_("today"), N_("Show today's report")),
        ScreenAction(
            "reports.export",
            "e",
            "export",
            N_("export"),
            N_("Write the report to the reports folder as Markdown and xlsx"),
            "report",
        ),
        ScreenAction(
            "reports.submit",
            "s",
            "submit",
            N_("submit"),
            N_("Mark the report submitted upward (its hash goes into the audit trail)"),
            "report.submit",
        ),
    )

    def __init__(self, context: ConsoleContext) -> None:
        super().__init__(context, name="reports")
        self.day = self.today()
        self._stale = False
        self._reload_timer: Timer | None = None
        # The day on screen once read (tests and the title wait for it).
        self.shown: date | None = None

    def today(self) -> date:
        return self.context.now().astimezone(self.context.tz).date()

    def compose(self) -> ComposeResult:
        yield ConsoleHeader(self.context)
        yield Label("", id="report-title", markup=False)
        with VerticalScroll(id="report-body"):
            yield Chart(id="arrivals")
            yield Chart(id="temperatures")
            yield Chart(id="compliance")
            yield Chart(id="history")
            yield Static("", id="report-text", markup=False)
        yield ConsoleFooter(show_command_palette=False)

    def on_mount(self) -> None:
        self.watch(self.app, "data_generation", self._data_changed, init=False)
        self.query_one("#report-body").focus()
        self.reload()

    # -- reading --------------------------------------------------------------------------

    def reload(self) -> None:
        self.shown = None
        self.query_one("#report-title", Label).update(
            _("Report of {day}: reading...").format(day=self.day.isoformat())
        )
        self._read(self.day)

    @work(thread=True, exclusive=True, group="read")
    def _read(self, day: date) -> None:
        context = self.context
        rt = context.rt
        now = context.now()
        with rt.db.read() as session:
            sched = timers_schedule(rt)
            report = daily_report(
                session, day, context.tz, now, school=rt.settings.site.name, sched=sched
            )
            pictures = pic.day_pictures(
                session, day, context.tz, context.rules.threshold("ir"), now, sched
            )
            row = report_versions.latest(session, day.isoformat())
        self.post_message(
            ReportRead(
                day,
                report,
                pictures,
                row.version if row else None,
                row.submitted_by if row and row.submitted_at else "",
            )
        )

    def _data_changed(self, _generation: int) -> None:
        if not self.is_current:
            self._stale = True
        elif self._reload_timer is None:
            self._reload_timer = self.set_timer(RELOAD_EVERY_S, self._reload_now)

    def _reload_now(self) -> None:
        self._reload_timer = None
        self.reload()

    def on_screen_resume(self) -> None:
        if self._stale:
            self._stale = False
            self.reload()

    @on(ReportRead)
    def _show(self, message: ReportRead) -> None:
        if message.day != self.day:
            return
        report = message.report
        state = _("zero report") if report["zero_report"] else _("not a zero report")
        if message.version is None:
            kept = _("not made yet")
        elif message.submitted_by:
            kept = _("version {version}, submitted by {who}").format(
                version=message.version, who=message.submitted_by
            )
        else:
            kept = _("version {version}, not submitted").format(version=message.version)
        shown = self.day.isoformat()
        if self.day == self.today():
            shown += " (" + _("today") + ")"
        self.query_one("#report-title", Label).update(f"{shown}  {state}  {kept}")
        self._draw(message.pictures)
        self.query_one("#report-text", Static).update(to_markdown(report, translator(language())))
        self.shown = message.day

    def _draw(self, p: pic.DayPictures) -> None:
        width = max(40, self.size.width - 4)
        columns = min(72, width - 6)
        first, counts = pic.arrivals_series(p.arrivals, columns)
        lines = pic.column_chart(counts, height=4)
        lines.append([(pic.hour_axis(first, columns), "axis")])
        self.query_one("#arrivals", Chart).show(
            _("Arrivals per 10 minutes (busiest: {most})").format(
                most=max(p.arrivals.values(), default=0)
            ),
            lines,
        )

        series = pic.temperature_series(p.temperatures)
        line_at = round(p.fever_line_c * 10) - pic.TEMP_LOW
        step = 2 if width >= 2 * len(series) + 2 else 1
        marks = {i: "fever" for i in range(len(series)) if i >= line_at}
        lines = pic.column_chart(series, height=4, marks=marks, width=step)
        axis_line = [("35.5", "axis"), (" " * max(0, line_at * step - 4), "muted")]
        axis_line.append((f"|{p.fever_line_c:.1f}", "fever"))
        lines.append(axis_line)
        self.query_one("#temperatures", Chart).show(
            _("Temperatures today ({count} readings); the fever line is {line}C").format(
                count=sum(p.temperatures.values()), line=f"{p.fever_line_c:.1f}"
            ),
            lines,
        )

        zh = language() == "zh_CN"
        rows = [
            (
                r["name_zh"] if zh else r["name"],
                r["done"] / r["due"],
                f"{r['done']}/{r['due']}",
            )
            for r in p.compliance
        ]
        self.query_one("#compliance", Chart).show(
            _("Disinfection and ventilation done, per area type"),
            pic.bar_rows(rows, label_cells=14, bar_cells=min(40, width - 30)),
        )

        fevers = [f for _d, f, _a in p.history]
        absences = [a for _d, _f, a in p.history]
        cells = [(f"{f:>3}", "fever" if f else "muted") for f in fevers]
        gone = [(f"{a:>3}", "bar" if a else "muted") for a in absences]
        days = "".join(f"{d.day:>3}" for d, _f, _a in p.history)
        self.query_one("#history", Chart).show(
            _("The last 14 days"),
            [
                [(pic.pad(_("day"), 12), "axis"), (days, "axis")],
                [(pic.pad(_("fevers"), 12), "axis"), *cells],
                [(pic.pad(_("sick absences"), 12), "axis"), *gone],
            ],
        )

    # -- actions --------------------------------------------------------------------------

    def available(self, action: str) -> bool:
        if action == "next":
            return self.day < self.today()
        return True

    def action_previous(self) -> None:
        self.day -= timedelta(days=1)
        self.refresh_bindings()
        self.reload()

    def action_next(self) -> None:
        if self.day < self.today():
            self.day += timedelta(days=1)
            self.refresh_bindings()
            self.reload()

    def action_today(self) -> None:
        self.day = self.today()
        self.refresh_bindings()
        self.reload()

    def action_export(self) -> None:
        self._export(self.day)

    def action_submit(self) -> None:
        self._submit(self.day)

    @work(thread=True, group="act")
    def _export(self, day: date) -> None:
        context = self.context
        settings = context.rt.settings
        folder = context.rt.reports_folder()
        if folder is None:
            self.post_message(ReportActed(_("Set [reports] folder in the config first."), True))
            return
        try:
            written = write_daily_report(
                context.rt.db,
                day,
                folder,
                tz=context.tz,
                school=settings.site.name,
                actor=context.actor,
                lang=settings.site.locale,
                sched=timers_schedule(context.rt),
                clock=context.clock,
            )
        except UserError as exc:
            self.post_message(ReportActed(translate_error(exc), error=True))
            return
        except OSError as exc:
            self.post_message(ReportActed(f"{folder}: {exc.strerror}", True))
            return
        if written:
            text = _("Written: {files}").format(files=", ".join(str(p) for p in written))
        else:
            text = _("This version is already in {folder}.").format(folder=folder)
        self.post_message(ReportActed(text))

    @work(thread=True, group="act")
    def _submit(self, day: date) -> None:
        context = self.context
        try:
            with context.rt.db.write() as session:
                make_daily_report(
                    session,
                    context.actor,
                    day,
                    context.tz,
                    school=context.rt.settings.site.name,
                    sched=timers_schedule(context.rt),
                    clock=context.clock,
                )
                row = report_versions.submit(
                    session, context.actor, day.isoformat(), clock=context.clock
                )
        except UserError as exc:
            self.post_message(ReportActed(translate_error(exc), error=True))
            return
        except Exception as exc:  # a full disk, a long write elsewhere: said, never a crash
            self.post_message(ReportActed(nothing_recorded(exc, context.rt.db.path), True))
            return
        self.post_message(
            ReportActed(
                _("Version {version} of {day} marked submitted.").format(
                    version=row.version, day=day.isoformat()
                )
            )
        )

    @on(ReportActed)
    def _acted(self, message: ReportActed) -> None:
        self.notify(message.text, severity="error" if message.error else "information")
        self.reload()
