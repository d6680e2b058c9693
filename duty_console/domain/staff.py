"""Staff accounts and sign-in (staff number + PIN, or a mapped Unix account over SSH)."""

from __future__ import annotations

import functools
import hashlib
import hmac
import os
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from duty_console.db.models import AuditRecord, Staff
from duty_console.domain import audit
from duty_console.domain.actors import ROLES, Actor, system_actor
from duty_console.domain.clock import SYSTEM_CLOCK, Clock
from duty_console.domain.permissions import require
from duty_console.errors import NotFound, UserError
from duty_console.i18n import N_

_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1
_STAFF_ID = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


def hash_pin(pin: str) -> str:
    """A slow, salted hash (scrypt) of a PIN."""
    salt = os.urandom(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P)
    return f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${salt.hex()}${digest.hex()}"


def check_pin(pin: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    got = hashlib.scrypt(pin.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p))
    return hmac.compare_digest(got.hex(), digest)


# A PIN that nobody has: an unknown staff number is checked against it, so it costs the same
# scrypt time as a known one and timing does not tell which numbers exist.
@functools.cache
def _nobody() -> str:
    return hash_pin("no staff member has this PIN")


MIN_PIN_DIGITS = 6


def validate_pin(pin: str) -> None:
    """A new PIN: 6 to 12 ASCII digits (old 4-digit PINs still sign in until changed)."""
    if not (pin.isascii() and pin.isdigit() and MIN_PIN_DIGITS <= len(pin) <= 12):
        raise UserError(N_("A PIN is 6 to 12 digits."))


def add_or_update(
    session: Session,
    actor: Actor,
    staff_id: str,
    name: str,
    role: str,
    pin: str | None = None,
    *,
    clock: Clock = SYSTEM_CLOCK,
) -> tuple[Staff, bool]:
    """Create the staff member, or update name/role/PIN; returns (staff, created)."""
    require(actor, "staff.manage")
    if not _STAFF_ID.match(staff_id):
        raise UserError(
            N_("Staff id '{id}' may only use letters, digits, '-' and '_'."), id=staff_id
        )
    if role not in ROLES:
        raise UserError(N_("Role '{role}' is not one of {roles}."), role=role, roles=list(ROLES))
    if not name.strip():
        raise UserError(N_("A staff member needs a name (--name)."))
    if pin is not None:
        validate_pin(pin)
    now = clock.now()
    staff = session.exec(select(Staff).where(Staff.staff_id == staff_id)).first()
    created = staff is None
    if staff is None:
        staff = Staff(
            staff_id=staff_id,
            name=name,
            role=role,
            created_at=now,
            created_by=actor.label,
            gate=actor.gate,
        )
    staff.name, staff.role, staff.updated_at, staff.active = name.strip(), role, now, True
    if pin is not None:
        staff.pin_hash = hash_pin(pin)
    session.add(staff)
    session.flush()
    audit.append(
        session,
        actor,
        "staff.add" if created else "staff.update",
        staff_id,
        {"name": staff.name, "role": role, "pin_set": pin is not None},
        clock=clock,
    )
    return staff, created


def get(session: Session, staff_id: str) -> Staff:
    staff = session.exec(select(Staff).where(Staff.staff_id == staff_id)).first()
    if staff is None or not staff.active:
        raise NotFound(N_("There is no active staff member '{id}'."), id=staff_id)
    return staff


def actor_for(staff: Staff, gate: str, via: str) -> Actor:
    return Actor(staff_id=staff.staff_id, name=staff.name, role=staff.role, gate=gate, via=via)


MAX_FAILED_SIGN_INS = 5
FAILURE_WINDOW_S = 300
# Each lockout of the same staff number (since its last good sign-in, within a day) is longer.
LOCKOUT_MINUTES = (5, 15, 60)
LOCKOUT_MEMORY = timedelta(days=1)
WRONG_PIN = N_("Staff number or PIN is wrong.")
LOCKED = N_(
    "Too many wrong PINs for this staff number; wait {minutes} minutes or ask an administrator."
)


@dataclass(frozen=True, slots=True)
class SignInRefused:
    """Why a sign-in failed, in one sentence (the attempt is already audited): a message id,
    and for a lockout how long it lasts."""

    message: str
    minutes: int = 0


def _last_good_sign_in(session: Session, staff_id: str) -> int:
    last_ok = session.exec(
        select(func.max(AuditRecord.id)).where(
            AuditRecord.action == "staff.sign_in", AuditRecord.target == staff_id
        )
    ).one()
    return int(last_ok or 0)


def _lockouts(session: Session, staff_id: str, after_id: int, since: datetime) -> list[AuditRecord]:
    """This staff number's lockouts after ``after_id`` and ``since``, oldest first."""
    return list(
        session.exec(
            select(AuditRecord)
            .where(
                AuditRecord.action == "staff.locked",
                AuditRecord.target == staff_id,
                col(AuditRecord.id) > after_id,
                col(AuditRecord.at) >= since,
            )
            .order_by(col(AuditRecord.id))
        )
    )


def _failures(session: Session, staff_id: str, after_id: int, since: datetime) -> int:
    return int(
        session.exec(
            select(func.count())
            .select_from(AuditRecord)
            .where(
                AuditRecord.action == "staff.sign_in_failed",
                AuditRecord.target == staff_id,
                col(AuditRecord.at) >= since,
                col(AuditRecord.id) > after_id,
            )
        ).one()
    )


def _minutes(nth_lockout: int) -> int:
    return LOCKOUT_MINUTES[min(nth_lockout, len(LOCKOUT_MINUTES) - 1)]


def sign_in(
    session: Session,
    staff_id: str,
    pin: str,
    gate: str,
    via: str = "console",
    *,
    clock: Clock = SYSTEM_CLOCK,
) -> Actor | SignInRefused:
    """Staff number + PIN → Actor, in a write session: every attempt is audited.

    Wrong id or PIN get the same answer, after the same scrypt work. Five wrong PINs within five
    minutes lock the staff number: 5 minutes, then 15, then 60 for each further lockout until a
    good sign-in (or a day without one). While locked even the right PIN is refused, so a guesser
    cannot tell when they hit it. Returns (rather than raises) a refusal, so the caller commits
    the audit record of it.
    """
    now = clock.now()
    staff_id = staff_id.strip()[:64]
    who = system_actor(gate=gate, via=via, name=f"sign-in:{via}")
    last_ok = _last_good_sign_in(session, staff_id)
    locks = _lockouts(session, staff_id, last_ok, now - LOCKOUT_MEMORY)
    if locks:
        minutes = _minutes(len(locks) - 1)
        if now < locks[-1].at + timedelta(minutes=minutes):
            audit.append(session, who, "staff.sign_in_refused", staff_id, {"via": via}, clock=clock)
            return SignInRefused(LOCKED, minutes)
    staff = session.exec(select(Staff).where(Staff.staff_id == staff_id)).first()
    known = staff is not None and staff.active and bool(staff.pin_hash)
    good = check_pin(pin, staff.pin_hash if known and staff else _nobody()) and known
    if not good or staff is None:
        audit.append(session, who, "staff.sign_in_failed", staff_id, {"via": via}, clock=clock)
        after = max(last_ok, locks[-1].id or 0) if locks else last_ok
        since = now - timedelta(seconds=FAILURE_WINDOW_S)
        if _failures(session, staff_id, after, since) >= MAX_FAILED_SIGN_INS:
            minutes = _minutes(len(locks))
            audit.append(session, who, "staff.locked", staff_id, {"minutes": minutes}, clock=clock)
        return SignInRefused(WRONG_PIN)
    actor = actor_for(staff, gate, via)
    audit.append(session, actor, "staff.sign_in", staff_id, {"via": via}, clock=clock)
    return actor
