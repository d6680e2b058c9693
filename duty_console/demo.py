"""``duty-console demo``: a school gate with no set-up.

A temporary database (or ``--db PATH``) with the defaults, the sample roster and demo staff;
a simulated MLX90614 thermometer and RDM6300 card reader on pseudo-terminals, read by the real
engine exactly as it reads real devices; a coordinator that sends a steady stream of arrivals
(card, then temperature) with the occasional fever and its recheck.
"""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import sqlite3
import tempfile
import threading
import time
import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlmodel import Session, col, select

from devices.simulator import Simulator, open_pty
from duty_console import simulated_gate
from duty_console.config import SiteSettings, parse_settings
from duty_console.db import schema
from duty_console.db.connect import Database
from duty_console.db.models import (
    Calibration,
    DisinfectionRecord,
    Entry,
    Person,
    Staff,
    SupplyMovement,
)
from duty_console.demo_people import seed_people_day
from duty_console.domain import calibration, defaults, people, supplies
from duty_console.domain import staff as staff_service
from duty_console.domain import timers as timers_domain
from duty_console.domain.actors import Actor, system_actor
from duty_console.domain.clock import SYSTEM_CLOCK, ManualClock
from duty_console.domain.entries import open_fevers
from duty_console.domain.intake import record_reading
from duty_console.domain.screening import Mode, Rules
from duty_console.engine.runner import Engine
from duty_console.errors import UserError
from duty_console.keys import load_audit_key
from duty_console.paths import DEFAULTS_DIR, SAMPLE_DIR
from duty_console.runtime import Runtime

DEMO_OFFICER = "T002"
DEMO_DOCTOR = "T003"
DEMO_SETUP = "demo-setup"  # the audit actor of a database the demo made: its mark


def check_demo_database(path: Path) -> None:
    """``--db PATH`` may be a new file or one the demo made, never a school's real database:
    the demo signs in without a PIN and writes simulated readings."""
    if not path.exists() or path.stat().st_size == 0:
        return
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
            made_here = (
                "audit" in tables
                and conn.execute(
                    "SELECT 1 FROM audit WHERE actor = ? LIMIT 1", (DEMO_SETUP,)
                ).fetchone()
            )
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise UserError(f"--db {path}: not a demo database ({exc}).") from exc
    if tables and not made_here:
        raise UserError(
            f"--db {path} is a real database, not one the demo made; the demo signs in "
            "without a PIN and writes simulated readings, so it only takes a new file."
        )


def prepare_database(db: Database, gate: str) -> None:
    """Schema, defaults, sample roster and demo staff (only what is missing)."""
    schema.upgrade(db)
    installer = system_actor(gate=gate, via="demo", name=DEMO_SETUP)
    with db.write() as session:
        defaults.load_defaults(session, installer, DEFAULTS_DIR)
        if session.exec(select(Person).limit(1)).first() is None:
            people.import_roster(
                session,
                installer,
                (SAMPLE_DIR / "roster.csv").read_bytes(),
                source="data/sample/roster.csv",
            )
        if session.exec(select(Staff).limit(1)).first() is None:
            staff_file = tomllib.loads((SAMPLE_DIR / "staff.toml").read_text("utf-8"))
            for s in staff_file["staff"]:
                staff_service.add_or_update(
                    session, installer, s["staff_id"], s["name"], s["role"], s.get("pin")
                )
        seed_people_day(session, gate, SiteSettings().tz, SYSTEM_CLOCK.now())
        if session.exec(select(Entry).limit(1)).first() is None:
            _earlier_fever(session, gate)
        if session.exec(select(SupplyMovement).limit(1)).first() is None:
            _supply_movements(session, gate)
        if session.exec(select(Calibration).limit(1)).first() is None:
            _calibration(session, gate)
    seed_timers(db, gate)


def _calibration(session: Session, gate: str) -> None:
    """Yesterday the school doctor checked the thermometer against an axillary reading: it
    read true (offset 0.0), so it is not due for a check and the readings are as simulated."""
    doctor = Actor(DEMO_DOCTOR, "demo doctor", "doctor", gate, "demo")
    calibration.record(
        session,
        doctor,
        f"{gate}-ir-1",
        reference="contact",
        reference_c=36.6,
        device_c=36.6,
        known_devices=[f"{gate}-ir-1"],
        now=SYSTEM_CLOCK.now() - timedelta(days=1),
        note="demo",
    )


def _earlier_fever(session: Session, gate: str) -> None:
    """Before the console opened: a fever whose person never came back for the recheck.

    So the demo shows at once what must never happen quietly: a recheck overdue on every
    console until someone rechecks, refuses or closes it.
    """
    engine = system_actor(gate=gate, via="demo", name=f"engine:{gate}")
    person = session.exec(select(Person).order_by(col(Person.person_id)).offset(7)).first()
    if person is None:
        return
    record_reading(
        session,
        engine,
        Rules(),
        person_id=person.person_id,
        temp_c=37.9,
        mode=Mode.IR,
        kind="body",
        at=SYSTEM_CLOCK.now() - timedelta(minutes=7),
        device=f"{gate}-ir-1",
        note="demo: before the console started",
    )


def _supply_movements(session: Session, gate: str) -> None:
    """A delivery and masks handed out this morning: the masks fall below their reorder level,
    so the header's status, `status` and the daily report show low stock."""
    officer = Actor(DEMO_OFFICER, "demo officer", "officer", gate, "demo")
    clock = SYSTEM_CLOCK
    supplies.move(session, officer, "gloves", 200, "demo: delivery from the district", clock=clock)
    supplies.move(session, officer, "medical_mask", -2100, "demo: issued to classes", clock=clock)


DEMO_CLEANER = "T001"
DEMO_OVERDUE = "CAN"  # the canteen was missed: one overdue disinfection to show the alerts
DEMO_AIRING = "C7-1"  # windows open twelve minutes ago: a countdown running


def seed_timers(db: Database, gate: str, now: datetime | None = None) -> None:
    """A realistic morning for the Timers view, relative to now (only into an empty history):
    every area disinfected on time but the canteen, the day's airings done so far, the booth
    cleaned at the last shift change, the bus after its last trip, and one airing running."""
    now = now or datetime.now(UTC)
    sched = timers_domain.Schedule()
    with db.read() as session:
        if session.exec(select(DisinfectionRecord.id).limit(1)).first() is not None:
            return
        staff = staff_service.get(session, DEMO_CLEANER)
        timers = timers_domain.compute_timers(session, now, sched)
    actor = staff_service.actor_for(staff, gate, "demo")
    midnight = sched.at_local(sched.local_day(now))
    clock = ManualClock(now)

    def at(when: datetime) -> ManualClock:
        clock.advance((min(when, now) - clock.now()).total_seconds())
        return clock

    running_from = now - timedelta(minutes=12)
    with db.write() as session:
        for timer in sorted(timers, key=lambda x: (x.kind, x.area_code)):
            if timer.kind == timers_domain.DISINFECTION and timer.area_code != DEMO_OVERDUE:
                if timer.trigger == timers_domain.TRIGGER_AFTER_USE:
                    continue
                if timer.trigger == timers_domain.TRIGGER_SHIFT_CHANGE:
                    event, _next = sched.events_around(now, sched.shift_changes)
                    done = (event or now) - timedelta(minutes=5)
                elif timer.trigger == timers_domain.TRIGGER_AFTER_TRIP:
                    event, _next = sched.events_around(now, sched.trip_ends)
                    done = (event or now) + timedelta(minutes=10)
                else:
                    done = max(midnight + timedelta(minutes=5), now - timedelta(minutes=90))
                # The booth's thermometers and card reader are wiped with alcohol.
                booth = timer.trigger == timers_domain.TRIGGER_SHIFT_CHANGE
                timers_domain.record_disinfection(
                    session,
                    actor,
                    timer.area_code,
                    concentration="75%" if booth else "500",
                    clock=at(done),
                )
            elif timer.kind == timers_domain.VENTILATION:
                for reminder in sched.ventilation_times(sched.local_day(now), 3):
                    # Opened just before the reminder, closed after the 30 minutes: it counts
                    # from the moment the reminder would turn overdue.
                    start = reminder - timedelta(minutes=2)
                    end = reminder + timedelta(minutes=30)
                    if timer.area_code == DEMO_AIRING and end > running_from:
                        continue
                    if end <= now:
                        timers_domain.start_ventilation(
                            session, actor, timer.area_code, clock=at(start)
                        )
                        timers_domain.stop_ventilation(
                            session, actor, timer.area_code, sched=sched, clock=at(end)
                        )
        timers_domain.start_ventilation(session, actor, DEMO_AIRING, clock=at(running_from))


class Arrivals(threading.Thread):
    """Students arriving at the gate: card, then the thermometer; fevers get a recheck."""

    def __init__(
        self,
        cards: list[str],
        thermometer: Simulator,
        reader: Simulator,
        *,
        seed: int | None = None,
        mean_gap_s: float = 5.0,
    ) -> None:
        super().__init__(name="demo-arrivals", daemon=True)
        self.cards = cards
        self.thermometer = thermometer
        self.reader = reader
        self.rng = random.Random(seed)
        self.mean_gap_s = mean_gap_s
        self.stop_event = threading.Event()
        self._rechecks: list[tuple[float, str]] = []  # (monotonic due time, card)
        self._drills: list[tuple[float, str]] = []  # (monotonic due time, card) for drills
        self._lock = threading.Lock()

    def drill_fever(self, card: str) -> None:
        """A drill's simulated fever: this card now with a fever, rechecked (still a fever) after
        the rest, so the gate confirms it as on the day."""
        now = time.monotonic()
        with self._lock:
            self._drills.append((now, card))
            self._drills.append((now + 65.0, card))

    def _arrive(self, card: str, temp: float | None) -> None:
        self.reader.present_card(card)
        if self.stop_event.wait(0.4):
            return
        self._present(temp)

    def _present(self, temp: float | None) -> None:
        """One person in front of the thermometer; the next one steps up after they leave."""
        before = self.thermometer.sent
        self.thermometer.present(temp)
        deadline = 20.0
        while self.thermometer.sent == before and deadline > 0:
            if self.stop_event.wait(0.2):
                return
            deadline -= 0.2

    def run(self) -> None:
        arrivals = 0
        while not self.stop_event.wait(self.rng.uniform(0.5, 1.5) * self.mean_gap_s):
            now = time.monotonic()
            with self._lock:
                drills = [d for d in self._drills if d[0] <= now]
                if drills:
                    self._drills.remove(drills[0])
            if drills:
                self._arrive(drills[0][1], round(self.rng.uniform(37.8, 38.6), 1))
                continue
            due = [r for r in self._rechecks if r[0] <= now]
            if due:
                # Back from the shade for the recheck, after the rest and inside the window.
                self._rechecks.remove(due[0])
                confirmed = self.rng.random() < 0.4
                temp = round(
                    self.rng.uniform(37.4, 38.2) if confirmed else self.rng.uniform(36.4, 36.9), 1
                )
                self._arrive(due[0][1], temp)
                continue
            arrivals += 1
            card = self.rng.choice(self.cards)
            roll = self.rng.random()
            if roll < 0.08 or arrivals == 3:  # the third arrival shows the fever flow early
                temp = round(self.rng.uniform(37.4, 38.4), 1)
                # Back after the rest (60 s), inside the 5-minute window; now and then someone
                # slips away and the fever goes overdue on every console.
                if arrivals == 3 or self.rng.random() < 0.8:
                    self._rechecks.append((now + self.rng.uniform(65, 150), card))
            elif roll < 0.10:
                self._present(None)  # the sensor fails a read now and then
                continue
            else:
                temp = round(self.rng.uniform(36.1, 36.9), 1)
            self._arrive(card, temp)


class Demo:
    """Everything `duty-console demo` runs; use as a context manager."""

    def __init__(
        self,
        db_path: str | None = None,
        *,
        gate: str = "north",
        seed: int | None = None,
        mean_gap_s: float = 1.5,
        reading_rate_hz: float = 4.0,
    ) -> None:
        """``reading_rate_hz``: how often the thermometer sends a reading, someone in front of
        it or not (the MLX sketch: every 250-500 ms; the soak test runs it at 5)."""
        self.reading_rate_hz = reading_rate_hz
        self.tmpdir = Path(tempfile.mkdtemp(prefix="duty-console-demo-"))
        self.keep = db_path is not None
        self.db_path = Path(db_path) if db_path else self.tmpdir / "demo.db"
        self.gate = gate
        self.seed = seed
        self.mean_gap_s = mean_gap_s
        self._fds: list[int] = []
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.engine: Engine | None = None
        self.arrivals: Arrivals | None = None

    def start(self) -> tuple[Runtime, Actor]:
        check_demo_database(self.db_path)
        key = load_audit_key(self.db_path.with_name(self.db_path.name + ".key"), create=True)
        db = Database(f"sqlite:///{self.db_path}", audit_key=key)
        prepare_database(db, self.gate)
        ir_fd, ir_path = open_pty()
        card_fd, card_path = open_pty()
        self._fds += [ir_fd, card_fd]
        settings = parse_settings(
            {
                "database": {"url": db.url},
                "site": {"name": "示例中学", "gate": self.gate},
                "devices": [
                    {
                        "name": f"{self.gate}-ir-1",
                        "role": "thermometer",
                        "port": ir_path,
                        "profile": "mlx90614-ascii",
                    },
                    {
                        "name": f"{self.gate}-card-1",
                        "role": "id-reader",
                        "port": card_path,
                        "profile": "rdm6300",
                    },
                ],
            },
            "demo",
        )
        rt = Runtime(settings=settings, db=db)
        thermometer = Simulator(
            "mlx90614-ascii",
            ir_fd,
            rate_hz=0,
            seed=self.seed,
            natural_rate_hz=self.reading_rate_hz,
        )
        reader = Simulator("rdm6300", card_fd, rate_hz=0, seed=self.seed)
        for sim in (thermometer, reader):
            t = threading.Thread(
                target=sim.run, args=(self._stop,), daemon=True, name=f"sim-{sim.profile_name}"
            )
            t.start()
            self._threads.append(t)
        self.engine = Engine(rt)
        self.engine.start()
        with db.read() as session:
            # Whoever already has an open fever (the one who never came back) stays away, so
            # the overdue recheck stays on screen until someone handles it.
            away = {row.person_id for row in open_fevers(session) if row.person_id}
            cards = [
                c
                for c in session.exec(
                    select(Person.card_id).where(
                        Person.kind == "student",
                        col(Person.card_id).is_not(None),
                        col(Person.person_id).not_in(away),
                    )
                )
                if c
            ]
            officer = staff_service.get(session, DEMO_OFFICER)
        self.arrivals = Arrivals(
            cards, thermometer, reader, seed=self.seed, mean_gap_s=self.mean_gap_s
        )
        self.arrivals.start()
        simulated_gate.register(self.arrivals.drill_fever)
        return rt, staff_service.actor_for(officer, self.gate, "demo")

    def close(self) -> None:
        simulated_gate.register(None)
        if self.arrivals is not None:
            self.arrivals.stop_event.set()
        if self.engine is not None:
            self.engine.stop()
        self._stop.set()
        for t in self._threads:
            t.join(timeout=2)
        for fd in self._fds:
            with contextlib.suppress(OSError):
                os.close(fd)
        if not self.keep:
            shutil.rmtree(self.tmpdir, ignore_errors=True)

    def __enter__(self) -> Demo:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
