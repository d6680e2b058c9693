"""The gate: the live entry log, the last reading, fevers awaiting recheck, and the gate's actions.

The screen owns no database work: the app's change feed sets ``app.live`` and bumps
``app.data_generation``; the log re-reads its own rows, the forms write in their own workers.
"""

from __future__ import annotations

import time

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.timer import Timer
from textual.widgets import Input, Label

from duty_console.domain import screening
from duty_console.domain.entries import rest_until
from duty_console.i18n import N_, _
from duty_console.tui import log_source, text
from duty_console.tui.actions import ActionScreen, ScreenAction, key_for, nudge
from duty_console.tui.context import ConsoleContext
from duty_console.tui.live import LiveState
from duty_console.tui.log_source import LogFilter
from duty_console.tui.widgets.arrivals_strip import ArrivalsStrip
from duty_console.tui.widgets.close_fever import CloseFever
from duty_console.tui.widgets.entry_log import EntryLog
from duty_console.tui.widgets.field import Field
from duty_console.tui.widgets.footer import ConsoleFooter
from duty_console.tui.widgets.form import Recorded
from duty_console.tui.widgets.header import ConsoleHeader
from duty_console.tui.widgets.last_reading import LastReading
from duty_console.tui.widgets.manual_reading import ManualReading
from duty_console.tui.widgets.person_picker import PersonPicker
from duty_console.tui.widgets.person_search import PersonChoice
from duty_console.tui.widgets.recheck_prompt import RecheckPrompt
from duty_console.tui.widgets.refuse_entry import RefuseEntry
from duty_console.tui.widgets.visitor_form import VisitorForm

# The log re-reads (and redraws) at most this often when the database changes: a reading after
# a quiet spell shows at once; in a rush (5 a second) the log moves every 2 s, 2.5 kB each time
# at 80x24, while the newest-reading panel shows each one as it comes.
LOG_RELOAD_S = 2.0

# Words the filter reads as a status (besides each status's label in the active language).
STATUS_WORDS = {
    "normal": screening.NORMAL,
    "ok": screening.NORMAL,
    "fever": screening.FEVER,
    "recheck": screening.RECHECK_NORMAL,
    "recheck_normal": screening.RECHECK_NORMAL,
    "confirmed": screening.FEVER_CONFIRMED,
    "fever_confirmed": screening.FEVER_CONFIRMED,
    "invalid": screening.INVALID,
    "denied": screening.DENIED,
    "refused": screening.DENIED,
}


def parse_filter(typed: str) -> LogFilter:
    """'fever 七年级1班' → status fever, text '七年级1班'; status words in English or as shown."""
    words: dict[str, str] = {key: status for key, status in STATUS_WORDS.items()}
    for status in text.STATUS_LABELS:
        words[text.status_label(status).lower()] = status
    chosen: str | None = None
    rest: list[str] = []
    for word in typed.split():
        found = words.get(word.lower())
        if found and chosen is None:
            chosen = found
        else:
            rest.append(word)
    return LogFilter(status=chosen, text=" ".join(rest))


class GateScreen(ActionScreen):
    CSS_PATH = "gate.tcss"

    AREA = N_("gate")
    # The footer shows the first five at 80 columns; '?' lists them all.
    ACTIONS = (
        ScreenAction(
            "gate.reading",
            "m",
            "reading",
            N_("reading"),
            N_("Record a reading taken by hand"),
            "entry.record",
        ),
        ScreenAction(
            "gate.recheck",
            "r",
            "recheck",
            N_("recheck"),
            N_("Recheck the most urgent fever"),
            "entry.record",
        ),
        ScreenAction(
            "gate.pick",
            "p",
            "pick",
            N_("who"),
            N_("Name the person of the chosen entry"),
            "entry.assign",
        ),
        ScreenAction(
            "gate.refuse",
            "d",
            "refuse",
            N_("refuse"),
            N_("Refuse entry, with the reason"),
            "entry.deny",
        ),
        ScreenAction(
            "gate.visitor",
            "v",
            "visitor",
            N_("visitor"),
            N_("Log a visitor and their reading"),
            "visitor.register",
        ),
        ScreenAction(
            "gate.close_fever",
            "x",
            "close_fever",
            N_("close fever"),
            N_("Close the most urgent fever without a recheck, with the reason"),
            "entry.close_fever",
            show=False,
        ),
        ScreenAction(
            "gate.filter",
            "slash",
            "filter",
            N_("filter"),
            N_("Show one status, or matching text"),
            show=False,
        ),
        ScreenAction(
            "gate.clear",
            "escape",
            "clear_filter",
            N_("clear the filter"),
            N_("Clear the filter"),
            palette=False,
        ),
    )
    HELP_WIDGETS = ((N_("Entry log"), EntryLog),)

    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]

    def __init__(self, context: ConsoleContext) -> None:
        super().__init__(context, name="gate")
        self._ticker: Timer | None = None
        self._filter_timer: Timer | None = None
        self._stale = False
        self._had_fevers: bool | None = None  # None: the bindings not refreshed yet
        self._log_read_at = float("-inf")
        self._log_reload_due = False

    def compose(self) -> ComposeResult:
        context = self.context
        yield ConsoleHeader(context)
        with Horizontal(id="body"):
            with Vertical(id="side"):
                yield LastReading(context.tz, context.rules, id="last-reading")
                yield RecheckPrompt(context.tz, context.rules, context.rt.gate, id="recheck")
                yield ArrivalsStrip(context, id="arrivals")
            with Vertical(id="log-pane"):
                yield Label("", id="log-title", markup=False)
                yield Field(
                    placeholder=_("status (fever, refused...) or name, class; esc clears"),
                    id="filter",
                )
                yield EntryLog(context.rt, context.tz, context.now(), id="log")
        yield ConsoleFooter(show_command_palette=False)

    def on_mount(self) -> None:
        self.query_one("#filter").display = False
        self._ticker = self.set_interval(1.0, self._tick, pause=True)
        self.watch(self.app, "live", self._show_live)
        self.watch(self.app, "data_generation", self._data_changed, init=False)
        self._show_title()
        log = self.query_one(EntryLog)
        log.focus()
        log.reload()

    @property
    def entry_log(self) -> EntryLog:
        return self.query_one(EntryLog)

    @property
    def recheck_prompt(self) -> RecheckPrompt:
        return self.query_one(RecheckPrompt)

    # -- live data ------------------------------------------------------------------------

    def _show_live(self, live: LiveState | None) -> None:
        if live is None:
            return
        last = self.query_one(LastReading)
        last.fever_times = {row.id: row.at for row in live.fevers}
        last.row = live.newest
        self.recheck_prompt.show(live.fevers, self.context.now(), self._key_for("gate.recheck"))
        if self._ticker is not None:
            if live.fevers:
                self._ticker.resume()
            else:
                self._ticker.pause()
        # The footer is rebuilt by refresh_bindings: only when what it offers changed (the
        # recheck keys come and go with the open fevers), not at every reading.
        if bool(live.fevers) != self._had_fevers:
            self._had_fevers = bool(live.fevers)
            self.refresh_bindings()

    def _data_changed(self, _generation: int) -> None:
        if self.is_current:
            self._reload_log_soon()
            self.query_one(ArrivalsStrip).changed()
        else:
            # Hidden views do not re-read; this one catches up when it is shown again.
            self._stale = True

    def _reload_log_soon(self) -> None:
        """Re-read the log, at most once every LOG_RELOAD_S: each new row shifts every row on
        screen, so at 5 readings a second the whole log would go to the terminal 5 times a
        second. The newest reading itself shows at once (the last-reading panel)."""
        now = time.monotonic()
        wait = self._log_read_at + LOG_RELOAD_S - now
        if wait <= 0:
            self._log_read_at = now
            self.entry_log.reload()
        elif not self._log_reload_due:
            self._log_reload_due = True
            self.set_timer(wait, self._reload_log_late)

    def _reload_log_late(self) -> None:
        self._log_reload_due = False
        self._log_read_at = time.monotonic()
        if self.is_current:
            self.entry_log.reload()
        else:
            self._stale = True

    def on_screen_resume(self) -> None:
        if self._stale:
            self._stale = False
            self.entry_log.reload()
            self.query_one(ArrivalsStrip).reload()

    def _tick(self) -> None:
        now = self.context.now()
        self.recheck_prompt.tick(now)
        self.entry_log.set_today(now)

    @on(EntryLog.Counted)
    def _counted(self, _event: EntryLog.Counted) -> None:
        self._show_title()

    def _show_title(self) -> None:
        log = self.entry_log
        title = Text(_("Entries: {count}").format(count=f"{log.row_count:,}"), style="bold")
        log_filter = log.log_filter
        if log_filter.active:
            shown = " ".join(
                filter(
                    None,
                    (
                        text.status_label(log_filter.status) if log_filter.status else "",
                        log_filter.text,
                    ),
                )
            )
            title.append("  " + _("filter: {filter}").format(filter=shown))
            if log_filter.text and log.row_count >= log_source.FOUND_LIMIT:
                # The whole history is searched; the newest matches are listed.
                title.append(
                    "  " + _("(the newest {count})").format(count=f"{log_source.FOUND_LIMIT:,}")
                )
        else:
            title.append(
                "  " + _("newest first; {key} filters").format(key=self._key_for("gate.filter"))
            )
        # One line of fixed size: no layout (it would send the screen again at every re-read).
        self.query_one("#log-title", Label).update(title, layout=False)

    def _key_for(self, binding_id: str) -> str:
        return key_for(self, binding_id)

    # -- actions --------------------------------------------------------------------------

    def extra_help(self) -> list[tuple[str, list[tuple[str, str]]]]:
        return [
            (
                _("Filter"),
                [
                    (
                        self._key_for("gate.filter"),
                        _("then a status: fever, refused, invalid, normal"),
                    ),
                    ("", _("or text: a name in pinyin initials, a class, a device")),
                    (self._key_for("gate.clear"), _("clears the filter")),
                ],
            )
        ]

    def available(self, action: str) -> bool:
        if action in ("recheck", "close_fever"):
            return bool(self.recheck_prompt.fevers)
        if action == "clear_filter":
            return self.entry_log.log_filter.active or bool(self.query_one("#filter").display)
        return True

    def _done(self, recorded: Recorded | None) -> None:
        if recorded is None:
            return
        self.notify(
            recorded.message, severity="error" if recorded.alarm else "information", markup=False
        )
        nudge(self)

    def action_reading(self) -> None:
        self.app.push_screen(ManualReading(self.context), self._done)

    def action_recheck(self) -> None:
        now = self.context.now()
        row = self.recheck_prompt.most_urgent(now)
        if row is None:
            return
        rested = rest_until(row, self.context.rules)
        if now < rested:
            # A reading now would not count as the recheck (DESIGN §3.6): say when it will.
            self.notify(
                _("Let them rest: the recheck counts from {time}.").format(
                    time=text.clock_time(rested, self.context.tz)
                ),
                markup=False,
            )
            return
        if row.person_id:
            person = PersonChoice(row.person_id, row.name, row.class_name)
            self.app.push_screen(ManualReading(self.context, person, recheck=True), self._done)
        else:
            # An unidentified fever: name the person first, then recheck them.
            self.app.push_screen(PersonPicker(self.context, row), self._done)

    def action_close_fever(self) -> None:
        row = self.recheck_prompt.most_urgent(self.context.now())
        if row is not None:
            self.app.push_screen(CloseFever(self.context, row), self._done)

    def action_pick(self) -> None:
        row = self.entry_log.selected_row
        if row is None:
            self.notify(_("Choose an entry in the log first."), markup=False)
            return
        if not text.is_unidentified(row):
            self.notify(
                _("That entry already has a person; choose one marked unidentified."),
                markup=False,
            )
            return
        self.app.push_screen(PersonPicker(self.context, row), self._done)

    @on(EntryLog.Chosen)
    def _entry_chosen(self, event: EntryLog.Chosen) -> None:
        if text.is_unidentified(event.row) and self.context.can("entry.assign"):
            self.app.push_screen(PersonPicker(self.context, event.row), self._done)

    def action_refuse(self) -> None:
        self.app.push_screen(RefuseEntry(self.context), self._done)

    def action_visitor(self) -> None:
        self.app.push_screen(VisitorForm(self.context), self._done)

    # -- the filter -----------------------------------------------------------------------

    def action_filter(self) -> None:
        field = self.query_one("#filter", Input)
        field.display = True
        field.focus()
        self.refresh_bindings()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        event.stop()
        # A text filter scans entries: wait for a pause in the typing.
        if self._filter_timer is not None:
            self._filter_timer.stop()
        self._filter_timer = self.set_timer(0.3, lambda: self._apply_filter(event.value))

    def _apply_filter(self, typed: str) -> None:
        self.entry_log.set_filter(parse_filter(typed))
        self._show_title()

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if not event.value.strip():
            event.input.display = False
        self._apply_filter(event.value)
        self.entry_log.focus()

    def action_clear_filter(self) -> None:
        if self._filter_timer is not None:
            self._filter_timer.stop()
        field = self.query_one("#filter", Input)
        field.value = ""
        field.display = False
        self.entry_log.set_filter(LogFilter())
        self.entry_log.focus()
        self._show_title()
        self.refresh_bindings()
