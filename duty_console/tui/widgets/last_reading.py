"""The last reading at this gate, large and coloured by its status."""

from __future__ import annotations

from datetime import datetime, tzinfo

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.geometry import Size
from textual.reactive import reactive
from textual.widgets import Static

from duty_console.domain.entries import EntryRow
from duty_console.domain.screening import Rules
from duty_console.i18n import _
from duty_console.tui import text


class LastReading(Vertical):
    """Temperature and what to do, the masked name and class, when and from which device.

    Three lines, each its own widget, redrawn only when its text changed: at 5 readings a
    second the panel is most of what an SSH link carries, and a person's line or the padding
    around the panel seldom changes.
    """

    DEFAULT_CSS = """
    LastReading {
        height: 5;
        padding: 1 2;
        background: $panel;
        color: $text-muted;
        &.-normal, &.-recheck_normal { background: $success-muted; color: $foreground; }
        &.-fever, &.-fever_confirmed { background: $error; color: $text; }
        &.-invalid, &.-denied { background: $warning; color: $text; }
        & > Static { height: 1; }
    }
    """

    STATUS_CLASSES = ("-empty", *(f"-{status}" for status in text.STATUS_LABELS))

    # No repaint of the whole panel: its lines redraw themselves when their text changes.
    row: reactive[EntryRow | None] = reactive(None, layout=False, repaint=False, init=False)

    def __init__(self, tz: tzinfo, rules: Rules, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._tz = tz
        self._rules = rules
        # Open fevers by id: when a reading came during the rest, its fever's time.
        self.fever_times: dict[int, datetime] = {}
        self._lines = [Static(markup=False) for _ in range(3)]
        self._shown: list[Text | None] = [None, None, None]

    def compose(self) -> ComposeResult:
        yield from self._lines

    def _put(self, lines: list[Text]) -> None:
        """Redraw the lines that changed; a height (a layout) only when a line's changed (the
        advice wraps in the narrow side panel)."""
        width = self.content_region.width
        for i, (line, widget) in enumerate(zip(lines, self._lines, strict=True)):
            if line == self._shown[i]:
                continue
            self._shown[i] = line
            widget.update(line, layout=False)
            height = len(line.plain.split("\n"))
            if width:
                room = Size(width, self.content_region.height or 1)
                height = widget.get_content_height(room, room, width)
            if widget.styles.height is None or widget.styles.height.value != height:
                widget.styles.height = height

    def on_mount(self) -> None:
        self._show(None)

    def watch_row(self, row: EntryRow | None) -> None:
        self._show(row)

    def on_resize(self) -> None:
        self._show(self.row)

    def _colour(self, status_class: str) -> None:
        """Only a change of colour touches the classes: each change restyles the panel and
        sends all of it to the terminal again."""
        if not self.has_class(status_class):
            self.remove_class(*self.STATUS_CLASSES)
            self.add_class(status_class)

    def _show(self, row: EntryRow | None) -> None:
        if row is None:
            self._colour("-empty")
            self._put([Text(_("No reading yet at this gate.")), Text(), Text()])
            return
        unknown = text.is_unidentified(row) and row.status in ("normal", "recheck_normal")
        # Nobody identified is never the green "may enter".
        self._colour("-invalid" if unknown else f"-{row.status}")
        shown = Text(no_wrap=True, overflow="ellipsis")
        temperature = text.temperature(row.temp_c)
        fever_at = self.fever_times.get(row.rest_of) if row.rest_of else None
        advice = text.advice(row, self._rules, self._tz, fever_at)
        if row.reason:
            advice = _("{advice}: {reason}").format(
                advice=advice, reason=text.reason_label(row.reason)
            )
        if row.temp_c is not None:
            shown.append(temperature, style="bold")
            # Beside the temperature when it fits, else under it (the narrow side panel).
            # (Not laid out yet: one line; the resize that follows measures again.)
            width = self.content_region.width
            fits = not width or cell_len(temperature) + 2 + cell_len(advice) <= width
            shown.append("  " if fits else "\n")
        shown.append(advice, style="bold")
        person = Text(no_wrap=True, overflow="ellipsis")
        person.append(text.who(row), style="bold")
        if row.class_name:
            person.append("  " + row.class_name)
        if text.is_unidentified(row) and not unknown:
            person.append("  " + _("(pick the person)"))
        if self.content_region.width > 0:
            # One line, cut with an ellipsis: a long name wrapped pushed the time out.
            person.truncate(self.content_region.width, overflow="ellipsis")
        when = Text(text.clock_time(row.at, self._tz), no_wrap=True, overflow="ellipsis")
        device = " ".join(filter(None, (text.device_label(row.device), text.mode_label(row.mode))))
        when.append("  " + device)
        self._put([shown, person, when])
