"""The engine writes the day's report to ``[reports] folder`` at ``[reports] at`` (local time).

The job is idempotent (``write_daily_report`` writes nothing when the files of the day's newest
version are there), so it also runs once at start when ``at`` has passed: an engine restarted
after 16:00 writes the report it missed, and one restarted after writing it writes nothing.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from duty_console.reports.daily import write_daily_report
from duty_console.runtime import Runtime, timers_schedule

log = logging.getLogger(__name__)

JOB_ID = "daily-report"


def write_todays_report(rt: Runtime) -> list[Path]:
    settings = rt.settings
    tz = settings.site.tz
    today = rt.clock.now().astimezone(tz).date()
    folder = rt.reports_folder()
    if folder is None:
        log.info("no [reports] folder with a server database: the daily report is not written")
        return []
    try:
        written = write_daily_report(
            rt.db,
            today,
            folder,
            tz=tz,
            school=settings.site.name,
            gate=rt.gate,
            lang=settings.site.locale,
            sched=timers_schedule(rt),
            clock=rt.clock,
        )
    except (OSError, SQLAlchemyError) as exc:
        log.error("the daily report of %s could not be written: %s", today, exc)
        return []
    for path in written:
        log.info("daily report written: %s", path)
    return written


def add_report_job(scheduler: Any, rt: Runtime) -> None:
    """A cron job at ``[reports] at`` in the site's timezone, and the catch-up at start."""
    at = rt.settings.reports.local_time("at")
    tz = rt.settings.site.tz
    scheduler.add_job(
        write_todays_report,
        "cron",
        args=[rt],
        hour=at.hour,
        minute=at.minute,
        timezone=tz,
        id=JOB_ID,
        max_instances=1,
        coalesce=True,
        misfire_grace_time=3600,
        replace_existing=True,
    )
    if rt.clock.now().astimezone(tz).time() >= at:
        scheduler.add_job(write_todays_report, args=[rt], id=f"{JOB_ID}-catch-up")
