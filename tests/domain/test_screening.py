"""The screening rules of DESIGN §3.6 table by table, then a fever's whole story on a file."""

from __future__ import annotations

import math
from datetime import timedelta

import pytest
from sqlmodel import col, select

from duty_console.db.connect import Database
from duty_console.db.models import Entry, Incident, IncidentStep
from duty_console.domain import entries
from duty_console.domain.actors import Actor, system_actor
from duty_console.domain.clock import ManualClock
from duty_console.domain.intake import record_reading
from duty_console.domain.screening import (
    CardPairing,
    Decision,
    Mode,
    OpenFever,
    Rules,
    Status,
    classify,
    decide,
    round_temp,
)
from duty_console.domain.snapshot import snapshot
from duty_console.errors import UserError
from tests.conftest import T0

RULES = Rules()
DISTRICT = Rules(thresholds=(("ir", 36.8),))  # a lower forehead line, as some districts set


@pytest.mark.parametrize(
    ("temp", "mode", "rules", "status"),
    [
        (37.3, Mode.IR, RULES, Status.FEVER),  # exactly at the line is a fever
        (37.2, Mode.IR, RULES, Status.NORMAL),
        (36.8, Mode.IR, DISTRICT, Status.FEVER),  # the IR line of the district
        (36.8, Mode.CONTACT, DISTRICT, Status.NORMAL),  # contact keeps 37.3
        (37.3, Mode.MANUAL, DISTRICT, Status.FEVER),
        (32.0, Mode.IR, RULES, Status.NORMAL),  # the valid range is inclusive
        (42.9, Mode.IR, RULES, Status.FEVER),
        (31.9, Mode.IR, RULES, Status.INVALID),  # a cold forehead, the gun's "Lo"
        (43.0, Mode.IR, RULES, Status.INVALID),  # "Hi": never a fever
        (math.nan, Mode.IR, RULES, Status.INVALID),
        (math.inf, Mode.IR, RULES, Status.INVALID),
        (None, Mode.IR, RULES, Status.INVALID),
    ],
)
def test_classify_a_first_reading(temp, mode, rules, status) -> None:
    assert classify(temp, False, rules, mode) == status


@pytest.mark.parametrize(
    ("temp", "status"),
    [(37.3, Status.FEVER_CONFIRMED), (37.2, Status.RECHECK_NORMAL), (31.0, Status.INVALID)],
)
def test_classify_a_recheck(temp, status) -> None:
    assert classify(temp, True, RULES) == status


FEVER = OpenFever(41, T0)


@pytest.mark.parametrize(
    ("after_s", "temp", "expected"),
    [
        # A second trigger pull a second later is not the recheck: the same fever, resting.
        (1, 38.0, Decision(Status.FEVER, rest_of=41, rest_until=T0 + timedelta(seconds=60))),
        (1, 36.5, Decision(Status.FEVER, rest_of=41, rest_until=T0 + timedelta(seconds=60))),
        (59, 37.0, Decision(Status.FEVER, rest_of=41, rest_until=T0 + timedelta(seconds=60))),
        # From the end of the rest on, the next reading is the recheck...
        (60, 38.0, Decision(Status.FEVER_CONFIRMED, recheck_of=41, opens_incident=True)),
        (120, 36.6, Decision(Status.RECHECK_NORMAL, recheck_of=41)),
        # ...however late: past the window the fever is overdue, not forgotten.
        (301, 36.6, Decision(Status.RECHECK_NORMAL, recheck_of=41)),
        (3600, 38.2, Decision(Status.FEVER_CONFIRMED, recheck_of=41, opens_incident=True)),
        # An invalid reading rechecks nothing.
        (120, 30.0, Decision(Status.INVALID)),
    ],
)
def test_decide_with_an_open_fever(after_s, temp, expected) -> None:
    at = T0 + timedelta(seconds=after_s)
    assert decide(temp, Mode.IR, at, RULES, FEVER) == expected


@pytest.mark.parametrize(
    ("temp", "mode", "status"),
    [
        (38.4, Mode.CONTACT, Status.FEVER_CONFIRMED),  # the doctor's axillary reading
        (36.9, Mode.CONTACT, Status.RECHECK_NORMAL),
        (38.0, Mode.IR, Status.FEVER_CONFIRMED),
    ],
)
def test_under_an_open_incident_a_reading_is_a_step_never_a_new_incident(temp, mode, status):
    decision = decide(temp, mode, T0, RULES, None, incident_id=7)
    assert decision == Decision(status, incident_id=7)
    assert not decision.opens_incident and decision.recheck_of is None


def test_nobody_known_gets_a_first_reading_decision() -> None:
    assert decide(38.0, Mode.IR, T0, RULES) == Decision(Status.FEVER)
    assert decide(36.5, Mode.IR, T0, RULES) == Decision(Status.NORMAL)


@pytest.mark.parametrize(
    ("value", "rounded"),
    [(37.25, 37.3), (37.24, 37.2), (36.95, 37.0), (36.55 + 0.4, 37.0), (37.35, 37.4)],
)
def test_rounding_is_half_up_for_every_source(value, rounded) -> None:
    assert round_temp(value) == rounded


def test_a_typed_37_25_is_a_fever_like_a_device_reading(
    db: Database, clock: ManualClock, duty_actor: Actor
) -> None:
    assert entries.parse_temperature("37.25", RULES) == 37.3
    with db.write() as session:
        entry, _ = entries.record_manual_reading(
            session, duty_actor, RULES, temp_c=37.25, person_id="S1001", mode=Mode.MANUAL
        )
    assert (entry.temp_c, entry.status, entry.mode) == (37.3, "fever", "manual")


def test_a_typed_reading_says_how_it_was_taken(db: Database, duty_actor: Actor) -> None:
    with db.write() as session, pytest.raises(UserError, match="'contact' or 'manual'"):
        entries.record_manual_reading(
            session, duty_actor, RULES, temp_c=36.5, person_id="S1001", mode="ir"
        )


@pytest.mark.parametrize(
    ("events", "expected"),
    [
        ([("card", "A", 0.0), ("reading", None, 3.0)], "A"),
        ([("card", "A", 0.0), ("reading", None, 10.0)], "A"),  # within pair_within_s
        ([("card", "A", 0.0), ("reading", None, 10.5)], None),  # too late
        ([("card", "A", 0.0), ("card", "B", 2.0), ("reading", None, 3.0)], "B"),  # the newest
        ([("card", "A", 0.0), ("reading", None, 1.0), ("reading", None, 2.0)], None),  # one each
    ],
)
def test_card_pairing_on_the_monotonic_clock(events, expected) -> None:
    pairing = CardPairing(10)
    got: tuple[str | None, str | None] = (None, None)
    for kind, card, mono in events:
        if kind == "card":
            pairing.card(card, f"P-{card}", mono)
        else:
            got = pairing.reading(mono)
    assert got[1] == expected


# -- the whole story on a real SQLite file ----------------------------------------------------

ENGINE = system_actor(gate="north", via="engine", name="engine:north")


def _reading(db: Database, clock: ManualClock, temp: float, person: str = "S1001") -> Entry:
    with db.write() as session:
        entry, _ = record_reading(
            session,
            ENGINE,
            RULES,
            person_id=person,
            temp_c=temp,
            mode=Mode.IR,
            kind="body",
            at=clock.now(),
            device="north-ir-1",
            clock=clock,
        )
        return entry


def _confirmed_fever(db: Database, clock: ManualClock) -> tuple[Entry, Entry, Incident]:
    first = _reading(db, clock, 38.1)
    clock.advance(90)
    recheck = _reading(db, clock, 38.3)
    with db.read() as session:
        incident = session.exec(select(Incident)).one()
    return first, recheck, incident


def _steps(db: Database, incident_id: int) -> dict[int, IncidentStep]:
    with db.read() as session:
        rows = session.exec(
            select(IncidentStep)
            .where(IncidentStep.incident_id == incident_id)
            .order_by(col(IncidentStep.n))
        )
        return {step.n: step for step in rows}


def test_the_incident_opens_with_what_happened_at_the_gate(db: Database, clock: ManualClock):
    first, recheck, incident = _confirmed_fever(db, clock)
    assert recheck.status == "fever_confirmed" and recheck.incident_id == incident.id
    steps = _steps(db, incident.id)  # type: ignore[arg-type]
    assert (steps[1].entry_id, steps[1].done_at, steps[1].done_by) == (
        first.id,
        first.at,
        "engine:north",
    )
    assert (steps[2].entry_id, steps[2].done_at) == (recheck.id, recheck.at)
    assert all(steps[n].done_at is None for n in range(3, 11))
    # "Immediately" is a few minutes, not "no deadline"; "after departure" waits for it.
    assert steps[4].due_at == incident.opened_at + timedelta(minutes=5)
    assert steps[7].due_at == incident.opened_at + timedelta(minutes=120)
    assert steps[9].timed_from == "departure" and steps[9].due_at is None


def test_two_axillary_readings_after_a_confirmed_fever_are_steps_of_one_incident(
    db: Database, clock: ManualClock, duty_actor: Actor
) -> None:
    _first, _recheck, incident = _confirmed_fever(db, clock)
    made = []
    for temp in (38.4, 38.2):
        clock.advance(120)
        with db.write() as session:
            made.append(
                entries.record_manual_reading(
                    session, duty_actor, RULES, temp_c=temp, person_id="S1001", clock=clock
                )[0]
            )
    with db.read() as session:
        assert len(session.exec(select(Incident)).all()) == 1, "never a second incident"
        assert entries.open_fevers(session) == [], "never back on the recheck list"
    assert [e.incident_id for e in made] == [incident.id, incident.id]
    assert [e.status for e in made] == ["fever_confirmed", "fever_confirmed"]
    step3 = _steps(db, incident.id)[3]  # type: ignore[index]
    assert (step3.entry_id, step3.done_by) == (made[0].id, "T001")


def test_a_fever_is_never_dropped_it_goes_overdue(
    db: Database, clock: ManualClock, settings, duty_actor: Actor
) -> None:
    fever = _reading(db, clock, 38.0)

    def status() -> dict:
        with db.read() as session:
            return snapshot(
                session,
                site_name="示例中学",
                gate="north",
                tz=settings.site.tz,
                now=clock.now(),
                rules=RULES,
            )

    awaiting = status()["fevers_awaiting_recheck"]
    assert [f["entry_id"] for f in awaiting] == [fever.id] and status()["recheck_overdue"] == []
    assert awaiting[0]["person_id"] == "S1001"
    clock.advance(301)
    later = status()
    assert later["fevers_awaiting_recheck"] == []
    assert [f["entry_id"] for f in later["recheck_overdue"]] == [fever.id]
    clock.advance(3600)
    assert [f["entry_id"] for f in status()["recheck_overdue"]] == [fever.id]
    # The return an hour later is the recheck, not a new fever.
    back = _reading(db, clock, 36.7)
    assert (back.status, back.recheck_of) == ("recheck_normal", fever.id)
    assert status()["recheck_overdue"] == []


def test_closing_a_fever_needs_a_reason_and_refusing_one_resolves_it(
    db: Database, clock: ManualClock, duty_actor: Actor
) -> None:
    closed = _reading(db, clock, 38.0, "S1001")
    refused = _reading(db, clock, 38.5, "S1002")
    with db.write() as session, pytest.raises(UserError, match="Say why"):
        entries.close_fever(session, duty_actor, closed.id, "  ", clock=clock)  # type: ignore[arg-type]
    with db.write() as session:
        entries.close_fever(
            session,
            duty_actor,
            closed.id,  # type: ignore[arg-type]
            "parent took him to the clinic",
            clock=clock,
        )
        entries.deny_entry(session, duty_actor, reason="fever", person_id="S1002", clock=clock)
    with db.read() as session:
        assert entries.open_fevers(session) == []
        rows = {e.id: e for e in session.exec(select(Entry))}
    assert (rows[closed.id].resolution, rows[closed.id].resolved_by) == ("closed", "T001")
    assert rows[refused.id].resolution == "denied"
    with db.write() as session, pytest.raises(UserError, match="already closed"):
        entries.close_fever(session, duty_actor, closed.id, "again", clock=clock)  # type: ignore[arg-type]


def test_a_clock_stepped_back_keeps_the_same_fever(db: Database, clock: ManualClock) -> None:
    fever = _reading(db, clock, 38.0)
    clock.advance(-30 * 60)  # NTP steps the clock back half an hour before the recheck
    again = _reading(db, clock, 38.2)
    assert (again.status, again.rest_of) == ("fever", fever.id), "the same fever, not a second"
    with db.read() as session:
        assert [row.id for row in entries.open_fevers(session)] == [fever.id]
    clock.advance(30 * 60 + 90)  # the clock is past the rest again: this is the recheck
    recheck = _reading(db, clock, 36.8)
    assert (recheck.status, recheck.recheck_of) == ("recheck_normal", fever.id)
