"""The live entry log: a virtual list, newest first, read from the database page by page.

Only the rows on screen are rendered (Line API), and only the pages they fall in are read, in a
worker thread, into a small LRU cache — so a log of a million entries scrolls like one of ten.
When the database changes the visible pages are re-read and swapped in whole; until then the old
rows stay on screen, so nothing flickers. The cursor sticks to its entry as new ones arrive above
it, unless it is on the newest row, where it follows the newest (like ``tail -f``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo
from itertools import count as counter

from rich.cells import cell_len, set_cell_size
from rich.style import Style
from rich.text import Text
from textual import events, on, work
from textual.binding import Binding
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.worker import get_current_worker

from duty_console.domain.entries import EntryRow
from duty_console.i18n import N_, _
from duty_console.runtime import Runtime
from duty_console.tui import log_source, text
from duty_console.tui.keys import translate_bindings
from duty_console.tui.log_source import PAGE_SIZE, LogFilter

CACHED_PAGES = 64


@dataclass
class _Column:
    name: str
    width: int
    right: bool = False


class EntryLog(ScrollView, can_focus=True):
    """Every entry, newest first; the cursor row is the one actions apply to.

    This gate's entries (the (gate, status, id) indexes keep any page of a million entries
    within milliseconds; see bench/bench_entry_log.py).
    """

    BINDINGS = [
        Binding("up,k", "cursor_up", N_("previous entry"), id="log.up", show=False),
        Binding("down,j", "cursor_down", N_("next entry"), id="log.down", show=False),
        Binding("pageup", "page_up", N_("page up"), id="log.page_up", show=False),
        Binding("pagedown", "page_down", N_("page down"), id="log.page_down", show=False),
        Binding("home,g", "newest", N_("newest (follow)"), id="log.newest", show=False),
        Binding("end,G", "oldest", N_("oldest"), id="log.oldest", show=False),
        Binding("enter", "choose", N_("open entry"), id="log.choose", show=False),
    ]

    COMPONENT_CLASSES = {
        "entry-log--cursor",
        "entry-log--heading",
        "entry-log--muted",
        "entry-log--fever",
        "entry-log--fever_confirmed",
        "entry-log--recheck_normal",
        "entry-log--invalid",
        "entry-log--denied",
    }

    DEFAULT_CSS = """
    EntryLog {
        background: $surface;
        overflow-x: hidden;
        overflow-y: auto;
        scrollbar-size-vertical: 1;
        & > .entry-log--cursor { background: $block-cursor-blurred-background; }
        &:focus > .entry-log--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
        }
        & > .entry-log--heading { color: $text-muted; text-style: bold; }
        & > .entry-log--muted { color: $text-muted; }
        & > .entry-log--fever { color: $text-error; text-style: bold; }
        & > .entry-log--fever_confirmed { color: $text-error; text-style: bold reverse; }
        & > .entry-log--recheck_normal { color: $text-success; }
        & > .entry-log--invalid { color: $text-warning; }
        & > .entry-log--denied { color: $text-warning; }
    }
    """

    cursor: reactive[int] = reactive(0, init=False)

    class Reloaded(Message):
        """A whole re-read: the count, the pages on screen, or a search's rows."""

        def __init__(
            self,
            epoch: int,
            request: int,
            count: int,
            pages: dict[int, list[EntryRow]],
            scanned: list[EntryRow] | None = None,
            tally: log_source.Tally | None = None,
        ) -> None:
            super().__init__()
            self.epoch = epoch
            self.request = request
            self.count = count
            self.pages = pages
            self.scanned = scanned
            self.tally = tally

    class PagesRead(Message):
        """Pages the screen asked for while scrolling; ``unread``: asked for, not read."""

        def __init__(self, epoch: int, pages: dict[int, list[EntryRow]], unread: list[int]) -> None:
            super().__init__()
            self.epoch = epoch
            self.pages = pages
            self.unread = unread

    class Counted(Message):
        """The number of rows the log holds changed (``row_count`` has it)."""

    class Chosen(Message):
        """Enter (or a double click) on a row."""

        def __init__(self, row: EntryRow) -> None:
            super().__init__()
            self.row = row

    def __init__(
        self,
        rt: Runtime,
        tz: tzinfo,
        today: datetime,
        *,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        translate_bindings(self)
        self._rt = rt
        self._tz = tz
        self._today = today.astimezone(tz).date()
        self._filter = LogFilter()
        self._count = 0
        self._tally: log_source.Tally | None = None
        self._cache: LRUCache[int, list[EntryRow]] = LRUCache(CACHED_PAGES)
        self._scanned: list[EntryRow] | None = None
        self._epoch = 0
        self._requests = counter(1)
        self._last_request = 0
        self._loading: set[int] = set()
        self._wanted: set[int] = set()
        self._fetch_scheduled = False
        self._following = True
        self._loaded_once = False
        self._layout_width = -1
        self._columns_now: list[_Column] = []
        self._dated = False

    # -- what the rest of the screen asks -------------------------------------------------

    @property
    def row_count(self) -> int:
        return self._count

    @property
    def loaded(self) -> bool:
        """Has the first read finished (for tests and screenshots)?"""
        return self._loaded_once

    @property
    def log_filter(self) -> LogFilter:
        return self._filter

    @property
    def selected_row(self) -> EntryRow | None:
        return self._row_at(self.cursor) if self._count else None

    def set_today(self, now: datetime) -> None:
        day = now.astimezone(self._tz).date()
        if day != self._today:
            self._today = day
            self.refresh()

    def set_filter(self, log_filter: LogFilter) -> None:
        if log_filter == self._filter:
            return
        self._filter = log_filter
        self._epoch += 1
        self._cache.clear()
        self._loading.clear()
        self._scanned = None
        self._following = True
        self._dated = False
        self._layout_width = -1
        self.cursor = 0
        self.scroll_to(y=0, animate=False)
        self.reload()

    def reload(self) -> None:
        """Re-read the count and the rows on screen (the database changed)."""
        request = next(self._requests)
        self._last_request = request
        first = int(self.scroll_offset.y) // PAGE_SIZE
        last = (int(self.scroll_offset.y) + max(self.size.height, 1)) // PAGE_SIZE
        pages = set(range(first, last + 1)) | {self.cursor // PAGE_SIZE}
        self._read_all(self._epoch, request, self._filter, sorted(pages), self._tally)

    # -- reading, in worker threads -------------------------------------------------------

    # A failed read is not fatal: the header says the database is unreachable, and the app's
    # feed triggers a reload when it answers again.
    @work(thread=True, exclusive=True, group="entry-log-reload", exit_on_error=False)
    def _read_all(
        self,
        epoch: int,
        request: int,
        log_filter: LogFilter,
        pages: list[int],
        before: log_source.Tally | None,
    ) -> None:
        gate = self._rt.gate
        with self._rt.db.read() as session:
            if log_filter.text:
                worker = get_current_worker()
                scanned = log_source.search(session, gate, log_filter, lambda: worker.is_cancelled)
                self.post_message(self.Reloaded(epoch, request, len(scanned), {}, scanned))
                return
            counted = log_source.tally(session, gate, log_filter, before)
            total = counted.total
            read: dict[int, list[EntryRow]] = {}
            for number in pages:  # ascending: the first by offset, the next from the one before
                if number * PAGE_SIZE < total:
                    neighbour = log_source.neighbour_of(number, read)
                    read[number] = log_source.page(session, gate, log_filter, number, neighbour)
        self.post_message(self.Reloaded(epoch, request, total, read, tally=counted))

    @work(thread=True, exclusive=True, group="entry-log-pages", exit_on_error=False)
    def _read_pages(
        self,
        epoch: int,
        log_filter: LogFilter,
        pages: list[int],
        near: dict[int, list[EntryRow]],
    ) -> None:
        """Read ``pages`` (ascending); ``near``: their neighbours already read, so that a step
        (a page down, scrolling) is read by id from the page beside it, not by offset."""
        worker = get_current_worker()
        read: dict[int, list[EntryRow]] = {}
        try:
            with self._rt.db.read() as session:
                for number in pages:
                    if worker.is_cancelled:
                        break
                    neighbour = log_source.neighbour_of(number, near | read)
                    read[number] = log_source.page(
                        session, self._rt.gate, log_filter, number, neighbour
                    )
        finally:
            # Pages not read are asked for again the next time they are drawn.
            self.post_message(self.PagesRead(epoch, read, pages))

    @on(PagesRead)
    def _on_pages_read(self, message: PagesRead) -> None:
        message.stop()
        if message.epoch != self._epoch:
            return
        for number, rows in message.pages.items():
            self._cache[number] = rows
        self._loading.difference_update(message.unread)
        if message.pages:
            self.refresh()

    @on(Reloaded)
    def _on_reloaded(self, message: Reloaded) -> None:
        message.stop()
        if message.epoch != self._epoch:
            return
        if message.request != self._last_request:
            return
        unchanged = (
            self._loaded_once
            and message.count == self._count
            and message.scanned == self._scanned
            and all(self._cache.get(page) == rows for page, rows in message.pages.items())
        )
        added = message.count - self._count if self._loaded_once else 0
        self._tally = message.tally
        self._epoch += 1
        self._cache.clear()
        self._loading.clear()
        self._scanned = message.scanned
        for page, rows in message.pages.items():
            self._cache[page] = rows
        self._count = message.count
        self._loaded_once = True
        self._set_virtual_size()
        if added > 0 and not self._following:
            # Keep the same entries under the cursor and on screen as new ones arrive above.
            self.set_reactive(EntryLog.cursor, min(self.cursor + added, self._count - 1))
            if self.scroll_offset.y > 0:
                self.scroll_to(y=self.scroll_offset.y + added, animate=False)
        if self.cursor >= self._count:
            self.set_reactive(EntryLog.cursor, max(0, self._count - 1))
        if unchanged:
            # Something else changed (an engine heartbeat): nothing to redraw.
            return
        self.post_message(self.Counted())
        self.refresh()

    def _row_at(self, index: int) -> EntryRow | None:
        if self._scanned is not None:
            return self._scanned[index] if 0 <= index < len(self._scanned) else None
        page, offset = divmod(index, PAGE_SIZE)
        rows = self._cache.get(page)
        if rows is None:
            self._want(page)
            return None
        return rows[offset] if offset < len(rows) else None

    def _want(self, page: int) -> None:
        if page in self._loading:
            return
        self._wanted.add(page)
        if not self._fetch_scheduled:
            self._fetch_scheduled = True
            self.call_later(self._fetch_wanted)

    def _fetch_wanted(self) -> None:
        self._fetch_scheduled = False
        wanted = sorted(p for p in self._wanted if p not in self._cache)
        self._wanted.clear()
        if not wanted or self._scanned is not None:
            return
        # The previous page read is cancelled; its pages are asked for again if still needed.
        self._loading = set(wanted)
        near = {
            number: self._cache[number]
            for page in wanted
            for number in (page - 1, page + 1)
            if number in self._cache
        }
        self._read_pages(self._epoch, self._filter, wanted, near)

    # -- geometry and rendering -----------------------------------------------------------

    def _set_virtual_size(self) -> None:
        # One line more than the rows: the first line of the view holds the column titles.
        self.virtual_size = Size(self.scrollable_content_region.width, self._count + 1)

    def on_resize(self, _event: events.Resize) -> None:
        self._set_virtual_size()
        self._layout_width = -1

    def _columns(self, width: int) -> list[_Column]:
        if width == self._layout_width:
            return self._columns_now
        status_width = max(cell_len(text.status_label(s)) for s in text.STATUS_LABELS)
        columns = [
            _Column("time", 14 if width >= 100 else 11 if self._dated else 8),
            _Column("temp", 5, right=True),
            _Column("status", status_width),
            _Column("who", max(10, min(14, max(cell_len(w) for w in text.nameless_labels())))),
        ]
        rest = width - sum(c.width + 1 for c in columns)
        if width >= 100:
            columns.append(_Column("class", 12))
            columns.append(_Column("device", 18))
            columns.append(_Column("note", max(0, width - sum(c.width + 1 for c in columns))))
        elif rest >= 24:
            # Narrow: one column for the refusal reason, or else the device.
            columns.append(_Column("class", 11))
            columns.append(_Column("detail", max(0, rest - 12)))
        else:
            columns.append(_Column("class", max(0, rest)))
        self._columns_now = columns
        self._layout_width = width
        return columns

    def heading(self, width: int) -> Text:
        """The column titles for a log ``width`` cells wide."""
        titles = {
            "time": _("time"),
            "temp": _("temp"),
            "status": _("status"),
            "who": _("name"),
            "class": _("class"),
            "device": _("device"),
            "note": _("note"),
            "detail": _("device / reason"),
        }
        return self._line([(titles[c.name], c, "") for c in self._columns(width)])

    def _cells(self, row: EntryRow, width: int) -> list[tuple[str, _Column, str]]:
        values = {
            "time": self._time(row.at, width),
            "temp": text.temperature(row.temp_c),
            "status": text.status_label(row.status),
            "who": text.who(row),
            "class": row.class_name,
            "device": " ".join(
                filter(
                    None,
                    (
                        "" if row.gate == self._rt.gate else f"{row.gate}:",
                        text.device_label(row.device),
                        text.mode_label(row.mode),
                    ),
                )
            ),
            "note": text.reason_label(row.reason),
        }
        values["detail"] = values["note"] or values["device"]
        status_class = f"entry-log--{row.status}"
        if status_class not in self.COMPONENT_CLASSES:
            status_class = ""
        styles = {"status": status_class, "temp": status_class}
        if text.is_unidentified(row):
            styles["who"] = "entry-log--muted"
        return [(values[c.name], c, styles.get(c.name, "")) for c in self._columns(width)]

    def _time(self, at: datetime, width: int) -> str:
        if width >= 100:
            return text.day_and_time(at, self._tz)
        if at.astimezone(self._tz).date() == self._today:
            return text.clock_time(at, self._tz)
        if not self._dated:
            # An earlier day on screen (a night shift past midnight): make room for the date.
            self._dated = True
            self._layout_width = -1
            self.call_later(self.refresh)
        return at.astimezone(self._tz).strftime("%m-%d %H:%M")

    def _line(self, cells: list[tuple[str, _Column, str]]) -> Text:
        line = Text(no_wrap=True, overflow="crop", end="")
        for index, (value, column, component) in enumerate(cells):
            if column.width <= 0:
                continue
            if index:
                line.append(" ")
            pad = column.width - cell_len(value)
            if column.right and pad > 0:
                shown = " " * pad + value
            else:
                shown = set_cell_size(value, column.width)
            style = self.get_component_rich_style(component) if component else Style()
            line.append(shown, style)
        return line

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        base = self.rich_style
        if y == 0:
            # The column titles stay on the first line while the rows scroll under them.
            heading = self.heading(width)
            heading.stylize(self.get_component_rich_style("entry-log--heading"))
            return self._strip(heading, width, base)
        index = int(self.scroll_offset.y) + y - 1
        muted = self.get_component_rich_style("entry-log--muted")
        if index >= self._count:
            if index == 0 and self._loaded_once:
                if self._filter.active:
                    empty = _("no entries match the filter")
                else:
                    empty = _("no entries yet")
                return self._strip(Text(" " + empty, style=muted), width, base)
            return Strip.blank(width, base)
        row = self._row_at(index)
        line = Text(" ...", style=muted) if row is None else self._line(self._cells(row, width))
        if index == self.cursor:
            line.stylize(self.get_component_rich_style("entry-log--cursor"))
        return self._strip(line, width, base)

    def _strip(self, line: Text, width: int, base: Style) -> Strip:
        segments = list(line.render(self.app.console, end=""))
        return Strip(segments).adjust_cell_length(width, base).apply_style(base)

    # -- the cursor ----------------------------------------------------------------------

    def watch_cursor(self, old: int, new: int) -> None:
        self._following = new == 0
        rows_shown = max(1, self.scrollable_content_region.height - 1)
        top = int(self.scroll_offset.y)
        if new < top:
            self.scroll_to(y=new, animate=False)
        elif new >= top + rows_shown:
            self.scroll_to(y=new - rows_shown + 1, animate=False)
        self.refresh()

    def _move(self, delta: int) -> None:
        if self._count:
            self.cursor = max(0, min(self._count - 1, self.cursor + delta))

    def action_cursor_up(self) -> None:
        self._move(-1)

    def action_cursor_down(self) -> None:
        self._move(1)

    def action_page_up(self) -> None:
        self._move(-max(1, self.scrollable_content_region.height - 2))

    def action_page_down(self) -> None:
        self._move(max(1, self.scrollable_content_region.height - 2))

    def action_newest(self) -> None:
        self.cursor = 0
        self.scroll_to(y=0, animate=False)

    def action_oldest(self) -> None:
        if self._count:
            self.cursor = self._count - 1

    def action_choose(self) -> None:
        row = self.selected_row
        if row is not None:
            self.post_message(self.Chosen(row))

    def on_click(self, event: events.Click) -> None:
        index = int(self.scroll_offset.y) + event.y - 1
        if event.y >= 1 and 0 <= index < self._count:
            self.cursor = index
            if event.chain >= 2:
                self.action_choose()
