"""Alerts as rows: every console reads the same table, so every console sees the same alert."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field

from duty_console.db.models.base import Stamped, time_field

ALERT_SEVERITIES = ("info", "warning", "critical")


class Alert(Stamped, table=True):
    """One alert about one subject, from raised to resolved (see ``domain/alerts.py``)."""

    __tablename__ = "alert"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=32, index=True)  # timer.overdue, timer.reminder, incident.step…
    subject: str = Field(max_length=128, index=True)  # timer:ISO-1:disinfection, incident:7:step:3
    severity: str = Field(default="warning", max_length=16)  # one of ALERT_SEVERITIES
    message: str = Field(default="")  # an English msgid (N_), shown translated
    params: str = Field(default="{}")  # the msgid's parameters, JSON
    due_at: datetime | None = time_field(nullable=True)  # when the thing it is about was due
    raised_at: datetime = time_field()
    last_alerted_at: datetime = time_field()  # raised or re-alerted: consoles ring when it moves
    realert_at: datetime | None = time_field(nullable=True, index=True)  # None: no more re-alerts
    realert_count: int = Field(default=0)
    acknowledged_at: datetime | None = time_field(nullable=True)
    acknowledged_by: str = Field(default="", max_length=64)
    ack_reason: str = Field(default="")
    resolved_at: datetime | None = time_field(nullable=True, index=True)
    resolved_by: str = Field(default="", max_length=64)
    resolution: str = Field(default="")
