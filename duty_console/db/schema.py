"""Create or upgrade the schema with Alembic (``duty-console init``)."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from duty_console.db.connect import Database
from duty_console.paths import MIGRATIONS_DIR


def alembic_config(db: Database) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", db.url.replace("%", "%%"))
    return cfg


def head_revision(db: Database) -> str | None:
    return ScriptDirectory.from_config(alembic_config(db)).get_current_head()


def current_revision(db: Database) -> str | None:
    with db.read_engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(db: Database) -> tuple[str | None, str | None]:
    """Bring the schema to the newest revision; returns (before, after).

    SQLite adds a constraint by rebuilding the table (copy, drop, rename back), which foreign
    keys would refuse while other rows point at it: they are off during the migration (a pragma
    that only works outside a transaction), checked before the commit, and on again after.
    """
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
    return current_revision(db) == head_revision(db)
