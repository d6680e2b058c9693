"""Incidents (a playbook being worked, for real or as a drill) and their steps."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field

from duty_console.db.models.base import Stamped, time_field


class Incident(Stamped, table=True):
    __tablename__ = "incident"

    id: int | None = Field(default=None, primary_key=True)
    playbook_id: int = Field(foreign_key="playbook.id")
    playbook_key: str = Field(max_length=64, index=True)
    drill: bool = Field(default=False)
    state: str = Field(default="open", max_length=16, index=True)  # open | closed
    person_id: str | None = Field(default=None, max_length=32, index=True)
    entry_id: int | None = Field(default=None, foreign_key="entry.id")
    opened_at: datetime = time_field()
    closed_at: datetime | None = time_field(nullable=True)
    closed_by: str = Field(default="", max_length=64)
    note: str = Field(default="")
    # A cluster incident names its class or dormitory ("class:1-1", "dorm:A-203").
    cluster_key: str = Field(default="", max_length=64)


class IncidentStep(Stamped, table=True):
    __tablename__ = "incident_step"

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    n: int
    title_zh: str = Field(max_length=255)
    title_en: str = Field(max_length=255)
    role: str = Field(max_length=16)
    due_at: datetime | None = time_field(nullable=True)
    done_at: datetime | None = time_field(nullable=True)
    done_by: str = Field(default="", max_length=64)
    skipped: bool = Field(default=False)
    note: str = Field(default="")
    # The entry that did this step at the gate (the first reading, the recheck, the axillary).
    entry_id: int | None = Field(default=None, foreign_key="entry.id")
    # "opening" (due from the opening) or "departure" (due once the person has left).
    timed_from: str = Field(default="opening", max_length=16)
    fields: str = Field(default="")  # JSON object of the step's recorded fields
    skip_reason: str = Field(default="")
    acknowledged_at: datetime | None = time_field(nullable=True)
    acknowledged_by: str = Field(default="", max_length=64)
    escalated_to_role: str = Field(default="", max_length=16)
    escalated_at: datetime | None = time_field(nullable=True)


class IncidentNote(Stamped, table=True):
    """A note on an incident's timeline (who and when are the stamp)."""

    __tablename__ = "incident_note"

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    step_n: int | None = Field(default=None)
    text: str = Field(default="")
