"""One daily report per local day, kept as versions (DESIGN §3.7, issue 12).

Making the report again stores a new version only when something changed, with the
differences from the version before; an unchanged report is the same version. The officer marks
the newest version submitted (who, when, its hash in the audit trail); a change after that is a
new, amended version, never an edit of the submitted one.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

from sqlmodel import Session, col, select

from duty_console.db.models import DailyReport
from duty_console.domain import audit
from duty_console.domain.actors import Actor
from duty_console.domain.clock import SYSTEM_CLOCK, Clock
from duty_console.domain.permissions import require
from duty_console.errors import NotFound, UserError
from duty_console.i18n import N_

# Who made it and when are the version's row, not its content: the same counts made again by
# someone else later are the same report.
NOT_CONTENT = ("reporter", "made_at", "version", "amends_submitted", "submitted_at", "submitted_by")


@dataclass(frozen=True)
class Recorded:
    row: DailyReport
    new: bool  # False: the report was unchanged, this is the version it already had
    diff: dict[str, list[Any]]


def content_of(report: dict[str, Any]) -> str:
    body = {k: v for k, v in report.items() if k not in NOT_CONTENT}
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def content_hash(content: str) -> str:
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


def differences(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """{key: [before, after]} for every field that changed."""
    keys = [k for k in after if k not in NOT_CONTENT]
    keys += [k for k in before if k not in after and k not in NOT_CONTENT]
    return {k: [before.get(k), after.get(k)] for k in keys if before.get(k) != after.get(k)}


def versions(session: Session, day: str) -> list[DailyReport]:
    """Every version of the day's report, oldest first."""
    stmt = select(DailyReport).where(DailyReport.day == day).order_by(col(DailyReport.version))
    return list(session.exec(stmt))


def latest(session: Session, day: str) -> DailyReport | None:
    stmt = (
        select(DailyReport)
        .where(DailyReport.day == day)
        .order_by(col(DailyReport.version).desc())
        .limit(1)
    )
    return session.exec(stmt).first()


def record(
    session: Session, actor: Actor, report: dict[str, Any], *, clock: Clock = SYSTEM_CLOCK
) -> Recorded:
    """Keep ``report`` as the day's newest version unless it is unchanged."""
    require(actor, "report")
    day = str(report["date"])
    content = content_of(report)
    previous = versions(session, day)
    last = previous[-1] if previous else None
    if last is not None and last.content == content:
        return Recorded(last, False, {})
    diff = differences(json.loads(last.content), json.loads(content)) if last else {}
    now = clock.now()
    row = DailyReport(
        day=day,
        version=(last.version + 1) if last else 1,
        content=content,
        hash=content_hash(content),
        diff=json.dumps(diff, ensure_ascii=False) if last else "",
        amends_submitted=any(v.submitted_at is not None for v in previous),
        created_at=now,
        created_by=actor.label,
        gate=actor.gate,
    )
    session.add(row)
    session.flush()
    audit.append(
        session,
        actor,
        "report.make",
        day,
        {"version": row.version, "hash": row.hash, "changed": sorted(diff)},
        clock=clock,
    )
    return Recorded(row, True, diff)


def submit(session: Session, actor: Actor, day: str, *, clock: Clock = SYSTEM_CLOCK) -> DailyReport:
    """Mark the day's newest version submitted upward; its hash goes into the audit trail."""
    require(actor, "report.submit")
    row = latest(session, day)
    if row is None:
        raise NotFound(N_("There is no report of {day} yet; make it first."), day=day)
    if row.submitted_at is not None:
        raise UserError(
            N_(
                "Version {version} of the report of {day} was already submitted by {who}; "
                "a change makes a new, amended version to submit."
            ),
            version=row.version,
            day=day,
            who=row.submitted_by,
        )
    now = clock.now()
    row.submitted_at = now
    row.submitted_by = actor.label
    session.add(row)
    audit.append(
        session,
        actor,
        "report.submit",
        day,
        {"version": row.version, "hash": row.hash, "amended": row.amends_submitted},
        clock=clock,
    )
    session.flush()
    return row


def submitted(session: Session, day: str) -> DailyReport | None:
    """The newest submitted version of the day, if any."""
    rows = [v for v in versions(session, day) if v.submitted_at is not None]
    return rows[-1] if rows else None


def header_fields(row: DailyReport, tz: Any) -> dict[str, Any]:
    """The version's fields shown with the report."""

    def iso(value: datetime | None) -> str | None:
        return None if value is None else value.astimezone(tz).isoformat(timespec="seconds")

    return {
        "version": row.version,
        "amends_submitted": row.amends_submitted,
        "submitted_at": iso(row.submitted_at),
        "submitted_by": row.submitted_by,
    }


def reminder_due(session: Session, now: datetime, tz: Any, remind_at: time) -> bool:
    """Past ``[reports] remind_at`` (local) and today's report not submitted: remind the
    officer on every console."""
    local = now.astimezone(tz)
    if local.time() < remind_at:
        return False
    return submitted(session, local.date().isoformat()) is None
