"""Fevers awaiting their recheck, each with the time left in its recheck window."""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo

from rich.text import Text
from textual.widgets import Static

from duty_console.domain.entries import EntryRow
from duty_console.i18n import _
from duty_console.tui import text

SHOWN = 4  # rows listed; the rest are counted


class RecheckPrompt(Static):
    """Hidden while nothing awaits a recheck. The countdown reads the injected clock."""

    DEFAULT_CSS = """
    RecheckPrompt {
        height: auto;
        max-height: 7;
        padding: 0 2;
        background: $warning-muted;
        color: $foreground;
        display: none;
        &.-pending { display: block; }
        &.-overdue { background: $error-muted; }
    }
    """

    def __init__(self, tz: tzinfo, recheck_within_s: int, *, id: str | None = None) -> None:
        super().__init__(id=id, markup=False)
        self._tz = tz
        self._window = timedelta(seconds=recheck_within_s)
        self._awaiting: tuple[EntryRow, ...] = ()
        self._key = "r"

    @property
    def awaiting(self) -> tuple[EntryRow, ...]:
        return self._awaiting

    def most_urgent(self) -> EntryRow | None:
        return min(self._awaiting, key=lambda row: row.at) if self._awaiting else None

    def show(self, awaiting: tuple[EntryRow, ...], now: datetime, key: str) -> None:
        self._awaiting = awaiting
        self._key = key
        self.set_class(bool(awaiting), "-pending")
        self.tick(now)

    def tick(self, now: datetime) -> None:
        """Redraw the countdowns (the screen calls this once a second while any are pending)."""
        if not self._awaiting:
            return
        rows = sorted(self._awaiting, key=lambda row: row.at)
        lefts = [(row.at + self._window - now).total_seconds() for row in rows]
        self.set_class(min(lefts) <= 0, "-overdue")
        shown = Text(no_wrap=True, overflow="ellipsis")
        shown.append(
            _("Awaiting recheck: {count} (press {key} to recheck)").format(
                count=len(rows), key=self._key
            ),
            style="bold",
        )
        for row, left in list(zip(rows, lefts, strict=True))[:SHOWN]:
            shown.append("\n")
            due = (
                _("recheck overdue")
                if left <= 0
                else _("{left} left").format(left=text.countdown(left))
            )
            shown.append(f"{text.temperature(row.temp_c)}  ")
            shown.append(due, style="bold")
            shown.append(f"  {text.who(row)}  {row.class_name}".rstrip())
        if len(rows) > SHOWN:
            shown.append("\n" + _("and {count} more").format(count=len(rows) - SHOWN))
        self.update(shown)
