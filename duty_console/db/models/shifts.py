"""The duty rota: shifts and handovers."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field

from duty_console.db.models.base import Stamped, time_field


class Shift(Stamped, table=True):
    __tablename__ = "shift"

    id: int | None = Field(default=None, primary_key=True)
    staff_id: str = Field(foreign_key="staff.staff_id", max_length=32, index=True)
    role: str = Field(max_length=16)
    starts_at: datetime = time_field(index=True)
    ends_at: datetime = time_field()
    signed_in_at: datetime | None = time_field(nullable=True)
    signed_out_at: datetime | None = time_field(nullable=True)


class Handover(Stamped, table=True):
    __tablename__ = "handover"

    id: int | None = Field(default=None, primary_key=True)
    from_staff_id: str = Field(max_length=32)
    to_staff_id: str = Field(max_length=32)
    at: datetime = time_field()
    notes: str = Field(default="")
    shift_id: int | None = Field(default=None, foreign_key="shift.id")
    state: str = Field(default="open", max_length=16)  # open | signed_out
    signed_out_at: datetime | None = time_field(nullable=True)
