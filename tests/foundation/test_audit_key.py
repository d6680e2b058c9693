"""The audit chain has a key (issue: security and robustness, point 5).

Before: deleting a record and recomputing every later hash passed `audit verify`. Now the chain is
an HMAC whose key is a 0600 file beside the config, triggers refuse UPDATE and DELETE, and each
commit writes the head to the system log.
"""

from __future__ import annotations

import hashlib
import sqlite3
import syslog
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from duty_console.db import schema
from duty_console.db.connect import Database
from duty_console.domain import audit
from duty_console.domain.actors import system_actor
from tests.conftest import AUDIT_KEY
from tests.foundation.helpers import Result, rows, write_config
from tests.foundation.test_audit import attacker

Cli = Callable[..., Result]


@pytest.fixture
def busy_db(cli: Cli, empty_db: Path) -> Path:
    for staff_id, role in (("T004", "admin"), ("T009", "duty"), ("T010", "doctor")):
        assert cli("staff", "add", "--id", staff_id, "--name", "N", "--role", role).code == 0
    return empty_db


def _rehash_unkeyed(conn: sqlite3.Connection) -> None:
    """What the attacker did: every hash recomputed the way anyone can, without a key."""
    prev = audit.GENESIS
    records = conn.execute(
        "SELECT id, at, actor, action, target, gate, details FROM audit ORDER BY id"
    ).fetchall()
    for rid, at, actor, action, target, gate, details in records:
        content = audit.content_hash(target, details)
        at_iso = datetime.fromisoformat(at).replace(tzinfo=UTC).isoformat()
        payload = "\x1f".join([prev, at_iso, actor, action, gate, content])
        digest = hashlib.sha256(payload.encode()).hexdigest()
        conn.execute(
            "UPDATE audit SET prev_hash = ?, hash = ?, content_hash = ? WHERE id = ?",
            (prev, digest, content, rid),
        )
        prev = digest


def test_deleting_a_record_and_rehashing_the_rest_is_caught(cli: Cli, busy_db: Path) -> None:
    ids = [r[0] for r in rows(busy_db, "SELECT id FROM audit ORDER BY id")]
    victim = ids[len(ids) // 2]
    conn = attacker(busy_db)
    with conn:
        conn.execute("DELETE FROM audit WHERE id = ?", (victim,))
        _rehash_unkeyed(conn)
    conn.close()
    result = cli("audit", "verify")
    assert result.code == 1
    assert f"BROKEN at record {ids[0]}:" in result.err
    assert "without the audit key" in result.err


def test_the_triggers_refuse_update_and_delete(busy_db: Path) -> None:
    conn = sqlite3.connect(busy_db)
    try:
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            conn.execute("DELETE FROM audit WHERE id = (SELECT max(id) FROM audit)")
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            conn.execute("UPDATE audit SET actor = 'T001' WHERE id = 1")
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):  # a fake "purge"
            conn.execute("UPDATE audit SET purged = 1, details = '{\"x\":1}' WHERE id = 1")
        # Purge's own update, blanking the content and nothing else, is the one allowed.
        conn.execute("UPDATE audit SET purged = 1, target = '', details = '{}' WHERE id = 1")
        conn.rollback()
    finally:
        conn.close()


def test_the_key_is_a_private_file_beside_the_config_made_by_init(cli: Cli, tmp_path: Path) -> None:
    config = write_config(tmp_path / "site" / "duty-console.toml")
    key = config.with_name("duty-console.key")
    key.unlink()
    assert cli("init", "--config", config).code == 0
    assert key.stat().st_mode & 0o777 == 0o600
    assert len(bytes.fromhex(key.read_text().strip())) == 32
    assert cli("audit", "verify", "--config", config).code == 0
    # Without it nothing can be checked; with another key nothing checks out.
    saved = key.read_text()
    key.unlink()
    missing = cli("audit", "verify", "--config", config)
    assert missing.code == 1 and "There is no audit key" in missing.err
    key.write_text("00" * 32)
    key.chmod(0o600)
    assert cli("audit", "verify", "--config", config).code == 1
    key.write_text(saved)
    key.chmod(0o644)
    readable = cli("audit", "verify", "--config", config)
    assert readable.code == 1 and "must be private" in readable.err


def test_each_commit_writes_the_head_to_the_system_log(
    cli: Cli, busy_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    logged: list[str] = []
    monkeypatch.setattr(syslog, "syslog", lambda _prio, message: logged.append(message))
    assert cli("staff", "add", "--id", "T011", "--name", "N", "--role", "duty").code == 0
    head_id, head = rows(busy_db, "SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1")[0]
    assert logged == [f"audit head {head_id} {head}"]
    # The logged head is what `audit verify --head` takes to catch a cut-off tail.
    assert cli("staff", "add", "--id", "T012", "--name", "N", "--role", "duty").code == 0
    conn = attacker(busy_db)
    with conn:
        conn.execute("DELETE FROM audit WHERE id >= ?", (head_id,))
    conn.close()
    result = cli("audit", "verify", "--head", str(head))
    assert result.code == 1 and "removed from its end" in result.err


def test_init_reseals_a_chain_made_before_the_key(tmp_path: Path) -> None:
    """A database from before the key: its unkeyed chain is checked, then sealed with the key."""
    path = tmp_path / "old.db"
    db = Database(f"sqlite:///{path}")
    from alembic import command

    cfg = schema.alembic_config(db)
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
    # Records written the old way: sha256 over the content itself.
    conn2 = sqlite3.connect(path)
    prev = audit.GENESIS
    for i in range(3):
        at = f"2026-11-0{i + 1} 00:00:00.000000"
        at_iso = f"2026-11-0{i + 1}T00:00:00+00:00"
        fields = [prev, at_iso, "installer", "test.old", f"t{i}", "north", "{}"]
        digest = hashlib.sha256("\x1f".join(fields).encode()).hexdigest()
        conn2.execute(
            "INSERT INTO audit (at, actor, action, target, gate, details, prev_hash, hash) "
            "VALUES (?, 'installer', 'test.old', ?, 'north', '{}', ?, ?)",
            (at, f"t{i}", prev, digest),
        )
        prev = digest
    conn2.commit()
    conn2.close()
    db.dispose()

    keyed = Database(f"sqlite:///{path}", audit_key=AUDIT_KEY)
    schema.upgrade(keyed)
    with keyed.write() as session:
        audit.append(session, system_actor(gate="north"), "test.new")
    with keyed.read() as session:
        result = audit.verify(session)
    assert result.ok and result.checked == 4, result
    keyed.dispose()
