"""The append-only audit trail: each record's MAC covers the previous one and its own content.

The MAC is an HMAC-SHA256 whose key lives outside the database (a 0600 file beside the config,
``duty_console.keys``): whoever can write the database but not read the key cannot delete a
record and re-chain the rest. The content (target and details) enters the MAC through its own
SHA-256, ``content_hash``, kept in the row, so ``purge`` can blank the personal data of old
records and the chain still verifies. Triggers (SQLite) and GRANTs (PostgreSQL) refuse every
other UPDATE and every DELETE. A database opened without a key (tests, tools) chains with plain
SHA-256 instead.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import syslog
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, text, update
from sqlmodel import Session, col, select

from duty_console.db.connect import HEAD_INFO, KEY_INFO
from duty_console.db.models import AuditRecord
from duty_console.domain.actors import Actor
from duty_console.domain.clock import SYSTEM_CLOCK, Clock

GENESIS = "0" * 64
_PG_AUDIT_LOCK = 0x44555459  # pg_advisory_xact_lock key: one appender at a time
PURGED_DETAILS = "{}"

log = logging.getLogger(__name__)


def canonical(details: dict[str, Any]) -> str:
    return json.dumps(
        details, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str
    )


def content_hash(target: str, details: str) -> str:
    """What the MAC covers of a record's (purgeable) content."""
    return hashlib.sha256(f"{target}\x1f{details}".encode()).hexdigest()


def record_hash(
    prev_hash: str,
    at: datetime,
    actor: str,
    action: str,
    gate: str,
    content: str,
    key: bytes | None,
) -> str:
    payload = "\x1f".join([prev_hash, at.isoformat(), actor, action, gate, content]).encode()
    if key is None:
        return hashlib.sha256(payload).hexdigest()
    return hmac.new(key, payload, hashlib.sha256).hexdigest()


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
    content = content_hash(target, body)
    record = AuditRecord(
        at=at,
        actor=actor.label,
        action=action,
        target=target,
        gate=where,
        details=body,
        content_hash=content,
        prev_hash=prev,
        hash=record_hash(prev, at, actor.label, action, where, content, session.info.get(KEY_INFO)),
    )
    session.add(record)
    session.flush()
    session.info[HEAD_INFO] = (record.id, record.hash)
    return record


def head_id(session: Session) -> int:
    """The newest audit record's id (0 with none): it moves with every audited write, so a
    console can tell a change that matters from an engine's heartbeat."""
    return int(session.exec(select(func.coalesce(func.max(AuditRecord.id), 0))).one() or 0)


def purge_details(session: Session, before: datetime) -> int:
    """Blank the target and details of records older than ``before`` (their content hash
    stays, so the chain verifies); the only UPDATE the audit table allows."""
    result = session.execute(
        update(AuditRecord)
        .where(col(AuditRecord.at) < before, col(AuditRecord.purged).is_(False))
        .values(target="", details=PURGED_DETAILS, purged=True)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


# -- the head in the system log ------------------------------------------------------------------

_last_published = {"hash": ""}


def publish_head(head: tuple[int | None, str]) -> None:
    """Write the newest committed record's id and hash to the system log (the journal): cutting
    records off the end of the chain is then caught by ``audit verify --head`` with a hash from
    the log. ``Database`` calls it after every commit that appended records (one line per
    commit group of the engine, one per command)."""
    record_id, digest = head
    if digest == _last_published["hash"]:
        return
    _last_published["hash"] = digest
    try:
        syslog.openlog("duty-console", syslog.LOG_PID, syslog.LOG_AUTH)
        syslog.syslog(syslog.LOG_INFO, f"audit head {record_id} {digest}")
    except OSError as exc:  # no syslog socket (a container): the trail itself is unharmed
        log.debug("could not write the audit head to the system log: %s", exc)


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
    key: bytes | None = None,
) -> VerifyResult:
    """Walk the chain; the first record whose link, content or MAC does not match is reported.

    ``key``: the chain's key (by default its ``Database``'s). A chain cannot show that records
    were removed from its end: ``expect_head``, a head hash written down earlier (the system
    log, the daily report, a notebook), must still be in the chain.
    """
    if key is None:
        key = session.info.get(KEY_INFO)
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
        if not rec.purged and rec.content_hash != content_hash(rec.target, rec.details):
            return VerifyResult(
                False, checked, rec.id, "its content was changed after it was written"
            )
        expected = record_hash(prev, rec.at, rec.actor, rec.action, rec.gate, rec.content_hash, key)
        if not hmac.compare_digest(rec.hash, expected):
            return VerifyResult(
                False,
                checked,
                rec.id,
                "its content was changed after it was written, or the chain was re-made "
                "without the audit key",
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
