"""The people side of the day in ``status`` (DESIGN §3.4/§3.9): who is on duty and whose shift
ends soon, this session's class checks, people under watch not checked today, open absences."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from sqlmodel import Session

from duty_console.domain import absences, checks, rota, watch


def status(
    session: Session, now: datetime, tz: tzinfo, remind_before_min: int = 15
) -> dict[str, Any]:
    return {
        "on_duty": rota.on_duty(session, now),
        "shift_ending": rota.shift_ending(session, now, tz, remind_before_min),
        "class_checks": checks.status(session, now, tz),
        "watch_unchecked": [
            {
                "person_id": r.person_id,
                "category": r.category,
                "contact_staff_id": r.contact_staff_id,
                "last_check_at": None
                if r.last_check_at is None
                else r.last_check_at.astimezone(tz).isoformat(timespec="seconds"),
            }
            for r in watch.unchecked_today(session, now, tz)
        ],
        "absences_open": [
            {
                "person_id": r.person_id,
                "class": r.class_name,
                "reason": r.reason,
                "symptoms": list(r.symptoms),
                "since": r.started_at.astimezone(tz).isoformat(timespec="seconds"),
                "followed_up_today": r.followed_up_today,
            }
            for r in absences.open_absences(session, now, tz)
        ],
    }


def daily_counts(session: Session, day: date, tz: tzinfo) -> dict[str, int]:
    """The people keys of the daily report (DESIGN §3.7) for the local ``day``: new absences
    with fever or respiratory symptoms, and class checks done and due (morning and noon)."""
    start = datetime.combine(day, time(0), tzinfo=tz)
    done, due = checks.done_and_due(session, day)
    return {
        "absent_sick": len(absences.sick_absences(session, start, start + timedelta(days=1))),
        "class_checks_done": done,
        "class_checks_due": due,
    }
