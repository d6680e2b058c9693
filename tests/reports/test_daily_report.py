"""The daily report of a known day (DESIGN §3.7): every status, a visitor refused for fever, a
drill that does not count, a quiet day that is a zero report; versions and submission."""

from __future__ import annotations

import csv
import json
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from duty_console.db.connect import Database
from duty_console.db.models import AuditRecord, IsolationStay
from duty_console.domain import report_versions, supplies
from duty_console.domain.absences import add_absence
from duty_console.domain.actors import Actor
from duty_console.domain.checks import record_check
from duty_console.domain.clock import ManualClock
from duty_console.domain.entries import deny_entry, record_manual_reading, register_visitor
from duty_console.domain.incidents import open_incident
from duty_console.domain.screening import Rules
from duty_console.errors import PermissionDenied, UserError
from duty_console.paths import SAMPLE_DIR
from duty_console.reports.daily import CONTRACT_KEYS, daily_report, make_daily_report

# The sample roster's classes: each reports a morning and a noon check.
CLASSES = {
    row["class"]
    for row in csv.DictReader((SAMPLE_DIR / "roster.csv").open(encoding="utf-8-sig"))
    if row.get("class")
}

TZ = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 11, 29)
RULES = Rules()


def local(hh: int, mm: int, day: date = DAY) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=TZ).astimezone(UTC)


def known_day(db: Database, duty: Actor, officer: Actor) -> None:
    """29 November 2026 at the north gate, and one reading on the evening before."""

    def reading(person: str | None, temp: float, at: datetime) -> None:
        with db.write() as s:
            record_manual_reading(
                s, duty, RULES, temp_c=temp, person_id=person, clock=ManualClock(at)
            )

    reading("S1001", 36.4, local(23, 50, DAY - timedelta(days=1)))  # the day before
    reading("S1001", 36.5, local(7, 0))  # normal
    reading("S1002", 37.6, local(7, 1))  # fever ...
    reading("S1002", 36.9, local(7, 4))  # ... recheck_normal after the rest
    reading("S1003", 37.9, local(7, 5))  # fever ...
    reading("S1003", 38.1, local(7, 8))  # ... fever_confirmed: an incident opens
    reading(None, 45.0, local(7, 10))  # invalid
    clock = ManualClock(local(7, 12))
    with db.write() as s:
        deny_entry(s, duty, reason="no_mask", person_id="S1004", clock=clock)
    clock = ManualClock(local(9, 30))
    with db.write() as s:
        register_visitor(
            s,
            duty,
            RULES,
            name="来访者甲",
            phone="13800000000",
            reason="送货",
            host="总务处",
            temp_c=38.2,
            clock=clock,
        )  # refused for fever
    clock = ManualClock(local(10, 0))
    with db.write() as s:
        register_visitor(
            s,
            duty,
            RULES,
            name="来访者乙",
            phone="13900000000",
            reason="开会",
            host="校长室",
            temp_c=36.6,
            clock=clock,
        )  # let in
    # The drill: a pretend fever of S1005 while the drill runs; none of it counts.
    clock = ManualClock(local(14, 0))
    with db.write() as s:
        open_incident(s, officer, "fever-at-gate", person_id="S1005", drill=True, clock=clock)
    reading("S1005", 38.0, local(14, 2))
    reading("S1005", 38.3, local(14, 5))
    # People: one class's morning check, and a sick absence with fever (a new one that day).
    clock = ManualClock(local(8, 10))
    with db.write() as s:
        record_check(
            s,
            duty,
            "七年级1班",
            "morning",
            present=32,
            absent=1,
            absent_sick=1,
            day=DAY,
            clock=clock,
        )
        add_absence(s, duty, "S1006", "sick", ["fever"], started_at=local(7, 30), clock=clock)


@pytest.fixture
def day_db(db: Database, duty_actor: Actor, officer_actor: Actor) -> Database:
    known_day(db, duty_actor, officer_actor)
    return db


def report_of(db: Database, day: date = DAY, now: datetime | None = None) -> dict:
    with db.read() as s:
        return daily_report(s, day, TZ, now or local(18, 0, day), school="示例中学")


def test_a_known_day_gives_the_right_counts(day_db: Database) -> None:
    r = report_of(day_db)
    assert list(r)[: len(CONTRACT_KEYS)] == list(CONTRACT_KEYS)
    # S1001, S1002 x2, S1003 x2, the invalid reading, S1004 refused, two visitors.
    assert r["entries"] == 9
    assert r["normal"] == 2  # S1001 and the second visitor
    assert r["fever"] == 2
    assert r["recheck_normal"] == 1
    assert r["fever_confirmed"] == 1
    assert r["invalid"] == 1
    assert r["denied"] == 2
    assert r["denied_fever"] == 1
    assert r["visitors"] == 2
    assert r["incidents_opened"] == 1
    assert r["absent_sick"] == 1  # S1006, with fever
    assert r["class_checks_done"] == 1
    assert r["class_checks_due"] == 2 * len(CLASSES)  # every class, morning and noon
    assert r["incidents_open"] == 1
    assert r["zero_report"] is False
    assert r["date"] == "2026-11-29"


def test_the_drill_does_not_count(day_db: Database) -> None:
    r = report_of(day_db)
    # The drill incident and S1005's two readings during it are left out.
    assert r["incidents_opened"] == 1
    assert r["entries"] == 9
    assert r["fever_confirmed"] == 1


def test_a_quiet_day_is_a_zero_report(day_db: Database) -> None:
    r = report_of(day_db, date(2026, 11, 27))
    assert r["zero_report"] is True
    assert all(r[k] == 0 for k in ("entries", "fever", "fever_confirmed", "denied_fever"))
    assert r["disinfection_compliance"] == 0.0  # due and not done is not compliance


@pytest.mark.parametrize(
    "abnormal", ["fever", "denied_fever", "isolation"], ids=["fever", "refused", "isolation"]
)
def test_one_abnormal_thing_is_no_zero_report(
    db: Database, duty_actor: Actor, abnormal: str
) -> None:
    clock = ManualClock(local(8, 0))
    with db.write() as s:
        if abnormal == "fever":
            record_manual_reading(s, duty_actor, RULES, temp_c=37.5, person_id="S1001", clock=clock)
        elif abnormal == "denied_fever":
            deny_entry(s, duty_actor, reason="fever", person_id="S1001", clock=clock)
        else:
            s.add(IsolationStay(room_code="ISO-1", person_id="S1001", entered_at=local(7, 0)))
    assert report_of(db)["zero_report"] is False


def test_a_normal_day_with_refusals_for_other_reasons_is_still_a_zero_report(
    db: Database, duty_actor: Actor
) -> None:
    clock = ManualClock(local(8, 0))
    with db.write() as s:
        record_manual_reading(s, duty_actor, RULES, temp_c=36.5, person_id="S1001", clock=clock)
        deny_entry(s, duty_actor, reason="no_mask", person_id="S1002", clock=clock)
    r = report_of(db)
    assert (r["entries"], r["denied"], r["zero_report"]) == (2, 1, True)


def test_low_supplies_are_in_the_report_and_status(db: Database, duty_actor: Actor) -> None:
    clock = ManualClock(local(8, 0))
    with db.write() as s:
        supplies.move(s, duty_actor, "medical_mask", -2500, "issued to classes", clock=clock)
    r = report_of(db)
    assert [x["key"] for x in r["supplies_low"]] == ["medical_mask"]
    # The day before still had the masks: a past day's report shows that day's stock.
    before = report_of(db, DAY - timedelta(days=1))
    assert before["supplies_low"] == []
    masks = next(x for x in before["supplies"] if x["key"] == "medical_mask")
    assert masks["on_hand"] == 3000


def test_making_the_report_again_keeps_versions_and_the_differences(
    db: Database, duty_actor: Actor, officer_actor: Actor
) -> None:
    clock = ManualClock(local(16, 0))
    with db.write() as s:
        _first, rec1 = make_daily_report(s, officer_actor, DAY, TZ, clock=clock)
    with db.write() as s:
        _same, rec_same = make_daily_report(s, officer_actor, DAY, TZ, clock=clock)
    assert (rec1.row.version, rec1.new) == (1, True)
    assert (rec_same.row.version, rec_same.new) == (1, False)

    with db.write() as s:
        row = report_versions.submit(s, officer_actor, "2026-11-29", clock=clock)
        assert row.submitted_by == "T002"
    with db.write() as s, pytest.raises(UserError, match="already submitted"):
        report_versions.submit(s, officer_actor, "2026-11-29", clock=clock)

    clock = ManualClock(local(16, 30))
    with db.write() as s:
        record_manual_reading(s, duty_actor, RULES, temp_c=37.7, person_id="S1001", clock=clock)
    with db.write() as s:
        second, rec2 = make_daily_report(s, officer_actor, DAY, TZ, clock=clock)
    assert rec2.row.version == 2 and rec2.row.amends_submitted
    assert rec2.diff["fever"] == [0, 1]
    assert rec2.diff["zero_report"] == [True, False]
    assert second["amends_submitted"] is True and second["submitted_at"] is None

    with db.read() as s:
        kept = report_versions.versions(s, "2026-11-29")
        assert [v.version for v in kept] == [1, 2]
        assert json.loads(kept[0].content)["fever"] == 0  # the submitted version is unchanged
        audit = list(s.exec(select(AuditRecord).where(AuditRecord.action == "report.submit")))
    assert len(audit) == 1
    assert json.loads(audit[0].details)["hash"] == kept[0].hash


def test_only_an_officer_or_admin_submits(db: Database, duty_actor: Actor) -> None:
    with db.write() as s, pytest.raises(PermissionDenied):
        report_versions.submit(s, duty_actor, "2026-11-29")
