"""The log's pages: a step from a page already read is read by id (keyset), and gives exactly
the rows the offset would, whichever neighbour it starts from, with a status filter and another
gate's entries in between."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from duty_console.db.connect import Database
from duty_console.domain.clock import ManualClock
from duty_console.tui import log_source
from duty_console.tui.log_source import PAGE_SIZE, LogFilter


def _fill(db: Database, clock: ManualClock, n: int = 1_050) -> None:
    at = clock.now().replace(tzinfo=None)
    rows = [
        (
            at,
            "north" if i % 3 else "east",
            "fever" if i % 7 == 0 else "normal",
        )
        for i in range(n)
    ]
    with db.engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO entry (at, device, person_id, temp_c, mode, status, reason, note,"
            " created_at, created_by, gate) VALUES (?, 'ir', NULL, 36.5, 'ir', ?, '', '',"
            " ?, 'engine', ?)",
            [(a, status, a, gate) for a, gate, status in rows],
        )


@contextmanager
def _statements(db: Database) -> Iterator[list[str]]:
    """The SQL statements sent to the database inside the block."""
    sent: list[str] = []

    def seen(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        sent.append(statement)

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        yield sent
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)


def test_a_step_from_either_neighbour_reads_the_same_rows_as_the_offset(
    db: Database, clock: ManualClock
) -> None:
    _fill(db, clock)
    with db.read() as session:
        for log_filter in (LogFilter(), LogFilter(status="normal"), LogFilter(status="fever")):
            total = log_source.count(session, "north", log_filter)
            pages = {
                n: log_source.page(session, "north", log_filter, n)
                for n in range((total + PAGE_SIZE - 1) // PAGE_SIZE)
            }
            assert sum(len(p) for p in pages.values()) == total
            for n, rows in pages.items():
                for side in (n - 1, n + 1):
                    near = {side: pages[side]} if side in pages else {}
                    neighbour = log_source.neighbour_of(n, near)
                    if side == n - 1 and n > 0:
                        assert neighbour is not None and neighbour.newer
                    got = log_source.page(session, "north", log_filter, n, neighbour)
                    assert [r.id for r in got] == [r.id for r in rows], (log_filter, n, side)
                    assert all(r.gate == "north" for r in got)


def test_a_step_reads_by_id_from_the_page_before(db: Database, clock: ManualClock) -> None:
    _fill(db, clock)
    with db.read() as session:
        first = log_source.page(session, "north", LogFilter(), 3)
        with _statements(db) as sent:
            log_source.page(
                session, "north", LogFilter(), 4, log_source.neighbour_of(4, {3: first})
            )
    # From the page before: the entries older than its last one (SQLite is sent OFFSET 0 always).
    assert len(sent) == 1 and "entry.id < ?" in sent[0]


def test_a_reread_counts_only_the_new_entries_and_the_whole_log_again_each_minute(
    db: Database, clock: ManualClock
) -> None:
    _fill(db, clock, 300)
    fevers = LogFilter(status="fever")
    with db.read() as session:
        first = log_source.tally(session, "north", LogFilter(), None, now=0.0)
        fever_first = log_source.tally(session, "north", fevers, None, now=0.0)
    assert first.total == 200 and fever_first.total == 28
    _fill(db, clock, 30)  # 20 more at the north gate, 3 of them fevers (ids after the first)
    with _statements(db) as sent, db.read() as session:
        again = log_source.tally(session, "north", LogFilter(), first, now=10.0)
        fever_again = log_source.tally(session, "north", fevers, fever_first, now=10.0)
    assert (again.total, fever_again.total) == (220, 31)
    counts = [s for s in sent if "count(" in s]
    assert len(counts) == 2 and all("entry.id > ?" in s for s in counts), "only the new counted"
    # A purge of old entries is not seen by counting what is new, but within a minute it is.
    with db.engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM entry WHERE id <= 30")
    with db.read() as session:
        soon = log_source.tally(session, "north", LogFilter(), again, now=20.0)
        later = log_source.tally(session, "north", LogFilter(), soon, now=10.0 + 61)
        assert later.total == log_source.count(session, "north", LogFilter())
    assert soon.total == 220 and later.total == 200
