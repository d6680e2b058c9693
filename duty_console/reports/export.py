"""``export entries``: the entry log, oldest first, in the contracted columns (DESIGN §3.3)."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from typing import IO, Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from duty_console.db.models import Entry, Person, Visitor
from duty_console.domain.actors import Actor
from duty_console.domain.inert import inert, spreadsheet_safe
from duty_console.domain.permissions import require

COLUMNS = (
    "time",
    "gate",
    "device",
    "person_id",
    "person_name",
    "temp_c",
    "mode",
    "status",
    # Beyond the contract:
    "kind",
    "reason",
    "recheck_of",
    "rest_of",
    "incident_id",
    "fever_resolution",
    "visitor",
    "entry_id",
    "recorded_by",
)
# Columns whose text came from people or devices: inert, and never a spreadsheet formula.
TEXT_COLUMNS = ("gate", "device", "person_id", "person_name", "mode", "reason", "visitor")


def day_bounds(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time.min, tzinfo=tz)
    return start, start + timedelta(days=1)


def iter_entries(
    session: Session,
    tz: ZoneInfo,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    batch: int = 5000,
) -> Iterator[dict[str, Any]]:
    """Rows as dicts with the export columns, streamed in id order within time order."""
    stmt = (
        select(Entry, Person.name, Visitor.name)
        .join(Person, col(Person.person_id) == col(Entry.person_id), isouter=True)
        .join(Visitor, col(Visitor.id) == col(Entry.visitor_id), isouter=True)
        .order_by(col(Entry.at), col(Entry.id))
        .execution_options(yield_per=batch)
    )
    if since is not None:
        stmt = stmt.where(col(Entry.at) >= since)
    if until is not None:
        stmt = stmt.where(col(Entry.at) < until)
    for entry, person_name, visitor_name in session.exec(stmt):
        yield {
            "time": entry.at.astimezone(tz).isoformat(timespec="seconds"),
            "gate": entry.gate,
            "device": entry.device,
            "person_id": entry.person_id or "",
            "person_name": person_name or visitor_name or "",
            "temp_c": "" if entry.temp_c is None else f"{entry.temp_c:.1f}",
            "mode": entry.mode,
            "status": entry.status,
            "kind": entry.kind,
            "reason": entry.reason,
            "recheck_of": "" if entry.recheck_of is None else entry.recheck_of,
            "rest_of": "" if entry.rest_of is None else entry.rest_of,
            "incident_id": "" if entry.incident_id is None else entry.incident_id,
            "fever_resolution": entry.resolution,
            "visitor": visitor_name or "",
            "entry_id": entry.id,
            "recorded_by": entry.created_by,
        }


def export_entries(
    session: Session,
    actor: Actor,
    out: IO[str],
    tz: ZoneInfo,
    *,
    fmt: str = "csv",
    since: datetime | None = None,
    until: datetime | None = None,
) -> int:
    """Write the entries to ``out``; returns the row count.

    CSV cells of text start with ``'`` where a spreadsheet would run them (``= + - @``, TAB,
    CR); every text value, CSV or JSON, is stripped of control and format characters."""
    require(actor, "export")
    count = 0
    if fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        for row in iter_entries(session, tz, since=since, until=until):
            for column in TEXT_COLUMNS:
                row[column] = spreadsheet_safe(str(row[column]))
            writer.writerow(row)
            count += 1
    elif fmt == "jsonl":
        for row in iter_entries(session, tz, since=since, until=until):
            for column in TEXT_COLUMNS:
                row[column] = inert(str(row[column]))
            row["temp_c"] = None if row["temp_c"] == "" else float(row["temp_c"])
            row["recheck_of"] = row["recheck_of"] or None
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
            count += 1
    else:
        raise ValueError(fmt)
    return count
