"""Illness absence follow-up (因病缺勤追访): an absence with its reason and symptoms, a daily
follow-up until the student is back, and the return, which for an illness needs a
fit-to-return note (复课证明) checked by the school doctor.

Absences with fever or respiratory symptoms feed the cluster rule (``sick_absences``) and the
daily report.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from sqlmodel import Session, col, select

from duty_console.db.models import Absence, AbsenceFollowUp, Person
from duty_console.domain import audit
from duty_console.domain.actors import Actor
from duty_console.domain.clock import SYSTEM_CLOCK, Clock
from duty_console.domain.permissions import require
from duty_console.domain.watch import day_start, local_day, person
from duty_console.errors import UserError, terms
from duty_console.i18n import N_

REASONS = ("sick", "other")
SYMPTOMS: dict[str, str] = {
    "fever": N_("fever"),
    "cough": N_("cough"),
    "sore_throat": N_("sore throat"),
    "runny_nose": N_("runny nose"),
    "short_breath": N_("short of breath"),
    "vomiting": N_("vomiting"),
    "diarrhoea": N_("diarrhoea"),
    "rash": N_("rash"),
    "headache": N_("headache"),
    "fatigue": N_("fatigue"),
    "other": N_("other"),
}
RESPIRATORY = frozenset({"cough", "sore_throat", "runny_nose", "short_breath"})
FOLLOW_UP_STATUSES: dict[str, str] = {
    "at_home": N_("resting at home"),
    "seeing_doctor": N_("seeing a doctor"),
    "in_hospital": N_("in hospital"),
    "recovered": N_("recovered"),
    "unreachable": N_("family not reached"),
}


@dataclass(frozen=True, slots=True)
class AbsenceRow:
    absence_id: int
    person_id: str
    name: str
    class_name: str
    reason: str
    symptoms: tuple[str, ...]
    started_at: datetime
    last_follow_up_at: datetime | None
    last_status: str
    followed_up_today: bool

    @property
    def counts_for_cluster(self) -> bool:
        return counts_for_cluster(self.symptoms)


@dataclass(frozen=True, slots=True)
class SickAbsence:
    """One absence the cluster rule counts: fever or respiratory symptoms."""

    person_id: str
    class_name: str
    dorm: str
    started_at: datetime
    symptoms: tuple[str, ...]


def counts_for_cluster(symptoms: Iterable[str]) -> bool:
    found = set(symptoms)
    return "fever" in found or bool(found & RESPIRATORY)


def parse_symptoms(text: str | Iterable[str]) -> tuple[str, ...]:
    """'fever, cough' → ('fever', 'cough'); an unknown symptom is refused with the known ones."""
    items = text.split(",") if isinstance(text, str) else list(text)
    keys = []
    for raw in items:
        key = raw.strip().lower().replace(" ", "_").replace("-", "_")
        if not key:
            continue
        if key not in SYMPTOMS:
            raise UserError(
                N_("'{symptom}' is not a known symptom; use some of: {known}."),
                symptom=raw.strip(),
                known=list(SYMPTOMS),
            )
        if key not in keys:
            keys.append(key)
    return tuple(keys)


def _open_absence(session: Session, person_id: str) -> Absence | None:
    return session.exec(
        select(Absence).where(Absence.person_id == person_id, col(Absence.returned_at).is_(None))
    ).first()


def _require_open(session: Session, person_id: str) -> Absence:
    absence = _open_absence(session, person_id)
    if absence is None:
        person(session, person_id)
        raise UserError(N_("{id} has no open absence."), id=person_id)
    return absence


def add_absence(
    session: Session,
    actor: Actor,
    person_id: str,
    reason: str,
    symptoms: str | Iterable[str] = (),
    *,
    note: str = "",
    started_at: datetime | None = None,
    clock: Clock = SYSTEM_CLOCK,
) -> Absence:
    """Record an absence to follow up; ``symptoms`` only for an illness."""
    require(actor, "absence.record")
    if reason not in REASONS:
        raise UserError(
            N_("'{reason}' is not a reason for an absence; use one of: {known}."),
            reason=reason,
            known=terms(REASONS),
        )
    keys = parse_symptoms(symptoms)
    if keys and reason != "sick":
        raise UserError(N_("Symptoms go with an absence through illness (--reason sick)."))
    person(session, person_id)
    if _open_absence(session, person_id) is not None:
        raise UserError(N_("{id} already has an open absence; follow it up instead."), id=person_id)
    now = clock.now()
    absence = Absence(
        person_id=person_id,
        reason=reason,
        symptoms=",".join(keys),
        started_at=started_at or now,
        note=note,
        created_at=now,
        created_by=actor.label,
        gate=actor.gate,
    )
    session.add(absence)
    session.flush()
    audit.append(
        session,
        actor,
        "absence.add",
        f"person:{person_id}",
        {"absence_id": absence.id, "reason": reason, "symptoms": list(keys)},
        clock=clock,
    )
    return absence


def follow_up(
    session: Session,
    actor: Actor,
    person_id: str,
    status: str,
    *,
    called_family: bool = True,
    note: str = "",
    clock: Clock = SYSTEM_CLOCK,
) -> AbsenceFollowUp:
    """Today's follow-up of an open absence: the family called, how the student is."""
    require(actor, "absence.record")
    if status not in FOLLOW_UP_STATUSES:
        raise UserError(
            N_("'{status}' is not a follow-up status; use one of: {known}."),
            status=status,
            known=list(FOLLOW_UP_STATUSES),
        )
    absence = _require_open(session, person_id)
    now = clock.now()
    record = AbsenceFollowUp(
        absence_id=absence.id,  # type: ignore[arg-type]
        at=now,
        called_family=called_family,
        status=status,
        note=note,
        created_at=now,
        created_by=actor.label,
        gate=actor.gate,
    )
    session.add(record)
    session.flush()
    audit.append(
        session,
        actor,
        "absence.follow_up",
        f"person:{person_id}",
        {"absence_id": absence.id, "status": status, "called_family": called_family},
        clock=clock,
    )
    return record


def return_to_school(
    session: Session,
    actor: Actor,
    person_id: str,
    *,
    certificate: str = "",
    note: str = "",
    clock: Clock = SYSTEM_CLOCK,
) -> Absence:
    """Close an absence. Back from an illness needs the 复课证明, checked by the school doctor."""
    absence = _require_open(session, person_id)
    if absence.reason == "sick":
        require(actor, "absence.return")
        if not certificate.strip():
            raise UserError(
                N_(
                    "A student back from an illness needs a fit-to-return note: give its "
                    "reference (--certificate)."
                )
            )
    else:
        require(actor, "absence.record")
    now = clock.now()
    absence.returned_at = now
    absence.certificate_ref = certificate.strip()
    absence.checked_by = actor.label if absence.reason == "sick" else ""
    if note:
        absence.note = f"{absence.note}\n{note}".strip()
    session.add(absence)
    session.flush()
    audit.append(
        session,
        actor,
        "absence.return",
        f"person:{person_id}",
        {"absence_id": absence.id, "certificate": absence.certificate_ref},
        clock=clock,
    )
    return absence


def open_absences(session: Session, now: datetime, tz: tzinfo) -> list[AbsenceRow]:
    """Absences not closed yet; those not followed up today first."""
    today = day_start(local_day(now, tz), tz)
    stmt = (
        select(Absence, Person)
        .join(Person, col(Person.person_id) == col(Absence.person_id))
        .where(col(Absence.returned_at).is_(None))
    )
    rows = []
    for absence, p in session.exec(stmt):
        last = session.exec(
            select(AbsenceFollowUp)
            .where(AbsenceFollowUp.absence_id == absence.id)
            .order_by(col(AbsenceFollowUp.at).desc(), col(AbsenceFollowUp.id).desc())
            .limit(1)
        ).first()
        rows.append(
            AbsenceRow(
                absence_id=absence.id,  # type: ignore[arg-type]
                person_id=p.person_id,
                name=p.name,
                class_name=p.class_name,
                reason=absence.reason,
                symptoms=tuple(s for s in absence.symptoms.split(",") if s),
                started_at=absence.started_at,
                last_follow_up_at=last.at if last else None,
                last_status=last.status if last else "",
                followed_up_today=last is not None and today <= last.at < today + timedelta(days=1),
            )
        )
    rows.sort(key=lambda r: (r.followed_up_today, r.class_name, r.person_id))
    return rows


def sick_absences(session: Session, since: datetime, until: datetime) -> list[SickAbsence]:
    """Absences that began in [since, until) with fever or respiratory symptoms.

    The cluster rule (3 in a class or dorm in a day, 5 in 3 days) and the daily report count these.
    """
    stmt = (
        select(Absence, Person)
        .join(Person, col(Person.person_id) == col(Absence.person_id))
        .where(Absence.reason == "sick")
        .where(col(Absence.started_at) >= since, col(Absence.started_at) < until)
        .order_by(col(Absence.started_at))
    )
    out = []
    for absence, p in session.exec(stmt):
        symptoms = tuple(s for s in absence.symptoms.split(",") if s)
        if counts_for_cluster(symptoms):
            out.append(SickAbsence(p.person_id, p.class_name, p.dorm, absence.started_at, symptoms))
    return out
