"""Isolation rooms and the stays in them."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from duty_console.db.models.base import Stamped, time_field

ROOM_STATES = ("ready", "occupied", "needs_disinfection")


class IsolationRoom(SQLModel, table=True):
    __tablename__ = "isolation_room"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True, index=True)
    name_zh: str = Field(max_length=64)
    name_en: str = Field(max_length=128)
    area_code: str = Field(default="", max_length=32)
    capacity: int = Field(default=1)
    illness: str = Field(default="respiratory", max_length=32)
    state: str = Field(default="ready", max_length=32)


class IsolationStay(Stamped, table=True):
    __tablename__ = "isolation_stay"

    id: int | None = Field(default=None, primary_key=True)
    room_code: str = Field(foreign_key="isolation_room.code", max_length=32, index=True)
    person_id: str = Field(max_length=32, index=True)
    incident_id: int | None = Field(default=None, foreign_key="incident.id")
    entered_at: datetime = time_field()
    left_at: datetime | None = time_field(nullable=True)
    disposition: str = Field(default="", max_length=64)  # guardian | hospital | home | dormitory
    note: str = Field(default="")
    reason: str = Field(default="")
    observe_until: datetime | None = time_field(nullable=True)
    collected_by: str = Field(default="", max_length=64)  # the guardian who took the person
    released_by: str = Field(default="", max_length=64)  # the staff member who let them go
