"""`duty-console init`: schema at the Alembic head, defaults loaded, idempotent (DESIGN §3.1)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlmodel import SQLModel

import duty_console.db.models  # noqa: F401  (registers every table on the metadata)
from duty_console.db import schema
from duty_console.db.connect import Database
from tests.foundation.helpers import Result, count, rows, table_counts

Cli = Callable[..., Result]


def _head() -> str:
    db = Database("sqlite://")
    try:
        head = schema.head_revision(db)
    finally:
        db.dispose()
    assert head
    return head


def test_init_on_an_empty_file_creates_the_schema_and_loads_the_defaults(
    cli: Cli, config: Path, tmp_path: Path
) -> None:
    path = tmp_path / "duty.db"
    path.touch()
    result = cli("init", "--config", config)
    assert result.code == 0, result.err
    head = _head()
    assert f"schema empty -> {head}" in result.out
    assert str(path) in result.out

    assert rows(path, "SELECT version_num FROM alembic_version") == [(head,)]
    assert count(path, "area_type") == 10
    assert count(path, "area") == 25
    assert count(path, "isolation_room") == 2
    assert count(path, "playbook") == 3
    steps = rows(
        path,
        "SELECT p.key, count(s.id) FROM playbook p JOIN playbook_step s ON s.playbook_id = p.id "
        "GROUP BY p.key ORDER BY p.key",
    )
    assert steps == [("cluster", 5), ("fever-at-gate", 10), ("suspected-case-in-isolation", 10)]
    # Every room and area points at something that exists.
    assert rows(path, "PRAGMA foreign_key_check") == []
    # The load itself is attributed in the audit trail.
    actions = [r[0] for r in rows(path, "SELECT action FROM audit ORDER BY id")]
    assert actions == ["schema.upgrade", "defaults.load"]


def test_init_twice_changes_nothing(cli: Cli, config: Path, tmp_path: Path) -> None:
    path = tmp_path / "duty.db"
    assert cli("init", "--config", config).code == 0
    before = table_counts(path)
    audit_before = rows(path, "SELECT id, hash FROM audit ORDER BY id")

    result = cli("init", "--config", config)
    assert result.code == 0, result.err
    assert "already current" in result.out
    assert "nothing to change" in result.out
    assert table_counts(path) == before
    assert rows(path, "SELECT id, hash FROM audit ORDER BY id") == audit_before
    assert cli("audit", "verify", "--config", config).code == 0


def test_init_keeps_the_schools_own_changes_to_supplies(
    cli: Cli, config: Path, tmp_path: Path
) -> None:
    """Stock counts belong to the school once loaded; a re-run of init must not reset them."""
    path = tmp_path / "duty.db"
    assert cli("init", "--config", config).code == 0
    key = str(rows(path, "SELECT key FROM supply ORDER BY key LIMIT 1")[0][0])
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("UPDATE supply SET on_hand = 4321 WHERE key = ?", (key,))
    conn.close()
    assert cli("init", "--config", config).code == 0
    assert rows(path, "SELECT on_hand FROM supply WHERE key = ?", (key,)) == [(4321,)]


def test_commands_before_init_say_to_run_init(cli: Cli, config: Path) -> None:
    result = cli("audit", "verify", "--config", config)
    assert result.code == 1
    assert "duty-console init" in result.err
    assert "Traceback" not in result.err


def test_a_command_before_init_leaves_no_empty_database_behind(cli: Cli, tmp_path: Path) -> None:
    config = tmp_path / "elsewhere.toml"
    config.write_text('[database]\nurl = "sqlite:///never.db"\n', encoding="utf-8")
    result = cli("status", "--config", config)
    assert result.code == 1
    assert "There is no database at" in result.err and "duty-console init" in result.err
    assert not (tmp_path / "never.db").exists()


def test_migrated_schema_matches_the_models(tmp_path: Path) -> None:
    """Like `alembic check`: migrating from empty yields exactly what the models declare."""
    db = Database(f"sqlite:///{tmp_path / 'migrated.db'}")
    try:
        before, after = schema.upgrade(db)
        assert before is None
        assert after == schema.head_revision(db)
        assert schema.is_current(db)
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diffs = compare_metadata(context, SQLModel.metadata)
        assert diffs == []
    finally:
        db.dispose()
