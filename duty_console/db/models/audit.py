"""The append-only, hash-chained audit trail."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from duty_console.db.models.base import time_field


class AuditRecord(SQLModel, table=True):
    __tablename__ = "audit"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = time_field(index=True)
    actor: str = Field(max_length=64)
    action: str = Field(max_length=64, index=True)
    target: str = Field(default="", max_length=255)
    gate: str = Field(default="", max_length=64)
    details: str = Field(default="{}")  # canonical JSON; "{}" once purged
    # SHA-256 of target and details: what the MAC covers, so both can be purged.
    content_hash: str = Field(default="", max_length=64)
    purged: bool = Field(default=False)
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64, unique=True)
