"""What the entry log reads: its count, its pages and its searches (no Textual here).

The ``EntryLog`` widget renders and scrolls; this module reads, in the widget's worker threads,
through the domain queries. A page is ``PAGE_SIZE`` entries of this gate, newest first; a text
filter is resolved to the people, devices, refusal reasons and visitors it names, and their
entries are read over the whole history on the log's indexes (the newest ``FOUND_LIMIT`` of them).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlmodel import Session

from duty_console.domain import entries, people
from duty_console.domain.entries import EntryRow
from duty_console.tui import text

PAGE_SIZE = 100
# A text filter shows the newest this many matches (over the whole history): building 20,000
# rows took seconds on a large log; a person's or a device's recent story is what is looked for,
# and a narrower text (a person rather than a class) reaches further back.
FOUND_LIMIT = 2_000


@dataclass(frozen=True)
class LogFilter:
    """What the log shows: one status, and/or rows matching a text (name, class, device...)."""

    status: str | None = None
    text: str = ""

    @property
    def active(self) -> bool:
        return bool(self.status or self.text)


# The whole log is counted again this often; between, a re-read counts only the entries after
# the newest one counted. (A purge of old entries, or on PostgreSQL an entry committed after a
# newer one, shows within this time.)
RECOUNT_S = 60.0


def count(session: Session, gate: str, log_filter: LogFilter) -> int:
    return entries.count_entries(session, status=log_filter.status, gate=gate)


@dataclass(frozen=True)
class Tally:
    """How many entries the log holds under a filter, and the newest id counted."""

    log_filter: LogFilter
    total: int
    newest_id: int
    counted_at: float  # time.monotonic() of the last whole count


def tally(
    session: Session,
    gate: str,
    log_filter: LogFilter,
    before: Tally | None,
    now: float | None = None,
) -> Tally:
    """The log's count at a re-read: only the new entries counted when ``before`` (the last
    tally, same filter, a whole count less than ``RECOUNT_S`` old) allows. Counting 2.5 million
    entries of a gate at every re-read took about as long as the page itself."""
    now = time.monotonic() if now is None else now
    status = log_filter.status
    if before is None or before.log_filter != log_filter or now - before.counted_at >= RECOUNT_S:
        total, newest = entries.count_and_newest(session, status=status, gate=gate)
        return Tally(log_filter, total, newest, now)
    added, newest = entries.count_and_newest(
        session, status=status, gate=gate, above_id=before.newest_id
    )
    return Tally(log_filter, before.total + added, max(newest, before.newest_id), before.counted_at)


@dataclass(frozen=True)
class Neighbour:
    """A page's neighbour already read: the page just newer (``newer``) or just older; a step
    from it is read by id (keyset), not by walking the offset from the newest entry."""

    newer: bool
    edge_id: int  # the neighbour's oldest row (newer) or its newest row (older)


def page(
    session: Session,
    gate: str,
    log_filter: LogFilter,
    number: int,
    neighbour: Neighbour | None = None,
) -> list[EntryRow]:
    """Page ``number`` of this gate's log (newest first), by offset, or by id from a neighbour."""
    below = neighbour.edge_id if neighbour is not None and neighbour.newer else None
    above = neighbour.edge_id if neighbour is not None and not neighbour.newer else None
    return entries.newest_entries(
        session,
        number * PAGE_SIZE,
        PAGE_SIZE,
        status=log_filter.status,
        gate=gate,
        below_id=below,
        above_id=above,
    )


def neighbour_of(number: int, pages: dict[int, list[EntryRow]]) -> Neighbour | None:
    """A neighbour of page ``number`` among pages read (a full newer page, or the older one)."""
    newer = pages.get(number - 1)
    if number > 0 and newer is not None and len(newer) == PAGE_SIZE:
        return Neighbour(True, newer[-1].id)
    older = pages.get(number + 1)
    if older:
        return Neighbour(False, older[0].id)
    return None


def search(
    session: Session, gate: str, log_filter: LogFilter, cancelled: Callable[[], bool]
) -> list[EntryRow]:
    """The newest ``FOUND_LIMIT`` rows a text filter finds over the whole history, newest first.

    The text is resolved to what it names — people (name, pinyin, initials, number, card,
    class), devices, refusal reasons, visitors — and the log is read on its indexes for those
    (``entries.newest_matching``), never scanned row by row. ``cancelled`` is checked between
    the lookups.
    """
    needle = log_filter.text.strip().lower()
    if not needle:
        return []
    person_ids = people.ids_matching(session, log_filter.text)
    if cancelled():
        return []
    devices = [d for d in entries.device_names(session) if needle in d.lower()]
    reasons = [code for code in text.REASON_LABELS if needle in text.reason_label(code).lower()]
    visitors = entries.visitor_ids_named(session, log_filter.text.strip())
    if cancelled():
        return []
    found = entries.newest_matching(
        session,
        FOUND_LIMIT,
        status=log_filter.status,
        gate=gate,
        person_ids=person_ids,
        devices=devices,
        denied_for=reasons,
        visitor_ids=visitors,
    )
    return found
