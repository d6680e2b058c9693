"""The entry log: every reading, refusal and manual check at a gate; visitors."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Index
from sqlmodel import Field

from duty_console.db.models.base import Stamped, time_field

ENTRY_STATUSES = ("normal", "fever", "recheck_normal", "fever_confirmed", "invalid", "denied")
ENTRY_MODES = ("ir", "contact", "manual", "")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Entry(Stamped, table=True):
    __tablename__ = "entry"
    __table_args__ = (
        Index("ix_entry_person_at", "person_id", "at"),
        Index("ix_entry_gate_at", "gate", "at"),
        # The gate screen pages one gate's log newest first (by id), with or without a status.
        Index("ix_entry_gate_id", "gate", "id"),
        Index("ix_entry_gate_status_id", "gate", "status", "id"),
        # Open fevers (every console lists them): few rows, found without scanning the log.
        Index("ix_entry_status_resolved", "status", "resolved_at"),
        CheckConstraint(_one_of("status", ENTRY_STATUSES), name="status"),
        CheckConstraint(_one_of("mode", ENTRY_MODES), name="mode"),
    )

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = time_field(index=True)
    device: str = Field(default="", max_length=64)
    person_id: str | None = Field(default=None, max_length=32)
    temp_c: float | None = Field(default=None)
    mode: str = Field(default="", max_length=16)  # ir | contact | manual ("" no reading)
    kind: str = Field(default="", max_length=16)  # an IR device's body | surface measurement
    # Found by status through ix_entry_status_resolved (status first): a status-only index was
    # one more to update on every insert (dropped in 0009).
    status: str = Field(max_length=16)
    reason: str = Field(default="", max_length=64)  # denied: not_registered|no_mask|fever|other
    recheck_of: int | None = Field(default=None, foreign_key="entry.id", index=True)
    # A reading during the rest after a fever: that same fever again, not its recheck.
    rest_of: int | None = Field(default=None, foreign_key="entry.id")
    # The open incident this reading is a step of (no foreign key: incident points here too).
    incident_id: int | None = Field(default=None, index=True)
    # A fever leaves the recheck list when rechecked, refused, taken into an incident or closed.
    resolved_at: datetime | None = time_field(nullable=True)
    resolved_by: str = Field(default="", max_length=64)
    resolution: str = Field(default="", max_length=16)  # rechecked | denied | incident | closed
    resolution_note: str = Field(default="")
    visitor_id: int | None = Field(default=None, foreign_key="visitor.id")
    note: str = Field(default="")
    # The calibration offset a device reading was taken with (None: typed, or before 0008).
    offset_c: float | None = Field(default=None)


class Visitor(Stamped, table=True):
    __tablename__ = "visitor"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = time_field(index=True)
    name: str = Field(max_length=64)
    phone: str = Field(default="", max_length=32)
    reason: str = Field(default="", max_length=255)
    host: str = Field(default="", max_length=64)
