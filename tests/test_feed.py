"""The change feed: a console learns of every commit, by anyone, without holding a transaction."""

from __future__ import annotations

import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from duty_console.db.connect import Database
from duty_console.db.feed import ChangeFeed
from duty_console.db.models import Entry

from .conftest import T0


def add_entry(db: Database, temp_c: float = 36.5) -> None:
    with db.write() as session:
        session.add(Entry(at=T0, gate="north", temp_c=temp_c, mode="body", status="normal"))


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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    """$DUTY_CONSOLE_TEST_PG_URL, or a throw-away server when the binaries are installed."""
    given = os.environ.get("DUTY_CONSOLE_TEST_PG_URL")
    if given:
        yield given
        return
    initdb, pg_ctl = shutil.which("initdb"), shutil.which("pg_ctl")
    if not initdb or not pg_ctl:
        pytest.skip("no PostgreSQL binaries (initdb, pg_ctl)")
    as_user: list[str] = []
    base = Path(tempfile.mkdtemp(prefix="duty-pg-"))
    if os.geteuid() == 0:
        # PostgreSQL refuses to run as root: run it as nobody, in a directory nobody owns.
        runuser = shutil.which("runuser")
        if not runuser:
            pytest.skip("PostgreSQL refuses root and there is no runuser")
        as_user = [runuser, "-u", "nobody", "--"]
        base.chmod(0o755)
        shutil.chown(base, "nobody")
    data, port = base / "data", _free_port()
    try:
        subprocess.run(
            [*as_user, initdb, "-D", str(data), "-U", "duty", "--auth=trust"],
            check=True,
            capture_output=True,
        )
        options = f"-p {port} -k {base} -c listen_addresses=127.0.0.1"
        subprocess.run(
            [
                *as_user,
                pg_ctl,
                "-D",
                str(data),
                "-l",
                str(base / "log"),
                "-w",
                "-o",
                options,
                "start",
            ],
            check=True,
            capture_output=True,
        )
    except subprocess.CalledProcessError as exc:
        shutil.rmtree(base, ignore_errors=True)
        pytest.skip(f"could not start PostgreSQL: {exc.stderr.decode(errors='replace')[:200]}")
    try:
        yield f"postgresql+psycopg://duty@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            [*as_user, pg_ctl, "-D", str(data), "-m", "immediate", "stop"], capture_output=True
        )
        shutil.rmtree(base, ignore_errors=True)


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
