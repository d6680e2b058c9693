"""SQLite set-up a gate PC relies on: durable WAL, private file, queued writers, UTC times."""

from __future__ import annotations

import os
import stat
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine
from sqlalchemy.exc import StatementError
from sqlmodel import col, select

from duty_console.db.connect import Database
from duty_console.db.models import AuditRecord, Entry
from duty_console.domain import audit
from duty_console.domain.actors import system_actor
from tests.conftest import AUDIT_KEY
from tests.foundation.helpers import Result, rows

Cli = Callable[..., Result]
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _pragmas(engine: Engine) -> dict[str, object]:
    with engine.connect() as conn:
        return {
            name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
            for name in ("journal_mode", "synchronous", "busy_timeout", "foreign_keys")
        }


def test_pragmas_are_in_force_on_every_fresh_connection(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'fresh.db'}")
    try:
        for engine in (db.engine, db.read_engine):
            got = _pragmas(engine)
            assert got["journal_mode"] == "wal"
            assert got["synchronous"] == 2  # FULL
            assert int(str(got["busy_timeout"])) >= 10_000
            assert got["foreign_keys"] == 1
        with db.write() as session:
            conn = session.connection()
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        db.dispose()
    # WAL is a property of the file: a plain sqlite3 connection sees it too.
    assert rows(tmp_path / "fresh.db", "PRAGMA journal_mode") == [("wal",)]


def test_foreign_keys_are_enforced(empty_db: Path) -> None:
    db = Database(f"sqlite:///{empty_db}", audit_key=AUDIT_KEY)
    try:
        at = datetime(2026, 11, 29, tzinfo=UTC)
        with pytest.raises(Exception, match="FOREIGN KEY"), db.write() as session:
            session.add(Entry(at=at, status="normal", recheck_of=999_999))
    finally:
        db.dispose()


def test_database_file_is_private_after_init_even_with_a_permissive_umask(
    cli: Cli, config: Path, tmp_path: Path
) -> None:
    old = os.umask(0)
    try:
        result = cli("init", "--config", config)
    finally:
        os.umask(old)
    assert result.code == 0, result.err
    path = tmp_path / "duty.db"
    assert _mode(path) == 0o600
    for side in (tmp_path / "duty.db-wal", tmp_path / "duty.db-shm"):
        if side.exists():
            assert _mode(side) == 0o600, side


def test_wal_and_shm_files_are_private_while_open(empty_db: Path) -> None:
    old = os.umask(0)
    db = Database(f"sqlite:///{empty_db}", audit_key=AUDIT_KEY)
    try:
        with db.engine.connect() as conn:
            with db.write() as session:
                audit.append(session, system_actor(gate="north"), "test.write", "wal")
            conn.exec_driver_sql("SELECT count(*) FROM audit").scalar()
            wal = empty_db.with_name("duty.db-wal")
            assert wal.exists(), "a write in WAL mode leaves a -wal file while a connection is open"
            assert _mode(wal) == 0o600
            shm = empty_db.with_name("duty.db-shm")
            if shm.exists():
                assert _mode(shm) == 0o600
    finally:
        db.dispose()
        os.umask(old)


def test_existing_world_readable_file_is_made_private(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    path.touch(mode=0o644)
    path.chmod(0o644)
    Database(f"sqlite:///{path}").dispose()
    assert _mode(path) == 0o600


def test_two_writers_at_once_both_succeed_and_keep_the_audit_chain(empty_db: Path) -> None:
    """BEGIN IMMEDIATE: the second writer waits for the first instead of 'database is locked'."""
    db = Database(f"sqlite:///{empty_db}", audit_key=AUDIT_KEY)
    per_thread = 15
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def writer(gate: str) -> None:
        actor = system_actor(gate=gate, name=f"writer-{gate}")
        try:
            barrier.wait(timeout=10)
            for i in range(per_thread):
                with db.write() as session:
                    # Read-then-write inside one transaction, slowly: a deferred BEGIN would
                    # fail to upgrade its lock here, or fork the hash chain.
                    audit.append(session, actor, "test.concurrent", f"{gate}:{i}")
                    time.sleep(0.005)
                    audit.append(session, actor, "test.concurrent", f"{gate}:{i}b")
        except BaseException as exc:
            errors.append(exc)

    before = len(rows(empty_db, "SELECT id FROM audit"))
    threads = [threading.Thread(target=writer, args=(g,)) for g in ("north", "south")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    try:
        assert not errors, errors
        with db.read() as session:
            written = session.exec(
                select(AuditRecord).where(AuditRecord.action == "test.concurrent")
            ).all()
            assert len(written) == 2 * 2 * per_thread
            result = audit.verify(session)
        assert result.ok, result
        assert result.checked == before + 4 * per_thread
        # Each transaction's two records are adjacent: writers were serialised, not interleaved.
        ordered = rows(
            empty_db, "SELECT target FROM audit WHERE action = 'test.concurrent' ORDER BY id"
        )
        targets = [str(r[0]) for r in ordered]
        for first, second in zip(targets[::2], targets[1::2], strict=True):
            assert second == first + "b"
    finally:
        db.dispose()


def test_times_round_trip_as_aware_utc(empty_db: Path) -> None:
    db = Database(f"sqlite:///{empty_db}", audit_key=AUDIT_KEY)
    local = datetime(2026, 11, 29, 7, 45, 30, 123456, tzinfo=SHANGHAI)
    try:
        with db.write() as session:
            entry = Entry(at=local, status="normal", temp_c=36.5, gate="north")
            session.add(entry)
            session.flush()
            entry_id = entry.id
        with db.read() as session:
            got = session.get(Entry, entry_id)
            assert got is not None
            assert got.at.tzinfo is not None
            assert got.at.utcoffset() == timedelta(0)
            assert got.at == local
            assert got.at == datetime(2026, 11, 28, 23, 45, 30, 123456, tzinfo=UTC)
            # Comparisons against aware times in another zone use the same instant.
            same = session.exec(select(Entry.id).where(col(Entry.at) == local)).all()
            assert same == [entry_id]
        # Stored as UTC in the file: 23:45 on the 28th, not the local 07:45 on the 29th.
        raw = rows(empty_db, "SELECT at FROM entry WHERE id = ?", (entry_id,))
        assert str(raw[0][0]).startswith("2026-11-28 23:45:30")
    finally:
        db.dispose()


def test_naive_times_are_refused(empty_db: Path) -> None:
    db = Database(f"sqlite:///{empty_db}", audit_key=AUDIT_KEY)
    try:
        with pytest.raises(StatementError, match="naive datetime"), db.write() as session:
            session.add(Entry(at=datetime(2026, 11, 29, 8, 0), status="normal"))
            session.flush()
        assert rows(empty_db, "SELECT count(*) FROM entry") == [(0,)]
    finally:
        db.dispose()
