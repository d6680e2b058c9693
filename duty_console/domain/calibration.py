"""Calibration as a record: a thermometer checked against a reference (a contact reading of
the same person, or a blackbody source) is an event with who, when and where.

The offset in force for a device is its latest calibration's ``reference_c - device_c``; before
any calibration the config's ``offset_c`` applies. Every entry stores the offset it was taken
with (``entry.offset_c``), so a later calibration never rewrites what was read before it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from duty_console.db.models import Calibration
from duty_console.db.models.calibration import REFERENCES
from duty_console.domain import audit
from duty_console.domain.actors import Actor
from duty_console.domain.permissions import require
from duty_console.errors import NotFound, UserError
from duty_console.i18n import N_

# A reference outside this is not a body temperature (or a blackbody set for one).
REFERENCE_RANGE = (30.0, 45.0)
# The same bound as the config's offset_c: a bigger error is a broken or misplaced sensor.
MAX_OFFSET_C = 5.0


def record(
    session: Session,
    actor: Actor,
    device: str,
    *,
    reference: str,
    reference_c: float,
    device_c: float,
    known_devices: Iterable[str],
    now: datetime,
    note: str = "",
) -> Calibration:
    """Record a check of ``device`` (a configured thermometer); returns the record, whose
    ``offset_c`` is in force from now on."""
    require(actor, "device.calibrate")
    known = sorted(known_devices)
    if device not in known:
        raise NotFound(
            N_("There is no thermometer {device}; the configured ones: {known}."),
            device=device,
            known=", ".join(known) or "-",
        )
    if reference not in REFERENCES:
        raise UserError(
            N_("The reference must be one of: {choices}."), choices=", ".join(REFERENCES)
        )
    low, high = REFERENCE_RANGE
    for value in (reference_c, device_c):
        if not low <= value <= high:
            raise UserError(
                N_("{value} is not a body temperature between {low} and {high}."),
                value=value,
                low=low,
                high=high,
            )
    offset = round(reference_c - device_c, 2)
    if abs(offset) > MAX_OFFSET_C:
        raise UserError(
            N_(
                "The device reads {offset} away from the reference; more than {limit} is a "
                "faulty or misplaced sensor, not a calibration."
            ),
            offset=offset,
            limit=MAX_OFFSET_C,
        )
    row = Calibration(
        device=device,
        at=now,
        reference=reference,
        reference_c=reference_c,
        device_c=device_c,
        offset_c=offset,
        note=note,
        created_at=now,
        created_by=actor.label,
        gate=actor.gate,
    )
    session.add(row)
    session.flush()
    audit.append(
        session,
        actor,
        "device.calibrate",
        device,
        {
            "reference": reference,
            "reference_c": reference_c,
            "device_c": device_c,
            "offset_c": offset,
        },
    )
    return row


def latest(session: Session) -> dict[str, Calibration]:
    """Each calibrated device's latest record."""
    rows = session.exec(select(Calibration).order_by(col(Calibration.at), col(Calibration.id)))
    return {row.device: row for row in rows}


def history(session: Session, device: str | None = None) -> list[Calibration]:
    """Every record, newest first (one device's, or all)."""
    query = select(Calibration).order_by(col(Calibration.at).desc(), col(Calibration.id).desc())
    if device is not None:
        query = query.where(col(Calibration.device) == device)
    return list(session.exec(query))


def offsets_in_force(session: Session, fallback: dict[str, float]) -> dict[str, float]:
    """device → the offset to add to its readings: its latest calibration's, else the config's
    ``offset_c`` (``fallback``)."""
    found = {name: row.offset_c for name, row in latest(session).items()}
    return {name: found.get(name, default) for name, default in fallback.items()}


@dataclass(frozen=True)
class Unchecked:
    device: str
    last_at: datetime | None  # None: never calibrated

    def days(self, now: datetime) -> int | None:
        return None if self.last_at is None else (now - self.last_at).days


def unchecked(
    session: Session, thermometers: Iterable[str], now: datetime, every_days: int
) -> list[Unchecked]:
    """The thermometers not checked within ``every_days`` (never warns when it is 0)."""
    if every_days <= 0:
        return []
    last = latest(session)
    limit = now - timedelta(days=every_days)
    out = []
    for name in thermometers:
        row = last.get(name)
        if row is None or row.at < limit:
            out.append(Unchecked(name, None if row is None else row.at))
    return out
