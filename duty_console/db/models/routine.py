"""The people side of the day: class checks (晨午检), illness absences and their follow-up,
the daily checks of people under watch, and the items of a shift handover."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Field

from duty_console.db.models.base import Stamped, time_field


class ClassCheck(Stamped, table=True):
    """One class's morning or noon check: counts as the class teacher reported them."""

    __tablename__ = "class_check"

    id: int | None = Field(default=None, primary_key=True)
    day: date = Field(index=True)  # the site's local day
    session: str = Field(max_length=16)  # morning | noon
    class_name: str = Field(max_length=64, index=True)
    present: int
    absent: int
    absent_sick: int = Field(default=0)
    symptomatic: int = Field(default=0)
    recorded_at: datetime = time_field()
    note: str = Field(default="")


class Absence(Stamped, table=True):
    """An absence being followed up (因病缺勤追访) until the student returns."""

    __tablename__ = "absence"

    id: int | None = Field(default=None, primary_key=True)
    person_id: str = Field(foreign_key="person.person_id", max_length=32, index=True)
    reason: str = Field(max_length=16)  # sick | other
    symptoms: str = Field(default="", max_length=255)  # comma-separated keys
    started_at: datetime = time_field(index=True)
    returned_at: datetime | None = time_field(nullable=True)
    certificate_ref: str = Field(default="", max_length=128)  # the 复课证明
    checked_by: str = Field(default="", max_length=64)  # the doctor who checked it
    note: str = Field(default="")


class AbsenceFollowUp(Stamped, table=True):
    """One day's follow-up of an absence: the family called, how the student is."""

    __tablename__ = "absence_followup"

    id: int | None = Field(default=None, primary_key=True)
    absence_id: int = Field(foreign_key="absence.id", index=True)
    at: datetime = time_field()
    called_family: bool = Field(default=True)
    status: str = Field(max_length=32)  # at_home | seeing_doctor | in_hospital | recovered
    note: str = Field(default="")


class WatchCheck(Stamped, table=True):
    """The daily check of a person under watch by their named contact."""

    __tablename__ = "watch_check"

    id: int | None = Field(default=None, primary_key=True)
    watch_id: int = Field(foreign_key="watch_entry.id", index=True)
    at: datetime = time_field()
    status: str = Field(max_length=16)  # ok | symptoms | absent
    note: str = Field(default="")


class HandoverItem(Stamped, table=True):
    """One thing the incoming person must confirm (or flag) before the outgoing signs out.

    ``text`` is an English message id and ``params`` its JSON parameters, so each console
    shows the item in its own language.
    """

    __tablename__ = "handover_item"

    id: int | None = Field(default=None, primary_key=True)
    handover_id: int = Field(foreign_key="handover.id", index=True)
    n: int
    kind: str = Field(max_length=32)  # incident | isolation | overdue | device | watch | ...
    ref: str = Field(default="", max_length=64)
    text: str = Field(default="")
    params: str = Field(default="{}")
    state: str = Field(default="pending", max_length=16)  # pending | confirmed | flagged
    answered_by: str = Field(default="", max_length=64)
    answered_at: datetime | None = time_field(nullable=True)
    answer_note: str = Field(default="")
