"""Deleting old personal health data (readings, visitors, stays), itself an audited act."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from duty_console.db.models import (
    Absence,
    AbsenceFollowUp,
    Entry,
    IsolationStay,
    Visitor,
    WatchCheck,
    WatchEntry,
)
from duty_console.domain import audit
from duty_console.domain.actors import Actor
from duty_console.domain.permissions import require


def purge_older_than(session: Session, actor: Actor, days: int, *, now: datetime) -> dict[str, int]:
    require(actor, "purge")
    cutoff = now - timedelta(days=days)
    # Entries that rechecked an old entry lose the link, not their own record.
    ids = list(session.exec(select(Entry.id).where(col(Entry.at) < cutoff)))
    if ids:
        session.execute(update(Entry).where(col(Entry.recheck_of).in_(ids)).values(recheck_of=None))
    entries = session.execute(delete(Entry).where(col(Entry.at) < cutoff)).rowcount  # type: ignore[attr-defined]
    visitors = session.execute(delete(Visitor).where(col(Visitor.at) < cutoff)).rowcount  # type: ignore[attr-defined]
    stays = session.execute(  # type: ignore[attr-defined]
        delete(IsolationStay).where(
            col(IsolationStay.left_at).is_not(None), col(IsolationStay.left_at) < cutoff
        )
    ).rowcount
    counts = {"entries": entries, "visitors": visitors, "isolation_stays": stays}
    counts |= _purge_people_day(session, cutoff)
    audit.append(
        session, actor, "purge", f"older than {days} days", {"cutoff": cutoff.isoformat(), **counts}
    )
    return counts


def _purge_people_day(session: Session, cutoff: datetime) -> dict[str, int]:
    """Absences closed and watches ended before the cutoff, with their daily records."""
    old_absences = select(Absence.id).where(
        col(Absence.returned_at).is_not(None), col(Absence.returned_at) < cutoff
    )
    session.execute(
        delete(AbsenceFollowUp).where(col(AbsenceFollowUp.absence_id).in_(old_absences))
    )
    absences = session.execute(  # type: ignore[attr-defined]
        delete(Absence).where(
            col(Absence.returned_at).is_not(None), col(Absence.returned_at) < cutoff
        )
    ).rowcount
    old_watches = select(WatchEntry.id).where(
        col(WatchEntry.until).is_not(None), col(WatchEntry.until) < cutoff
    )
    session.execute(delete(WatchCheck).where(col(WatchCheck.watch_id).in_(old_watches)))
    watches = session.execute(  # type: ignore[attr-defined]
        delete(WatchEntry).where(col(WatchEntry.until).is_not(None), col(WatchEntry.until) < cutoff)
    ).rowcount
    return {"absences": absences, "watch_entries": watches}
