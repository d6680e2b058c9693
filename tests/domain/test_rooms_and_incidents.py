"""Isolation rooms, the incident walkthrough, alerts and escalation, drills, the cluster rule."""

from __future__ import annotations

import json
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from duty_console.config import Settings
from duty_console.db import schema
from duty_console.db.connect import Database
from duty_console.db.models import AuditRecord, Entry, Incident
from duty_console.domain import clusters, defaults, people, rooms, timers, walkthrough
from duty_console.domain.absences import add_absence
from duty_console.domain.actors import Actor, system_actor
from duty_console.domain.clock import ManualClock
from duty_console.domain.entries import record_manual_reading
from duty_console.domain.incidents import open_incident
from duty_console.domain.snapshot import count_open_incidents, snapshot
from duty_console.errors import PermissionDenied, UserError
from duty_console.paths import DEFAULTS_DIR, SAMPLE_DIR
from duty_console.runtime import Runtime
from tests.pg import PgServer

TZ = ZoneInfo("Asia/Shanghai")
DOCTOR = Actor(staff_id="T003", name="陈静", role="doctor", gate="north", via="console")


def confirmed_fever(runtime: Runtime, actor: Actor, person_id: str = "S1001") -> Incident:
    """A fever at the gate, a rest, a recheck still at or above the line: an incident opens."""
    clock = runtime.clock
    assert isinstance(clock, ManualClock)
    with runtime.db.write() as s:
        record_manual_reading(
            s, actor, runtime.rules, temp_c=38.1, person_id=person_id, mode="manual", clock=clock
        )
    clock.advance(90)
    with runtime.db.write() as s:
        entry, _decision = record_manual_reading(
            s, actor, runtime.rules, temp_c=38.0, person_id=person_id, mode="manual", clock=clock
        )
        assert entry.status == "fever_confirmed"
        incident = s.exec(select(Incident).where(Incident.entry_id == entry.id)).one()
        s.expunge(incident)
    return incident


def room_state(db: Database, code: str) -> str:
    with db.read() as s:
        return next(r.state for r in rooms.list_rooms(s) if r.code == code)


def finish_open_steps(db: Database, clock: ManualClock, incident_id: int, actor: Actor) -> None:
    with db.write() as s:
        inc = walkthrough.get_incident(s, incident_id)
        for v in walkthrough.steps(s, inc, clock.now()):
            if v.finished or v.timed_from == "departure":
                continue
            if v.skippable:
                walkthrough.skip_step(
                    s, actor, incident_id, v.n, reason="not applicable", clock=clock
                )
                continue
            values = {
                "axillary_c": "38.2",
                "guardian_name": "张春梅",
                "report_ref": "CDC-1",
                "agent": "chlorine",
                "concentration": "500 mg/L",
            }
            walkthrough.do_step(
                s,
                actor,
                incident_id,
                v.n,
                fields={k: values[k] for k in v.fields},
                note="done",
                clock=clock,
            )


def test_one_disinfection_path_whichever_view_records_it(
    runtime: Runtime, clock: ManualClock, duty_actor: Actor, officer_actor: Actor
) -> None:
    """The room's after-use disinfection recorded from the timers (``disinfect ISO-1``, the
    :timers view) signs off the incident's departure step as :rooms does; and :rooms checks the
    concentration against the isolation range as the timers do (100 mg/L is too weak)."""
    incident = confirmed_fever(runtime, duty_actor)
    db = runtime.db
    with db.write() as s:
        rooms.admit(s, duty_actor, "ISO-1", incident_id=incident.id, reason="fever", clock=clock)
    finish_open_steps(db, clock, incident.id, officer_actor)
    clock.advance(600)
    with db.write() as s:
        rooms.release(s, duty_actor, "ISO-1", disposition="hospital", clock=clock)
    clock.advance(600)
    with db.write() as s, pytest.raises(UserError, match="outside the range"):
        rooms.disinfect_room(
            s, duty_actor, "ISO-1", agent="chlorine", concentration="100 mg/L", clock=clock
        )
    assert room_state(db, "ISO-1") == "needs_disinfection"
    with db.write() as s:
        timers.record_disinfection(
            s, duty_actor, "ISO-1", agent="chlorine", concentration="800 mg/L", clock=clock
        )
    assert room_state(db, "ISO-1") == "ready"
    with db.read() as s:
        views = walkthrough.steps(s, walkthrough.get_incident(s, incident.id), clock.now())
        assert all(v.finished for v in views if v.timed_from == "departure")
    with db.write() as s:
        assert walkthrough.close_incident(s, officer_actor, incident.id, clock=clock).state == (
            "closed"
        )


def test_a_confirmed_fever_walks_from_the_room_to_closing(
    runtime: Runtime, clock: ManualClock, duty_actor: Actor, officer_actor: Actor
) -> None:
    incident = confirmed_fever(runtime, duty_actor)
    db = runtime.db
    with db.write() as s:
        stay = rooms.admit(
            s, duty_actor, None, incident_id=incident.id, reason="fever", clock=clock
        )
        assert stay.room_code == "ISO-1"  # the respiratory room for a fever
    assert room_state(db, "ISO-1") == "occupied"
    finish_open_steps(db, clock, incident.id, officer_actor)
    with db.write() as s, pytest.raises(UserError, match="still has 1 open step"):
        walkthrough.close_incident(s, officer_actor, incident.id)
    clock.advance(600)
    with db.write() as s:
        rooms.release(
            s, duty_actor, "ISO-1", disposition="guardian", collected_by="张春梅", clock=clock
        )
        departure = walkthrough.steps(s, walkthrough.get_incident(s, incident.id), clock.now())[8]
        assert departure.row.due_at == clock.now() + timedelta(hours=8)
    assert room_state(db, "ISO-1") == "needs_disinfection"
    with db.write() as s, pytest.raises(UserError, match="after-use disinfection"):
        rooms.admit(s, duty_actor, "ISO-1", person_id="S1002", clock=clock)
    clock.advance(600)
    with db.write() as s:
        rooms.disinfect_room(
            s, duty_actor, "ISO-1", agent="含氯消毒剂", concentration="1000 mg/L", clock=clock
        )
    assert room_state(db, "ISO-1") == "ready"
    with db.write() as s:
        closed = walkthrough.close_incident(s, officer_actor, incident.id, clock=clock)
        assert closed.state == "closed"
        kinds = [i.what for i in walkthrough.timeline(s, closed)]
        assert "Admitted to room {room}" in kinds
        assert "Left room {room}: {disposition} {who}" in kinds
        assert kinds[-1] == "Incident closed {note}"
        nine = walkthrough.steps(s, closed, clock.now())[8]
        assert json.loads(nine.row.fields)["concentration"] == "1000 mg/L"


def test_a_required_field_is_enforced(
    runtime: Runtime, clock: ManualClock, duty_actor: Actor
) -> None:
    incident = confirmed_fever(runtime, duty_actor)
    with runtime.db.write() as s:
        with pytest.raises(UserError, match="Step 3 needs: axillary temperature"):
            walkthrough.do_step(s, DOCTOR, incident.id, 3, note="measured", clock=clock)
        with pytest.raises(UserError, match="not a temperature"):
            walkthrough.do_step(s, DOCTOR, incident.id, 3, fields={"axillary_c": "hot"})
        with pytest.raises(PermissionDenied, match="Step 3 is for the role 'doctor'"):
            walkthrough.do_step(s, duty_actor, incident.id, 3, fields={"axillary_c": "38.2"})
        with pytest.raises(UserError, match="may not be skipped"):
            walkthrough.skip_step(s, DOCTOR, incident.id, 3, reason="busy")
        row = walkthrough.do_step(s, DOCTOR, incident.id, 3, fields={"axillary_c": "38.24"})
        assert json.loads(row.fields) == {"axillary_c": "38.2"}


def test_an_overdue_step_re_alerts_until_acknowledged_then_escalates_if_nobody_does(
    runtime: Runtime, clock: ManualClock, duty_actor: Actor
) -> None:
    incident = confirmed_fever(runtime, duty_actor)
    db = runtime.db
    with db.read() as s:
        step5 = walkthrough.steps(s, walkthrough.get_incident(s, incident.id), clock.now())[4]
        assert step5.row.due_at is not None
        due = step5.row.due_at
    clock.advance((due - clock.now()).total_seconds() + 30)
    with db.read() as s:
        first = [a for a in walkthrough.alerts(s, clock.now()) if a.n == 5]
    assert first and first[0].round == 0
    clock.advance(walkthrough.REALERT_MIN * 60)
    with db.read() as s:
        again = [a for a in walkthrough.alerts(s, clock.now()) if a.n == 5]
    assert again[0].round == 1  # a new round: every console rings again
    clock.advance(10 * 60)
    with db.write() as s:
        escalated = walkthrough.escalate_overdue(s, clock.now(), escalate_min=10, clock=clock)
        assert (incident.id, 5, "officer") in escalated
        assert walkthrough.escalate_overdue(s, clock.now(), escalate_min=10, clock=clock) == []
        walkthrough.acknowledge(s, duty_actor, incident.id, 5, clock=clock)
    with db.read() as s:
        assert all(a.n != 5 for a in walkthrough.alerts(s, clock.now()))
        audited = s.exec(select(AuditRecord).where(AuditRecord.action == "incident.escalate"))
        assert any('"to":"officer"' in r.details for r in audited)


def test_a_drill_is_scored_and_stays_out_of_the_counts(
    runtime: Runtime, clock: ManualClock, officer_actor: Actor
) -> None:
    db = runtime.db
    with db.write() as s:
        drill = open_incident(s, officer_actor, "fever-at-gate", person_id="S1003", drill=True)
        drill_id = drill.id
        opened = count_open_incidents(s)
    assert opened == 0
    assert drill_id is not None
    clock.advance(3 * 60)
    finish_open_steps(db, clock, drill_id, officer_actor)
    with db.write() as s:
        walkthrough.do_step(
            s,
            officer_actor,
            drill_id,
            9,
            fields={"agent": "chlorine", "concentration": "500 mg/L"},
            clock=clock,
        )
        closed = walkthrough.close_incident(s, officer_actor, drill_id, clock=clock)
        result = walkthrough.score(s, closed)
    assert {sc.n for sc in result.skipped} == {7, 10}
    assert result.timed and all(sc.took_minutes is not None for sc in result.timed)
    assert 0 <= result.percent <= 100


def test_the_room_refuses_the_wrong_illness_and_a_second_person(
    db: Database, clock: ManualClock, duty_actor: Actor
) -> None:
    with db.write() as s:
        with pytest.raises(UserError, match="takes other cases, not respiratory"):
            rooms.admit(s, duty_actor, "ISO-2", person_id="S1001", illness="respiratory")
        rooms.admit(s, duty_actor, "ISO-1", person_id="S1001", reason="cough", clock=clock)
        with pytest.raises(UserError, match="full"):
            rooms.admit(s, duty_actor, "ISO-1", person_id="S1002", clock=clock)
        with pytest.raises(UserError, match="guardian's name"):
            rooms.release(s, duty_actor, "ISO-1", disposition="guardian")


def test_three_cases_in_one_class_in_a_day_propose_a_cluster_to_the_officer(
    runtime: Runtime, clock: ManualClock, duty_actor: Actor, officer_actor: Actor
) -> None:
    db = runtime.db
    for pid in ("S1001", "S1002"):
        confirmed_fever(runtime, duty_actor, pid)
    with db.read() as s:
        assert clusters.proposals(s, clock.now(), TZ) == []
    with db.write() as s:
        rooms.admit(s, duty_actor, "ISO-2", person_id="S1004", reason="vomiting", clock=clock)
    with db.read() as s:
        found = clusters.proposals(s, clock.now(), TZ)
    assert [(p.cluster_key, p.cases, p.days) for p in found] == [("class:七年级1班", 3, 1)]
    with db.write() as s:
        with pytest.raises(PermissionDenied):
            clusters.open_cluster(s, duty_actor, "class:七年级1班", tz=TZ, clock=clock)
        inc = clusters.open_cluster(s, officer_actor, "class:七年级1班", tz=TZ, clock=clock)
        assert inc.playbook_key == "cluster"
    with db.read() as s:
        assert clusters.proposals(s, clock.now(), TZ) == []


def test_sick_absences_with_fever_count_towards_a_cluster(
    runtime: Runtime, clock: ManualClock, duty_actor: Actor
) -> None:
    confirmed_fever(runtime, duty_actor, "S1001")
    with runtime.db.write() as s:
        for pid in ("S1002", "S1003"):
            add_absence(s, duty_actor, pid, "sick", ["fever", "cough"], clock=clock)
        add_absence(s, duty_actor, "S1004", "sick", ["rash"], clock=clock)  # does not count
    with runtime.db.read() as s:
        found = clusters.proposals(s, clock.now(), TZ)
    assert [(p.cluster_key, p.cases, sorted(p.person_ids)) for p in found] == [
        ("class:七年级1班", 3, ["S1001", "S1002", "S1003"])
    ]


def test_status_carries_rooms_incidents_and_next_steps(
    runtime: Runtime, clock: ManualClock, duty_actor: Actor
) -> None:
    incident = confirmed_fever(runtime, duty_actor)
    with runtime.db.write() as s:
        rooms.admit(s, duty_actor, None, incident_id=incident.id, clock=clock)
    with runtime.db.read() as s:
        snap = snapshot(s, site_name="x", gate="north", tz=TZ, now=clock.now())
    room = next(r for r in snap["rooms"] if r["code"] == "ISO-1")
    assert room["state"] == "occupied" and room["occupants"] == ["S1001"]
    inc = next(i for i in snap["incidents"] if i["id"] == incident.id)
    assert inc["room"] == "ISO-1" and inc["next_step"]["n"] >= 1
    assert {"n", "title", "role", "due_at"} <= set(inc["next_step"])
    assert snap["cluster_proposals"] == []
    with runtime.db.read() as s:
        assert s.exec(select(Entry)).first() is not None


def test_a_drills_simulated_fever_belongs_to_the_drill_and_leaves_the_counts(
    runtime: Runtime, clock: ManualClock, duty_actor: Actor, officer_actor: Actor
) -> None:
    db = runtime.db
    with db.write() as s:
        drill = open_incident(
            s, officer_actor, "fever-at-gate", person_id="S1005", drill=True, clock=clock
        )
        drill_id = drill.id
    opened_at = clock.now()
    clock.advance(30)
    confirmed = None
    for temp in (38.3, 38.2):  # the simulated fever and its recheck reach the gate
        with db.write() as s:
            confirmed, _decision = record_manual_reading(
                s,
                duty_actor,
                runtime.rules,
                temp_c=temp,
                person_id="S1005",
                mode="manual",
                clock=clock,
            )
            confirmed_id = confirmed.id
        clock.advance(70)
    with db.read() as s:
        incidents = s.exec(select(Incident).where(Incident.person_id == "S1005")).all()
        assert [(i.id, i.drill, i.entry_id) for i in incidents] == [(drill_id, True, confirmed_id)]
        ids = walkthrough.drill_entry_ids(s, opened_at, clock.now())
        entries = s.exec(select(Entry.id).where(Entry.person_id == "S1005")).all()
        assert set(entries) == ids and len(ids) == 2
        assert count_open_incidents(s) == 0
        assert clusters.proposals(s, clock.now(), TZ) == []


@pytest.mark.postgres
def test_the_walk_and_the_rules_run_on_postgresql(
    pg_server: PgServer, settings: Settings, clock: ManualClock, duty_actor: Actor
) -> None:
    db = Database(pg_server.url(pg_server.create_database()))
    try:
        schema.upgrade(db)
        installer = system_actor(gate="north", name="installer")
        with db.write() as s:
            defaults.load_defaults(s, installer, DEFAULTS_DIR)
            people.import_roster(s, installer, (SAMPLE_DIR / "roster.csv").read_bytes())
        runtime = Runtime(settings=settings, db=db, clock=clock)
        incident = confirmed_fever(runtime, duty_actor)
        officer = Actor(staff_id="T002", name="王强", role="officer", gate="north")
        with db.write() as s:
            rooms.admit(s, duty_actor, None, incident_id=incident.id, clock=clock)
        finish_open_steps(db, clock, incident.id, officer)
        clock.advance(3 * 3600)
        with db.write() as s:
            rooms.release(s, duty_actor, "ISO-1", disposition="hospital", clock=clock)
            assert walkthrough.alerts(s, clock.now()) == []
            clock.advance(9 * 3600)  # step 9 (8 h after departure) is overdue now
            assert [a.n for a in walkthrough.alerts(s, clock.now())] == [9]
            assert walkthrough.escalate_overdue(s, clock.now(), clock=clock)
            rooms.disinfect_room(
                s, duty_actor, "ISO-1", agent="chlorine", concentration="500 mg/L", clock=clock
            )
            walkthrough.close_incident(s, officer, incident.id, clock=clock)
        with db.read() as s:
            assert [r.state for r in rooms.list_rooms(s)] == ["ready", "ready"]
            assert clusters.proposals(s, clock.now(), TZ) == []
            snap = snapshot(s, site_name="x", gate="north", tz=TZ, now=clock.now())
            assert snap["incidents"] == []
    finally:
        db.dispose()


def test_each_role_sees_its_own_open_steps_first(
    runtime: Runtime, clock: ManualClock, duty_actor: Actor
) -> None:
    incident = confirmed_fever(runtime, duty_actor)
    with runtime.db.read() as s:
        views = walkthrough.steps(s, walkthrough.get_incident(s, incident.id), clock.now())
    doctor_first = walkthrough.for_role(views, "doctor")
    open_doctor = [v.n for v in views if v.row.role == "doctor" and not v.finished]
    assert [v.n for v in doctor_first[: len(open_doctor)]] == open_doctor
    current = walkthrough.current_step(views, "duty")
    assert current is not None and current.row.role == "duty" and not current.finished
    assert all(v.finished for v in walkthrough.for_role(views, "duty")[-2:])  # done steps last
