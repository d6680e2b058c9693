"""The engine's timer jobs on its APScheduler (``BackgroundScheduler``, in-memory job store).

The jobs only *wake* the rules up; what is due or overdue is always computed from the records
and the clock (``domain/timers.py``), never kept in the scheduler. So the jobs are rebuilt from
the tables and the config at every start, and an engine that was down simply catches up:

- ``timers.sweep`` (every ``SWEEP_S``, first run at start): overdue timers become alert rows,
  timers no longer overdue resolve theirs, unacknowledged alerts re-alert every
  ``[timers] realert_min``.
- ``timers.reminder.HHMM`` (cron, site time, one per ``[timers] ventilation_reminders``, only if
  some area is aired on a schedule): one reminder alert with the number of rooms still to air.

Every job has an explicit id, ``coalesce`` (a backlog runs once), ``max_instances=1`` and a
``misfire_grace_time`` (a reminder missed by a busy or restarted engine still fires within it).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import col, select

from duty_console.db.models import Area, AreaType
from duty_console.domain import timers
from duty_console.domain.actors import Actor, system_actor
from duty_console.runtime import Runtime, timers_schedule

log = logging.getLogger(__name__)

SWEEP_S = 60
SWEEP_ID = "timers.sweep"
REMINDER_PREFIX = "timers.reminder."
SWEEP_GRACE_S = 30
REMINDER_GRACE_S = 15 * 60


def engine_actor(gate: str) -> Actor:
    return system_actor(gate=gate, via="engine", name="engine")


def run_sweep(rt: Runtime) -> timers.SweepResult | None:
    try:
        with rt.db.write() as session:
            return timers.sweep(session, engine_actor(rt.gate), timers_schedule(rt), clock=rt.clock)
    except SQLAlchemyError as exc:
        log.warning("timer sweep failed: %s", exc)
        return None


def run_reminder(rt: Runtime) -> int | None:
    try:
        with rt.db.write() as session:
            return timers.remind_ventilation(
                session, engine_actor(rt.gate), timers_schedule(rt), clock=rt.clock
            )
    except SQLAlchemyError as exc:
        log.warning("ventilation reminder failed: %s", exc)
        return None


def _aired_on_schedule(rt: Runtime) -> bool:
    with rt.db.read() as session:
        return (
            session.exec(
                select(Area.code)
                .join(AreaType, col(AreaType.key) == col(Area.type))
                .where(col(Area.active).is_(True), col(AreaType.ventilation_per_day) > 0)
                .limit(1)
            ).first()
            is not None
        )


def add_timer_jobs(scheduler: Any, rt: Runtime) -> list[str]:
    """Add (or replace) the timer jobs; returns their ids."""
    sched = timers_schedule(rt)
    ids = [SWEEP_ID]
    scheduler.add_job(
        run_sweep,
        "interval",
        args=[rt],
        seconds=SWEEP_S,
        id=SWEEP_ID,
        replace_existing=True,
        coalesce=True,
        max_instances=1,
        misfire_grace_time=SWEEP_GRACE_S,
        # The scheduler runs on wall time (the rules read the injected clock): first run now.
        next_run_time=datetime.now(UTC),
    )
    if _aired_on_schedule(rt):
        for at in sched.ventilation_reminders:
            job_id = f"{REMINDER_PREFIX}{at.strftime('%H%M')}"
            scheduler.add_job(
                run_reminder,
                "cron",
                args=[rt],
                hour=at.hour,
                minute=at.minute,
                timezone=sched.tz,
                id=job_id,
                replace_existing=True,
                coalesce=True,
                max_instances=1,
                misfire_grace_time=REMINDER_GRACE_S,
            )
            ids.append(job_id)
    return ids
