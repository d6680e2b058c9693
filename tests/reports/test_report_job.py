"""The engine's report job: at [reports] at in the site's time, caught up once at a restart."""

from __future__ import annotations

from datetime import timedelta

from apscheduler.schedulers.background import BackgroundScheduler

from duty_console.domain.clock import ManualClock
from duty_console.engine.report_job import JOB_ID, add_report_job, write_todays_report
from duty_console.runtime import Runtime


def test_the_job_runs_at_the_configured_local_time(runtime: Runtime) -> None:
    scheduler = BackgroundScheduler(timezone="UTC")
    add_report_job(scheduler, runtime)  # 08:00 local: nothing to catch up
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {JOB_ID}
    trigger = str(jobs[JOB_ID].trigger)
    assert "hour='16'" in trigger and "minute='0'" in trigger
    assert str(jobs[JOB_ID].trigger.timezone) == "Asia/Shanghai"


def test_a_restart_after_the_time_writes_the_report_once(
    runtime: Runtime, clock: ManualClock
) -> None:
    clock.advance(timedelta(hours=9).total_seconds())  # 17:00 local
    scheduler = BackgroundScheduler(timezone="UTC")
    add_report_job(scheduler, runtime)
    assert {job.id for job in scheduler.get_jobs()} == {JOB_ID, f"{JOB_ID}-catch-up"}

    first = write_todays_report(runtime)
    folder = runtime.reports_folder()
    assert runtime.db.path is not None and folder == runtime.db.path.parent / "reports"
    assert sorted(p.name for p in first) == [
        "daily-report-2026-11-29-v1.md",
        "daily-report-2026-11-29-v1.xlsx",
    ]
    assert all(p.parent == folder for p in first)
    # The engine restarts and catches up again: the report is already there.
    assert write_todays_report(runtime) == []
    assert len(list(folder.iterdir())) == 2
