"""The append-only audit trail: each record's hash covers the previous hash and its own content."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlmodel import Session, col, select

from duty_console.db.models import AuditRecord
from duty_console.domain.actors import Actor
from duty_console.domain.clock import SYSTEM_CLOCK, Clock

GENESIS = "0" * 64
_PG_AUDIT_LOCK = 0x44555459  # pg_advisory_xact_lock key: one appender at a time


def canonical(details: dict[str, Any]) -> str:
    return json.dumps(
        details, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str
    )


def record_hash(
    prev_hash: str, at: datetime, actor: str, action: str, target: str, gate: str, details: str
) -> str:
    payload = "\x1f".join([prev_hash, at.isoformat(), actor, action, target, gate, details])
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def append(
    session: Session,
    actor: Actor,
    action: str,
    target: str = "",
    details: dict[str, Any] | None = None,
    *,
    clock: Clock = SYSTEM_CLOCK,
) -> AuditRecord:
    """Append one record inside the caller's (write) transaction."""
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_AUDIT_LOCK})
    last = session.exec(select(AuditRecord.hash).order_by(col(AuditRecord.id).desc()).limit(1))
    prev = last.first() or GENESIS
    at = clock.now()
    body = canonical(details or {})
    where = actor.gate
    record = AuditRecord(
        at=at,
        actor=actor.label,
        action=action,
        target=target,
        gate=where,
        details=body,
        prev_hash=prev,
        hash=record_hash(prev, at, actor.label, action, target, where, body),
    )
    session.add(record)
    session.flush()
    return record


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    bad_id: int | None = None
    reason: str = ""
    head: str = GENESIS  # the newest record's hash: write it down to detect a cut tail later
    head_seen: bool | None = None  # whether an expected head was found in the chain


def _records(session: Session) -> Iterator[AuditRecord]:
    stmt = select(AuditRecord).order_by(col(AuditRecord.id)).execution_options(yield_per=2000)
    yield from session.exec(stmt)


def verify(
    session: Session,
    progress: Callable[[int], None] | None = None,
    *,
    expect_head: str | None = None,
) -> VerifyResult:
    """Walk the chain; the first record whose link or content does not match is reported.

    A chain cannot show that records were removed from its end: ``expect_head``, a head hash
    written down earlier (the daily report, a notebook), must still be in the chain.
    """
    prev = GENESIS
    checked = 0
    seen = expect_head is None or expect_head == GENESIS
    for rec in _records(session):
        assert rec.id is not None
        if rec.prev_hash != prev:
            return VerifyResult(
                False,
                checked,
                rec.id,
                "its link to the previous record is broken (a record before it was removed "
                "or changed)",
            )
        expected = record_hash(
            prev, rec.at, rec.actor, rec.action, rec.target, rec.gate, rec.details
        )
        if rec.hash != expected:
            return VerifyResult(
                False, checked, rec.id, "its content was changed after it was written"
            )
        prev = rec.hash
        checked += 1
        seen = seen or rec.hash == expect_head
        if progress and checked % 1000 == 0:
            progress(checked)
    if not seen:
        return VerifyResult(
            False,
            checked,
            None,
            f"the record with hash {expect_head} is no longer in the chain (records were "
            "removed from its end)",
            prev,
            False,
        )
    return VerifyResult(True, checked, head=prev, head_seen=None if expect_head is None else True)
