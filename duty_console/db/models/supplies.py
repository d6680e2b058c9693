"""Supplies on hand (masks, thermometers, disinfectant) against reorder levels."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from duty_console.db.models.base import Stamped, time_field


class Supply(SQLModel, table=True):
    __tablename__ = "supply"

    key: str = Field(primary_key=True, max_length=32)
    name_zh: str = Field(max_length=64)
    name_en: str = Field(max_length=64)
    unit_zh: str = Field(default="", max_length=16)
    unit_en: str = Field(default="", max_length=16)
    on_hand: int = Field(default=0)
    reorder_level: int = Field(default=0)
    updated_at: datetime = time_field()


class SupplyMovement(Stamped, table=True):
    """One change of stock: who (created_by), when (at), where (gate), by how much and why."""

    __tablename__ = "supply_movement"

    id: int | None = Field(default=None, primary_key=True)
    supply_key: str = Field(foreign_key="supply.key", max_length=32, index=True)
    at: datetime = time_field(index=True)
    delta: int
    on_hand_after: int
    why: str = Field(default="", max_length=255)
