"""Pictures of the day, for people who would rather look than read (the ``:reports`` view):
arrivals per 10 minutes, today's temperatures with the fever line, compliance per area type,
the last 14 days of fevers and absences.

The data (:func:`day_pictures`) reads the database; the drawing (:func:`column_chart`,
:func:`bar_rows`) is plain text made of ASCII cells, which every terminal shows one cell wide
(block elements are ambiguous-width on Chinese terminals). No Textual here.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from sqlmodel import Session, col, select

from duty_console.db.models import Entry
from duty_console.domain.timers import Schedule
from duty_console.reports.daily import (
    compliance_by_type,
    day_entries,
    default_schedule,
    local_day_bounds,
    people_counts,
)

# The temperature picture's range: 35.5 to 38.5 in tenths (a reading outside goes to the edge).
TEMP_LOW = 355
TEMP_HIGH = 385
HISTORY_DAYS = 14


@dataclass(frozen=True)
class DayPictures:
    day: date
    arrivals: dict[int, int]  # minute-of-day // 10 → entries
    temperatures: dict[int, int]  # tenths of a degree → readings
    fever_line_c: float
    compliance: list[dict[str, Any]]
    history: list[tuple[date, int, int]] = field(default_factory=list)  # (day, fevers, absences)


def ten_minute_bin(at: datetime, tz: tzinfo) -> int:
    local = at.astimezone(tz)
    return (local.hour * 60 + local.minute) // 10


def arrivals_per_10_min(entries: list[Any], tz: tzinfo) -> dict[int, int]:
    return dict(Counter(ten_minute_bin(e.at, tz) for e in entries))


def gate_arrivals(
    session: Session, gate: str, now: datetime, tz: tzinfo, columns: int
) -> tuple[int, list[int]]:
    """One gate's entries per 10 minutes in the ``columns`` local 10-minute bins that end with
    the one holding ``now`` (across midnight): (minute of day of the first bin // 10, counts).
    Only the times are read, so it stays cheap on a busy morning."""
    local = now.astimezone(tz)
    this_bin = now - timedelta(
        minutes=local.minute % 10, seconds=local.second, microseconds=local.microsecond
    )
    start = this_bin - timedelta(minutes=10 * (columns - 1))
    stmt = select(Entry.at).where(
        col(Entry.at) >= start, col(Entry.at) <= now, col(Entry.gate) == gate
    )
    counts = [0] * columns
    for at in session.exec(stmt):
        i = int((at - start).total_seconds() // 600)
        if 0 <= i < columns:
            counts[i] += 1
    return ten_minute_bin(start, tz), counts


def temperature_counts(entries: list[Any]) -> dict[int, int]:
    """Readings in tenths, clamped to the picture's range; a fever's rest readings are the
    same fever again and not counted twice."""
    counts: Counter[int] = Counter()
    for e in entries:
        if e.temp_c is None or e.status == "invalid" or e.rest_of is not None:
            continue
        tenths = min(max(round(e.temp_c * 10), TEMP_LOW), TEMP_HIGH)
        counts[tenths] += 1
    return dict(counts)


def fevers_of(entries: list[Any]) -> int:
    """New fevers of the day: first readings at or over the line, and visitors refused for one."""
    return sum(
        1
        for e in entries
        if (e.status == "fever" and e.rest_of is None and e.recheck_of is None)
        or (e.status == "denied" and e.reason == "fever" and e.visitor_id is not None)
    )


def history(session: Session, today: date, tz: tzinfo) -> list[tuple[date, int, int]]:
    out = []
    for back in range(HISTORY_DAYS - 1, -1, -1):
        day = today - timedelta(days=back)
        since, until = local_day_bounds(day, tz)
        fevers = fevers_of(day_entries(session, since, until))
        out.append((day, fevers, people_counts(session, day, tz)["absent_sick"]))
    return out


def day_pictures(
    session: Session,
    day: date,
    tz: tzinfo,
    fever_line_c: float,
    now: datetime,
    sched: Schedule | None = None,
) -> DayPictures:
    since, until = local_day_bounds(day, tz)
    entries = day_entries(session, since, until)
    return DayPictures(
        day=day,
        arrivals=arrivals_per_10_min(entries, tz),
        temperatures=temperature_counts(entries),
        fever_line_c=fever_line_c,
        compliance=compliance_by_type(session, day, sched or default_schedule(tz)),
        history=history(session, day, tz),
    )


# -- drawing: lists of (text, style name) runs per line; the screen maps style names to theme
# colours. Style names: "bar", "fever", "axis", "muted".

Run = tuple[str, str]
Line = list[Run]


def column_chart(
    values: list[int], *, height: int = 5, marks: dict[int, str] | None = None, width: int = 1
) -> list[Line]:
    """Columns of ``#`` (``width`` cells each), tallest = ``height`` rows; columns in ``marks``
    are drawn in that style (the fever line's side). An empty column shows a ``.`` baseline."""
    top = max(values, default=0)
    marks = marks or {}
    lines: list[Line] = []
    for row in range(height, 0, -1):
        line: Line = []
        for i, v in enumerate(values):
            filled = top > 0 and v > 0 and max(1, round(v / top * height)) >= row
            if filled:
                line.append(("#" * width, marks.get(i, "bar")))
            elif row == 1:
                line.append(("." * width, "muted"))
            else:
                line.append((" " * width, "muted"))
        lines.append(line)
    return lines


def bar_rows(rows: list[tuple[str, float, str]], *, label_cells: int, bar_cells: int) -> list[Line]:
    """One horizontal bar per row: label, ``#`` for the done share, ``.`` for the rest, the
    figure. ``label_cells`` is in terminal cells (a CJK character takes two)."""
    out: list[Line] = []
    for label, share, figure in rows:
        filled = round(max(0.0, min(1.0, share)) * bar_cells)
        style = "bar" if share >= 1.0 else "fever" if share < 0.5 else "bar"
        out.append(
            [
                (pad(label, label_cells), "axis"),
                ("#" * filled, style),
                ("." * (bar_cells - filled), "muted"),
                (" " + figure, "axis"),
            ]
        )
    return out


def cells(text: str) -> int:
    return sum(2 if ord(ch) >= 0x1100 and _wide(ch) else 1 for ch in text)


def _wide(ch: str) -> bool:
    import unicodedata

    return unicodedata.east_asian_width(ch) in ("W", "F")


def pad(text: str, width: int) -> str:
    """``text`` cut or padded to ``width`` terminal cells."""
    out = ""
    for ch in text:
        if cells(out + ch) > width:
            break
        out += ch
    return out + " " * (width - cells(out))


def arrivals_series(arrivals: dict[int, int], columns: int) -> tuple[int, list[int]]:
    """(first bin, counts) for ``columns`` bins of 10 minutes around the day's arrivals: from
    the hour of the first arrival, or 06:00 on a day without any."""
    if arrivals:
        first = (min(arrivals) // 6) * 6
        last = max(arrivals)
        if last - first + 1 > columns:
            first = max(0, last - columns + 1)
    else:
        first = 36
    first = min(first, 144 - columns) if columns <= 144 else 0
    return first, [arrivals.get(first + i, 0) for i in range(columns)]


def hour_axis(first: int, columns: int, every_min: int = 120) -> str:
    """A time axis under columns of 10 minutes: ``HH:00`` at every ``every_min`` minutes."""
    axis = ""
    for i in range(columns):
        minute = (first + i) * 10 % (24 * 60)  # past midnight, the hours start again
        if minute % every_min == 0 and len(axis) <= i and i + 5 <= columns:  # whole labels
            axis += " " * (i - len(axis)) + f"{minute // 60:02d}:00"
    return axis


def temperature_series(temps: dict[int, int]) -> list[int]:
    return [temps.get(t, 0) for t in range(TEMP_LOW, TEMP_HIGH + 1)]
