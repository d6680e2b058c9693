"""What the entry log reads: its count, its pages and its searches (no Textual here).

The ``EntryLog`` widget renders and scrolls; this module reads, in the widget's worker threads,
through the domain queries. A page is ``PAGE_SIZE`` entries of this gate, newest first; a text
filter that names people (a name, pinyin initials, a student number, a class) reads their whole
history on the person index, and any other text (a device, a reason, a visitor's name) is
matched over the newest ``SCAN_LIMIT`` entries.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlmodel import Session

from duty_console.domain import entries, people
from duty_console.domain.entries import EntryRow
from duty_console.tui import text

PAGE_SIZE = 100
SCAN_LIMIT = 20_000
SCAN_CHUNK = 2_000


@dataclass(frozen=True)
class LogFilter:
    """What the log shows: one status, and/or rows matching a text (name, class, device...)."""

    status: str | None = None
    text: str = ""

    @property
    def active(self) -> bool:
        return bool(self.status or self.text)


def matches(row: EntryRow, needle: str) -> bool:
    """A row a typed text (lower case) finds, besides the people it names."""
    haystack = (
        row.class_name,
        row.device,
        row.person_id or "",
        text.reason_label(row.reason),
        row.name if row.visitor else "",
    )
    return any(needle in value.lower() for value in haystack if value)


def count(session: Session, gate: str, log_filter: LogFilter) -> int:
    return entries.count_entries(session, status=log_filter.status, gate=gate)


def page(session: Session, gate: str, log_filter: LogFilter, number: int) -> list[EntryRow]:
    return entries.newest_entries(
        session, number * PAGE_SIZE, PAGE_SIZE, status=log_filter.status, gate=gate
    )


def search(
    session: Session, gate: str, log_filter: LogFilter, cancelled: Callable[[], bool]
) -> list[EntryRow]:
    """Every row a text filter finds, newest first (``cancelled``: stop early)."""
    person_ids = people.ids_matching(session, log_filter.text)
    if person_ids:
        return entries.newest_entries(
            session, 0, SCAN_LIMIT, status=log_filter.status, gate=gate, person_ids=person_ids
        )
    needle = log_filter.text.lower()
    found: list[EntryRow] = []
    for offset in range(0, SCAN_LIMIT, SCAN_CHUNK):
        if cancelled():
            break
        chunk = entries.newest_entries(
            session, offset, SCAN_CHUNK, status=log_filter.status, gate=gate
        )
        found.extend(row for row in chunk if matches(row, needle))
        if len(chunk) < SCAN_CHUNK:
            break
    return found
