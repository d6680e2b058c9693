"""The roster: students and staff as people who pass the gate, and those under daily watch."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from duty_console.db.models.base import Stamped, time_field


class Person(Stamped, table=True):
    __tablename__ = "person"

    id: int | None = Field(default=None, primary_key=True)
    person_id: str = Field(max_length=32, unique=True, index=True)
    name: str = Field(max_length=64)
    kind: str = Field(default="student", max_length=16)  # student | staff
    grade: str = Field(default="", max_length=32)
    class_name: str = Field(default="", max_length=64, index=True)
    card_id: str | None = Field(default=None, max_length=32, unique=True, index=True)
    guardian_name: str = Field(default="", max_length=64)
    guardian_phone: str = Field(default="", max_length=32)
    dorm: str = Field(default="", max_length=32)
    # Pinyin initials ("zsm" for 张三明) and full pinyin, lower case, for search.
    initials: str = Field(default="", max_length=64, index=True)
    pinyin: str = Field(default="", max_length=255)
    active: bool = Field(default=True)
    updated_at: datetime = time_field()


class WatchCategory(SQLModel, table=True):
    """A category of people under daily watch (重点人群)."""

    __tablename__ = "watch_category"

    key: str = Field(primary_key=True, max_length=32)
    name_zh: str = Field(max_length=64)
    name_en: str = Field(max_length=128)


class WatchEntry(Stamped, table=True):
    """A person placed under daily watch, with the named contact who checks on them."""

    __tablename__ = "watch_entry"

    id: int | None = Field(default=None, primary_key=True)
    person_id: str = Field(foreign_key="person.person_id", max_length=32, index=True)
    category: str = Field(foreign_key="watch_category.key", max_length=32)
    contact_staff_id: str = Field(default="", max_length=32)
    since: datetime = time_field()
    until: datetime | None = time_field(nullable=True)
    note: str = Field(default="")
    ended_by: str = Field(default="", max_length=64)
    end_reason: str = Field(default="")
