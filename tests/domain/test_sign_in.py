"""Signing in at the gate: every attempt is audited, and guessing a PIN is stopped."""

from __future__ import annotations

from sqlmodel import col, select

from duty_console.db.connect import Database
from duty_console.db.models import AuditRecord
from duty_console.domain import staff
from duty_console.domain.actors import Actor
from duty_console.domain.clock import ManualClock


def attempt(db: Database, clock: ManualClock, staff_id: str, pin: str):
    with db.write() as session:
        return staff.sign_in(session, staff_id, pin, "north", "console", clock=clock)


def actions(db: Database) -> list[tuple[str, str]]:
    with db.read() as session:
        rows = session.exec(
            select(AuditRecord).where(col(AuditRecord.action).startswith("staff.sign_in"))
        )
        return [(r.action, r.target) for r in rows]


def test_the_right_pin_signs_in_and_is_audited(db: Database, clock: ManualClock) -> None:
    result = attempt(db, clock, "T001", "1234")
    assert isinstance(result, Actor) and (result.staff_id, result.role) == ("T001", "duty")
    assert actions(db) == [("staff.sign_in", "T001")]


def test_a_wrong_pin_and_an_unknown_staff_number_get_the_same_answer(
    db: Database, clock: ManualClock
) -> None:
    wrong_pin = attempt(db, clock, "T001", "9999")
    unknown = attempt(db, clock, "T999", "1234")
    assert wrong_pin == unknown == staff.SignInRefused(staff.WRONG_PIN)
    assert actions(db) == [("staff.sign_in_failed", "T001"), ("staff.sign_in_failed", "T999")]


def test_five_wrong_pins_lock_the_staff_number_for_five_minutes(
    db: Database, clock: ManualClock
) -> None:
    for _ in range(5):
        assert attempt(db, clock, "T001", "0000") == staff.SignInRefused(staff.WRONG_PIN)
    # Even the right PIN is refused now: the guesser cannot tell when they hit it.
    assert attempt(db, clock, "T001", "1234") == staff.SignInRefused(staff.LOCKED)
    assert isinstance(attempt(db, clock, "T002", "2345"), Actor)  # others are not affected
    clock.advance(301)
    assert isinstance(attempt(db, clock, "T001", "1234"), Actor)


def test_a_good_sign_in_clears_earlier_mistakes(db: Database, clock: ManualClock) -> None:
    for _ in range(4):
        attempt(db, clock, "T001", "0000")
    assert isinstance(attempt(db, clock, "T001", "1234"), Actor)
    clock.advance(1)
    for _ in range(4):
        assert attempt(db, clock, "T001", "0000") == staff.SignInRefused(staff.WRONG_PIN)
    assert isinstance(attempt(db, clock, "T001", "1234"), Actor)
