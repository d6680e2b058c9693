"""Supplies on hand: stock, every movement with who and why, and what is below its reorder level.

Every change of stock goes through :func:`move`, which checks the role, refuses stock below
zero, records the movement (who, when, where, why) and appends an audit record.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from duty_console.db.models import Supply, SupplyMovement
from duty_console.domain import audit
from duty_console.domain.actors import Actor
from duty_console.domain.clock import SYSTEM_CLOCK, Clock
from duty_console.domain.permissions import require
from duty_console.errors import NotFound, UserError
from duty_console.i18n import N_

WHY_MAX = 255


@dataclass(frozen=True)
class Movement:
    key: str
    at: datetime
    delta: int
    on_hand_after: int
    why: str
    by: str
    gate: str


def is_low(supply: Supply) -> bool:
    """At or below the reorder level: time to order more."""
    return supply.on_hand <= supply.reorder_level


def all_supplies(session: Session) -> list[Supply]:
    return list(session.exec(select(Supply).order_by(col(Supply.key))))


def low(session: Session) -> list[Supply]:
    return [s for s in all_supplies(session) if is_low(s)]


def as_row(supply: Supply) -> dict[str, Any]:
    """The contracted item fields (DESIGN §3.9) and the names and unit in both languages."""
    return {
        "key": supply.key,
        "name": supply.name_en,
        "name_zh": supply.name_zh,
        "unit": supply.unit_en,
        "unit_zh": supply.unit_zh,
        "on_hand": supply.on_hand,
        "reorder_level": supply.reorder_level,
        "low": is_low(supply),
    }


def supplies_low(session: Session) -> list[dict[str, Any]]:
    """``supplies_low`` of ``status`` and the daily report: the items at or below reorder level."""
    return low_rows([as_row(s) for s in all_supplies(session)])


def get(session: Session, key: str) -> Supply:
    supply = session.get(Supply, key)
    if supply is None:
        known = ", ".join(s.key for s in all_supplies(session))
        raise NotFound(
            N_("There is no supply '{key}'; the items are: {known}."), key=key, known=known
        )
    return supply


def move(
    session: Session,
    actor: Actor,
    key: str,
    delta: int,
    why: str,
    *,
    clock: Clock = SYSTEM_CLOCK,
) -> SupplyMovement:
    """Add (delta > 0) or take (delta < 0) stock of one item, with the reason."""
    require(actor, "supplies.move")
    why = " ".join(why.split())
    if not why:
        raise UserError(
            N_("Say why the stock changes (--why), e.g. 'delivery' or 'issued to gate'.")
        )
    if len(why) > WHY_MAX:
        raise UserError(
            N_("The reason is too long; keep it under {limit} characters."), limit=WHY_MAX
        )
    if delta == 0:
        raise UserError(N_("A movement of 0 changes nothing; give +N to add or -N to take."))
    supply = get(session, key)
    after = supply.on_hand + delta
    if after < 0:
        raise UserError(
            N_("Only {on_hand} of '{key}' are on hand; {taken} cannot be taken."),
            on_hand=supply.on_hand,
            key=key,
            taken=-delta,
        )
    now = clock.now()
    supply.on_hand = after
    supply.updated_at = now
    movement = SupplyMovement(
        supply_key=key,
        at=now,
        delta=delta,
        on_hand_after=after,
        why=why,
        created_at=now,
        created_by=actor.label,
        gate=actor.gate,
    )
    session.add(supply)
    session.add(movement)
    audit.append(
        session,
        actor,
        "supplies.move",
        key,
        {"delta": delta, "on_hand": after, "why": why},
        clock=clock,
    )
    session.flush()
    return movement


def movements(
    session: Session,
    key: str | None = None,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 200,
) -> list[Movement]:
    """The newest movements first (of one item when ``key`` is given)."""
    stmt = select(SupplyMovement).order_by(
        col(SupplyMovement.at).desc(), col(SupplyMovement.id).desc()
    )
    if key is not None:
        stmt = stmt.where(SupplyMovement.supply_key == key)
    if since is not None:
        stmt = stmt.where(col(SupplyMovement.at) >= since)
    if until is not None:
        stmt = stmt.where(col(SupplyMovement.at) < until)
    return [
        Movement(m.supply_key, m.at, m.delta, m.on_hand_after, m.why, m.created_by, m.gate)
        for m in session.exec(stmt.limit(limit))
    ]


def stock_at(session: Session, at: datetime) -> list[dict[str, Any]]:
    """Every item as it stood at ``at``: today's stock less the movements since (a past day's
    report says what was on hand that day, whatever happened after)."""
    later: dict[str, int] = {}
    stmt = select(SupplyMovement.supply_key, SupplyMovement.delta).where(
        col(SupplyMovement.at) >= at
    )
    for key, delta in session.exec(stmt):
        later[key] = later.get(key, 0) + delta
    rows = []
    for s in all_supplies(session):
        row = as_row(s)
        row["on_hand"] = s.on_hand - later.get(s.key, 0)
        row["low"] = row["on_hand"] <= s.reorder_level
        rows.append(row)
    return rows


def low_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The ``supplies_low`` items of ``rows`` (from :func:`stock_at` or :func:`as_row`)."""
    keys = ("key", "name", "name_zh", "on_hand", "reorder_level")
    return [{k: r[k] for k in keys} for r in rows if r["low"]]
