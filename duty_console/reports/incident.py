"""``incident show N --format md|xlsx``: an incident's record for the district's paperwork.

Steps with their limits, times, who and fields; the room; the timeline; a drill's score. In
the active language. Cells that a spreadsheet would run as a formula are neutralised, and text
from the roster or staff is stripped of control characters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from io import BytesIO
from typing import Any

from sqlmodel import Session, select

from duty_console.db.models import Incident, Person
from duty_console.domain import walkthrough
from duty_console.domain.pinyin import mask_name
from duty_console.errors import Term
from duty_console.i18n import N_, _, language, plain

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def say(msgid: str, params: dict[str, Any] | None = None) -> str:
    """A message with parameters in the active language (words as ``Term`` translated)."""

    def word(value: object) -> str:
        if isinstance(value, (list, tuple)):
            return ", ".join(word(v) for v in value)
        return _(str(value)) if isinstance(value, Term) else str(value)

    text = _(msgid)
    if params:
        text = text.format(**{k: word(v) for k, v in params.items()})
    return plain(text)


def fields_text(recorded: dict[str, str]) -> str:
    """A step's recorded fields with their labels: "axillary temperature (C) 38.3; ..."."""
    parts = []
    for key, value in recorded.items():
        known = walkthrough.STEP_FIELDS.get(key)
        parts.append(f"{say(known.label) if known else key} {value}")
    return "; ".join(parts)


def render(item: walkthrough.TimelineItem) -> str:
    """One timeline line in the active language."""
    text = say(item.what, item.params).strip()
    if item.fields:
        text = f"{text} {fields_text(item.fields)}".strip()
    return clean(text)


def clean(value: object) -> str:
    return _CONTROL.sub("", "" if value is None else str(value))


def _cell(value: object) -> object:
    if isinstance(value, str):
        text = clean(value)
        return "'" + text if text[:1] in ("=", "+", "-", "@") else text
    return value


@dataclass
class IncidentRecord:
    title: str
    facts: list[tuple[str, str]]
    step_header: list[str]
    steps: list[list[str]]
    timeline: list[tuple[str, str, str]]
    score: list[str] = field(default_factory=list)


def _local(value: datetime | None, tz: Any) -> str:
    return "" if value is None else value.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def build(
    session: Session, incident: Incident, now: datetime, tz: Any, *, full_name: bool = True
) -> IncidentRecord:
    """The record; ``full_name`` only for the paperwork (an export role), else masked."""
    playbook = walkthrough.playbook_of(session, incident)
    zh = language() == "zh_CN"
    person = (
        session.exec(select(Person).where(Person.person_id == incident.person_id)).first()
        if incident.person_id
        else None
    )
    stay = walkthrough.room_of(session, incident.id)  # type: ignore[arg-type]
    name = "" if person is None else person.name if full_name else mask_name(person.name)
    title = say(N_("Incident {id}"), {"id": incident.id})
    if incident.drill:
        title += " " + say(N_("(DRILL)"))
    pb_title = "" if playbook is None else (playbook.title_zh if zh else playbook.title_en)
    facts = [
        (
            say(N_("Playbook")),
            f"{pb_title} ({incident.playbook_key} v{playbook.version if playbook else '?'})",
        ),
        (say(N_("State")), say(incident.state)),
        (say(N_("Opened")), f"{_local(incident.opened_at, tz)} {incident.created_by}"),
        (say(N_("Closed")), f"{_local(incident.closed_at, tz)} {incident.closed_by}".strip()),
        (say(N_("Person")), clean(f"{incident.person_id or '-'} {name}")),
        (say(N_("Class")), clean(person.class_name if person else "")),
        (say(N_("Gate")), incident.gate),
    ]
    if incident.cluster_key:
        facts.append((say(N_("Cluster")), clean(incident.cluster_key)))
    if stay is not None:
        facts.append(
            (
                say(N_("Isolation room")),
                f"{stay.room_code} {_local(stay.entered_at, tz)} - {_local(stay.left_at, tz)} "
                f"{say(stay.disposition) if stay.disposition else ''} {clean(stay.collected_by)}",
            )
        )
    header = [
        say(N_("Step")),
        say(N_("Title")),
        say(N_("Role")),
        say(N_("Limit")),
        say(N_("Due")),
        say(N_("Done")),
        say(N_("By")),
        say(N_("Fields")),
        say(N_("Note")),
    ]
    rows = []
    for v in walkthrough.steps(session, incident, now):
        r = v.row
        status = say(v.state)
        done = _local(r.done_at, tz)
        note = r.skip_reason if r.skipped else r.note
        rows.append(
            [
                str(r.n),
                r.title_zh if zh else r.title_en,
                say(r.role),
                v.limit_text_zh if zh else v.limit_text_en,
                _local(r.due_at, tz),
                f"{done} ({status})" if done else status,
                r.done_by,
                fields_text(v.recorded()),
                clean(note),
            ]
        )
    timeline = [
        (_local(i.at, tz), i.who, render(i)) for i in walkthrough.timeline(session, incident)
    ]
    record = IncidentRecord(plain(title), facts, header, rows, timeline)
    if incident.drill:
        result = walkthrough.score(session, incident)
        record.score = [
            say(
                N_("Score: {percent}% of the timed steps on time ({on_time} of {timed})."),
                {"percent": result.percent, "on_time": result.on_time, "timed": len(result.timed)},
            )
        ]
        for s in result.steps:
            if s.skipped:
                record.score.append(
                    say(N_("Step {n} skipped: {reason}"), {"n": s.n, "reason": s.reason})
                )
            elif s.took_minutes is not None and s.on_time is not None:
                record.score.append(
                    say(
                        N_("Step {n}: {took} min against {limit} min ({verdict})"),
                        {
                            "n": s.n,
                            "took": s.took_minutes,
                            "limit": s.limit_minutes,
                            "verdict": Term(N_("on time") if s.on_time else N_("late")),
                        },
                    )
                )
            elif s.took_minutes is not None:
                record.score.append(
                    say(N_("Step {n}: {took} min (no limit)"), {"n": s.n, "took": s.took_minutes})
                )
    return record


def _md_cell(text: str) -> str:
    return clean(text).replace("|", "\\|").replace("\n", " ")


def to_markdown(record: IncidentRecord) -> str:
    lines = [f"# {record.title}", ""]
    for k, v in record.facts:
        lines.append(f"- **{k}**: {_md_cell(v)}")
    lines += ["", f"## {say(N_('Steps'))}", ""]
    lines.append("| " + " | ".join(record.step_header) + " |")
    lines.append("|" + "---|" * len(record.step_header))
    for row in record.steps:
        lines.append("| " + " | ".join(_md_cell(c) for c in row) + " |")
    lines += ["", f"## {say(N_('Timeline'))}", ""]
    for at, who, what in record.timeline:
        lines.append(f"- {at} {_md_cell(who)}: {_md_cell(what)}")
    if record.score:
        lines += ["", f"## {say(N_('Drill score'))}", ""]
        lines += [f"- {_md_cell(s)}" for s in record.score]
    return "\n".join(lines) + "\n"


def to_xlsx(record: IncidentRecord) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = say(N_("Incident"))[:31]
    sheet.append([_cell(record.title)])
    for k, v in record.facts:
        sheet.append([_cell(k), _cell(v)])
    sheet.append([])
    sheet.append([_cell(h) for h in record.step_header])
    for row in record.steps:
        sheet.append([_cell(c) for c in row])
    timeline = book.create_sheet(say(N_("Timeline"))[:31])
    for at, who, what in record.timeline:
        timeline.append([_cell(at), _cell(who), _cell(what)])
    if record.score:
        scored = book.create_sheet(say(N_("Drill score"))[:31])
        for line in record.score:
            scored.append([_cell(line)])
    out = BytesIO()
    book.save(out)
    return out.getvalue()
