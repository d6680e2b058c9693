"""The people side of the day: class checks, absences, watch, rota and handover, as the routine
uses them, on a real SQLite file with the sample roster and staff."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import col, select

from duty_console.config import RotaSettings
from duty_console.db.connect import Database
from duty_console.db.models import AuditRecord, Incident, Shift
from duty_console.domain import absences, checks, handover, incidents, rota, watch
from duty_console.domain.actors import Actor
from duty_console.domain.clock import ManualClock
from duty_console.domain.permissions import CAPABILITIES, can
from duty_console.domain.snapshot import snapshot
from duty_console.errors import PermissionDenied, UserError

TZ = ZoneInfo("Asia/Shanghai")
DOCTOR = Actor(staff_id="T003", name="陈静", role="doctor", gate="north")
NIGHT = Actor(staff_id="T005", name="周文博", role="duty", gate="north")


def local(day: int, hh: int, mm: int = 0) -> datetime:
    return datetime(2026, 11, day, hh, mm, tzinfo=TZ)


# -- class checks ------------------------------------------------------------------------------


def test_a_class_that_has_not_reported_is_listed(
    db: Database, duty_actor: Actor, clock: ManualClock
) -> None:
    today = date(2026, 11, 29)
    with db.write() as s:
        checks.record_check(
            s,
            duty_actor,
            "七年级1班",
            "morning",
            present=32,
            absent=1,
            absent_sick=1,
            day=today,
            clock=clock,
        )
    with db.read() as s:
        missing = checks.not_reported(s, today, "morning")
        assert "七年级1班" not in missing
        assert "七年级2班" in missing and len(missing) == 9
        # The noon session starts empty again.
        assert len(checks.not_reported(s, today, "noon")) == 10
        status = snapshot(s, site_name="x", gate="north", tz=TZ, now=clock.now())
    assert status["class_checks"]["session"] == "morning"
    assert status["class_checks"]["reported"] == 1
    assert "七年级2班" in status["class_checks"]["not_reported"]


def test_a_symptomatic_student_in_a_check_becomes_a_named_follow_up(
    db: Database, duty_actor: Actor, clock: ManualClock
) -> None:
    with db.write() as s:
        checks.record_check(
            s,
            duty_actor,
            "七年级1班",
            "morning",
            present=33,
            absent=0,
            symptomatic=1,
            symptomatic_people=["S1001"],
            day=date(2026, 11, 29),
            clock=clock,
        )
    with db.read() as s:
        rows = watch.watch_list(s, clock.now(), TZ)
    assert [(r.person_id, r.category, r.contact_staff_id) for r in rows] == [
        ("S1001", "abnormal_check", "T001")
    ]


def test_impossible_counts_are_refused_and_nothing_is_written(
    db: Database, duty_actor: Actor, clock: ManualClock
) -> None:
    with pytest.raises(UserError, match="more than the 33 students"), db.write() as s:
        checks.record_check(
            s,
            duty_actor,
            "七年级1班",
            "morning",
            present=40,
            absent=0,
            day=date(2026, 11, 29),
            clock=clock,
        )
    with db.read() as s:
        assert len(checks.not_reported(s, date(2026, 11, 29), "morning")) == 10


def test_a_csv_with_one_bad_row_loads_nothing(
    db: Database, duty_actor: Actor, clock: ManualClock
) -> None:
    data = (
        "class,session,present,absent,absent_sick,symptoms\n"
        "七年级1班,morning,33,0,0,0\n"
        "七年级9班,morning,30,0,0,0\n"
    ).encode()
    with pytest.raises(UserError, match="line 3"), db.write() as s:
        checks.import_checks(s, duty_actor, data, source="x.csv", today=date(2026, 11, 29))
    with db.read() as s:
        assert len(checks.not_reported(s, date(2026, 11, 29), "morning")) == 10
    good = data.decode().splitlines()[:2]
    with db.write() as s:
        n = checks.import_checks(
            s, duty_actor, "\n".join(good).encode(), source="x.csv", today=date(2026, 11, 29)
        )
    assert n == 1


# -- absences ----------------------------------------------------------------------------------


def test_an_absence_cannot_be_closed_without_a_doctors_check(
    db: Database, duty_actor: Actor, officer_actor: Actor, clock: ManualClock
) -> None:
    with db.write() as s:
        absences.add_absence(s, duty_actor, "S1002", "sick", "fever,cough", clock=clock)
    for actor in (duty_actor, officer_actor):
        with pytest.raises(PermissionDenied), db.write() as s:
            absences.return_to_school(s, actor, "S1002", certificate="FTR-1", clock=clock)
    with pytest.raises(UserError, match="fit-to-return note"), db.write() as s:
        absences.return_to_school(s, DOCTOR, "S1002", clock=clock)
    with db.read() as s:
        assert [r.person_id for r in absences.open_absences(s, clock.now(), TZ)] == ["S1002"]
    with db.write() as s:
        closed = absences.return_to_school(s, DOCTOR, "S1002", certificate="FTR-1", clock=clock)
    assert (closed.certificate_ref, closed.checked_by) == ("FTR-1", "T003")
    with db.read() as s:
        assert absences.open_absences(s, clock.now(), TZ) == []


def test_absences_with_fever_or_respiratory_symptoms_feed_the_cluster_rule(
    db: Database, duty_actor: Actor, clock: ManualClock
) -> None:
    with db.write() as s:
        absences.add_absence(s, duty_actor, "S1001", "sick", "fever", clock=clock)
        absences.add_absence(s, duty_actor, "S1002", "sick", "sore_throat", clock=clock)
        absences.add_absence(s, duty_actor, "S1003", "sick", "diarrhoea", clock=clock)
        absences.add_absence(s, duty_actor, "S1004", "other", clock=clock)
    with db.read() as s:
        found = absences.sick_absences(
            s, clock.now() - timedelta(hours=1), clock.now() + timedelta(hours=1)
        )
    assert [a.person_id for a in found] == ["S1001", "S1002"]
    assert {a.class_name for a in found} == {"七年级1班"}


def test_a_daily_follow_up_shows_until_the_next_day(
    db: Database, duty_actor: Actor, clock: ManualClock
) -> None:
    with db.write() as s:
        absences.add_absence(s, duty_actor, "S1001", "sick", "cough", clock=clock)
        absences.follow_up(s, duty_actor, "S1001", "at_home", note="rests", clock=clock)
    with db.read() as s:
        assert absences.open_absences(s, clock.now(), TZ)[0].followed_up_today
    clock.advance(24 * 3600)
    with db.read() as s:
        assert not absences.open_absences(s, clock.now(), TZ)[0].followed_up_today


# -- watch -------------------------------------------------------------------------------------


def test_a_person_under_watch_unchecked_today_shows(
    db: Database, duty_actor: Actor, officer_actor: Actor, clock: ManualClock
) -> None:
    with db.write() as s:
        watch.add_watch(s, officer_actor, "S1001", "risk_area_travel", "T001", clock=clock)
        watch.add_watch(s, officer_actor, "S1002", "boarder_observation", "T001", clock=clock)
        watch.record_check(s, duty_actor, "S1002", "ok", clock=clock)
    with db.read() as s:
        unchecked = [r.person_id for r in watch.unchecked_today(s, clock.now(), TZ)]
        status = snapshot(s, site_name="x", gate="north", tz=TZ, now=clock.now())
    assert unchecked == ["S1001"]
    assert [w["person_id"] for w in status["watch_unchecked"]] == ["S1001"]
    # A new day: both need their check again.
    clock.advance(24 * 3600)
    with db.read() as s:
        assert len(watch.unchecked_today(s, clock.now(), TZ)) == 2


def test_ending_a_watch_needs_a_reason_and_a_lead(
    db: Database, duty_actor: Actor, officer_actor: Actor, clock: ManualClock
) -> None:
    with db.write() as s:
        watch.add_watch(s, duty_actor, "S1001", "risk_area_travel", "T001", clock=clock)
    with pytest.raises(PermissionDenied), db.write() as s:
        watch.end_watch(s, duty_actor, "S1001", "14 days over", clock=clock)
    with pytest.raises(UserError, match="needs a reason"), db.write() as s:
        watch.end_watch(s, officer_actor, "S1001", "  ", clock=clock)
    with db.write() as s:
        (ended,) = watch.end_watch(s, officer_actor, "S1001", "14 days over", clock=clock)
    assert (ended.ended_by, ended.end_reason) == ("T002", "14 days over")


# -- rota --------------------------------------------------------------------------------------


def _day_and_night(db: Database, officer: Actor, clock: ManualClock) -> None:
    shifts = RotaSettings().shifts
    with db.write() as s:
        for staff_id, name, day in (
            ("T005", "night", 28),
            ("T001", "day", 29),
            ("T005", "night", 29),
        ):
            start, end = rota.shift_window(date(2026, 11, day), rota.find_pattern(shifts, name), TZ)
            rota.add_shift(s, officer, staff_id, start, end, tz=TZ, clock=clock)


def test_who_is_on_duty_at_0759_and_0800(
    db: Database, officer_actor: Actor, clock: ManualClock
) -> None:
    _day_and_night(db, officer_actor, clock)
    with db.read() as s:
        assert [r["staff_id"] for r in rota.on_duty(s, local(29, 7, 59))] == ["T005"]
        assert [r["staff_id"] for r in rota.on_duty(s, local(29, 8, 0))] == ["T001"]
        assert [r["staff_id"] for r in rota.on_duty(s, local(29, 20, 0))] == ["T005"]
        # The reminder 15 minutes before the day shift ends, not 16.
        assert rota.ending_soon(s, local(29, 19, 44)) == []
        assert [r.staff_id for r in rota.ending_soon(s, local(29, 19, 45))] == ["T001"]
        status = snapshot(s, site_name="x", gate="north", tz=TZ, now=local(29, 19, 50))
    assert status["on_duty"] == [{"staff_id": "T001", "name": "李华", "role": "duty"}]
    assert status["shift_ending"][0]["minutes_left"] == 10


def test_shift_boundaries_are_the_shift_changes_of_the_day() -> None:
    got = rota.shift_boundaries(date(2026, 11, 29), TZ, RotaSettings().shifts)
    assert [t.strftime("%H:%M") for t in got] == ["08:00", "20:00"]


def test_only_the_officer_or_admin_edits_the_rota_and_overlaps_are_refused(
    db: Database, duty_actor: Actor, officer_actor: Actor, clock: ManualClock
) -> None:
    with pytest.raises(PermissionDenied), db.write() as s:
        rota.add_shift(s, duty_actor, "T001", local(29, 8), local(29, 20), tz=TZ, clock=clock)
    _day_and_night(db, officer_actor, clock)
    with pytest.raises(UserError, match="overlaps"), db.write() as s:
        rota.add_shift(s, officer_actor, "T001", local(29, 12), local(29, 22), tz=TZ, clock=clock)


# -- handover ----------------------------------------------------------------------------------


def test_the_handover_cannot_complete_with_an_unconfirmed_item(
    db: Database, duty_actor: Actor, officer_actor: Actor
) -> None:
    clock = ManualClock(local(29, 19, 40))
    _day_and_night(db, officer_actor, clock)
    with db.write() as s:
        incidents.open_incident(s, duty_actor, "fever-at-gate", person_id="S1001", clock=clock)
    clock.advance(600)  # ten minutes on, the recheck step (5 min) is overdue
    with db.write() as s:
        watch.add_watch(s, duty_actor, "S1002", "risk_area_travel", "T001", clock=clock)
        h = handover.start(s, duty_actor, "T005", notes="IR gun battery low", tz=TZ, clock=clock)
        items = handover.items_of(s, h.id)  # type: ignore[arg-type]
    kinds = [i.kind for i in items]
    assert kinds[0] == "incident" and "watch" in kinds and kinds[-1] == "note"
    assert "overdue" in kinds
    with pytest.raises(UserError, match="has not confirmed"), db.write() as s:
        handover.sign_out(s, duty_actor, h.id, clock=clock)  # type: ignore[arg-type]
    # Only the incoming person confirms, and a flag says why.
    with pytest.raises(UserError, match="Only T005"), db.write() as s:
        handover.answer(s, duty_actor, h.id, 1, clock=clock)  # type: ignore[arg-type]
    with pytest.raises(UserError, match="Say what is wrong"), db.write() as s:
        handover.answer(s, NIGHT, h.id, 1, flag=True, clock=clock)  # type: ignore[arg-type]
    with db.write() as s:
        for item in items[:-1]:
            handover.answer(s, NIGHT, h.id, item.n, clock=clock)  # type: ignore[arg-type]
    with pytest.raises(UserError, match=f"item\\(s\\) {items[-1].n} yet"), db.write() as s:
        handover.sign_out(s, duty_actor, h.id, clock=clock)  # type: ignore[arg-type]
    with db.write() as s:
        handover.answer(s, NIGHT, h.id, items[-1].n, flag=True, note="no spare", clock=clock)  # type: ignore[arg-type]
        handover.sign_out(s, duty_actor, h.id, clock=clock)  # type: ignore[arg-type]
    with db.read() as s:
        # Signed out: the day person is off duty before 20:00, and the handover is found again.
        assert [r["staff_id"] for r in rota.on_duty(s, clock.now())] == []
        assert [x.id for x in handover.search(s, "battery")] == [h.id]
        assert [x.id for x in handover.search(s, "no spare")] == [h.id]
        assert handover.search(s, "nothing like this") == []
        actions = list(
            s.exec(
                select(AuditRecord.action)
                .where(col(AuditRecord.action).startswith("handover"))
                .order_by(col(AuditRecord.id))
            )
        )
        assert actions[0] == "handover.start" and actions[-1] == "handover.sign_out"
        shift = s.exec(select(Shift).where(Shift.staff_id == "T001")).one()
        assert shift.signed_out_at == clock.now()
        assert s.exec(select(Incident)).first() is not None


def test_a_handover_item_reads_in_both_languages(
    db: Database, duty_actor: Actor, officer_actor: Actor
) -> None:
    from duty_console.i18n import _, set_language

    clock = ManualClock(local(29, 19, 50))
    with db.write() as s:
        incidents.open_incident(s, duty_actor, "fever-at-gate", person_id="S1001", clock=clock)
        h = handover.start(s, duty_actor, "T005", tz=TZ, clock=clock)
        first = handover.items_of(s, h.id)[0]  # type: ignore[arg-type]
    try:
        set_language("zh_CN")
        zh = handover.item_text(first, _, "zh_CN")
        set_language("en")
        en = handover.item_text(first, _, "en")
    finally:
        set_language("zh_CN")
    assert zh.startswith("事件") and "S1001" in zh
    assert en.startswith("Incident") and "next step 1" in en


# -- role x action -----------------------------------------------------------------------------

ROLES = ("duty", "doctor", "officer", "admin", "system")
EXPECTED_PEOPLE = {
    "check.record": {"duty", "doctor", "officer", "admin"},
    "absence.record": {"duty", "doctor", "officer", "admin"},
    "absence.return": {"doctor"},
    "watch.add": {"duty", "doctor", "officer", "admin"},
    "watch.check": {"duty", "doctor", "officer", "admin"},
    "watch.end": {"doctor", "officer", "admin"},
    "rota.manage": {"officer", "admin"},
    "handover": {"duty", "doctor", "officer", "admin"},
}


@pytest.mark.parametrize("capability", sorted(CAPABILITIES))
@pytest.mark.parametrize("role", ROLES)
def test_role_by_action(role: str, capability: str) -> None:
    """Every pair of the one table; the people side's actions against what the issue asks."""
    actor = Actor("X", "x", role)
    assert can(actor, capability) == (role in CAPABILITIES[capability])
    if capability in EXPECTED_PEOPLE:
        assert can(actor, capability) == (role in EXPECTED_PEOPLE[capability])


def test_every_people_action_is_in_the_table() -> None:
    assert set(EXPECTED_PEOPLE) <= set(CAPABILITIES)


def test_every_write_is_attributed(db: Database, duty_actor: Actor, clock: ManualClock) -> None:
    with db.write() as s:
        absences.add_absence(s, duty_actor, "S1001", "sick", "fever", clock=clock)
        rec = s.exec(select(AuditRecord).order_by(col(AuditRecord.id).desc())).first()
    assert rec is not None
    assert (rec.actor, rec.action, rec.gate, rec.at) == (
        "T001",
        "absence.add",
        "north",
        clock.now(),
    )
    assert rec.at.tzinfo is not None and rec.at.astimezone(UTC) == clock.now()


def test_purge_removes_old_closed_absences_and_ended_watches_only(
    db: Database, duty_actor: Actor, officer_actor: Actor, clock: ManualClock
) -> None:
    from duty_console.db.models import Absence, AbsenceFollowUp, WatchCheck, WatchEntry
    from duty_console.domain.actors import system_actor
    from duty_console.domain.purge import purge_older_than

    with db.write() as s:
        absences.add_absence(s, duty_actor, "S1001", "sick", "fever", clock=clock)
        absences.follow_up(s, duty_actor, "S1001", "at_home", clock=clock)
        absences.return_to_school(s, DOCTOR, "S1001", certificate="FTR-1", clock=clock)
        absences.add_absence(s, duty_actor, "S1002", "sick", "cough", clock=clock)
        watch.add_watch(s, duty_actor, "S1003", "risk_area_travel", "T001", clock=clock)
        watch.record_check(s, duty_actor, "S1003", "ok", clock=clock)
        watch.end_watch(s, officer_actor, "S1003", "14 days over", clock=clock)
        watch.add_watch(s, duty_actor, "S1004", "risk_area_travel", "T001", clock=clock)
    clock.advance(40 * 86400)
    with db.write() as s:
        counts = purge_older_than(s, system_actor(), 30, now=clock.now())
    assert (counts["absences"], counts["watch_entries"]) == (1, 1)
    with db.read() as s:
        assert [a.person_id for a in s.exec(select(Absence))] == ["S1002"]  # still open
        assert [w.person_id for w in s.exec(select(WatchEntry))] == ["S1004"]  # still watched
        assert list(s.exec(select(AbsenceFollowUp))) == []
        assert list(s.exec(select(WatchCheck))) == []


def test_a_bad_rota_in_the_config_is_named() -> None:
    from duty_console.config import parse_settings
    from duty_console.errors import ConfigError

    with pytest.raises(ConfigError, match=r"\[rota\] shifts.0.start: expected a time of day"):
        parse_settings({"rota": {"shifts": [{"name": "day", "start": "8am", "end": "20:00"}]}})
    custom = parse_settings(
        {"rota": {"shifts": [{"name": "a", "start": "07:30", "end": "19:30"}]}}
    ).rota.shifts
    got = rota.shift_boundaries(date(2026, 11, 29), TZ, custom)
    assert [t.strftime("%H:%M") for t in got] == ["07:30", "19:30"]


def test_the_daily_report_counts_of_the_people_side(
    db: Database, duty_actor: Actor, clock: ManualClock
) -> None:
    from duty_console.domain.people_day import daily_counts

    with db.write() as s:
        absences.add_absence(s, duty_actor, "S1001", "sick", "fever", clock=clock)
        absences.add_absence(s, duty_actor, "S1003", "sick", "rash", clock=clock)
        checks.record_check(
            s,
            duty_actor,
            "七年级1班",
            "morning",
            present=33,
            absent=0,
            day=date(2026, 11, 29),
            clock=clock,
        )
    with db.read() as s:
        counts = daily_counts(s, date(2026, 11, 29), TZ)
        assert counts == {"absent_sick": 1, "class_checks_done": 1, "class_checks_due": 20}
        assert daily_counts(s, date(2026, 11, 30), TZ)["absent_sick"] == 0


def test_a_fever_past_its_recheck_window_is_a_handover_item(
    db: Database, duty_actor: Actor, clock: ManualClock
) -> None:
    from tests.tui.conftest import engine_reading

    engine_reading(db, clock, person_id="S1001", temp_c=37.8)
    with db.write() as s:
        h = handover.start(s, duty_actor, "T005", tz=TZ, recheck_within_s=300, clock=clock)
        assert "recheck" not in [i.kind for i in handover.items_of(s, h.id)]  # type: ignore[arg-type]
    clock.advance(301)
    with db.read() as s:
        items = handover.live_items(s, handover.LiveContext(clock.now(), TZ, "north", 300))
    assert [i.text.format(**i.params) for i in items if i.kind == "recheck"] == [
        "Fever of S1001 at 08:00 (37.8C) has no recheck."
    ]


def test_signing_out_just_after_the_shift_end_closes_that_shift(
    db: Database, duty_actor: Actor, officer_actor: Actor
) -> None:
    clock = ManualClock(local(29, 19, 55))
    _day_and_night(db, officer_actor, clock)
    with db.write() as s:
        h = handover.start(s, duty_actor, "T005", tz=TZ, clock=clock)
        for item in handover.items_of(s, h.id):  # type: ignore[arg-type]
            handover.answer(s, NIGHT, h.id, item.n, clock=clock)  # type: ignore[arg-type]
    clock.advance(10 * 60)  # 20:05: the night person is on, the day person still signing out
    with db.write() as s:
        handover.sign_out(s, duty_actor, h.id, clock=clock)  # type: ignore[arg-type]
        shift = s.exec(select(Shift).where(Shift.staff_id == "T001")).one()
        assert shift.signed_out_at == clock.now()
        assert [r["staff_id"] for r in rota.on_duty(s, clock.now())] == ["T005"]
