"""Open fevers: resting, awaiting their recheck (with the time left), or recheck overdue.

A fever never drops off: past its window it is *recheck overdue*, highlighted, until someone
rechecks, refuses or closes it with a reason (DESIGN §3.6).
"""

from __future__ import annotations

from datetime import datetime, tzinfo

from rich.text import Text
from textual.containers import Vertical
from textual.geometry import Size
from textual.widgets import Static

from duty_console.domain.entries import EntryRow, recheck_due, rest_until
from duty_console.domain.screening import Rules
from duty_console.i18n import _
from duty_console.tui import text

SHOWN = 4  # rows listed in a short panel (80x24); the rest are counted
ONE_LINE_WIDTH = 60  # narrower than this, each fever takes two lines


def most_urgent(rows: tuple[EntryRow, ...], now: datetime, rules: Rules) -> EntryRow | None:
    """The fever to recheck first: rested ones before resting ones, then the oldest."""
    if not rows:
        return None
    return min(rows, key=lambda row: (now < rest_until(row, rules), row.at))


class RecheckPrompt(Vertical):
    """Hidden while no fever is open. The countdowns read the injected clock.

    One widget a line, each redrawn only when its text changed: a countdown's second changes
    one line, not the panel (two fevers half a second apart redrew all of it twice a second
    over an SSH link).
    """

    DEFAULT_CSS = """
    RecheckPrompt {
        height: auto;
        padding: 0 2;
        background: $warning-muted;
        color: $foreground;
        display: none;
        &.-pending { display: block; }
        &.-overdue { background: $error; color: $text; }
        & > Static { height: 1; }
    }
    """

    def __init__(self, tz: tzinfo, rules: Rules, gate: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._tz = tz
        self._rules = rules
        self._gate = gate
        self._fevers: tuple[EntryRow, ...] = ()
        self._key = "r"
        self._shown: Text | None = None
        self._lines: list[Text] = []
        self._now: datetime | None = None
        # The width the fevers were last laid out for (0: not yet).
        self.rendered_for_width = 0

    @property
    def fevers(self) -> tuple[EntryRow, ...]:
        return self._fevers

    def most_urgent(self, now: datetime) -> EntryRow | None:
        return most_urgent(self._fevers, now, self._rules)

    def show(self, fevers: tuple[EntryRow, ...], now: datetime, key: str) -> None:
        self._fevers = fevers
        self._key = key
        self.set_class(bool(fevers), "-pending")
        self.tick(now)

    def on_resize(self) -> None:
        if self._now is not None:
            self._shown = None
            self.tick(self._now)

    def overdue(self, now: datetime) -> list[EntryRow]:
        return [row for row in self._fevers if now >= recheck_due(row, self._rules)]

    def tick(self, now: datetime) -> None:
        """Redraw the countdowns (the screen calls this once a second while any are open)."""
        self._now = now
        if not self._fevers:
            return
        if not self.content_region.width:
            # Not laid out yet: the layout (one or two lines a fever) needs the width.
            self.call_after_refresh(self.on_resize)
            return
        rules = self._rules
        rows = sorted(self._fevers, key=lambda row: (now < recheck_due(row, rules), row.at))
        overdue = len(self.overdue(now))
        self.set_class(overdue > 0, "-overdue")
        shown = Text(no_wrap=True, overflow="ellipsis")
        title = _("Awaiting recheck: {count} (press {key} to recheck)").format(
            count=len(rows), key=self._key
        )
        if overdue:
            title = _("Recheck overdue: {overdue} of {count} (press {key} to recheck)").format(
                overdue=overdue, count=len(rows), key=self._key
            )
        shown.append(title, style="bold")
        two_lines = self.content_region.width < ONE_LINE_WIDTH
        shown.no_wrap = not two_lines
        room = self.screen.size.height if self.is_attached else 0
        fits = SHOWN if not two_lines else max(SHOWN, (room - 12) // 2)
        for row in rows[:fits]:
            shown.append("\n")
            rested = rest_until(row, rules)
            left = (recheck_due(row, rules) - now).total_seconds()
            if now < rested:
                state = _("let them rest, recheck at {time} ({left})").format(
                    time=text.clock_time(rested, self._tz),
                    left=text.countdown((rested - now).total_seconds()),
                )
            elif left <= 0:
                state = _("recheck overdue since {time}").format(
                    time=text.clock_time(recheck_due(row, rules), self._tz)
                )
            else:
                state = _("{left} left").format(left=text.countdown(left))
            where = f"  {text.who(row)}  {row.class_name}".rstrip()
            if row.gate != self._gate:
                where += "  " + _("gate {gate}").format(gate=row.gate)
            shown.append(f"{text.temperature(row.temp_c)}  ")
            if two_lines:
                shown.append(where.lstrip() + "\n  ")
                shown.append(state, style="bold")
            else:
                shown.append(state, style="bold")
                shown.append(where)
        if len(rows) > fits:
            shown.append("\n" + _("and {count} more").format(count=len(rows) - fits))
        self.rendered_for_width = self.content_region.width
        if shown != self._shown:
            self._shown = shown
            self._put(list(shown.split("\n")))

    def _put(self, lines: list[Text]) -> None:
        """Redraw the lines that changed; add or remove lines, or change one's height (a long
        one wraps in the narrow side panel), a layout, only when that changed."""
        widgets = list(self.query_children(Static))
        if len(widgets) > len(lines):
            for extra in widgets[len(lines) :]:
                extra.remove()
            widgets = widgets[: len(lines)]
        added = [Static(markup=False) for _ in lines[len(widgets) :]]
        if added:
            self.mount(*added)
        width = self.content_region.width
        for i, widget in enumerate([*widgets, *added]):
            if i < len(self._lines) and i < len(widgets) and lines[i] == self._lines[i]:
                continue
            widget.update(lines[i], layout=False)
            height = 1
            if width:
                room = Size(width, self.screen.size.height if self.is_attached else 1)
                height = widget.get_content_height(room, room, width)
            if widget.styles.height is None or widget.styles.height.value != height:
                widget.styles.height = height
        self._lines = lines
