"""Deleting old personal health data (readings, visitors, stays), itself an audited act."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from duty_console.db.models import Entry, IsolationStay, Visitor
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
    audit.append(
        session, actor, "purge", f"older than {days} days", {"cutoff": cutoff.isoformat(), **counts}
    )
    return counts
