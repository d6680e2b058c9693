"""The roster: import from CSV (DESIGN §3.5), search by id, name or pinyin initials."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, or_, select

from duty_console.db.models import Person
from duty_console.domain import audit
from duty_console.domain.actors import Actor
from duty_console.domain.clock import SYSTEM_CLOCK, Clock
from duty_console.domain.inert import foreign
from duty_console.domain.permissions import require
from duty_console.domain.pinyin import name_keys
from duty_console.errors import UserError
from duty_console.i18n import N_

REQUIRED = ("person_id", "name")
OPTIONAL = ("kind", "grade", "class", "card_id", "guardian_name", "guardian_phone", "dorm")
KINDS = ("student", "staff")
_PERSON_ID = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")
_CARD_ID = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
_PHONE = re.compile(r"^\+?[0-9][0-9 -]{4,20}$")
# The roster table's column sizes: longer is a clear error with its line, not a database's.
FIELD_LIMITS = {"name": 64, "grade": 32, "class": 64, "guardian_name": 64, "dorm": 32}


@dataclass(frozen=True)
class RowError:
    line: int
    reason: str


@dataclass
class RosterRow:
    line: int
    person_id: str
    name: str
    kind: str = "student"
    grade: str = ""
    class_name: str = ""
    card_id: str | None = None
    guardian_name: str = ""
    guardian_phone: str = ""
    dorm: str = ""


@dataclass
class ParsedRoster:
    rows: list[RosterRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


@dataclass
class ImportResult:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: list[RowError] = field(default_factory=list)


class RosterRejected(UserError):
    def __init__(self, source: str, errors: Sequence[RowError]) -> None:
        self.errors = list(errors)
        lines = "\n".join(f"  line {e.line}: {e.reason}" for e in self.errors[:50])
        more = f"\n  … and {len(self.errors) - 50} more" if len(self.errors) > 50 else ""
        super().__init__(
            f"{source}: {len(self.errors)} bad row(s); nothing was loaded "
            f"(fix them, or use --skip-bad to load the good rows):\n{lines}{more}"
        )


def normalise_card(card_id: str) -> str:
    """Card numbers are compared without leading zeros (an RDM6300 prints 0012345678)."""
    card_id = card_id.strip()
    # ASCII digits only: '²' and '٣' pass isdigit() but are no card number (int() refuses them).
    if card_id.isascii() and card_id.isdigit():
        return str(int(card_id))
    return card_id


def parse_roster(data: bytes, source: str = "roster") -> ParsedRoster:
    """Check every row of a roster CSV; nothing touches the database here."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UserError(
            N_("{path}: not UTF-8 (byte {byte}); save the file as UTF-8 CSV and try again."),
            path=source,
            byte=exc.start,
        ) from exc
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip() for h in (reader.fieldnames or [])]
    if not header:
        raise UserError(
            N_("{path}: the file is empty; expected a header row with person_id,name."), path=source
        )
    reader.fieldnames = header
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise UserError(
            N_(
                "{path}: line 1: the header lacks {missing} "
                "(required: {required}; optional: {optional})."
            ),
            path=source,
            missing=missing,
            required=",".join(REQUIRED),
            optional=",".join(OPTIONAL),
        )
    unknown = [c for c in header if c not in REQUIRED + OPTIONAL]
    if unknown:
        raise UserError(
            N_("{path}: line 1: unknown column(s) {unknown} (known: {known})."),
            path=source,
            unknown=unknown,
            known=",".join(REQUIRED + OPTIONAL),
        )
    parsed = ParsedRoster()
    seen_ids: dict[str, int] = {}
    seen_cards: dict[str, int] = {}
    records = iter(reader)
    while True:
        before = reader.line_num
        try:
            record = next(records)
        except StopIteration:
            break
        except csv.Error as exc:
            # A field over the csv module's limit (128 KiB), say: that row, not the whole file.
            parsed.errors.append(RowError(before + 1, f"not a CSV row ({exc})"))
            continue
        line = reader.line_num
        if None in record:
            parsed.errors.append(RowError(line, "more fields than the header has columns"))
            continue
        values = {k: (v or "").strip() for k, v in record.items()}
        if not any(values.values()):
            continue
        reason = _row_problem(values, seen_ids, seen_cards)
        if reason:
            parsed.errors.append(RowError(line, reason))
            continue
        card = normalise_card(values.get("card_id", "")) or None
        seen_ids[values["person_id"]] = line
        if card:
            seen_cards[card] = line
        parsed.rows.append(
            RosterRow(
                line=line,
                person_id=values["person_id"],
                name=values["name"],
                kind=values.get("kind") or "student",
                grade=values.get("grade", ""),
                class_name=values.get("class", ""),
                card_id=card,
                guardian_name=values.get("guardian_name", ""),
                guardian_phone=values.get("guardian_phone", ""),
                dorm=values.get("dorm", ""),
            )
        )
    return parsed


def _row_problem(
    values: dict[str, str], seen_ids: dict[str, int], seen_cards: dict[str, int]
) -> str:
    for column, value in values.items():
        bad = foreign(value)
        if bad:
            return (
                f"{column} holds the control or format character {bad}, which no name, class or "
                "number has (a terminal could take it as a command)"
            )
    for column, limit in FIELD_LIMITS.items():
        if len(values.get(column, "")) > limit:
            return f"{column} is longer than {limit} characters"
    pid = values.get("person_id", "")
    if not pid:
        return "person_id is empty"
    if not _PERSON_ID.match(pid):
        return f"person_id {pid!r} may only use letters, digits, '-', '_' and '.' (at most 32)"
    if pid in seen_ids:
        return f"person_id {pid} repeats line {seen_ids[pid]}"
    name = values.get("name", "")
    if not name:
        return f"name is empty for {pid}"
    kind = values.get("kind") or "student"
    if kind not in KINDS:
        return f"kind {kind!r} is not one of {', '.join(KINDS)}"
    card = values.get("card_id", "")
    if card:
        if not _CARD_ID.match(card):
            return f"card_id {card!r} may only use letters and digits"
        norm = normalise_card(card)
        if norm in seen_cards:
            return f"card_id {card} is already used on line {seen_cards[norm]}"
    phone = values.get("guardian_phone", "")
    if phone and not _PHONE.match(phone):
        return f"guardian_phone {phone!r} is not a phone number"
    return ""


def import_roster(
    session: Session,
    actor: Actor,
    data: bytes,
    *,
    source: str = "roster",
    skip_bad: bool = False,
    clock: Clock = SYSTEM_CLOCK,
    progress: Callable[[int, int], None] | None = None,
) -> ImportResult:
    """Load or update the roster by person_id, all in the caller's transaction."""
    require(actor, "people.import")
    parsed = parse_roster(data, source)
    existing = {p.person_id: p for p in session.exec(select(Person))}
    by_card = {p.card_id: p.person_id for p in existing.values() if p.card_id}
    errors = list(parsed.errors)
    good: list[RosterRow] = []
    for row in parsed.rows:
        owner = by_card.get(row.card_id) if row.card_id else None
        if owner and owner != row.person_id and owner not in {r.person_id for r in parsed.rows}:
            errors.append(
                RowError(
                    row.line, f"card_id {row.card_id} already belongs to {owner} in the roster"
                )
            )
            continue
        good.append(row)
    errors.sort(key=lambda e: e.line)
    if errors and not skip_bad:
        raise RosterRejected(source, errors)
    result = ImportResult(skipped=errors)
    now = clock.now()
    # Free card ids that move between people in this file before reassigning them (unique index).
    moving = {r.card_id for r in good if r.card_id}
    for person in existing.values():
        if person.card_id in moving and not any(
            r.person_id == person.person_id and r.card_id == person.card_id for r in good
        ):
            person.card_id = None
            session.add(person)
    session.flush()
    total = len(good)
    for i, row in enumerate(good, 1):
        initials, full = name_keys(row.name)
        fields: dict[str, Any] = {
            "name": row.name,
            "kind": row.kind,
            "grade": row.grade,
            "class_name": row.class_name,
            "card_id": row.card_id,
            "guardian_name": row.guardian_name,
            "guardian_phone": row.guardian_phone,
            "dorm": row.dorm,
            "initials": initials,
            "pinyin": full,
        }
        known = existing.get(row.person_id)
        if known is None:
            session.add(
                Person(
                    person_id=row.person_id,
                    created_at=now,
                    updated_at=now,
                    created_by=actor.label,
                    gate=actor.gate,
                    **fields,
                )
            )
            result.added += 1
        elif any(getattr(known, k) != v for k, v in fields.items()) or not known.active:
            for k, v in fields.items():
                setattr(known, k, v)
            known.active = True
            known.updated_at = now
            session.add(known)
            result.updated += 1
        else:
            result.unchanged += 1
        if progress and (i % 200 == 0 or i == total):
            progress(i, total)
    session.flush()
    audit.append(
        session,
        actor,
        "people.import",
        source,
        {
            "added": result.added,
            "updated": result.updated,
            "unchanged": result.unchanged,
            "skipped_lines": [e.line for e in errors],
        },
        clock=clock,
    )
    return result


def read_roster_file(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise UserError(N_("{path}: cannot be read ({why})."), path=path, why=exc.strerror) from exc


def search(session: Session, query: str, limit: int = 20) -> list[Person]:
    """People whose id, card, name, pinyin initials or pinyin start with or contain the query."""
    q = query.strip()
    if not q:
        return []
    lower = q.lower()
    stmt = (
        select(Person)
        .where(col(Person.active))
        .where(
            or_(
                # autoescape: a '%' or '_' typed in the search is that character, not a wildcard.
                col(Person.person_id).istartswith(q, autoescape=True),
                col(Person.card_id) == normalise_card(q),
                col(Person.name).contains(q, autoescape=True),
                col(Person.initials).startswith(lower, autoescape=True),
                col(Person.pinyin).startswith(lower, autoescape=True),
            )
        )
        .limit(200)
    )
    found = list(session.exec(stmt))

    def rank(p: Person) -> tuple[int, str]:
        if p.person_id.lower() == lower or p.name == q or p.card_id == q:
            return (0, p.person_id)
        if p.initials == lower:
            return (1, p.person_id)
        if p.person_id.lower().startswith(lower) or p.name.startswith(q):
            return (2, p.person_id)
        return (3, p.person_id)

    return sorted(found, key=rank)[:limit]


def find_by_card(session: Session, card_or_id: str) -> Person | None:
    """An ID reader's value: matched against card_id, then person_id."""
    value = card_or_id.strip()
    person: Person | None = session.exec(
        select(Person).where(Person.card_id == normalise_card(value), col(Person.active))
    ).first()
    if person is None:
        person = session.exec(
            select(Person).where(Person.person_id == value, col(Person.active))
        ).first()
    return person


def ids_matching(session: Session, query: str, limit: int = 2000) -> set[str]:
    """Person ids a filter text means: a search (id, card, name, pinyin) or a class name."""
    q = query.strip()
    if not q:
        return set()
    found = {p.person_id for p in search(session, q, 200)}
    in_class = session.exec(
        select(Person.person_id)
        .where(col(Person.class_name).contains(q, autoescape=True))
        .limit(limit)
    )
    return found | set(in_class)
