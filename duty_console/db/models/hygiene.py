"""Disinfection records and ventilation sessions (the evidence behind the timers)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field

from duty_console.db.models.base import Stamped, time_field


class DisinfectionRecord(Stamped, table=True):
    __tablename__ = "disinfection_record"

    id: int | None = Field(default=None, primary_key=True)
    area_code: str = Field(foreign_key="area.code", max_length=32, index=True)
    done_at: datetime = time_field(index=True)
    agent: str = Field(default="", max_length=128)
    concentration: str = Field(default="", max_length=64)
    note: str = Field(default="")


class VentilationSession(Stamped, table=True):
    __tablename__ = "ventilation_session"

    id: int | None = Field(default=None, primary_key=True)
    area_code: str = Field(foreign_key="area.code", max_length=32, index=True)
    started_at: datetime = time_field(index=True)
    ended_at: datetime | None = time_field(nullable=True)
    note: str = Field(default="")
    # The start on the starting PC's boot clock (domain.clock.BootInstant): a stop on the same
    # boot takes the duration from it, not from a wall clock that may have been stepped.
    started_boot: str | None = Field(default=None, max_length=64)
    started_boot_s: float | None = Field(default=None)
