"""Playbooks (versioned escalation checklists) and their steps."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from duty_console.db.models.base import time_field


class Playbook(SQLModel, table=True):
    __tablename__ = "playbook"
    __table_args__ = (UniqueConstraint("key", "version", name="uq_playbook_key_version"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=64, index=True)
    version: int = Field(default=1)
    title_zh: str = Field(max_length=128)
    title_en: str = Field(max_length=255)
    source: str = Field(default="")
    content_hash: str = Field(default="", max_length=64)
    loaded_at: datetime = time_field()


class PlaybookStep(SQLModel, table=True):
    __tablename__ = "playbook_step"

    id: int | None = Field(default=None, primary_key=True)
    playbook_id: int = Field(foreign_key="playbook.id", index=True)
    n: int
    title_zh: str = Field(max_length=255)
    title_en: str = Field(max_length=255)
    role: str = Field(max_length=16)
    actor_zh: str = Field(default="", max_length=64)
    actor_en: str = Field(default="", max_length=64)
    limit_minutes: int = Field(default=0)
    limit_text_zh: str = Field(default="", max_length=64)
    limit_text_en: str = Field(default="", max_length=64)
    detail_zh: str = Field(default="")
    detail_en: str = Field(default="")
    requires_note: bool = Field(default=False)
    # Done at the gate by a reading: "fever" (the first), "recheck", "contact" (axillary).
    gate_event: str = Field(default="", max_length=16)
    # "opening": limit_minutes after the incident opens; "departure": after the person leaves;
    # "previous": after the step before it is done (its deadline is set then).
    timed_from: str = Field(default="opening", max_length=16)
    # Fields that must be filled to do the step (keys of domain.walkthrough.STEP_FIELDS).
    fields: str = Field(default="", max_length=255)
    skippable: bool = Field(default=False)  # only with a reason
