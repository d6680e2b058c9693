"""The daily report (一日一报) and the zero report (零报告): DESIGN §3.7, DOMAIN.md.

Each part of the report is one small function with a clear input, so a part can be pointed at a
richer source without touching the rest:

- :func:`gate_counts` (entries by status, refusals for fever, visitors), drills left out by
  :func:`drill_entry_ids`;
- :func:`incident_counts`, :func:`isolation_counts`;
- :func:`people_counts` (sick absences, class checks) and :func:`class_rows`;
- :func:`compliance` (disinfection, ventilation done ÷ due);
- :func:`watch_now`, and the supplies from :mod:`duty_console.domain.supplies`.

:func:`daily_report` puts them together for one local day; ``zero_report`` is true when nothing
abnormal happened (§3.7). The report is data (a dict); :mod:`duty_console.reports.render` writes
it as Markdown, CSV, xlsx or JSON.
"""

from __future__ import annotations

import os
from collections import Counter
from datetime import date, datetime, time, timedelta, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from duty_console.db.connect import Database
from duty_console.db.models import (
    AreaType,
    Entry,
    Incident,
    IncidentStep,
    IsolationStay,
    Person,
    Visitor,
    WatchEntry,
)
from duty_console.domain import report_versions, supplies, walkthrough
from duty_console.domain.actors import Actor, system_actor
from duty_console.domain.clock import SYSTEM_CLOCK, Clock
from duty_console.domain.report_versions import Recorded
from duty_console.domain.timers import DISINFECTION, VENTILATION, Schedule, day_compliance
from duty_console.reports import render

# The keys of DESIGN §3.7, in the order the report lists them.
CONTRACT_KEYS = (
    "date",
    "zero_report",
    "entries",
    "fever",
    "fever_confirmed",
    "invalid",
    "denied",
    "denied_fever",
    "visitors",
    "isolation_now",
    "incidents_open",
    "incidents_opened",
    "absent_sick",
    "class_checks_done",
    "class_checks_due",
    "disinfection_compliance",
    "ventilation_compliance",
    "supplies_low",
)

# The statuses counted one by one (each key: entries with exactly that status).
COUNTED_STATUSES = ("normal", "fever", "recheck_normal", "fever_confirmed", "invalid", "denied")

HOME_DISPOSITIONS = ("guardian", "home", "dormitory", "dorm", "returned")


def local_day_bounds(day: date, tz: tzinfo) -> tuple[datetime, datetime]:
    """The local day as [start, end) instants (a day where the clocks change is 23 or 25 h)."""
    start = datetime.combine(day, time.min, tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=tz)
    return start, end


def _drill_incident_ids(session: Session) -> set[int]:
    return {
        i
        for i in session.exec(select(Incident.id).where(col(Incident.drill).is_(True)))
        if i is not None
    }


def drill_entry_ids(session: Session, since: datetime, until: datetime) -> set[int]:
    """Entries that belong to drills, which the report leaves out: ``walkthrough``'s rule (a
    drill person's entries while the drill ran, the readings a drill claimed) and the entry a
    drill was opened from."""
    out = walkthrough.drill_entry_ids(session, since, until)
    stmt = select(Incident.entry_id).where(
        col(Incident.drill).is_(True), col(Incident.entry_id).is_not(None)
    )
    out.update(i for i in session.exec(stmt) if i is not None)
    return out


def day_entries(
    session: Session, since: datetime, until: datetime, drills: set[int] | None = None
) -> list[Entry]:
    """The day's entries, oldest first, drills left out."""
    if drills is None:
        drills = drill_entry_ids(session, since, until)
    stmt = (
        select(Entry)
        .where(col(Entry.at) >= since, col(Entry.at) < until)
        .order_by(col(Entry.at), col(Entry.id))
    )
    return [e for e in session.exec(stmt) if e.id not in drills]


def gate_counts(entries: list[Entry], visitors: int) -> dict[str, int]:
    """Entries of the day by status; ``denied_fever`` the refusals for fever (visitors too)."""
    by_status = Counter(e.status for e in entries)
    counts = {"entries": len(entries)}
    counts.update({s: by_status.get(s, 0) for s in COUNTED_STATUSES})
    counts["denied_fever"] = sum(1 for e in entries if e.status == "denied" and e.reason == "fever")
    counts["visitors"] = visitors
    return counts


def visitors_logged(session: Session, since: datetime, until: datetime) -> int:
    stmt = (
        select(func.count())
        .select_from(Visitor)
        .where(col(Visitor.at) >= since, col(Visitor.at) < until)
    )
    return int(session.exec(stmt).one())


def incident_counts(
    session: Session,
    since: datetime,
    until: datetime,
    drill_entries: set[int] | frozenset[int] = frozenset(),
) -> dict[str, int]:
    """Incidents (drills left out, and incidents opened from a drill's readings): opened that
    day, open at its end (or now), their overdue steps at that moment."""
    real = select(Incident).where(col(Incident.drill).is_(False))

    def counted(rows: Any) -> list[Incident]:
        return [i for i in rows if i.entry_id is None or i.entry_id not in drill_entries]

    opened = counted(
        session.exec(real.where(col(Incident.opened_at) >= since, col(Incident.opened_at) < until))
    )
    open_then = counted(
        session.exec(
            real.where(col(Incident.opened_at) < until).where(
                or_(col(Incident.closed_at).is_(None), col(Incident.closed_at) >= until)
            )
        )
    )
    overdue = 0
    for inc in open_then:
        steps = session.exec(select(IncidentStep).where(IncidentStep.incident_id == inc.id))
        overdue += sum(
            1
            for s in steps
            if not s.skipped
            and s.due_at is not None
            and s.due_at < until
            and (s.done_at is None or s.done_at > s.due_at)
        )
    return {
        "incidents_open": len(open_then),
        "incidents_opened": len(opened),
        "incident_steps_overdue": overdue,
    }


def isolation_counts(session: Session, since: datetime, until: datetime) -> dict[str, int]:
    """In isolation at the end of the day (or now), and who left that day to home or hospital."""
    drills = _drill_incident_ids(session)
    stays = [
        s
        for s in session.exec(select(IsolationStay).where(col(IsolationStay.entered_at) < until))
        if s.incident_id not in drills
    ]
    now_in = [s for s in stays if s.left_at is None or s.left_at >= until]
    left = [s for s in stays if s.left_at is not None and since <= s.left_at < until]
    return {
        "isolation_now": len(now_in),
        "sent_home": sum(1 for s in left if s.disposition in HOME_DISPOSITIONS),
        "sent_to_hospital": sum(1 for s in left if s.disposition == "hospital"),
    }


def people_counts(session: Session, day: date, tz: tzinfo) -> dict[str, int]:
    """New sick absences (fever or respiratory symptoms) and class checks done/due that day."""
    from duty_console.domain.people_day import daily_counts

    return daily_counts(session, day, tz)


def class_rows(session: Session, entries: list[Entry]) -> list[dict[str, Any]]:
    """Per class of the roster: its size and how many of it came through the gate that day."""
    seen = {e.person_id for e in entries if e.person_id}
    rows: dict[str, dict[str, Any]] = {}
    # In the roster's order (grade by grade), which sorting Chinese class names would not keep.
    stmt = (
        select(Person.class_name, Person.person_id)
        .where(col(Person.active).is_(True), Person.class_name != "")
        .order_by(col(Person.id))
    )
    for class_name, person_id in session.exec(stmt):
        row = rows.setdefault(class_name, {"class": class_name, "size": 0, "arrived": 0})
        row["size"] += 1
        row["arrived"] += person_id in seen
    return list(rows.values())


def ratio(done: int, due: int) -> float:
    """done ÷ due, 1.0 when nothing was due (DESIGN §3.7)."""
    return 1.0 if due == 0 else round(min(done, due) / due, 3)


def default_schedule(tz: tzinfo) -> Schedule:
    """The timers' default rules in the site's timezone (callers with a runtime pass
    ``runtime.timers_schedule(rt)`` instead, with the config's [timers])."""
    return Schedule(tz=tz if isinstance(tz, ZoneInfo) else ZoneInfo(str(tz)))


def compliance_counts(session: Session, day: date, sched: Schedule) -> dict[str, tuple[int, int]]:
    """The day's (done, due) of each kind over every area, from the timers' own rules
    (``timers.day_compliance``: every-N-days periods, shift changes, trips)."""
    totals = {DISINFECTION: [0, 0], VENTILATION: [0, 0]}
    for kinds in day_compliance(session, day, sched).values():
        for kind, (done, due) in kinds.items():
            totals[kind][0] += done
            totals[kind][1] += due
    return {
        "disinfection": (totals[DISINFECTION][0], totals[DISINFECTION][1]),
        "ventilation": (totals[VENTILATION][0], totals[VENTILATION][1]),
    }


def compliance(session: Session, day: date, sched: Schedule) -> tuple[float, float]:
    """The day's (disinfection, ventilation) compliance over every area."""
    counts = compliance_counts(session, day, sched)
    return ratio(*counts["disinfection"]), ratio(*counts["ventilation"])


def compliance_by_type(session: Session, day: date, sched: Schedule) -> list[dict[str, Any]]:
    """Per area type with anything due: both kinds together, done and due (a picture's bars)."""
    types = {t.key: t for t in session.exec(select(AreaType))}
    out = []
    for key, kinds in day_compliance(session, day, sched).items():
        done = sum(d for d, _due in kinds.values())
        due = sum(due for _d, due in kinds.values())
        if due and key in types:
            t = types[key]
            out.append(
                {"type": key, "name": t.name_en, "name_zh": t.name_zh, "done": done, "due": due}
            )
    return out


def watch_now(session: Session, until: datetime) -> int:
    """People under daily watch at the end of the day (or now)."""
    stmt = (
        select(func.count())
        .select_from(WatchEntry)
        .where(col(WatchEntry.since) < until)
        .where(or_(col(WatchEntry.until).is_(None), col(WatchEntry.until) >= until))
    )
    return int(session.exec(stmt).one())


def is_zero_report(counts: dict[str, Any]) -> bool:
    """Nothing abnormal (§3.7): no fever of either kind, no refusal for fever, no incident opened,
    nobody in isolation, no new sick absence with fever or respiratory symptoms."""
    return not any(
        counts[k]
        for k in (
            "fever",
            "fever_confirmed",
            "denied_fever",
            "incidents_opened",
            "isolation_now",
            "absent_sick",
        )
    )


def daily_report(
    session: Session,
    day: date,
    tz: tzinfo,
    now: datetime,
    *,
    school: str = "",
    sched: Schedule | None = None,
) -> dict[str, Any]:
    """The report of the local ``day``: the keys of §3.7 first, then the fields of DOMAIN.md.

    A day not yet over is counted up to ``now`` (isolation and open incidents as they are now).
    """
    since, end = local_day_bounds(day, tz)
    until = min(end, max(now, since))
    drills = drill_entry_ids(session, since, end)
    entries = day_entries(session, since, end, drills)
    counts: dict[str, Any] = gate_counts(entries, visitors_logged(session, since, end))
    counts.update(incident_counts(session, since, until, drills))
    counts.update(isolation_counts(session, since, until))
    counts.update(people_counts(session, day, tz))
    hygiene = compliance_counts(session, day, sched or default_schedule(tz))
    stock = supplies.stock_at(session, until)
    report: dict[str, Any] = {
        "date": day.isoformat(),
        "zero_report": is_zero_report(counts),
        **{k: counts[k] for k in CONTRACT_KEYS if k in counts},
        "disinfection_compliance": ratio(*hygiene["disinfection"]),
        "ventilation_compliance": ratio(*hygiene["ventilation"]),
        "supplies_low": supplies.low_rows(stock),
    }
    report = {k: report[k] for k in CONTRACT_KEYS}
    report.update(
        {
            "school": school,
            "normal": counts["normal"],
            "recheck_normal": counts["recheck_normal"],
            "sent_home": counts["sent_home"],
            "sent_to_hospital": counts["sent_to_hospital"],
            "incident_steps_overdue": counts["incident_steps_overdue"],
            "watch_now": watch_now(session, until),
            "disinfection_done": hygiene["disinfection"][0],
            "disinfection_due": hygiene["disinfection"][1],
            "ventilation_done": hygiene["ventilation"][0],
            "ventilation_due": hygiene["ventilation"][1],
            "classes": class_rows(session, entries),
            "supplies": stock,
        }
    )
    return report


def make_daily_report(
    session: Session,
    actor: Actor,
    day: date,
    tz: tzinfo,
    *,
    school: str = "",
    sched: Schedule | None = None,
    clock: Clock = SYSTEM_CLOCK,
) -> tuple[dict[str, Any], Recorded]:
    """Compute the day's report and keep it as its newest version (a new one only if it
    changed); the report comes back with its header: reporter, time, version."""
    now = clock.now()
    report = daily_report(session, day, tz, now, school=school, sched=sched)
    recorded = report_versions.record(session, actor, report, clock=clock)
    report["reporter"] = actor.name
    report["made_at"] = now.astimezone(tz).isoformat(timespec="seconds")
    report.update(report_versions.header_fields(recorded.row, tz))
    return report, recorded


def report_file_stem(day: date, version: int) -> str:
    return f"daily-report-{day.isoformat()}-v{version}"


def write_daily_report(
    db: Database,
    day: date,
    folder: Path,
    *,
    tz: tzinfo,
    school: str = "",
    gate: str = "",
    lang: str = "zh_CN",
    actor: Actor | None = None,
    sched: Schedule | None = None,
    clock: Clock = SYSTEM_CLOCK,
) -> list[Path]:
    """The scheduled report (``[reports] at``; or ``actor`` exporting it from the console): keep
    the day's report and write it to ``folder`` as Markdown and xlsx (mode 0600). Returns the
    files written; none when the files of the day's newest version are already there, so a
    restart does not write the report twice."""
    if actor is None:
        actor = system_actor(gate=gate, via="engine", name="scheduler")
    with db.write() as session:
        report, recorded = make_daily_report(
            session, actor, day, tz, school=school, sched=sched, clock=clock
        )
    stem = report_file_stem(day, recorded.row.version)
    targets = [folder / f"{stem}.md", folder / f"{stem}.xlsx"]
    if all(t.exists() for t in targets):
        return []
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for target in targets:
        data = render.render(report, target.suffix.lstrip("."), lang)
        tmp = target.with_suffix(target.suffix + ".part")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.replace(tmp, target)
        written.append(target)
    return written
