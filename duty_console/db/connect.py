"""Engine setup: SQLite (WAL, synchronous=FULL, BEGIN IMMEDIATE for writes) or PostgreSQL.

Writers go through ``Database.write()`` which starts ``BEGIN IMMEDIATE`` on SQLite, so two writers
queue on the busy timeout instead of failing half-way with "database is locked". Readers use
``Database.read()``: a deferred transaction that never blocks the writer (WAL).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError
from sqlalchemy.pool import NullPool
from sqlmodel import Session

from duty_console.errors import ConfigError

BUSY_TIMEOUT_MS = 15_000
# After a checkpoint the write-ahead log is cut back to this size (it stays in place: see
# Database._keep_wal_open), so it is bounded however long the engine runs.
JOURNAL_SIZE_LIMIT = 16 << 20
NOTIFY_CHANNEL = "duty_console_changed"
# Session.info keys: the audit chain's key, and the newest audit record a transaction appended.
KEY_INFO = "audit_key"
HEAD_INFO = "audit_head"


# What went wrong with a database call, in words a console can turn into advice.
DISK_FULL, LOCKED, UNREACHABLE, OTHER = "disk_full", "locked", "unreachable", "other"


# Less free space than this beside a SQLite file that fails to write: the disk is full.
DISK_NEARLY_FULL = 1 << 20
# How long a write refused for a full disk is remembered (``Database.disk_full_seen``).
DISK_FULL_REMEMBERED_S = 120.0


def failure_kind(exc: BaseException, path: Path | None = None) -> str:
    """``disk_full``, ``locked`` (a writer waited out the busy timeout), ``unreachable`` (no
    connection to the server or file) or ``other``, from a driver error (wrapped or not).

    ``path``: the SQLite file. Out of space while growing its write-ahead log, SQLite says
    "disk I/O error", not "full": then the free space beside the file decides."""
    orig = getattr(exc, "orig", None) or exc
    text = str(orig).lower()
    sqlstate = getattr(orig, "sqlstate", None) or ""
    code = getattr(orig, "sqlite_errorcode", None)
    if (
        code == 13  # SQLITE_FULL
        or "database or disk is full" in text
        or "no space left on device" in text
        or sqlstate == "53100"  # PostgreSQL disk_full
    ):
        return DISK_FULL
    if code == 5 or "database is locked" in text:  # SQLITE_BUSY
        return LOCKED
    if path is not None and ("disk i/o error" in text or (code is not None and code & 0xFF == 10)):
        try:
            if shutil.disk_usage(path.parent).free < DISK_NEARLY_FULL:
                return DISK_FULL
        except OSError:
            pass
    if sqlstate.startswith("08") or "connection" in text or "unable to open" in text:
        return UNREACHABLE
    return OTHER


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL, or None (memory, or not SQLite)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    if parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def _create_private_file(path: Path) -> None:
    """Create the database file with mode 0600 before SQLite does (it would use the umask)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if not path.exists():
        fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
        os.close(fd)
    os.chmod(path, 0o600)


def _install_sqlite_events(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy's begin event below issue BEGIN itself (pysqlite's own is deferred only).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA synchronous = FULL")
        cur.execute(f"PRAGMA journal_size_limit = {JOURNAL_SIZE_LIMIT}")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        if conn.get_execution_options().get("duty_readonly"):
            conn.exec_driver_sql("BEGIN")
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")


class Database:
    """One database: an engine for writes, the same pool with read-only transactions for reads."""

    def __init__(
        self,
        url: str,
        *,
        echo: bool = False,
        audit_key: bytes | None = None,
        on_audit_head: Callable[[tuple[int | None, str]], None] | None = None,
    ) -> None:
        """``audit_key``: the HMAC key of the audit chain (None: plain SHA-256, for tests and
        tools); ``on_audit_head``: called with (id, hash) after each commit that appended audit
        records (the console writes it to the system log)."""
        try:
            parsed = make_url(url)
        except ArgumentError as exc:
            raise ConfigError(
                f"[database] url: {url!r} is not a database URL "
                "(expected sqlite:///path or postgresql+psycopg://user@host/db)."
            ) from exc
        self.url = url
        self.audit_key = audit_key
        self.on_audit_head = on_audit_head
        self.backend = parsed.get_backend_name()
        self.path = sqlite_path(url)
        kwargs: dict[str, Any] = {"echo": echo}
        if self.backend == "sqlite":
            if self.path is not None:
                _create_private_file(self.path)
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000}
            # A connection per checkout keeps threads (engine writer, console, workers) independent.
            kwargs["poolclass"] = NullPool
        elif self.backend == "postgresql":
            kwargs["pool_pre_ping"] = True
        else:
            raise ConfigError(
                f"[database] url: the {self.backend!r} database is not supported "
                "(expected sqlite:/// or postgresql+psycopg://)."
            )
        try:
            self.engine = create_engine(url, **kwargs)
        except ImportError as exc:
            raise ConfigError(
                f"[database] url: the driver for {self.backend} is not installed ({exc.name}); "
                "install the 'postgres' extra: pip install 'duty-console[postgres]'."
            ) from exc
        if self.backend == "sqlite":
            _install_sqlite_events(self.engine)
        self.read_engine = self.engine.execution_options(duty_readonly=True)
        self._keeper: sqlite3.Connection | None = None
        # When (monotonic) a write through this Database was last refused for a full disk;
        # None once a write succeeds again (see disk_full_seen).
        self.disk_full_at: float | None = None
        if self.path is not None:
            self._keep_wal_open()

    def _keep_wal_open(self) -> None:
        """Hold one idle connection to the SQLite file for as long as this Database lives.

        Without it the last connection to close (each checkout is its own: NullPool) deletes
        the write-ahead log and its index, and the next one must create them again: on a full
        disk it cannot, and then even reading fails ("disk I/O error"), so no console could
        show anything. Held open, they stay: consoles read on, writers get a plain "database
        or disk is full", and the log is checkpointed and cut back to ``JOURNAL_SIZE_LIMIT``.
        Idle, outside any transaction, it holds no lock that blocks anyone.
        """
        assert self.path is not None
        try:
            with self.engine.connect():
                pass  # the connect event makes the file WAL (a new one too)
            keeper = sqlite3.connect(str(self.path), isolation_level=None, check_same_thread=False)
            keeper.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except (OperationalError, sqlite3.Error):
            return  # check() and the first real use will say what is wrong
        self._keeper = keeper

    @property
    def is_sqlite(self) -> bool:
        return self.backend == "sqlite"

    def check(self) -> None:
        """Connect once; a clear ConfigError when the server or file cannot be reached."""
        try:
            with self.read_engine.connect() as conn:
                conn.exec_driver_sql("SELECT 1")
        except OperationalError as exc:
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
            raise ConfigError(
                f"[database] url: cannot reach the database at {self.safe_url} ({reason})."
            ) from exc

    @property
    def safe_url(self) -> str:
        return make_url(self.url).render_as_string(hide_password=True)

    @contextmanager
    def write(self, connection: Connection | None = None) -> Iterator[Session]:
        """A session whose transaction is a write (BEGIN IMMEDIATE); commits on success.

        ``connection``: a connection the caller keeps open between writes (the engine's writer,
        see :meth:`held_connection`), so a group does not pay for opening a connection and its
        PRAGMAs; by default a new one from the pool.
        """
        info = {KEY_INFO: self.audit_key}
        bind: Engine | Connection = self.engine if connection is None else connection
        with Session(bind, expire_on_commit=False, info=info) as session:
            try:
                with session.begin():
                    yield session
                    if self.backend == "postgresql":
                        # Consoles LISTEN on this channel; NOTIFY is delivered only if we commit.
                        session.execute(text(f"NOTIFY {NOTIFY_CHANNEL}"))
            except SQLAlchemyError as exc:
                if failure_kind(exc, self.path) == DISK_FULL:
                    self.disk_full_at = time.monotonic()
                raise
            self.disk_full_at = None
            head = session.info.get(HEAD_INFO)
            if head is not None and self.on_audit_head is not None:
                self.on_audit_head(head)

    def disk_full_seen(self) -> bool:
        """Whether a write here was refused for a full disk lately, with none succeeding since.
        The only way to know a PostgreSQL server's disk is full (a console cannot look at it)."""
        at = self.disk_full_at
        return at is not None and time.monotonic() - at < DISK_FULL_REMEMBERED_S

    def held_connection(self) -> HeldConnection:
        """A connection for one thread's many writes; see :class:`HeldConnection`."""
        return HeldConnection(self)

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A short read-only session; nothing it holds survives the block."""
        # Closing (not rolling back) ends the transaction and keeps loaded objects readable.
        with Session(
            self.read_engine, expire_on_commit=False, info={KEY_INFO: self.audit_key}
        ) as session:
            yield session

    def vacuum(self) -> None:
        """Rewrite the file without the free pages deleted rows left (after a purge)."""
        if self.backend == "sqlite":
            raw = self.engine.raw_connection()
            try:
                driver = raw.driver_connection
                driver.execute("VACUUM")  # type: ignore[union-attr]
                # The old pages may still sit in the write-ahead log: fold it in and empty it.
                driver.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # type: ignore[union-attr]
            finally:
                raw.close()
        else:
            with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM")

    def dispose(self) -> None:
        self.engine.dispose()
        if self._keeper is not None:
            self._keeper.close()
            self._keeper = None


class HeldConnection:
    """One connection kept open across many write transactions (the engine's writer).

    It is given up and made again after any database error, and — for a SQLite file — when the
    file at the configured path is no longer the one it opened (removed, restored from a backup,
    replaced): a held connection would otherwise go on committing into a file nobody reads.
    """

    def __init__(self, db: Database) -> None:
        self.db = db
        self._conn: Connection | None = None
        self._file: tuple[int, int] | None = None

    def _file_id(self) -> tuple[int, int] | None:
        if self.db.path is None:
            return None
        st = os.stat(self.db.path)  # FileNotFoundError: the file is gone
        return (st.st_dev, st.st_ino)

    def get(self) -> Connection:
        conn = self._conn
        if conn is not None:
            try:
                same = self._file_id() == self._file
            except OSError:
                same = False
            if same and not conn.closed and not conn.invalidated:
                return conn
            self.close()
        conn = self.db.engine.connect()
        try:
            self._file = self._file_id()
        except OSError as exc:
            conn.close()
            raise OperationalError("stat", {}, exc) from exc
        self._conn = conn
        return conn

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):  # a broken connection is being thrown away
                conn.close()
