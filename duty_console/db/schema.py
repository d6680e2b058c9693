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
    """Bring the schema to the newest revision; returns (before, after)."""
    before = current_revision(db)
    cfg = alembic_config(db)
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        # 0003 re-seals an existing audit chain with the key (see that migration).
        cfg.attributes["audit_key"] = db.audit_key
        command.upgrade(cfg, "head")
    return before, current_revision(db)


def is_current(db: Database) -> bool:
    return current_revision(db) == head_revision(db)
