"""The change feed: a console learns of every commit, by anyone, without holding a transaction."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time

import pytest
from sqlalchemy import text

from duty_console.db.connect import Database
from duty_console.db.feed import ChangeFeed
from duty_console.db.models import Entry
from tests.pg import PgServer

from .conftest import T0


def add_entry(db: Database, temp_c: float = 36.5) -> None:
    with db.write() as session:
        session.add(Entry(at=T0, gate="north", temp_c=temp_c, mode="ir", status="normal"))


def test_a_commit_by_another_connection_is_seen_once(db: Database) -> None:
    with ChangeFeed(db) as feed:
        assert not feed.changed()
        add_entry(db)
        assert feed.changed()
        assert not feed.changed(), "one change is reported once"
        add_entry(db)
        add_entry(db)
        assert feed.changed(), "several commits fold into one"
        assert not feed.changed()


def test_a_commit_by_another_process_is_seen(db: Database) -> None:
    assert db.path is not None
    script = (
        "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); "
        "c.execute(\"UPDATE person SET dorm = 'moved' WHERE person_id = 'S1001'\"); c.commit()"
    )
    with ChangeFeed(db) as feed:
        assert not feed.changed()
        subprocess.run([sys.executable, "-c", script, str(db.path)], check=True)
        assert feed.changed()


def test_the_feed_holds_no_transaction_open(db: Database) -> None:
    # A reader stuck in a transaction would pin the WAL and stop checkpoints; the feed never is.
    with ChangeFeed(db) as feed:
        feed.changed()
        add_entry(db)
        assert db.path is not None
        conn = sqlite3.connect(db.path, isolation_level=None)
        try:
            busy, _log, _done = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        finally:
            conn.close()
        assert busy == 0
        assert feed.changed()


def test_closing_twice_and_asking_after_close_are_harmless(db: Database) -> None:
    feed = ChangeFeed(db)
    feed.close()
    feed.close()
    assert not feed.changed()


def test_a_memory_database_never_changes_under_us() -> None:
    db = Database("sqlite:///:memory:")
    with ChangeFeed(db) as feed:
        assert not feed.changed()


@pytest.fixture
def postgres_url(pg_server: PgServer) -> str:
    """A fresh database on the session's PostgreSQL server (tests/pg.py)."""
    return pg_server.url(pg_server.create_database())


@pytest.mark.postgres
def test_postgres_notify_is_seen_without_blocking(postgres_url: str) -> None:
    db = Database(postgres_url)
    with db.engine.begin() as conn:
        conn.execute(text("CREATE TABLE IF NOT EXISTS feed_probe (n integer)"))
    try:
        with ChangeFeed(db) as feed:
            start = time.monotonic()
            assert not feed.changed()
            assert time.monotonic() - start < 0.5, "changed() must not wait for news"
            with db.write() as session:
                session.execute(text("INSERT INTO feed_probe VALUES (1)"))
            deadline = time.monotonic() + 2
            while not feed.changed():
                assert time.monotonic() < deadline, "the NOTIFY never arrived"
                time.sleep(0.02)
            assert not feed.changed()
    finally:
        db.dispose()
