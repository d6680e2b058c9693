"""Deleting old personal health data from every table that holds it, itself an audited act.

What goes, for records older than the cutoff (DESIGN §5), in an order no foreign key can stop:
ended isolation stays; incidents closed before it (their steps, step notes and timeline notes
with them, and any ended stay they led to); resolved alerts; ended watches with their daily
checks; closed absences with their follow-ups; entries (but not those a remaining incident
points at: the incident needs them) and visitors; then the target and details of old audit
records are blanked (their content hash stays in the chain, which still verifies). With SQLite
the deleted pages are overwritten (``secure_delete``), and the caller vacuums the file
afterwards.

Another area with personal records adds one :class:`PurgeStep` to ``STEPS``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, text, update
from sqlmodel import Session, col, select

from duty_console.db.models import (
    Absence,
    AbsenceFollowUp,
    Alert,
    Entry,
    Incident,
    IncidentNote,
    IncidentStep,
    IsolationStay,
    Visitor,
    WatchCheck,
    WatchEntry,
)
from duty_console.domain import audit
from duty_console.domain.actors import Actor
from duty_console.domain.permissions import require


@dataclass(frozen=True)
class PurgeStep:
    """One table's share of a purge: deletes what is older than the cutoff, returns a count."""

    name: str
    run: Callable[[Session, datetime], int]


def _rowcount(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


def _incidents(session: Session, cutoff: datetime) -> int:
    ids = list(
        session.exec(
            select(Incident.id).where(
                col(Incident.closed_at).is_not(None), col(Incident.closed_at) < cutoff
            )
        )
    )
    if not ids:
        return 0
    session.execute(delete(IncidentStep).where(col(IncidentStep.incident_id).in_(ids)))
    session.execute(delete(IncidentNote).where(col(IncidentNote.incident_id).in_(ids)))
    # A stay still open keeps its person in the room; it only loses the link to the incident.
    session.execute(
        delete(IsolationStay).where(
            col(IsolationStay.incident_id).in_(ids), col(IsolationStay.left_at).is_not(None)
        )
    )
    session.execute(
        update(IsolationStay)
        .where(col(IsolationStay.incident_id).in_(ids))
        .values(incident_id=None)
    )
    return _rowcount(session.execute(delete(Incident).where(col(Incident.id).in_(ids))))


def _stays(session: Session, cutoff: datetime) -> int:
    return _rowcount(
        session.execute(
            delete(IsolationStay).where(
                col(IsolationStay.left_at).is_not(None), col(IsolationStay.left_at) < cutoff
            )
        )
    )


def _watches(session: Session, cutoff: datetime) -> int:
    """Watches ended before the cutoff, with their daily checks."""
    ended = (col(WatchEntry.until).is_not(None), col(WatchEntry.until) < cutoff)
    old_watches = select(WatchEntry.id).where(*ended)
    session.execute(delete(WatchCheck).where(col(WatchCheck.watch_id).in_(old_watches)))
    return _rowcount(session.execute(delete(WatchEntry).where(*ended)))


def _absences(session: Session, cutoff: datetime) -> int:
    """Illness absences closed (returned) before the cutoff, with their follow-ups."""
    closed = (col(Absence.returned_at).is_not(None), col(Absence.returned_at) < cutoff)
    old_absences = select(Absence.id).where(*closed)
    session.execute(
        delete(AbsenceFollowUp).where(col(AbsenceFollowUp.absence_id).in_(old_absences))
    )
    return _rowcount(session.execute(delete(Absence).where(*closed)))


def _entries(session: Session, cutoff: datetime) -> int:
    # An incident that stays (open, or closed within the period) keeps its entries: the one
    # that opened it and those its steps record (the reading, the recheck, the doctor's).
    kept_by_incidents = select(Incident.entry_id).where(col(Incident.entry_id).is_not(None))
    kept_by_steps = select(IncidentStep.entry_id).where(col(IncidentStep.entry_id).is_not(None))
    old = select(Entry.id).where(
        col(Entry.at) < cutoff,
        col(Entry.id).not_in(kept_by_incidents),
        col(Entry.id).not_in(kept_by_steps),
    )
    ids = list(session.exec(old))
    if not ids:
        return 0
    # Entries that rechecked an old entry, or repeated it during the rest, lose the link only.
    session.execute(update(Entry).where(col(Entry.recheck_of).in_(ids)).values(recheck_of=None))
    session.execute(update(Entry).where(col(Entry.rest_of).in_(ids)).values(rest_of=None))
    return _rowcount(session.execute(delete(Entry).where(col(Entry.id).in_(ids))))


def _alerts(session: Session, cutoff: datetime) -> int:
    # A resolved alert's parameters may name a person or carry a temperature.
    return _rowcount(
        session.execute(
            delete(Alert).where(
                col(Alert.resolved_at).is_not(None), col(Alert.resolved_at) < cutoff
            )
        )
    )


def _visitors(session: Session, cutoff: datetime) -> int:
    old = select(Visitor.id).where(col(Visitor.at) < cutoff)
    session.execute(update(Entry).where(col(Entry.visitor_id).in_(old)).values(visitor_id=None))
    return _rowcount(session.execute(delete(Visitor).where(col(Visitor.at) < cutoff)))


# In dependency order: what points at a row goes before the row.
STEPS: list[PurgeStep] = [
    PurgeStep("isolation_stays", _stays),
    PurgeStep("incidents", _incidents),
    PurgeStep("watch_entries", _watches),
    PurgeStep("absences", _absences),
    PurgeStep("entries", _entries),
    PurgeStep("visitors", _visitors),
    PurgeStep("alerts", _alerts),
    PurgeStep("audit_details", audit.purge_details),
]


def purge_older_than(session: Session, actor: Actor, days: int, *, now: datetime) -> dict[str, int]:
    """Delete personal health data older than ``days`` in the caller's write transaction."""
    require(actor, "purge")
    cutoff = now - timedelta(days=days)
    if session.get_bind().dialect.name == "sqlite":
        # Deleted rows are overwritten with zeros, not left readable in free pages.
        session.execute(text("PRAGMA secure_delete = ON"))
    counts = {step.name: step.run(session, cutoff) for step in STEPS}
    audit.append(
        session, actor, "purge", f"older than {days} days", {"cutoff": cutoff.isoformat(), **counts}
    )
    return counts
