"""The screening rules of DESIGN §3.6: valid range, fever line, recheck window, card pairing."""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, Table, bindparam, exists
from sqlalchemy import select as sa_select
from sqlmodel import Session

from duty_console.db.models import Entry
from duty_console.db.types import UTCDateTime

NORMAL = "normal"
FEVER = "fever"
RECHECK_NORMAL = "recheck_normal"
FEVER_CONFIRMED = "fever_confirmed"
INVALID = "invalid"
DENIED = "denied"


@dataclass(frozen=True, slots=True)
class Rules:
    fever_threshold_c: float = 37.3
    valid_min_c: float = 32.0
    valid_max_c: float = 42.9
    recheck_within_s: int = 300
    pair_within_s: int = 10


def is_valid(temp_c: float | None, rules: Rules) -> bool:
    return (
        temp_c is not None
        and math.isfinite(temp_c)
        and rules.valid_min_c <= temp_c <= rules.valid_max_c
    )


def classify(temp_c: float | None, open_fever: bool, rules: Rules) -> str:
    """Status of one reading; ``open_fever``: the person has a fever entry awaiting recheck."""
    if not is_valid(temp_c, rules):
        return INVALID
    assert temp_c is not None
    if open_fever:
        return FEVER_CONFIRMED if temp_c >= rules.fever_threshold_c else RECHECK_NORMAL
    return FEVER if temp_c >= rules.fever_threshold_c else NORMAL


def _open_fever_statement() -> Select[Any]:
    """Built once: this runs for every identified reading at the gate."""
    entry: Table = Entry.__table__  # type: ignore[attr-defined]
    recheck = entry.alias("recheck")
    return (
        sa_select(entry.c.id)
        .where(
            entry.c.person_id == bindparam("person_id"),
            entry.c.status == FEVER,
            entry.c.at >= bindparam("since", type_=UTCDateTime),
            entry.c.at <= bindparam("at", type_=UTCDateTime),
            entry.c.id != bindparam("exclude_id"),
            ~exists().where(recheck.c.recheck_of == entry.c.id),
        )
        .order_by(entry.c.at.desc())
        .limit(1)
    )


_OPEN_FEVER = _open_fever_statement()


def open_fever_entry(
    session: Session, person_id: str, at: datetime, rules: Rules, exclude_id: int | None = None
) -> int | None:
    """The person's latest fever entry within the recheck window that has no recheck yet."""
    params = {
        "person_id": person_id,
        "since": at - timedelta(seconds=rules.recheck_within_s),
        "at": at,
        "exclude_id": -1 if exclude_id is None else exclude_id,
    }
    return session.connection().execute(_OPEN_FEVER, params).scalar()


@dataclass(slots=True)
class _Card:
    person_id: str | None
    card_id: str
    mono: float


class CardPairing:
    """Cards waiting for their reading at one gate.

    A card pairs with the first reading after it, within ``pair_within_s``. When several cards
    wait, the reading is the first after each of them, so it goes to the newest card (the person
    now at the thermometer) and the older ones, who walked past it, pair with nothing.
    """

    def __init__(self, pair_within_s: float) -> None:
        self.pair_within_s = pair_within_s
        self._waiting: deque[_Card] = deque()

    def card(self, card_id: str, person_id: str | None, mono: float) -> None:
        self._drop_stale(mono)
        self._waiting.append(_Card(person_id, card_id, mono))

    def reading(self, mono: float) -> tuple[str | None, str | None]:
        """(person_id, card_id) for a reading at ``mono``, or (None, None): unidentified."""
        self._drop_stale(mono)
        if not self._waiting:
            return None, None
        card = self._waiting.pop()
        self._waiting.clear()
        return card.person_id, card.card_id

    def _drop_stale(self, mono: float) -> None:
        while self._waiting and mono - self._waiting[0].mono > self.pair_within_s:
            self._waiting.popleft()

    def __len__(self) -> int:
        return len(self._waiting)
