"""The daily report (一日一报), kept as versions: making it again amends it, never overwrites it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field

from duty_console.db.models.base import Stamped, time_field


class DailyReport(Stamped, table=True):
    """One version of one local day's report. ``content`` is the canonical JSON of the report's
    fields; ``hash`` its SHA-256 (the value the audit trail records on submission)."""

    __tablename__ = "daily_report"
    __table_args__ = (UniqueConstraint("day", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    day: str = Field(max_length=10, index=True)  # the site's local day, YYYY-MM-DD
    version: int = Field(default=1)
    content: str
    hash: str = Field(max_length=64)
    # The changes from the version before, as JSON {key: [before, after]} ("" for version 1).
    diff: str = Field(default="")
    # Made after an earlier version had been submitted: an amended report (更正报告).
    amends_submitted: bool = Field(default=False)
    submitted_at: datetime | None = time_field(nullable=True)
    submitted_by: str = Field(default="", max_length=64)
