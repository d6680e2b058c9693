"""Class checks (晨午检): per class and session the present, absent (sick / other) and
with-symptoms counts, typed by the class teacher or the duty staff, or imported from a CSV.

Which classes have not reported this session is a query, not a flag: a class is missing until a
record for its day and session exists. A symptomatic student named in a check becomes a person
under watch (category ``abnormal_check``) with the recorder as the named contact.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, tzinfo

from sqlmodel import Session, col, func, select

from duty_console.db.models import ClassCheck, Person, WatchEntry
from duty_console.domain import audit
from duty_console.domain import watch as watch_service
from duty_console.domain.actors import Actor
from duty_console.domain.clock import SYSTEM_CLOCK, Clock
from duty_console.domain.permissions import require
from duty_console.errors import UserError, terms
from duty_console.i18n import N_

SESSIONS = ("morning", "noon")
# From this local time on, the session being checked is the noon one.
NOON_FROM = time(11, 0)
FOLLOW_UP_CATEGORY = "abnormal_check"
CSV_COLUMNS = ("class", "session", "present", "absent")
CSV_OPTIONAL = ("absent_sick", "symptoms", "date")


@dataclass(frozen=True, slots=True)
class ClassBoardRow:
    class_name: str
    size: int
    check: ClassCheck | None

    @property
    def reported(self) -> bool:
        return self.check is not None


def current_session(now: datetime, tz: tzinfo) -> tuple[date, str]:
    """(local day, 'morning' | 'noon') of the check being taken at ``now``."""
    local = now.astimezone(tz)
    return local.date(), "noon" if local.time() >= NOON_FROM else "morning"


_NUMERALS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def _number(text: str) -> int | None:
    """'七' → 7, '十二' → 12, '12' → 12; None if ``text`` is not a number."""
    if text.isdigit():
        return int(text)
    if text and all(ch in _NUMERALS or ch == "十" for ch in text):
        if "十" not in text:
            return _NUMERALS.get(text) if len(text) == 1 else None
        tens, _sep, units = text.partition("十")
        return _NUMERALS.get(tens, 1) * 10 + _NUMERALS.get(units, 0)
    return None


def class_order(name: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key reading the numbers in a class name: 七年级2班 before 八年级1班 before 九年级1班."""
    key: list[tuple[int, int | str]] = []
    run = ""
    for ch in name + " ":
        if ch.isdigit() or ch in _NUMERALS or ch == "十":
            run += ch
            continue
        if run:
            n = _number(run)
            key.append((0, n) if n is not None else (1, run))
            run = ""
        key.append((1, ch))
    return tuple(key)


def class_sizes(session: Session) -> dict[str, int]:
    """Each class on the roster and its number of active students, in grade and class order."""
    stmt = (
        select(Person.class_name, func.count())
        .where(Person.kind == "student", col(Person.active), Person.class_name != "")
        .group_by(col(Person.class_name))
    )
    found = {name: int(n) for name, n in session.exec(stmt)}
    return {name: found[name] for name in sorted(found, key=class_order)}


def _check_session(name: str) -> None:
    if name not in SESSIONS:
        raise UserError(
            N_("'{session}' is not a check session; use one of: {known}."),
            session=name,
            known=terms(SESSIONS),
        )


def _validate_counts(
    class_name: str, size: int, present: int, absent: int, absent_sick: int, symptomatic: int
) -> None:
    if min(present, absent, absent_sick, symptomatic) < 0:
        raise UserError(N_("The counts of a class check cannot be negative."))
    if absent_sick > absent:
        raise UserError(
            N_("{sick} absent through illness is more than the {absent} absent."),
            sick=absent_sick,
            absent=absent,
        )
    if symptomatic > present:
        raise UserError(
            N_("{n} with symptoms is more than the {present} present."),
            n=symptomatic,
            present=present,
        )
    if present + absent > size:
        raise UserError(
            N_(
                "{present} present and {absent} absent is more than the {size} students of "
                "{class_name} on the roster."
            ),
            present=present,
            absent=absent,
            size=size,
            class_name=class_name,
        )


def _class_size(session: Session, class_name: str) -> int:
    size = class_sizes(session).get(class_name)
    if size is None:
        raise UserError(
            N_("There is no class '{class_name}' on the roster."), class_name=class_name
        )
    return size


def record_check(
    session: Session,
    actor: Actor,
    class_name: str,
    session_name: str,
    *,
    present: int,
    absent: int,
    absent_sick: int = 0,
    symptomatic: int = 0,
    symptomatic_people: Sequence[str] = (),
    day: date,
    note: str = "",
    clock: Clock = SYSTEM_CLOCK,
) -> ClassCheck:
    """A class's morning or noon check for ``day``; a second record for the same class and
    session corrects the first (both are in the audit trail)."""
    require(actor, "check.record")
    _check_session(session_name)
    size = _class_size(session, class_name)
    _validate_counts(class_name, size, present, absent, absent_sick, symptomatic)
    if len(symptomatic_people) > symptomatic:
        raise UserError(
            N_("{named} people named with symptoms, but the count says {n}."),
            named=len(symptomatic_people),
            n=symptomatic,
        )
    for person_id in symptomatic_people:
        p = watch_service.person(session, person_id)
        if p.class_name != class_name:
            raise UserError(N_("{id} is not in {class_name}."), id=person_id, class_name=class_name)
    now = clock.now()
    check = session.exec(
        select(ClassCheck).where(
            ClassCheck.day == day,
            ClassCheck.session == session_name,
            ClassCheck.class_name == class_name,
        )
    ).first()
    corrected = check is not None
    if check is None:
        check = ClassCheck(
            day=day,
            session=session_name,
            class_name=class_name,
            present=present,
            absent=absent,
            created_at=now,
            created_by=actor.label,
            gate=actor.gate,
        )
    check.present, check.absent = present, absent
    check.absent_sick, check.symptomatic = absent_sick, symptomatic
    check.recorded_at, check.note = now, note
    session.add(check)
    session.flush()
    audit.append(
        session,
        actor,
        "check.correct" if corrected else "check.record",
        f"class:{class_name}",
        {
            "day": day.isoformat(),
            "session": session_name,
            "present": present,
            "absent": absent,
            "absent_sick": absent_sick,
            "symptomatic": symptomatic,
            "people": list(symptomatic_people),
        },
        clock=clock,
    )
    for person_id in symptomatic_people:
        already = session.exec(
            select(WatchEntry).where(
                WatchEntry.person_id == person_id,
                WatchEntry.category == FOLLOW_UP_CATEGORY,
                col(WatchEntry.until).is_(None),
            )
        ).first()
        if already is None:
            watch_service.add_watch(
                session,
                actor,
                person_id,
                FOLLOW_UP_CATEGORY,
                actor.staff_id,
                note=note,
                clock=clock,
                contact_required=False,
            )
    return check


def board(session: Session, day: date, session_name: str) -> list[ClassBoardRow]:
    """Every class with its check for that day and session (None: not reported yet)."""
    _check_session(session_name)
    checks = {
        c.class_name: c
        for c in session.exec(
            select(ClassCheck).where(ClassCheck.day == day, ClassCheck.session == session_name)
        )
    }
    return [
        ClassBoardRow(name, size, checks.get(name)) for name, size in class_sizes(session).items()
    ]


def not_reported(session: Session, day: date, session_name: str) -> list[str]:
    """Classes with no check for that day and session yet."""
    return [row.class_name for row in board(session, day, session_name) if not row.reported]


def done_and_due(session: Session, day: date, *, until_session: str = "noon") -> tuple[int, int]:
    """(checks recorded, checks due) on ``day`` for the sessions up to ``until_session``."""
    sessions = SESSIONS[: SESSIONS.index(until_session) + 1]
    classes = class_sizes(session)
    done = int(
        session.exec(
            select(func.count())
            .select_from(ClassCheck)
            .where(ClassCheck.day == day, col(ClassCheck.session).in_(sessions))
            .where(col(ClassCheck.class_name).in_(list(classes)))
        ).one()
    )
    return done, len(classes) * len(sessions)


def status(session: Session, now: datetime, tz: tzinfo) -> dict[str, object]:
    """The ``class_checks`` of ``status``: this session and who has not reported."""
    day, session_name = current_session(now, tz)
    rows = board(session, day, session_name)
    return {
        "date": day.isoformat(),
        "session": session_name,
        "reported": sum(1 for r in rows if r.reported),
        "due": len(rows),
        "not_reported": [r.class_name for r in rows if not r.reported],
        "symptomatic": sum(r.check.symptomatic for r in rows if r.check is not None),
        "absent_sick": sum(r.check.absent_sick for r in rows if r.check is not None),
    }


def _int(value: str, column: str, line: int, errors: list[str]) -> int:
    try:
        n = int(value.strip() or "0")
    except ValueError:
        errors.append(f"line {line}: {column} '{value}' is not a whole number")
        return 0
    return n


def import_checks(
    session: Session,
    actor: Actor,
    data: bytes,
    *,
    source: str,
    today: date,
    clock: Clock = SYSTEM_CLOCK,
) -> int:
    """Load class checks from a CSV (class,session,present,absent[,absent_sick,symptoms,date]).

    Every row is checked first; a file with any bad row loads nothing and the error lists the
    bad lines.
    """
    require(actor, "check.record")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UserError(N_("{source}: not UTF-8 text."), source=source) from exc
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in CSV_COLUMNS if c not in header]
    if missing:
        raise UserError(
            N_("{source}: the header lacks the column(s) {columns}."),
            source=source,
            columns=missing,
        )
    sizes = class_sizes(session)
    errors: list[str] = []
    rows: list[dict[str, object]] = []
    for line, raw in enumerate(reader, start=2):
        row = {(k or "").strip(): (v or "").strip() for k, v in raw.items()}
        counts = {
            c: _int(row.get(c, ""), c, line, errors)
            for c in ("present", "absent", "absent_sick", "symptoms")
        }
        when = today
        if row.get("date"):
            try:
                when = date.fromisoformat(row["date"])
            except ValueError:
                errors.append(f"line {line}: date '{row['date']}' is not like 2026-11-30")
        if row["session"] not in SESSIONS:
            errors.append(f"line {line}: session '{row['session']}' is not morning or noon")
        if row["class"] not in sizes:
            errors.append(f"line {line}: no class '{row['class']}' on the roster")
            continue
        try:
            _validate_counts(
                row["class"],
                sizes[row["class"]],
                counts["present"],
                counts["absent"],
                counts["absent_sick"],
                counts["symptoms"],
            )
        except UserError as exc:
            errors.append(f"line {line}: {exc}")
        rows.append({"class": row["class"], "session": row["session"], "day": when, **counts})
    if errors:
        shown = "; ".join(errors[:5])
        more = len(errors) - 5
        raise UserError(
            N_("{source}: nothing loaded; fix these rows: {errors}{more}."),
            source=source,
            errors=shown,
            more=f" (and {more} more)" if more > 0 else "",
        )
    for r in rows:
        record_check(
            session,
            actor,
            str(r["class"]),
            str(r["session"]),
            present=int(r["present"]),  # type: ignore[call-overload]
            absent=int(r["absent"]),  # type: ignore[call-overload]
            absent_sick=int(r["absent_sick"]),  # type: ignore[call-overload]
            symptomatic=int(r["symptoms"]),  # type: ignore[call-overload]
            day=r["day"],  # type: ignore[arg-type]
            note=f"imported from {source}",
            clock=clock,
        )
    return len(rows)
