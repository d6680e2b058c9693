"""The engine of one gate: its lease, its device threads, its writer and its scheduler."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy.exc import SQLAlchemyError

from devices.profile import ProfileError, load_profile
from devices.transport import PortReader
from duty_console.config import DeviceSettings
from duty_console.domain import walkthrough
from duty_console.engine.ingest import DeviceState, Writer, register_devices
from duty_console.engine.lease import Lease, LeaseHeld
from duty_console.engine.report_job import add_report_job
from duty_console.engine.scheduler import add_timer_jobs
from duty_console.errors import ConfigError
from duty_console.runtime import Runtime

log = logging.getLogger(__name__)

HEARTBEAT_S = 1.0
ESCALATION_CHECK_S = 30.0


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
        self.writer = Writer(
            rt.db, self.gate, rt.rules, self.states, clock=rt.clock, on_failure=self._writer_failed
        )
        self.readers: list[PortReader] = []
        self.scheduler: Any = BackgroundScheduler(timezone="UTC")
        self.lease_lost = threading.Event()
        # Set when the writer died: the engine stops, and `serve` exits 1 saying why.
        self.failed = threading.Event()
        self._stopped = threading.Event()
        self._lock = threading.Lock()
        self.running = False

    def start(self) -> None:
        self.lease.acquire()
        try:
            register_devices(self.rt.db, self.gate, self.states, self.rt.clock)
            self.writer.start()
            for state in self.states.values():
                reader = PortReader(
                    state.name,
                    state.port,
                    state.profile,
                    self.writer.submit,
                    sink_many=self.writer.submit_many,
                )
                reader.start()
                self.readers.append(reader)
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
            add_timer_jobs(self.scheduler, self.rt)
            add_report_job(self.scheduler, self.rt)
            self.scheduler.start()
        except BaseException:
            self.stop()
            raise
        self.running = True

    def _writer_failed(self, reason: str) -> None:
        """The watchdog: an engine whose writer is dead records nothing, so it must not look
        alive. It stops (no more heartbeat, the lease released with the reason), and every
        console shows the engine as stopped."""
        log.critical("gate %s: the engine stops because its writer failed (%s)", self.gate, reason)
        self.failed.set()
        threading.Thread(target=self.stop, name="engine-stop", daemon=True).start()

    def _heartbeat(self) -> None:
        if self.failed.is_set() or (self.running and not self.writer.is_alive()):
            return  # a dead writer gets no heartbeat: the lease goes stale even if stop hangs
        try:
            if not self.lease.heartbeat():
                log.error("the lease of gate %s was taken over; stopping this engine", self.gate)
                self.lease_lost.set()
                threading.Thread(target=self.stop, name="engine-stop", daemon=True).start()
        except SQLAlchemyError as exc:
            log.warning("heartbeat failed: %s", exc)

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
