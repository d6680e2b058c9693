"""Calibration checks of thermometers: a record, not a config value."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Index
from sqlmodel import Field

from duty_console.db.models.base import Stamped, time_field

REFERENCES = ("contact", "blackbody")


class Calibration(Stamped, table=True):
    """A thermometer checked against a reference: a contact (axillary/oral) reading of the same
    person, or a blackbody source. The offset in force for a device is its latest record's
    (``reference_c - device_c``), added to every reading it sends from then on."""

    __tablename__ = "calibration"
    __table_args__ = (
        Index("ix_calibration_device_at", "device", "at"),
        CheckConstraint("reference IN ('contact', 'blackbody')", name="reference"),
    )

    id: int | None = Field(default=None, primary_key=True)
    device: str = Field(max_length=64)
    at: datetime = time_field()
    reference: str = Field(max_length=16)  # contact | blackbody
    reference_c: float
    # The device's own reading of the same person or source, before any offset.
    device_c: float
    offset_c: float
    note: str = Field(default="")
