"""What a console keeps live: its gate's newest entry, every open fever, health.

``read_live_state`` runs in a worker thread; the app posts the result as a message.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session

from duty_console.domain import (
    alerts,
    audit,
    calibration,
    entries,
    health,
    report_versions,
    rota,
    supplies,
    walkthrough,
)
from duty_console.domain import timers as timers_domain
from duty_console.domain.entries import EntryRow
from duty_console.domain.screening import Rules
from duty_console.runtime import Runtime, timers_schedule


@dataclass(frozen=True)
class LiveState:
    latest_id: int
    newest: EntryRow | None
    # Every fever nobody has rechecked, refused or closed, at any gate (oldest first): inside
    # its recheck window or overdue, which the clock decides when it is shown.
    fevers: tuple[EntryRow, ...]
    engine_alive: bool
    devices_online: int
    devices_total: int
    # Why the engine does not beat, where this console can tell (health.engine_trouble).
    engine_trouble: str = ""
    # Readings this gate's engine had to drop in the last day (health.readings_lost).
    readings_lost: int = 0
    # Overdue incident steps nobody acknowledged (every console rings for them).
    alerts: tuple[walkthrough.Alert, ...] = field(default=())
    # Timers and alerts (every console, whichever view): overdue tasks, and the newest time an
    # alert was raised or re-alerted (the console rings when it moves forward).
    timers_overdue: int = 0
    alerts_active: int = 0
    alert_newest: datetime | None = None
    # Who is on duty now, and whose shift ends within [rota] remind_before_min (names).
    on_duty: tuple[str, ...] = ()
    shift_ending: tuple[str, ...] = ()
    # Past [reports] remind_at with today's report not submitted (the officer is reminded).
    report_due: bool = False
    # Supplies at or below their reorder level.
    supplies_low: int = 0
    # This gate's thermometers not checked against a reference for [calibration] every_days.
    uncalibrated: int = 0
    # (audit head, newest entry id): moves with every write a view shows (each is audited, or
    # is an entry), not with an engine's heartbeat or a device's health.
    mark: tuple[int, int] = (0, 0)
    # The mark and how many devices are marked online (``read_quick``).
    quick: tuple[int, int, int] = (0, 0, 0)

    def is_new_fever(self, since_id: int) -> bool:
        """Did an entry after ``since_id`` bring a new or confirmed fever (what rings)?"""
        newest = self.newest
        if newest is not None and newest.id > since_id and newest.rings:
            return True
        return any(row.id > since_id for row in self.fevers)

    def split(self, now: datetime, rules: Rules) -> tuple[list[EntryRow], list[EntryRow]]:
        """(awaiting their recheck, recheck overdue)."""
        return entries.split_fevers(self.fevers, now, rules)


# What may change with time alone (a timer falling overdue, a shift ending, a step's alert, the
# report's reminder) is re-read at least this often even when nothing was written.
SLOW_EVERY_S = 30.0


@dataclass
class LiveCache:
    """The parts of the live state that cost most to read (timers, alerts, rota, report,
    supplies), kept between polls of one console: re-read when something was written (a new
    audit record or entry: every write is audited) or every ``SLOW_EVERY_S``, not at each
    change the feed reports (an engine's heartbeat commits every second and changes none)."""

    mark: tuple[int, int] | None = None
    read_at: datetime | None = None  # the console's clock when the slow parts were read
    slow: dict[str, Any] = field(default_factory=dict)
    reads: int = 0  # how many times the slow parts were read (for tests and the bench)

    def forget(self) -> None:
        """Read everything at the next poll (the console wrote, or was asked to look now)."""
        self.mark = None


def read_quick(rt: Runtime) -> tuple[int, int, int]:
    """(audit head, newest entry id, devices marked online): one small statement that tells a
    change a console shows (a write, a device unplugged) from an engine's heartbeat, before the
    whole live state is read."""
    with rt.db.read() as session:
        return health.live_mark(session, rt.gate)


def _mark(session: Session) -> tuple[int, int]:
    return audit.head_id(session), entries.latest_id(session)


def read_live_state(
    rt: Runtime, rules: Rules, now: datetime, cache: LiveCache | None = None
) -> LiveState:
    with rt.db.read() as session:
        latest = entries.latest_id(session)
        recent = entries.newest_entries(session, 0, 1, gate=rt.gate) if latest else []
        newest = recent[0] if recent else None
        fevers = tuple(entries.open_fevers(session))
        engine = health.engine_state(session, rt.gate, now)
        found = health.devices(session, rt.gate)
        online, total = health.devices_online(session, rt.gate, engine.alive, found)
        lost = health.readings_lost(found, now)
        mark = _mark(session)
        quick = (*mark, sum(1 for device in found if device.online))
        if (
            cache is None
            or cache.mark != mark
            or cache.read_at is None
            or abs((now - cache.read_at).total_seconds()) >= SLOW_EVERY_S
        ):
            slow = _read_slow(rt, session, now)
            if cache is not None:
                cache.mark, cache.read_at, cache.slow = mark, now, slow
                cache.reads += 1
        else:
            slow = cache.slow
    trouble = health.engine_trouble(engine, rt.db.path, rt.db.disk_full_seen())
    return LiveState(
        latest,
        newest,
        fevers,
        engine.alive,
        online,
        total,
        trouble,
        lost,
        **slow,
        mark=mark,
        quick=quick,
    )


def _read_slow(rt: Runtime, session: Session, now: datetime) -> dict[str, Any]:
    reports = rt.settings.reports
    alert_mark = alerts.alert_mark(session)
    thermometers = [d.name for d in rt.settings.devices if d.role == "thermometer"]
    return {
        "alerts": tuple(walkthrough.alerts(session, now)),
        "timers_overdue": timers_domain.overdue_count(session, now, timers_schedule(rt)),
        "alerts_active": alert_mark.unacknowledged,
        "alert_newest": alert_mark.newest,
        "on_duty": tuple(r.name for r in rota.on_duty_rows(session, now)),
        "shift_ending": tuple(
            r.name for r in rota.ending_soon(session, now, rt.settings.rota.remind_before_min)
        ),
        "report_due": report_versions.reminder_due(
            session, now, rt.settings.site.tz, reports.local_time("remind_at")
        ),
        "supplies_low": len(supplies.low(session)),
        "uncalibrated": len(
            calibration.unchecked(session, thermometers, now, rt.settings.calibration.every_days)
        ),
    }
