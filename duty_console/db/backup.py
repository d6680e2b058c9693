"""Copies of a SQLite database file: made online, checked, pruned, and copied back.

A backup is taken with SQLite's online backup API in one step: the copy is the database as of
one read transaction (WAL: the engine keeps writing meanwhile, nothing waits for the copy), so
every transaction committed before the copy began is in it and none is half in it. A stepwise
copy would restart at every commit of the engine's writer and might never finish.
The copy is written to a private temporary file (0600), checked (``PRAGMA quick_check``),
synced to disk and only then renamed to its final name, so a file named ``duty-*.db`` is always
a complete copy.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from datetime import datetime
from pathlib import Path

PREFIX = "duty-"
SUFFIX = ".db"
# What a restore leaves behind: the database as it was just before (never pruned).
PRE_RESTORE = "pre-restore-"


def backup_name(local: datetime) -> str:
    """``duty-2026-11-30-023000.db``: sorts by date and time, one per second at most."""
    return f"{PREFIX}{local:%Y-%m-%d-%H%M%S}{SUFFIX}"


def backups(folder: Path) -> list[Path]:
    """The backups in ``folder``, oldest first."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob(f"{PREFIX}*{SUFFIX}") if p.is_file())


def _private_folder(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def copy_online(source: Path, dest: Path) -> int:
    """Copy the live database ``source`` to ``dest`` (0600, atomic); returns its size in bytes.

    Raises sqlite3.Error or OSError; nothing is left at ``dest`` then.
    """
    _private_folder(dest.parent)
    partial = dest.with_name(dest.name + ".partial")
    with contextlib.suppress(FileNotFoundError):
        partial.unlink()
    fd = os.open(partial, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    os.close(fd)
    try:
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=15)
        try:
            dst = sqlite3.connect(partial)
            try:
                src.backup(dst, pages=-1)  # one step: one consistent snapshot
                # A copy is a single file: no write-ahead log beside it.
                dst.execute("PRAGMA journal_mode = DELETE")
                problem = _quick_check(dst)
                if problem:
                    raise sqlite3.DatabaseError(f"the copy fails its check: {problem}")
            finally:
                dst.close()
        finally:
            src.close()
        os.chmod(partial, 0o600)
        _fsync(partial)
        os.replace(partial, dest)
        _fsync(dest.parent)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
        raise
    return dest.stat().st_size


def _quick_check(conn: sqlite3.Connection, pragma: str = "quick_check") -> str:
    rows = [r[0] for r in conn.execute(f"PRAGMA {pragma}")]
    return "" if rows == ["ok"] else "; ".join(str(r) for r in rows[:3])


def integrity_problem(path: Path) -> str:
    """'' when ``path`` is a SQLite database that passes ``PRAGMA integrity_check``; else why
    not, in a few words."""
    if not path.is_file():
        return "there is no such file"
    with path.open("rb") as fh:
        if fh.read(16) != b"SQLite format 3\x00":
            return "it is not a SQLite database"
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return _quick_check(conn, "integrity_check")
        finally:
            conn.close()
    except sqlite3.Error as exc:
        return str(exc)


def prune(folder: Path, keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` backups in ``folder``; returns what was deleted."""
    old = backups(folder)[:-keep] if keep > 0 else []
    for path in old:
        path.unlink(missing_ok=True)
    return old


def copy_back(source: Path, live: Path) -> None:
    """Replace the contents of the live database ``live`` with the backup ``source``, through
    SQLite (the backup API into the live file), so the write-ahead log and any console's open
    connection stay consistent; raises sqlite3.OperationalError if the file is busy."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(live, timeout=15)
        try:
            src.backup(dst, pages=-1)
            dst.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            dst.close()
    finally:
        src.close()
