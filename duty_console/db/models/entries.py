"""The entry log: every reading, refusal and manual check at a gate; visitors."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field

from duty_console.db.models.base import Stamped, time_field

ENTRY_STATUSES = ("normal", "fever", "recheck_normal", "fever_confirmed", "invalid", "denied")


class Entry(Stamped, table=True):
    __tablename__ = "entry"
    __table_args__ = (
        Index("ix_entry_person_at", "person_id", "at"),
        Index("ix_entry_gate_at", "gate", "at"),
        # The gate screen pages one gate's log newest first (by id), with or without a status.
        Index("ix_entry_gate_id", "gate", "id"),
        Index("ix_entry_gate_status_id", "gate", "status", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = time_field(index=True)
    device: str = Field(default="", max_length=64)
    person_id: str | None = Field(default=None, max_length=32)
    temp_c: float | None = Field(default=None)
    mode: str = Field(default="", max_length=16)  # body | surface | contact (manual axillary)
    status: str = Field(max_length=16, index=True)
    reason: str = Field(default="", max_length=64)  # denied: not_registered|no_mask|fever|other
    recheck_of: int | None = Field(default=None, foreign_key="entry.id", index=True)
    visitor_id: int | None = Field(default=None, foreign_key="visitor.id")
    note: str = Field(default="")


class Visitor(Stamped, table=True):
    __tablename__ = "visitor"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = time_field(index=True)
    name: str = Field(max_length=64)
    phone: str = Field(default="", max_length=32)
    reason: str = Field(default="", max_length=255)
    host: str = Field(default="", max_length=64)
