"""Staff accounts: role and PIN hash."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field

from duty_console.db.models.base import Stamped, time_field


class Staff(Stamped, table=True):
    __tablename__ = "staff"

    id: int | None = Field(default=None, primary_key=True)
    staff_id: str = Field(max_length=32, unique=True, index=True)
    name: str = Field(max_length=64)
    role: str = Field(max_length=16)  # duty | doctor | officer | admin
    pin_hash: str = Field(default="", max_length=255)
    active: bool = Field(default=True)
    updated_at: datetime = time_field()
