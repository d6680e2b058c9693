"""The cluster rule (DOMAIN.md, 2006 norm): 3 cases in one class or dormitory on one day, or 5
within 3 days, propose a cluster incident to the safety officer.

A case is a person on a local day with a confirmed fever at the gate or a stay in an isolation
room. Drills never count. Sick absences join the count when the absences table exists (the
absence issue); until then the rule counts what the gate and the rooms record.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlmodel import Session, col, select

from duty_console.db.models import Entry, Incident, IsolationStay, Person
from duty_console.domain import audit
from duty_console.domain.actors import Actor
from duty_console.domain.clock import SYSTEM_CLOCK, Clock
from duty_console.domain.incidents import open_incident
from duty_console.domain.permissions import require
from duty_console.errors import UserError
from duty_console.i18n import N_

CLUSTER = "cluster"
PER_DAY = 3
PER_3_DAYS = 5


@dataclass(frozen=True)
class ClusterProposal:
    cluster_key: str  # "class:1-1" | "dorm:A-203"
    kind: str  # class | dorm
    group: str
    cases: int
    days: int  # 1 or 3
    person_ids: tuple[str, ...]


def _drill_entry_ids(session: Session) -> set[int]:
    return {
        i
        for i in session.exec(
            select(Incident.entry_id).where(
                col(Incident.drill).is_(True), col(Incident.entry_id).is_not(None)
            )
        )
        if i is not None
    }


def _cases(session: Session, since: datetime, tz: Any) -> set[tuple[str, date]]:
    cases: set[tuple[str, date]] = set()
    drill_entries = _drill_entry_ids(session)
    for entry_id, person_id, at in session.exec(
        select(Entry.id, Entry.person_id, Entry.at).where(
            Entry.status == "fever_confirmed",
            col(Entry.person_id).is_not(None),
            Entry.at >= since,
        )
    ):
        if entry_id not in drill_entries and person_id:
            cases.add((person_id, at.astimezone(tz).date()))
    drill_incidents = set(session.exec(select(Incident.id).where(col(Incident.drill).is_(True))))
    for person_id, at, incident_id in session.exec(
        select(IsolationStay.person_id, IsolationStay.entered_at, IsolationStay.incident_id).where(
            IsolationStay.entered_at >= since
        )
    ):
        if incident_id not in drill_incidents:
            cases.add((person_id, at.astimezone(tz).date()))
    return cases


def proposals(session: Session, now: datetime, tz: Any) -> list[ClusterProposal]:
    """Classes and dormitories that meet the rule today and have no cluster incident yet."""
    today = now.astimezone(tz).date()
    since = datetime.combine(today - timedelta(days=2), time(0), tzinfo=tz)
    cases = _cases(session, since, tz)
    if not cases:
        return []
    people = {
        p.person_id: p
        for p in session.exec(
            select(Person).where(col(Person.person_id).in_({pid for pid, _ in cases}))
        )
    }
    by_group: dict[tuple[str, str], dict[str, set[date]]] = defaultdict(lambda: defaultdict(set))
    for pid, day in cases:
        person = people.get(pid)
        if person is None:
            continue
        if person.class_name:
            by_group[("class", person.class_name)][pid].add(day)
        if person.dorm:
            by_group[("dorm", person.dorm)][pid].add(day)
    existing = set(
        session.exec(
            select(Incident.cluster_key).where(
                Incident.cluster_key != "", Incident.opened_at >= since
            )
        )
    )
    out = []
    for (kind, group), persons in sorted(by_group.items()):
        key = f"{kind}:{group}"
        if key in existing:
            continue
        today_ids = sorted(p for p, days in persons.items() if today in days)
        if len(today_ids) >= PER_DAY:
            out.append(ClusterProposal(key, kind, group, len(today_ids), 1, tuple(today_ids)))
        elif len(persons) >= PER_3_DAYS:
            out.append(ClusterProposal(key, kind, group, len(persons), 3, tuple(sorted(persons))))
    return out


def open_cluster(
    session: Session,
    actor: Actor,
    cluster_key: str,
    *,
    tz: Any,
    clock: Clock = SYSTEM_CLOCK,
) -> Incident:
    """The officer accepts a proposal: a cluster incident for that class or dormitory."""
    require(actor, "incident.cluster")
    found = {p.cluster_key: p for p in proposals(session, clock.now(), tz)}
    proposal = found.get(cluster_key)
    if proposal is None:
        raise UserError(
            N_("No cluster is proposed for '{key}'; proposed now: {keys}."),
            key=cluster_key,
            keys=", ".join(found) or "-",
        )
    incident = open_incident(session, actor, CLUSTER, clock=clock)
    incident.cluster_key = cluster_key
    session.add(incident)
    session.flush()
    audit.append(
        session,
        actor,
        "incident.cluster",
        f"incident:{incident.id}",
        {"cluster": cluster_key, "cases": list(proposal.person_ids), "days": proposal.days},
        clock=clock,
    )
    return incident


def proposals_status(session: Session, now: datetime, tz: Any) -> list[dict[str, Any]]:
    return [
        {"cluster_key": p.cluster_key, "cases": p.cases, "days": p.days}
        for p in proposals(session, now, tz)
    ]
