"""The last reading at this gate, large and coloured by its status."""

from __future__ import annotations

from datetime import datetime, tzinfo

from rich.cells import cell_len
from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from duty_console.domain.entries import EntryRow
from duty_console.domain.screening import Rules
from duty_console.i18n import _
from duty_console.tui import text


class LastReading(Static):
    """Temperature and what to do, the masked name and class, when and from which device."""

    DEFAULT_CSS = """
    LastReading {
        height: 5;
        padding: 1 2;
        background: $panel;
        color: $text-muted;
        &.-normal, &.-recheck_normal { background: $success-muted; color: $foreground; }
        &.-fever, &.-fever_confirmed { background: $error; color: $text; }
        &.-invalid, &.-denied { background: $warning; color: $text; }
    }
    """

    STATUS_CLASSES = ("-empty", *(f"-{status}" for status in text.STATUS_LABELS))

    row: reactive[EntryRow | None] = reactive(None, layout=False, init=False)

    def __init__(self, tz: tzinfo, rules: Rules, *, id: str | None = None) -> None:
        super().__init__(id=id, markup=False)
        self._tz = tz
        self._rules = rules
        # Open fevers by id: when a reading came during the rest, its fever's time.
        self.fever_times: dict[int, datetime] = {}

    def on_mount(self) -> None:
        self._show(None)

    def watch_row(self, row: EntryRow | None) -> None:
        self._show(row)

    def on_resize(self) -> None:
        self._show(self.row)

    def _show(self, row: EntryRow | None) -> None:
        self.remove_class(*self.STATUS_CLASSES)
        if row is None:
            self.add_class("-empty")
            self.update(Text(_("No reading yet at this gate.")), layout=False)
            return
        unknown = text.is_unidentified(row) and row.status in ("normal", "recheck_normal")
        # Nobody identified is never the green "may enter".
        self.add_class("-invalid" if unknown else f"-{row.status}")
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
            fits = cell_len(temperature) + 2 + cell_len(advice) <= self.content_region.width
            shown.append("  " if fits else "\n")
        shown.append(advice, style="bold")
        shown.append("\n")
        person = Text()
        person.append(text.who(row), style="bold")
        if row.class_name:
            person.append("  " + row.class_name)
        if text.is_unidentified(row) and not unknown:
            person.append("  " + _("(pick the person)"))
        if self.content_region.width > 0:
            # One line, cut with an ellipsis: a long name wrapped pushed the time out.
            person.truncate(self.content_region.width, overflow="ellipsis")
        shown.append_text(person)
        shown.append("\n")
        shown.append(text.clock_time(row.at, self._tz))
        device = " ".join(filter(None, (text.device_label(row.device), text.mode_label(row.mode))))
        shown.append("  " + device)
        # Its height is fixed: no layout, which would repaint the whole screen (the log under it
        # too) at every reading, over an SSH link.
        self.update(shown, layout=False)
