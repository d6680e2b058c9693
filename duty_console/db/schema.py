"""Create or upgrade the schema with Alembic (``duty-console init``)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from sqlalchemy import inspect, text

from duty_console.db.connect import Database
from duty_console.paths import MIGRATIONS_DIR

if TYPE_CHECKING:
    from alembic.config import Config

# Alembic is imported only to migrate: every console start checks the schema is current, and
# importing Alembic (and parsing the scripts with it) was a good part of the start-up time.
_REVISION = re.compile(r"^revision\b[^=]*=\s*['\"]([^'\"]+)['\"]", re.M)
_DOWN = re.compile(r"^down_revision\b[^=]*=\s*(.+)$", re.M)


def alembic_config(db: Database) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", db.url.replace("%", "%%"))
    return cfg


def head_revision(db: Database) -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(db)).get_current_head()


def current_revision(db: Database) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with db.read_engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def _head_from_scripts() -> str | None:
    """The one revision no script names as its down_revision, read from the scripts' text
    (None when that is not clear: then Alembic decides)."""
    revisions: set[str] = set()
    downs: set[str] = set()
    for script in (MIGRATIONS_DIR / "versions").glob("*.py"):
        source = script.read_text(encoding="utf-8")
        rev, down = _REVISION.search(source), _DOWN.search(source)
        if rev is None or down is None:
            return None
        revisions.add(rev.group(1))
        downs.update(re.findall(r"['\"]([^'\"]+)['\"]", down.group(1)))
    heads = revisions - downs
    return heads.pop() if len(heads) == 1 else None


def _stamped_revision(db: Database) -> tuple[bool, str | None]:
    """(readable, the revision in alembic_version) without Alembic."""
    with db.read_engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return True, None
        rows = conn.execute(text("SELECT version_num FROM alembic_version")).fetchall()
    if len(rows) > 1:
        return False, None
    return True, (str(rows[0][0]) if rows else None)


def upgrade(db: Database) -> tuple[str | None, str | None]:
    """Bring the schema to the newest revision; returns (before, after).

    SQLite adds a constraint by rebuilding the table (copy, drop, rename back), which foreign
    keys would refuse while other rows point at it: they are off during the migration (a pragma
    that only works outside a transaction), checked before the commit, and on again after.
    """
    from alembic import command

    before = current_revision(db)
    cfg = alembic_config(db)
    with db.engine.connect() as conn:
        raw = conn.connection.dbapi_connection if db.is_sqlite else None
        if raw is not None:
            raw.execute("PRAGMA foreign_keys = OFF")
        try:
            with conn.begin():
                cfg.attributes["connection"] = conn
                # 0003 re-seals an existing audit chain with the key (see that migration).
                cfg.attributes["audit_key"] = db.audit_key
                command.upgrade(cfg, "head")
                if raw is not None:
                    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise RuntimeError(f"the migration broke foreign keys: {broken[:3]}")
        finally:
            if raw is not None:
                raw.execute("PRAGMA foreign_keys = ON")
    return before, current_revision(db)


def is_current(db: Database) -> bool:
    head = _head_from_scripts()
    readable, stamped = _stamped_revision(db)
    if head is not None and readable:
        return stamped == head
    return current_revision(db) == head_revision(db)
