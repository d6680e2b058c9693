"""Areas of the school and their disinfection and ventilation schedules."""

from __future__ import annotations

from sqlmodel import Field, SQLModel


class AreaType(SQLModel, table=True):
    __tablename__ = "area_type"

    key: str = Field(primary_key=True, max_length=32)
    name_zh: str = Field(max_length=64)
    name_en: str = Field(max_length=64)
    key_area: bool = Field(default=False)
    disinfection_every_hours: int = Field(default=24)  # 0: event-triggered only
    disinfection_trigger: str = Field(default="", max_length=32)
    disinfection_agent: str = Field(default="", max_length=128)
    disinfection_agent_en: str = Field(default="", max_length=128)
    ventilation_per_day: int = Field(default=3)
    ventilation_minutes: int = Field(default=30)
    note_zh: str = Field(default="")
    note_en: str = Field(default="")


class Area(SQLModel, table=True):
    __tablename__ = "area"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True, index=True)
    name_zh: str = Field(max_length=64)
    name_en: str = Field(max_length=128)
    type: str = Field(foreign_key="area_type.key", max_length=32)
    building: str = Field(default="", max_length=64)
    active: bool = Field(default=True)
