"""The screening rules of DESIGN §3.6, and the one path every reading takes to become an entry.

Pure rules first (no database): ``round_temp``, ``classify``, ``decide``. Then the lookups a
decision needs (``person_state``) and the write path (``screen``, then ``after_insert``) that
the engine's writer, the manual forms and the tests all call:

    decision = screen(session, rules, person_id, temp_c, mode, at)   # before the INSERT
    ... insert the entry with decision.status / recheck_of / rest_of / incident_id ...
    after_insert(session, actor, decision, entry_id, ...)             # incident, resolutions

A person's fever is one story: the first fever; readings during the rest (``recheck_rest_s``)
are ``fever`` again for that same fever (``rest_of``), never a second one; the first reading
after the rest is the recheck (``recheck_of``), however late — a fever never times out, it goes
overdue; a confirmed fever opens one ``fever-at-gate`` incident, and every later reading of
that person attaches to it (``incident_id``) until it closes.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum
from functools import lru_cache
from typing import Any

from sqlalchemy import Select, Table, bindparam, update
from sqlalchemy import select as sa_select
from sqlmodel import Session

from duty_console.db.models import Entry, Incident
from duty_console.db.types import UTCDateTime


class Status(StrEnum):
    """An entry's status (DESIGN §3.3); the database checks these values."""

    NORMAL = "normal"
    FEVER = "fever"
    RECHECK_NORMAL = "recheck_normal"
    FEVER_CONFIRMED = "fever_confirmed"
    INVALID = "invalid"
    DENIED = "denied"


class Mode(StrEnum):
    """How a temperature was measured (DESIGN §3.3)."""

    IR = "ir"  # an IR device at the gate (forehead or wrist)
    CONTACT = "contact"  # axillary or oral, typed
    MANUAL = "manual"  # typed from a hand-held IR gun


NORMAL = Status.NORMAL
FEVER = Status.FEVER
RECHECK_NORMAL = Status.RECHECK_NORMAL
FEVER_CONFIRMED = Status.FEVER_CONFIRMED
INVALID = Status.INVALID
DENIED = Status.DENIED

# How an open fever ended (Entry.resolution).
RESOLVED_RECHECKED = "rechecked"
RESOLVED_DENIED = "denied"
RESOLVED_INCIDENT = "incident"


@dataclass(frozen=True, slots=True)
class Rules:
    fever_threshold_c: float = 37.3
    valid_min_c: float = 32.0
    valid_max_c: float = 42.9
    recheck_within_s: int = 300
    recheck_rest_s: int = 60
    pair_within_s: int = 10
    # mode → its own fever line, where the config sets one ([screening.thresholds]).
    thresholds: tuple[tuple[str, float], ...] = ()

    def threshold(self, mode: str) -> float:
        for name, value in self.thresholds:
            if name == mode:
                return value
        return self.fever_threshold_c


@lru_cache(maxsize=4096)
def round_temp(value: float) -> float:
    """One decimal, half up (37.25 → 37.3), for every source: device, typed, imported.

    Through hundredths first, so 36.55 + 0.4 stays 36.95 and not 36.9499…, and 37.25 typed
    rounds up where ``round()`` would give 37.2.
    """
    if not math.isfinite(value):
        raise ValueError(f"{value} is not a temperature")
    try:
        hundredths = Decimal(f"{value:.2f}")
        return float(hundredths.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))
    except InvalidOperation as exc:  # pragma: no cover - finite floats always format
        raise ValueError(f"{value} is not a temperature") from exc


def is_valid(temp_c: float | None, rules: Rules) -> bool:
    return (
        temp_c is not None
        and math.isfinite(temp_c)
        and rules.valid_min_c <= temp_c <= rules.valid_max_c
    )


def classify(temp_c: float | None, open_fever: bool, rules: Rules, mode: str = Mode.IR) -> Status:
    """Status of one reading on its own: ``open_fever`` says it is the recheck of one."""
    if not is_valid(temp_c, rules):
        return INVALID
    assert temp_c is not None
    high = temp_c >= rules.threshold(mode)
    if open_fever:
        return FEVER_CONFIRMED if high else RECHECK_NORMAL
    return FEVER if high else NORMAL


@dataclass(frozen=True, slots=True)
class OpenFever:
    """A person's fever that nobody has rechecked, refused or closed yet."""

    id: int
    at: datetime


@dataclass(frozen=True, slots=True)
class Decision:
    """What one reading is: its status and what it links to."""

    status: Status
    recheck_of: int | None = None  # the fever this reading rechecks
    rest_of: int | None = None  # the fever this reading came too soon after
    incident_id: int | None = None  # the open incident this reading is a step of
    opens_incident: bool = False
    rest_until: datetime | None = None  # when the recheck may be taken (rest_of readings)


def decide(
    temp_c: float | None,
    mode: str,
    at: datetime,
    rules: Rules,
    fever: OpenFever | None = None,
    incident_id: int | None = None,
) -> Decision:
    """The rules of DESIGN §3.6 for one reading of a person (pure: no database)."""
    if incident_id is not None:
        # Under an open incident: a step of it (the doctor's axillary reading), never a new one.
        return Decision(classify(temp_c, True, rules, mode), incident_id=incident_id)
    if fever is None:
        return Decision(classify(temp_c, False, rules, mode))
    if not is_valid(temp_c, rules):
        return Decision(INVALID)
    rest_until = fever.at + timedelta(seconds=rules.recheck_rest_s)
    if at < rest_until:
        # Too soon: the same fever again, not its recheck and not a second fever.
        return Decision(FEVER, rest_of=fever.id, rest_until=rest_until)
    status = classify(temp_c, True, rules, mode)
    return Decision(status, recheck_of=fever.id, opens_incident=status == FEVER_CONFIRMED)


# -- what the database knows of a person ---------------------------------------------------

_ENTRY: Table = Entry.__table__  # type: ignore[attr-defined]
_INCIDENT: Table = Incident.__table__  # type: ignore[attr-defined]

# A reading stamped up to this long before its person's fever still belongs to that fever: the
# wall clock stepped back (NTP, a dead RTC battery corrected) between the two. It is the same
# fever, resting until the clock passes the rest again, never a second fever.
CLOCK_SLACK_S = 3600

# Built once: these run for every identified reading at the gate.
_OPEN_FEVER: Select[Any] = (
    sa_select(_ENTRY.c.id, _ENTRY.c.at)
    .where(
        _ENTRY.c.person_id == bindparam("person_id"),
        _ENTRY.c.status == FEVER.value,
        _ENTRY.c.rest_of.is_(None),
        _ENTRY.c.resolved_at.is_(None),
        _ENTRY.c.at <= bindparam("at", type_=UTCDateTime),
    )
    .order_by(_ENTRY.c.at.desc())
    .limit(1)
)
_OPEN_INCIDENT: Select[Any] = (
    sa_select(_INCIDENT.c.id)
    .where(
        _INCIDENT.c.person_id == bindparam("person_id"),
        _INCIDENT.c.playbook_key == "fever-at-gate",
        _INCIDENT.c.state == "open",
        _INCIDENT.c.drill.is_(False),
    )
    .order_by(_INCIDENT.c.id.desc())
    .limit(1)
)


def person_state(
    session: Session, person_id: str, at: datetime, clock_slack_s: float = CLOCK_SLACK_S
) -> tuple[OpenFever | None, int | None]:
    """The person's open fever (if any) and open fever-at-gate incident (if any).

    ``clock_slack_s``: how far after ``at`` a fever may be stamped and still be this reading's
    (0 when naming the person of an old reading, which must not join a later fever).
    """
    connection = session.connection()
    incident_id = connection.execute(_OPEN_INCIDENT, {"person_id": person_id}).scalar()
    if incident_id is not None:
        return None, int(incident_id)
    latest = at + timedelta(seconds=clock_slack_s)
    row = connection.execute(_OPEN_FEVER, {"person_id": person_id, "at": latest}).first()
    return (OpenFever(int(row[0]), row[1]) if row else None), None


def screen(
    session: Session,
    rules: Rules,
    person_id: str | None,
    temp_c: float | None,
    mode: str,
    at: datetime,
    clock_slack_s: float = CLOCK_SLACK_S,
) -> Decision:
    """The decision for one reading, with what the database knows of the person."""
    if person_id is None:
        return decide(temp_c, mode, at, rules)
    fever, incident_id = person_state(session, person_id, at, clock_slack_s)
    return decide(temp_c, mode, at, rules, fever, incident_id)


def entry_fields(decision: Decision) -> dict[str, Any]:
    """The entry's columns that come from the decision."""
    return {
        "status": decision.status.value,
        "recheck_of": decision.recheck_of,
        "rest_of": decision.rest_of,
        "incident_id": decision.incident_id,
    }


def resolve_fever(
    session: Session, fever_id: int, at: datetime, by: str, resolution: str, note: str = ""
) -> None:
    """Close an open fever: it leaves the recheck list on every console."""
    session.connection().execute(
        update(_ENTRY)
        .where(_ENTRY.c.id == fever_id, _ENTRY.c.resolved_at.is_(None))
        .values(resolved_at=at, resolved_by=by, resolution=resolution, resolution_note=note)
    )


# -- card pairing ----------------------------------------------------------------------------


@dataclass(slots=True)
class _Card:
    person_id: str | None
    card_id: str
    mono: float


class CardPairing:
    """Cards waiting for their reading at one gate, on the frames' monotonic clock.

    A card pairs with the first reading after it, within ``pair_within_s``. When several cards
    wait, the reading is the first after each of them, so it goes to the newest card (the person
    now at the thermometer) and the older ones, who walked past it, pair with nothing. Times are
    ``time.monotonic()`` at receipt, so a clock step (NTP, daylight saving) cannot pair a card with
    a reading a minute away or keep a stale card alive.
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
