"""Has anything been committed since I last asked? The console's change feed (DESIGN §4).

SQLite: ``PRAGMA data_version`` on one dedicated connection kept outside any transaction; its
value changes when any other connection, in any process, commits. PostgreSQL: ``LISTEN`` on
``NOTIFY_CHANNEL`` (every ``Database.write()`` notifies it) on an autocommit connection, checked
without blocking. Either way ``changed()`` is cheap enough to call a few times a second, and a
console re-reads only when it says so.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy.engine import make_url

from duty_console.db.connect import BUSY_TIMEOUT_MS, NOTIFY_CHANNEL, Database


class _Probe(Protocol):
    def changed(self) -> bool: ...

    def close(self) -> None: ...


class _SqliteProbe:
    def __init__(self, path: Path) -> None:
        # Autocommit (isolation_level=None): the pragma never opens a transaction that would pin
        # an old snapshot of the WAL.
        self._conn = sqlite3.connect(
            str(path),
            isolation_level=None,
            check_same_thread=False,
            timeout=BUSY_TIMEOUT_MS / 1000,
        )
        self._version = self._read()

    def _read(self) -> int:
        return int(self._conn.execute("PRAGMA data_version").fetchone()[0])

    def changed(self) -> bool:
        version = self._read()
        if version == self._version:
            return False
        self._version = version
        return True

    def close(self) -> None:
        self._conn.close()


class _PostgresProbe:
    def __init__(self, url: str) -> None:
        import psycopg

        self._psycopg = psycopg
        parsed = make_url(url).set(drivername="postgresql")
        self._conninfo = parsed.render_as_string(hide_password=False)
        self._conn: Any = None
        self._connect()

    def _connect(self) -> None:
        self._conn = self._psycopg.connect(self._conninfo, autocommit=True)
        self._conn.execute(f"LISTEN {NOTIFY_CHANNEL}")

    def changed(self) -> bool:
        if self._conn is None or self._conn.closed:
            # After a network drop: listen again and report a change, so the console re-reads.
            self._connect()
            return True
        try:
            return any(True for _ in self._conn.notifies(timeout=0))
        except self._psycopg.OperationalError:
            self._conn.close()
            self._conn = None
            raise

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()


class _NoProbe:
    """An in-memory SQLite database is private to its connection: nothing else can change it."""

    def changed(self) -> bool:
        return False

    def close(self) -> None:
        pass


class ChangeFeed:
    """Tells a console when the database has changed since it last asked.

    ``changed()`` is True once after each commit by anyone (several commits may fold into one
    True); call it from one thread. A lost PostgreSQL connection raises on the call that finds
    it, and the next call reconnects and answers True.
    """

    def __init__(self, db: Database) -> None:
        self._lock = threading.Lock()
        self._probe: _Probe
        if db.is_sqlite:
            self._probe = _SqliteProbe(db.path) if db.path is not None else _NoProbe()
        else:
            self._probe = _PostgresProbe(db.url)
        self._closed = False

    def changed(self) -> bool:
        with self._lock:
            if self._closed:
                return False
            return self._probe.changed()

    def close(self) -> None:
        with self._lock:
            if not self._closed:
                self._closed = True
                self._probe.close()

    def __enter__(self) -> ChangeFeed:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
