"""The gate's arrivals per 10 minutes over the last hours, beside the log where room allows.

A picture a teacher takes in at a glance ("the rush is over", "nobody since 07:40"): columns of
``#`` for this gate's entries, the current 10 minutes on the right, the hours under them. It
re-reads in a worker thread when readings arrive (at most every ``MIN_INTERVAL_S``), when its width
changes, and every minute so the columns move on in a quiet night; it repaints only when what it
shows changed.
"""

from __future__ import annotations

from datetime import datetime

from textual import work

from duty_console.i18n import _
from duty_console.reports import pictures as pic
from duty_console.tui.context import ConsoleContext
from duty_console.tui.widgets.chart import Chart

HEIGHT = 3


class ArrivalsStrip(Chart):
    MIN_INTERVAL_S = 10.0

    def __init__(self, context: ConsoleContext, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._duty = context  # (MessagePump has a _context of its own)
        self._pending = False
        self._drawn: tuple[int, list[int]] | None = None

    def on_mount(self) -> None:
        self.set_interval(60.0, self.reload)
        self.reload()

    @property
    def drawn(self) -> bool:
        return self._drawn is not None

    def changed(self) -> None:
        """Data changed: re-read, but not more often than ``MIN_INTERVAL_S``."""
        if not self._pending:
            self._pending = True
            self.set_timer(self.MIN_INTERVAL_S, self._due)

    def _due(self) -> None:
        self._pending = False
        self.reload()

    def on_resize(self) -> None:
        if self._drawn is None or len(self._drawn[1]) != self._columns():
            self.reload()

    def _columns(self) -> int:
        return max(12, self.size.width - 2)

    def reload(self) -> None:
        if self.display and self.size.width:
            self._read(self._duty.now(), self._columns())

    @work(thread=True, exclusive=True, group="arrivals-strip", exit_on_error=False)
    def _read(self, now: datetime, columns: int) -> None:
        rt = self._duty.rt
        with rt.db.read() as session:
            first, counts = pic.gate_arrivals(session, rt.gate, now, self._duty.tz, columns)
        self.app.call_from_thread(self._draw, first, counts)

    def _draw(self, first: int, counts: list[int]) -> None:
        if (first, counts) == self._drawn:
            return  # a quiet minute repaints nothing (an SSH link is thin)
        lines = pic.column_chart(counts, height=HEIGHT)
        lines.append([(pic.hour_axis(first, len(counts), every_min=60), "axis")])
        title = _("Arrivals per 10 min (busiest: {most})").format(most=max(counts, default=0))
        self.show(title, lines)
        self._drawn = (first, counts)
