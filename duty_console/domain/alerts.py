"""Alerts as rows: raised, re-alerted, acknowledged and resolved in the database, so a restart
or a second console loses nothing and every console sees (and rings for) the same alert.

For other areas (incidents, the rota), the life of an alert:

- ``raise_alert(session, actor, kind=..., subject=..., message=N_("..."), params=..., due_at=...,
  realert_min=15)``: one *active* alert per ``subject`` (a second raise for the same subject
  returns the one already active, unchanged). Pick a subject that names the thing, e.g.
  ``timer:ISO-1:disinfection``, ``incident:7:step:3``, ``shift:42:ending``. ``message`` is an
  English msgid marked with ``N_`` (its catalog entry is yours to add); ``params`` fill it and are
  stored as JSON (``alert_text`` shows it in the active language). ``realert_min`` None: once only.
- ``realert_due(session, actor, now)``: every active, unacknowledged alert whose ``realert_at``
  has passed alerts again (``last_alerted_at`` moves, ``realert_count`` grows, the next
  ``realert_at`` is set). The engine's scheduler calls it; consoles ring the bell whenever the
  newest ``last_alerted_at`` they see moves forward (``alert_mark``).
- ``acknowledge(session, actor, alert_id, why)``: someone has seen it: who, when and why are kept
  and the re-alerts stop. It stays active (still shown) until resolved.
- ``resolve(session, actor, subject, resolution)``: the thing is done (or no longer applies);
  called by the area that knows, e.g. the timers when a disinfection is recorded.
- ``active(session)``: what every console lists; ``active_count`` for a header.

Each write checks the role (``alert.manage`` for raise/re-alert/resolve, ``alert.acknowledge``)
and appends an audit record.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, text
from sqlmodel import Session, col, select

from duty_console.db.models import ALERT_SEVERITIES, Alert
from duty_console.domain import audit
from duty_console.domain.actors import Actor
from duty_console.domain.clock import SYSTEM_CLOCK, Clock
from duty_console.domain.permissions import require
from duty_console.errors import NotFound, UserError
from duty_console.i18n import N_, _

_PG_ALERT_LOCK = 0x414C5254  # pg_advisory_xact_lock key: one raiser at a time (one per subject)

KIND_TIMER_OVERDUE = "timer.overdue"
KIND_TIMER_REMINDER = "timer.reminder"


@dataclass(frozen=True)
class AlertMark:
    """What a console needs to ring: how many are active, and the newest (re-)alert time."""

    active: int
    unacknowledged: int
    newest: datetime | None


def _active_stmt() -> Any:
    return select(Alert).where(col(Alert.resolved_at).is_(None))


def get_active(session: Session, subject: str) -> Alert | None:
    return session.exec(_active_stmt().where(Alert.subject == subject)).first()  # type: ignore[no-any-return]


def raise_alert(
    session: Session,
    actor: Actor,
    *,
    kind: str,
    subject: str,
    message: str,
    params: dict[str, Any] | None = None,
    severity: str = "warning",
    due_at: datetime | None = None,
    realert_min: int | None = 15,
    clock: Clock = SYSTEM_CLOCK,
) -> tuple[Alert, bool]:
    """The active alert about ``subject``: the existing one, or a new one (then True)."""
    require(actor, "alert.manage")
    if severity not in ALERT_SEVERITIES:
        raise ValueError(f"severity must be one of {ALERT_SEVERITIES}")
    if session.get_bind().dialect.name == "postgresql":
        # Two gates' engines sweep the same tables: the check and the insert must not interleave
        # (SQLite's BEGIN IMMEDIATE already serialises writers).
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_ALERT_LOCK})
    existing = get_active(session, subject)
    if existing is not None:
        return existing, False
    now = clock.now()
    alert = Alert(
        kind=kind,
        subject=subject,
        severity=severity,
        message=message,
        params=json.dumps(params or {}, ensure_ascii=False, sort_keys=True, default=str),
        due_at=due_at,
        raised_at=now,
        last_alerted_at=now,
        realert_at=None if realert_min is None else now + timedelta(minutes=realert_min),
        created_at=now,
        created_by=actor.label,
        gate=actor.gate,
    )
    session.add(alert)
    session.flush()
    audit.append(
        session,
        actor,
        "alert.raise",
        f"alert:{alert.id}",
        {"kind": kind, "subject": subject, "severity": severity, "due_at": due_at},
        clock=clock,
    )
    return alert, True


def realert_due(
    session: Session, actor: Actor, realert_min: int, *, clock: Clock = SYSTEM_CLOCK
) -> list[Alert]:
    """Alert again every active, unacknowledged alert whose re-alert time has come."""
    require(actor, "alert.manage")
    now = clock.now()
    due = list(
        session.exec(
            _active_stmt()
            .where(col(Alert.acknowledged_at).is_(None))
            .where(col(Alert.realert_at).is_not(None), col(Alert.realert_at) <= now)
            .order_by(col(Alert.id))
        )
    )
    for alert in due:
        alert.last_alerted_at = now
        alert.realert_count += 1
        alert.realert_at = now + timedelta(minutes=realert_min)
        session.add(alert)
        audit.append(
            session,
            actor,
            "alert.realert",
            f"alert:{alert.id}",
            {"subject": alert.subject, "count": alert.realert_count},
            clock=clock,
        )
    session.flush()
    return due


def acknowledge(
    session: Session, actor: Actor, alert_id: int, why: str, *, clock: Clock = SYSTEM_CLOCK
) -> Alert:
    """Someone has seen the alert: who, when and why; it stops re-alerting but stays active."""
    require(actor, "alert.acknowledge")
    why = why.strip()
    if not why:
        raise UserError(N_("Say why the alert is acknowledged (for example: cleaner on the way)."))
    alert = session.get(Alert, alert_id)
    if alert is None or alert.resolved_at is not None:
        raise NotFound(N_("There is no active alert {id}."), id=alert_id)
    if alert.acknowledged_at is not None:
        raise UserError(
            N_("Alert {id} was already acknowledged by {who}."),
            id=alert_id,
            who=alert.acknowledged_by,
        )
    now = clock.now()
    alert.acknowledged_at = now
    alert.acknowledged_by = actor.label
    alert.ack_reason = why
    alert.realert_at = None
    session.add(alert)
    session.flush()
    audit.append(
        session, actor, "alert.acknowledge", f"alert:{alert.id}", {"why": why}, clock=clock
    )
    return alert


def resolve(
    session: Session,
    actor: Actor,
    subject: str,
    resolution: str,
    *,
    clock: Clock = SYSTEM_CLOCK,
) -> Alert | None:
    """The thing the active alert about ``subject`` was about is done; None if there was none."""
    require(actor, "alert.manage")
    alert = get_active(session, subject)
    if alert is None:
        return None
    now = clock.now()
    alert.resolved_at = now
    alert.resolved_by = actor.label
    alert.resolution = resolution
    alert.realert_at = None
    session.add(alert)
    session.flush()
    audit.append(
        session,
        actor,
        "alert.resolve",
        f"alert:{alert.id}",
        {"subject": subject, "resolution": resolution},
        clock=clock,
    )
    return alert


def active(session: Session, kind_prefix: str = "") -> list[Alert]:
    """Every active alert, newest (re-)alert first; ``kind_prefix`` e.g. 'timer.'."""
    stmt = _active_stmt()
    if kind_prefix:
        stmt = stmt.where(col(Alert.kind).startswith(kind_prefix))
    return list(session.exec(stmt.order_by(col(Alert.last_alerted_at).desc(), col(Alert.id))))


def alert_mark(session: Session) -> AlertMark:
    row = session.exec(
        select(
            func.count(),
            func.count(col(Alert.acknowledged_at)),
            func.max(col(Alert.last_alerted_at)),
        ).where(col(Alert.resolved_at).is_(None))
    ).one()
    total, acked, newest = int(row[0]), int(row[1]), row[2]
    if isinstance(newest, str):
        newest = datetime.fromisoformat(newest)
    if newest is not None and newest.tzinfo is None:
        from datetime import UTC

        newest = newest.replace(tzinfo=UTC)
    return AlertMark(total, total - acked, newest)


def alert_text(alert: Alert) -> str:
    """The alert's message in the active language."""
    params = json.loads(alert.params or "{}")
    text = _(alert.message)
    try:
        return text.format(**params) if params else text
    except (KeyError, IndexError, ValueError):
        return alert.message


def as_dict(alert: Alert, tz: Any) -> dict[str, Any]:
    def iso(value: datetime | None) -> str | None:
        return None if value is None else value.astimezone(tz).isoformat(timespec="seconds")

    return {
        "id": alert.id,
        "kind": alert.kind,
        "subject": alert.subject,
        "severity": alert.severity,
        "message": alert.message.format(**json.loads(alert.params or "{}")),
        "due_at": iso(alert.due_at),
        "raised_at": iso(alert.raised_at),
        "last_alerted_at": iso(alert.last_alerted_at),
        "realert_count": alert.realert_count,
        "acknowledged": None
        if alert.acknowledged_at is None
        else {
            "by": alert.acknowledged_by,
            "at": iso(alert.acknowledged_at),
            "why": alert.ack_reason,
        },
    }
