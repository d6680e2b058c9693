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
    result = attempt(db, clock, "T001", "123456")
    assert isinstance(result, Actor) and (result.staff_id, result.role) == ("T001", "duty")
    assert actions(db) == [("staff.sign_in", "T001")]


def test_a_wrong_pin_and_an_unknown_staff_number_get_the_same_answer(
    db: Database, clock: ManualClock
) -> None:
    wrong_pin = attempt(db, clock, "T001", "9999")
    unknown = attempt(db, clock, "T999", "123456")
    assert wrong_pin == unknown == staff.SignInRefused(staff.WRONG_PIN)
    assert actions(db) == [("staff.sign_in_failed", "T001"), ("staff.sign_in_failed", "T999")]


def test_five_wrong_pins_lock_the_staff_number_for_five_minutes(
    db: Database, clock: ManualClock
) -> None:
    for _ in range(5):
        assert attempt(db, clock, "T001", "0000") == staff.SignInRefused(staff.WRONG_PIN)
    # Even the right PIN is refused now: the guesser cannot tell when they hit it.
    assert attempt(db, clock, "T001", "123456") == staff.SignInRefused(staff.LOCKED, 5)
    assert isinstance(attempt(db, clock, "T002", "234567"), Actor)  # others are not affected
    clock.advance(301)
    assert isinstance(attempt(db, clock, "T001", "123456"), Actor)


def test_a_good_sign_in_clears_earlier_mistakes(db: Database, clock: ManualClock) -> None:
    for _ in range(4):
        attempt(db, clock, "T001", "0000")
    assert isinstance(attempt(db, clock, "T001", "123456"), Actor)
    clock.advance(1)
    for _ in range(4):
        assert attempt(db, clock, "T001", "0000") == staff.SignInRefused(staff.WRONG_PIN)
    assert isinstance(attempt(db, clock, "T001", "123456"), Actor)


def test_each_further_lockout_is_longer_5_then_15_then_60_minutes(
    db: Database, clock: ManualClock
) -> None:
    for minutes in (5, 15, 60, 60):
        for _ in range(5):
            assert attempt(db, clock, "T001", "000000") == staff.SignInRefused(staff.WRONG_PIN)
        clock.advance(minutes * 60 - 1)
        assert attempt(db, clock, "T001", "123456") == staff.SignInRefused(staff.LOCKED, minutes)
        clock.advance(2)
    assert isinstance(attempt(db, clock, "T001", "123456"), Actor)
    # A good sign-in starts the ladder again.
    for _ in range(5):
        attempt(db, clock, "T001", "000000")
    assert attempt(db, clock, "T001", "123456") == staff.SignInRefused(staff.LOCKED, 5)


def test_an_unknown_staff_number_costs_the_same_scrypt_work(
    db: Database, clock: ManualClock, monkeypatch
) -> None:
    calls: list[str] = []
    real = staff.hashlib.scrypt

    def counting(*args, **kwargs):
        calls.append("scrypt")
        return real(*args, **kwargs)

    staff._nobody()  # made once per process, like the PINs' own hashes
    monkeypatch.setattr(staff.hashlib, "scrypt", counting)
    attempt(db, clock, "T001", "000000")
    known = len(calls)
    attempt(db, clock, "T999", "000000")
    assert known == 1 and len(calls) == 2


def test_new_pins_have_at_least_six_digits(db: Database) -> None:
    import pytest

    from duty_console.domain.actors import system_actor
    from duty_console.errors import UserError

    admin = system_actor(gate="north")
    for bad in ("1234", "12345", "12345a", "１２３４５６", "1234567890123"):
        with db.write() as session, pytest.raises(UserError, match="6 to 12 digits"):
            staff.add_or_update(session, admin, "T001", "李华", "duty", bad)
    with db.write() as session:
        staff.add_or_update(session, admin, "T001", "李华", "duty", "135790")
