"""Plain helpers for the foundation tests: config files in tmp, raw SQLite reads."""

from __future__ import annotations

import json
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pytest

from duty_console.runtime import unix_user

# Giving a file to another uid (to test "not the owner") needs root.
needs_root = pytest.mark.skipif(
    os.geteuid() != 0, reason="needs root to give the database file to another uid"
)


@dataclass
class Result:
    """What a user sees from one `duty-console` run."""

    code: int
    out: str
    err: str


def write_config(
    path: Path, url: str = "sqlite:///duty.db", extra: str = "", gate: str = "north"
) -> Path:
    """A small valid config file; ``extra`` is appended verbatim (more sections). The test
    databases' audit key is written beside it, as `init` would make one."""
    from tests.conftest import write_audit_key

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        f'[database]\nurl = "{url}"\n[site]\ngate = "{gate}"\ntimezone = "Asia/Shanghai"\n' + extra,
        encoding="utf-8",
    )
    write_audit_key(path.with_name(path.stem + ".key"))
    return path


def rows(db_path: Path, sql: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    """Read the database file directly with the sqlite3 module (not through the product)."""
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def count(db_path: Path, table: str) -> int:
    return int(rows(db_path, f"SELECT count(*) FROM {table}")[0][0])


def table_counts(db_path: Path) -> dict[str, int]:
    names = [
        str(r[0])
        for r in rows(db_path, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    ]
    return {name: count(db_path, name) for name in names}


def map_me_to(staff_id: str) -> str:
    """An [access] section mapping the Unix account running the tests to ``staff_id``."""
    return f"[access]\nunix_users = {{ {json.dumps(unix_user())} = {json.dumps(staff_id)} }}\n"
