"""The engine's timer jobs: explicit ids, coalesce, misfire grace; rebuilt at start."""

from __future__ import annotations

from apscheduler.schedulers.background import BackgroundScheduler

from duty_console.domain import alerts
from duty_console.engine.scheduler import SWEEP_ID, add_timer_jobs, run_sweep
from duty_console.runtime import Runtime


def test_the_jobs_are_built_from_the_tables_and_the_config(runtime: Runtime) -> None:
    scheduler = BackgroundScheduler(timezone="UTC")
    scheduler.start(paused=True)  # jobs added to a running store replace those with their id
    try:
        _check_jobs(scheduler, runtime)
    finally:
        scheduler.shutdown(wait=False)


def _check_jobs(scheduler: BackgroundScheduler, runtime: Runtime) -> None:
    ids = add_timer_jobs(scheduler, runtime)
    assert ids == [SWEEP_ID, "timers.reminder.0900", "timers.reminder.1300", "timers.reminder.1700"]
    for job in scheduler.get_jobs():
        assert job.coalesce is True
        assert job.max_instances == 1
        assert job.misfire_grace_time and job.misfire_grace_time > 0
    reminder = scheduler.get_job("timers.reminder.1300")
    assert str(reminder.trigger.timezone) == "Asia/Shanghai"
    # Built again at the next start: the same jobs, no duplicates.
    assert add_timer_jobs(scheduler, runtime) == ids
    assert len(scheduler.get_jobs()) == len(ids)


def test_the_sweep_writes_alert_rows_that_a_restart_keeps(runtime: Runtime) -> None:
    first = run_sweep(runtime)
    assert first is not None and first.raised
    again = run_sweep(runtime)  # a restarted engine: nothing new, nothing lost
    assert again is not None and not again.raised
    with runtime.db.read() as session:
        assert len(alerts.active(session)) == len(first.raised)


def test_the_demo_opens_on_a_realistic_morning(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    from duty_console.db.connect import Database
    from duty_console.demo import DEMO_AIRING, DEMO_OVERDUE, prepare_database
    from duty_console.domain import timers

    db = Database(f"sqlite:///{tmp_path / 'demo.db'}")
    try:
        prepare_database(db, "north")
        prepare_database(db, "north")  # a kept --db: nothing seeded twice
        now = datetime.now(UTC)
        with db.read() as session:
            found = timers.compute_timers(session, now, timers.Schedule())
        running = [(x.area_code, x.kind) for x in found if x.state == timers.RUNNING]
        overdue = [(x.area_code, x.kind) for x in found if x.state == timers.OVERDUE]
        assert running == [(DEMO_AIRING, timers.VENTILATION)]
        assert overdue == [(DEMO_OVERDUE, timers.DISINFECTION)]
        assert sum(1 for x in found if x.state == timers.OK) > 30
    finally:
        db.dispose()


def test_a_started_engine_sweeps_at_once_and_stops_cleanly(runtime: Runtime) -> None:
    import time

    from duty_console.engine.runner import Engine

    engine = Engine(runtime, devices=[])
    engine.start()
    try:
        assert {j.id for j in engine.scheduler.get_jobs()} >= {SWEEP_ID, "timers.reminder.0900"}
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            with runtime.db.read() as session:
                if alerts.active(session):
                    break
            time.sleep(0.1)
        with runtime.db.read() as session:
            assert any(a.subject == "timer:CAN:disinfection" for a in alerts.active(session))
    finally:
        engine.stop()
    assert not engine.scheduler.running
