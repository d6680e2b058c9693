"""Shared pieces of every table: the naming convention and time columns."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Field, SQLModel

from duty_console.db.types import UTCDateTime, utcnow

# Stable constraint names, so Alembic can alter them on SQLite (batch mode) and PostgreSQL alike.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def time_field(*, index: bool = False, nullable: bool = False, **kwargs: Any) -> Any:
    """A UTC timestamp column."""
    if nullable:
        return Field(default=None, sa_type=UTCDateTime, index=index, nullable=True, **kwargs)
    return Field(default_factory=utcnow, sa_type=UTCDateTime, index=index, nullable=False, **kwargs)


class Stamped(SQLModel):
    """Who made or last changed the row, when, and at which gate."""

    created_at: datetime = time_field()
    created_by: str = Field(default="system", max_length=64)
    gate: str = Field(default="", max_length=64)
