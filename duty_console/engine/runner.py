"""The engine of one gate: its lease, its device threads, its writer and its scheduler."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy.exc import SQLAlchemyError

from devices.frames import DeviceStatus
from devices.profile import ProfileError, load_profile
from devices.transport import PortReader
from duty_console.config import DeviceSettings
from duty_console.domain import calibration, walkthrough
from duty_console.engine.backup_job import add_backup_job
from duty_console.engine.ingest import DeviceState, Writer, register_devices
from duty_console.engine.lease import Lease, LeaseHeld
from duty_console.engine.report_job import add_report_job
from duty_console.engine.scheduler import add_timer_jobs
from duty_console.errors import ConfigError
from duty_console.runtime import Runtime

log = logging.getLogger(__name__)

HEARTBEAT_S = 1.0
READER_CHECK_S = 1.0
ESCALATION_CHECK_S = 30.0
# A calibration recorded at any console reaches the readings within this.
CALIBRATION_REFRESH_S = 10.0
# A writer that has not come round its loop for this long is stuck (its loop turns at least
# every quarter second, a commit waits at most the busy timeout): the engine stops saying it
# is alive (no WATCHDOG=1 for systemd, which restarts the service).
WRITER_STUCK_S = 20.0


def device_states(
    devices: Sequence[DeviceSettings], source: str = "config"
) -> dict[str, DeviceState]:
    states: dict[str, DeviceState] = {}
    for i, dev in enumerate(devices, 1):
        try:
            profile = load_profile(dev.profile, dev.overrides())
        except ProfileError as exc:
            raise ConfigError(f"{source}: [[devices]] #{i} ({dev.name}): {exc}.") from exc
        if profile.role != dev.role:
            raise ConfigError(
                f"{source}: [[devices]] #{i} ({dev.name}): role is {dev.role!r} but the profile "
                f"{dev.profile!r} is a {profile.role}."
            )
        states[dev.name] = DeviceState(
            name=dev.name, role=dev.role, profile=profile, port=dev.port, offset_c=dev.offset_c
        )
    return states


class Engine:
    """Start with :meth:`start`; :meth:`stop` commits every frame already read, then returns."""

    def __init__(self, rt: Runtime, devices: Sequence[DeviceSettings] | None = None) -> None:
        self.rt = rt
        self.gate = rt.gate
        configured = rt.settings.devices if devices is None else devices
        self.states = device_states(configured, rt.settings.source or "config")
        self.lease = Lease(rt.db, self.gate, clock=rt.clock)
        # Before any calibration record, the config's offset_c.
        self.config_offsets = {name: s.offset_c for name, s in self.states.items()}
        self.writer = Writer(
            rt.db, self.gate, rt.rules, self.states, clock=rt.clock, on_failure=self._writer_failed
        )
        self.readers: list[PortReader] = []
        self.scheduler: Any = BackgroundScheduler(timezone="UTC")
        self.lease_lost = threading.Event()
        # Set when the writer died: the engine stops, and `serve` exits 1 saying why.
        self.failed = threading.Event()
        self._stopped = threading.Event()
        # Set when start() has returned or failed: a stop from the writer's watchdog waits for
        # it (the scheduler cannot be shut down while it is still starting).
        self._start_done = threading.Event()
        self._lock = threading.Lock()
        self.running = False
        # Called after every heartbeat that found the lease held and the writer turning
        # (`serve` sends systemd its WATCHDOG=1 from here).
        self.on_alive: Callable[[], object] | None = None
        # Device name → how many times its thread had to be started again (_watch_readers).
        self.reader_restarts: dict[str, int] = {}

    def start(self) -> None:
        try:
            self._start()
        finally:
            self._start_done.set()

    def _start(self) -> None:
        self.lease.acquire()
        try:
            register_devices(self.rt.db, self.gate, self.states, self.rt.clock)
            self.refresh_offsets()
            self.writer.start()
            for state in self.states.values():
                reader = self._reader(state)
                reader.start()
                self.readers.append(reader)
            self.scheduler.add_job(
                self._watch_readers,
                "interval",
                seconds=READER_CHECK_S,
                id="device-watchdog",
                max_instances=1,
                coalesce=True,
            )
            self.scheduler.add_job(
                self._heartbeat,
                "interval",
                seconds=HEARTBEAT_S,
                id="lease-heartbeat",
                max_instances=1,
                coalesce=True,
            )
            self.scheduler.add_job(
                self._escalate,
                "interval",
                seconds=ESCALATION_CHECK_S,
                id="incident-escalation",
                max_instances=1,
                coalesce=True,
            )
            self.scheduler.add_job(
                self.refresh_offsets,
                "interval",
                seconds=CALIBRATION_REFRESH_S,
                id="calibration-refresh",
                max_instances=1,
                coalesce=True,
            )
            add_timer_jobs(self.scheduler, self.rt)
            add_report_job(self.scheduler, self.rt)
            add_backup_job(self.scheduler, self.rt)
            self.scheduler.start()
        except BaseException:
            self.stop()
            raise
        self.running = True

    def refresh_offsets(self) -> None:
        """Each thermometer's offset in force: its latest calibration's, else the config's."""
        try:
            with self.rt.db.read() as session:
                offsets = calibration.offsets_in_force(session, self.config_offsets)
        except SQLAlchemyError as exc:
            log.warning("calibration offsets not refreshed: %s", exc)
            return
        for name, offset in offsets.items():
            state = self.states[name]
            if state.offset_c != offset:
                log.info("device %s: offset %+.2f °C in force", name, offset)
                state.offset_c = offset  # the writer reads it once per measurement

    def _reader(self, state: DeviceState) -> PortReader:
        return PortReader(
            state.name,
            state.port,
            state.profile,
            self.writer.submit,
            sink_many=self.writer.submit_many,
        )

    def _watch_readers(self) -> None:
        """A device thread that died anyway (a bug past its own guards) is started again on the
        same port; the other devices never stop. The restart is counted and shown as the
        device's status until its port answers again."""
        with self._lock:
            if self._stopped.is_set():
                return
            for i, reader in enumerate(self.readers):
                if reader.is_alive() or reader.stopping:
                    continue
                state = self.states[reader.device]
                self.reader_restarts[reader.device] = self.reader_restarts.get(reader.device, 0) + 1
                log.error(
                    "gate %s: the thread of device %s died; restarting it (restart %d)",
                    self.gate,
                    reader.device,
                    self.reader_restarts[reader.device],
                )
                self.writer.submit(
                    DeviceStatus(
                        reader.device, self.rt.clock.now(), False, "restarted after a failure"
                    )
                )
                reader.release()
                fresh = self._reader(state)
                fresh.start()
                self.readers[i] = fresh

    def _writer_failed(self, reason: str) -> None:
        """The watchdog: an engine whose writer is dead records nothing, so it must not look
        alive. It stops (no more heartbeat, the lease released with the reason), and every
        console shows the engine as stopped."""
        log.critical("gate %s: the engine stops because its writer failed (%s)", self.gate, reason)
        self.failed.set()
        threading.Thread(target=self._stop_once_started, name="engine-stop", daemon=True).start()

    def _stop_once_started(self) -> None:
        # The writer may fail before start() has started the scheduler (its first commit).
        self._start_done.wait(60)
        self.stop()

    def writer_stuck_s(self) -> float:
        """Seconds since the writer last came round its loop (0 while it turns normally)."""
        idle = time.monotonic() - self.writer.progress_mono
        return idle if idle >= WRITER_STUCK_S else 0.0

    def _heartbeat(self) -> None:
        if self.failed.is_set() or (self.running and not self.writer.is_alive()):
            return  # a dead writer gets no heartbeat: the lease goes stale even if stop hangs
        try:
            if not self.lease.heartbeat():
                log.error("the lease of gate %s was taken over; stopping this engine", self.gate)
                self.lease_lost.set()
                threading.Thread(target=self.stop, name="engine-stop", daemon=True).start()
                return
        except SQLAlchemyError as exc:
            log.warning("heartbeat failed: %s", exc)
            return
        stuck = self.writer_stuck_s()
        if stuck:
            log.error("the writer of gate %s has been stuck for %.0f s", self.gate, stuck)
        elif self.on_alive is not None:
            self.on_alive()

    def _escalate(self) -> None:
        """Overdue steps nobody acknowledged move up a role, even with no console open."""
        try:
            with self.rt.db.write() as session:
                walkthrough.escalate_overdue(
                    session,
                    self.rt.clock.now(),
                    escalate_min=self.rt.settings.incidents.escalate_min,
                    gate=self.gate,
                    clock=self.rt.clock,
                )
        except SQLAlchemyError as exc:
            log.warning("escalation check failed: %s", exc)

    def stop(self) -> None:
        with self._lock:
            if self._stopped.is_set():
                return
            self._stopped.set()
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        for reader in self.readers:
            reader.stop()
        for reader in self.readers:
            reader.join(timeout=5)
        if self.writer.is_alive():
            self.writer.stop()
        if not self.lease_lost.is_set():
            try:
                self.lease.release(self.writer.stats.failure)
            except SQLAlchemyError as exc:
                log.warning("could not release the lease: %s", exc)
        self.running = False

    def wait(self, timeout: float | None = None) -> bool:
        return self._stopped.wait(timeout)


def start_unless_live(rt: Runtime) -> Engine | None:
    """Run this gate's engine here, unless a live one already holds the lease (then None: the
    console attaches to it through the database). A PC with no devices configured runs none."""
    if not rt.settings.devices:
        return None
    engine = Engine(rt)
    try:
        engine.start()
    except LeaseHeld:
        return None
    return engine
