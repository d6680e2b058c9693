"""Ingest: device events → measurements → screened entries, committed by one writer thread.

Phase 1 (no database): each event is counted for device health; readings go through the
device's trigger (presence or frame) to become measurements; card reads wait in the gate's
pairing queue, and each measurement takes the first waiting card (DESIGN §3.6).
Phase 2 (one write transaction per group: ≤ 5,000 events, ≤ 50 ms, or what came before the
queue stayed idle for 3 ms): cards are resolved to people, measurements are screened by the one
path of ``domain.screening``/``domain.intake`` (valid range, fever line, rest, recheck, open
incident), rows are inserted in bulk, the few that bring something about (a recheck, a
confirmed fever, a step of an open incident) go through ``intake.after_insert``, device health
is written and one audit record covers the group. A failed commit keeps the group's work and
retries it: nothing read is dropped, and nothing is counted twice.
"""

from __future__ import annotations

import logging
import queue
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, func, insert, update
from sqlalchemy import select as sa_select
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlmodel import Session, select

from devices.frames import BadFrame, CardRead, DeviceEvent, DeviceStatus, Measurement, Reading
from devices.frames import SensorError as SensorErrorEvent
from devices.measure import Trigger, make_trigger
from devices.profile import Profile
from duty_console.db.connect import Database
from duty_console.db.models import Device, Entry, Person
from duty_console.db.types import UTCDateTime, sqlite_time
from duty_console.domain import audit
from duty_console.domain.actors import Actor, system_actor
from duty_console.domain.clock import SYSTEM_CLOCK, Clock
from duty_console.domain.inert import inert
from duty_console.domain.intake import after_insert, needs_after
from duty_console.domain.people import find_by_card
from duty_console.domain.screening import (
    INVALID,
    CardPairing,
    Decision,
    Mode,
    Rules,
    entry_fields,
    round_temp,
    screen,
)

log = logging.getLogger(__name__)

# A group: what came within MAX_WAIT_S of its first event, at most MAX_BATCH events; it ends
# sooner when nothing more came for IDLE_S (the readers have nothing more for now: a reading
# at a quiet gate is committed at once, not after the whole window).
MAX_BATCH = 5_000
MAX_WAIT_S = 0.05
IDLE_S = 0.003
# The backlog: measurements read and not yet committed, held in memory while the database
# cannot be written (PostgreSQL down for hours, a full disk). Past this many (about 35 MB; at
# 5 readings a second, eleven hours) a new reading is dropped, counted (device health,
# ``status``, the header, an audit record once the database takes writes again) and logged
# once per outage. The oldest are kept, the newest dropped: the backlog stays in the order it
# happened, to be screened as it happened (a fever before its recheck), what is lost is one
# span at the end of the outage, and dropping costs nothing (no list shifting at every frame).
# A fever is never dropped for a normal reading: fevers may fill FEVER_ROOM more (a broken
# sensor reading 50 °C on every frame must not take the memory either).
MAX_PENDING = 200_000
FEVER_ROOM = MAX_PENDING // 10
# Device counters (frames, last frame) are written at most this often; a device going on or
# off line, and the last counts at stop, are written at once.
HEALTH_EVERY_S = 1.0
_STOP = object()
_ENTRY: Table = Entry.__table__  # type: ignore[attr-defined]
# Core, not the ORM: this is the hot path (hundreds of rows per group).
_INSERT_ENTRY = insert(_ENTRY).returning(_ENTRY.c.id, _ENTRY.c.status)
# On SQLite the rows go straight to the driver's executemany (no RETURNING, no per-row bind
# processors): the ids are the consecutive rowids the write transaction hands out.
_ENTRY_COLUMNS = [c for c in _ENTRY.c if c.name != "id"]
_ENTRY_DEFAULTS: dict[str, Any] = {
    c.name: getattr(c.default, "arg", None)
    if c.default is not None and c.default.is_scalar
    else None
    for c in _ENTRY_COLUMNS
}
_ENTRY_TIMES = frozenset(c.name for c in _ENTRY_COLUMNS if isinstance(c.type, UTCDateTime))
# Bound variables per statement (SQLite's limit is 32,766 since 3.32, 999 before).
_MAX_VARIABLES = 32_766 if sqlite3.sqlite_version_info >= (3, 32, 0) else 999
_DEVICE: Table = Device.__table__  # type: ignore[attr-defined]
_UPDATE_DEVICE = (
    update(_DEVICE)
    .where(_DEVICE.c.name == bindparam("b_name"))
    .values(
        online=bindparam("b_online"),
        status=bindparam("b_status"),
        frames_ok=bindparam("b_frames_ok"),
        frames_bad=bindparam("b_frames_bad"),
        sensor_errors=bindparam("b_sensor_errors"),
        readings_dropped=bindparam("b_readings_dropped"),
        dropped_at=bindparam("b_dropped_at", type_=UTCDateTime),
        last_frame_at=bindparam("b_last_frame_at", type_=UTCDateTime),
        updated_at=bindparam("b_updated_at", type_=UTCDateTime),
    )
)
_PERSON: Table = Person.__table__  # type: ignore[attr-defined]
_ROSTER_MARK = sa_select(func.count(), func.max(_PERSON.c.updated_at)).select_from(_PERSON)


@dataclass
class DeviceState:
    """What the engine knows of one configured device."""

    name: str
    role: str
    profile: Profile
    port: str
    offset_c: float = 0.0
    trigger: Trigger | None = None
    frames_ok: int = 0
    frames_bad: int = 0
    sensor_errors: int = 0
    # Readings dropped because the backlog was full (MAX_PENDING), and the newest one's time.
    readings_dropped: int = 0
    dropped_at: datetime | None = None
    last_frame_at: datetime | None = None
    online: bool = False
    status: str = "starting"
    dirty: bool = True
    # Online or status changed: written with the next group, not after HEALTH_EVERY_S.
    urgent: bool = True


@dataclass(slots=True)
class _Measured:
    device: str
    at: datetime
    temp_c: float | None
    kind: str  # the device's body | surface
    error: str | None
    card_id: str | None
    offset_c: float | None = None  # the calibration offset the temperature was taken with


@dataclass
class WriterStats:
    entries: int = 0
    batches: int = 0
    failed_commits: int = 0
    last_error: str = ""
    by_status: dict[str, int] = field(default_factory=dict)
    # Measurements still not committed when the writer had to give up at stop (database gone).
    uncommitted: int = 0
    # Events or measurements a bug could not handle (a strange frame met it): counted.
    unreadable: int = 0
    # Why the writer thread ended on its own (it should never): set by the watchdog.
    failure: str = ""
    # Readings dropped because the backlog was full (see MAX_PENDING); fevers among them.
    dropped: int = 0
    dropped_fevers: int = 0


class Writer(threading.Thread):
    """The one thread that writes what the devices read."""

    def __init__(
        self,
        db: Database,
        gate: str,
        rules: Rules,
        devices: dict[str, DeviceState],
        *,
        clock: Clock = SYSTEM_CLOCK,
        queue_size: int = 20_000,
        max_pending: int = MAX_PENDING,
        on_commit: Callable[[int], None] | None = None,
        on_failure: Callable[[str], None] | None = None,
    ) -> None:
        super().__init__(name=f"writer-{gate}", daemon=True)
        self.db = db
        self.gate = gate
        self.rules = rules
        self.devices = devices
        self.clock = clock
        self.on_commit = on_commit
        self.on_failure = on_failure
        self.queue: queue.Queue[Any] = queue.Queue(maxsize=queue_size)
        self.pairing = CardPairing(rules.pair_within_s)
        self.actor: Actor = system_actor(gate=gate, via="engine", name=f"engine:{gate}")
        self.stats = WriterStats()
        # At stop, how long to keep retrying a database that does not answer.
        self.final_retry_s = 30.0
        self._pending: list[_Measured] = []
        # The backlog's bound (MAX_PENDING; fevers FEVER_ROOM more), and what was dropped
        # since the last commit (its audit record) and whether this outage was logged.
        self.max_pending = max_pending
        self.max_pending_fevers = max_pending + max(1, max_pending * FEVER_ROOM // MAX_PENDING)
        self._dropped_unrecorded = 0
        self._dropped_logged = False
        # card id → person id (None: not in the roster), re-read when the roster changes.
        self._cards: dict[str, str | None] = {}
        self._roster_mark: tuple[int, object] | None = None
        self._stopping = threading.Event()
        # When the loop last came round (monotonic): the engine's watchdog reads it.
        self.progress_mono = time.monotonic()
        # While the database fails (a server restart, a full disk): commits in a row that
        # failed, and when (monotonic) to try again; reading goes on meanwhile.
        self._failing = 0
        self._retry_at = 0.0
        # The writer's one connection, kept open between groups.
        self._held = db.held_connection()
        self._health_at = 0.0  # monotonic time device health was last written
        # The newest receipt time (monotonic) of a reading handled: the presence triggers'
        # clock while a backlog is still queued (see _trigger_clock).
        self._seen_mono = 0.0
        # An unidentified reading's entry columns by temperature (no lookup decides them).
        self._anonymous: dict[float | None, dict[str, Any]] = {}
        self._group_now = clock.now()
        # Whether the measurement being screened already has its entry (see _screen_one).
        self._own_row_written = False
        for state in devices.values():
            if state.role == "thermometer" and state.trigger is None:
                state.trigger = make_trigger(state.profile, state.name)

    # -- called from device threads --------------------------------------------------------
    def submit(self, event: DeviceEvent) -> None:
        """The PortReaders' sink. Blocks (never drops) while the writer is behind and alive.

        A writer that died (see :meth:`run`) takes nothing more: the device threads are not
        left blocked on a full queue for ever, and the engine stops on the failure.
        """
        while True:
            try:
                self.queue.put(event, timeout=0.5)
                return
            except queue.Full:
                if self.stats.failure:
                    return

    def submit_many(self, events: list[DeviceEvent]) -> None:
        """The frames of one read, handed over at once (one queue hand-off, not one each)."""
        if not events:
            return
        while True:
            try:
                self.queue.put(events, timeout=0.5)
                return
            except queue.Full:
                if self.stats.failure:
                    return

    def stop(self, timeout: float | None = 30.0) -> None:
        """Commit everything already read, then end the thread."""
        self._stopping.set()
        self.queue.put(_STOP)
        self.join(timeout)

    # -- the writer thread -------------------------------------------------------------------
    def run(self) -> None:
        """The writer's loop, under a watchdog: if anything ever escapes it, the failure is
        recorded and reported (``on_failure``) so the engine stops and says so, instead of
        leaving a lease held by an engine that records nothing."""
        try:
            self._loop()
        except BaseException as exc:
            self._held.close()
            self.stats.failure = f"{type(exc).__name__}: {exc}"[:255]
            self.stats.uncommitted = len(self._pending) + self.queue.qsize()
            log.critical("the writer of gate %s failed: %s", self.gate, self.stats.failure)
            log.debug("writer failure", exc_info=True)
            if self.on_failure is not None:
                self.on_failure(self.stats.failure)

    def _loop(self) -> None:
        stopped = False
        while not stopped:
            self.progress_mono = time.monotonic()
            items, stopped = self._collect()
            for item in items:
                if type(item) is list:
                    self._read_frames(item)
                else:
                    self._read_event(item)
            now = time.monotonic()
            self._flush_triggers(float("inf") if stopped else self._trigger_clock())
            if (self._pending or self._health_due(stopped)) and (stopped or now >= self._retry_at):
                self._commit_with_retry(final=stopped)
        self._held.close()

    def _trigger_clock(self) -> float:
        """Now, for the presence triggers' gap check. While readings are still queued, the
        newest one handled: a writer seconds behind must not end a person's run between two
        frames that came a few milliseconds apart (one person would become two entries)."""
        now = time.monotonic()
        if self._seen_mono and not self.queue.empty():
            return min(now, self._seen_mono)
        return now

    def _health_due(self, force: bool = False) -> list[DeviceState]:
        """The devices whose health to write with this group."""
        dirty = self._dirty_devices()
        if force or self._stopping.is_set():
            return dirty
        if time.monotonic() - self._health_at >= HEALTH_EVERY_S:
            return dirty
        return [s for s in dirty if s.urgent]

    def _read_event(self, event: Any) -> None:
        """Phase 1 for one event; one that cannot be read is counted, never fatal."""
        try:
            self._phase1(event)
        except Exception as exc:
            self._unreadable(event, exc)

    def _unreadable(self, event: Any, exc: Exception) -> None:
        self.stats.unreadable += 1
        log.exception("event %r could not be read: %r", event, exc)
        state = self.devices.get(getattr(event, "device", ""))
        if state is not None:
            state.frames_bad += 1
            state.dirty = True

    def _read_frames(self, frames: list[Any]) -> None:
        """Phase 1 for the frames of one read (one device's, handed over at once): its
        readings go straight to the device's trigger and are counted once for the lot; any
        other event (a bad frame, another device's) goes the way of :meth:`_read_event`."""
        device = getattr(frames[0], "device", None) if frames else None
        state = self.devices.get(device) if type(device) is str else None
        trigger = None if state is None else state.trigger
        if state is None or trigger is None:
            for event in frames:
                self._read_event(event)
            return
        name, feed = state.name, trigger.feed
        count = 0
        newest: Reading | None = None
        for event in frames:
            if type(event) is not Reading or event.device != name:
                self._read_event(event)
                continue
            count += 1
            newest = event
            try:
                made = feed(event)
                if made:
                    for item in made:
                        self._measured(state, item)
            except Exception as exc:
                self._unreadable(event, exc)
        if newest is not None:
            state.frames_ok += count
            state.last_frame_at = newest.at
            state.dirty = True
            try:
                if newest.mono > self._seen_mono:
                    self._seen_mono = newest.mono
            except Exception as exc:
                self._unreadable(newest, exc)

    def _collect(self) -> tuple[list[Any], bool]:
        """The next group: queue items (a read's frames as one list, or one event), and
        whether the writer was asked to stop."""
        items: list[Any] = []
        try:
            first = self.queue.get(timeout=0.25)
        except queue.Empty:
            return items, False
        if first is _STOP:
            return self._drain(), True
        items.append(first)
        count = _count(first)
        deadline = time.monotonic() + MAX_WAIT_S
        while count < MAX_BATCH:
            remaining = deadline - time.monotonic()
            try:
                item = (
                    self.queue.get(timeout=min(remaining, IDLE_S))
                    if remaining > 0
                    else self.queue.get_nowait()
                )
            except queue.Empty:
                break
            if item is _STOP:
                return items + self._drain(), True
            items.append(item)
            count += _count(item)
        return items, False

    def _drain(self) -> list[Any]:
        rest: list[Any] = []
        while True:
            try:
                item = self.queue.get_nowait()
            except queue.Empty:
                return rest
            if item is not _STOP:
                rest.append(item)

    def _phase1(self, event: Any) -> None:
        state = self.devices.get(event.device)
        if state is None:
            return
        if isinstance(event, Reading):
            state.frames_ok += 1
            state.last_frame_at = event.at
            state.dirty = True
            if event.mono > self._seen_mono:
                self._seen_mono = event.mono
            if state.trigger is not None:
                for item in state.trigger.feed(event):
                    self._measured(state, item)
        elif isinstance(event, CardRead):
            state.frames_ok += 1
            state.last_frame_at = event.at
            state.dirty = True
            self.pairing.card(event.card_id, None, event.mono)
        elif isinstance(event, BadFrame):
            state.frames_bad += 1
            state.dirty = True
        elif isinstance(event, DeviceStatus):
            state.online = event.online
            state.status = inert(event.reason)[:255]
            state.dirty = True
            state.urgent = True

    def _measured(self, state: DeviceState, item: Measurement | SensorErrorEvent) -> None:
        if isinstance(item, SensorErrorEvent):
            state.sensor_errors += 1
            return
        _, card_id = self.pairing.reading(item.mono)
        temp, error, offset = None, item.error, None
        if item.temp_c is not None:
            offset = state.offset_c  # read once: a calibration may change it meanwhile
            try:
                temp = round_temp(item.temp_c + offset)
            except ValueError:
                # Never a temperature: an invalid entry that says what came.
                error = f"not a temperature: {item.temp_c!r}"[:255]
        if len(self._pending) >= self.max_pending and not self._room_for(temp):
            self._drop(state, item.at, temp)
            return
        self._pending.append(
            _Measured(state.name, item.at, temp, item.mode, error, card_id, offset)
        )

    def _room_for(self, temp: float | None) -> bool:
        """The backlog is full: a fever may still come in (up to FEVER_ROOM more)."""
        fever = temp is not None and temp >= self.rules.threshold(Mode.IR.value)
        return fever and len(self._pending) < self.max_pending_fevers

    def _drop(self, state: DeviceState, at: datetime, temp: float | None) -> None:
        """A reading the full backlog cannot hold: counted, never silent."""
        self.stats.dropped += 1
        if temp is not None and temp >= self.rules.threshold(Mode.IR.value):
            self.stats.dropped_fevers += 1
        self._dropped_unrecorded += 1
        state.readings_dropped += 1
        state.dropped_at = at
        state.dirty = True
        if not self._dropped_logged:
            self._dropped_logged = True
            log.error(
                "the database has not taken the readings of gate %s for a while (%s): "
                "%d are held in memory, the most it holds; newer ones are dropped "
                "(counted, fevers kept) until it takes them again",
                self.gate,
                self.stats.last_error or "no commit yet",
                len(self._pending),
            )

    def _flush_triggers(self, now_mono: float) -> None:
        for state in self.devices.values():
            if state.trigger is not None:
                for m in state.trigger.flush(now_mono):
                    self._measured(state, m)

    def _dirty_devices(self) -> list[DeviceState]:
        return [s for s in self.devices.values() if s.dirty]

    def _commit_with_retry(self, final: bool) -> None:
        delay = 0.2
        give_up_at = time.monotonic() + self.final_retry_s
        while True:
            try:
                self._commit()
            except SQLAlchemyError as exc:
                # A new connection for the next try (the file may have been replaced).
                self._held.close()
                self.stats.failed_commits += 1
                self._failing += 1
                error = str(exc).splitlines()[0][:255]
                if self._failing == 1 or error != self.stats.last_error:
                    log.warning("commit failed, will retry: %s", error)
                self.stats.last_error = error
                if not final and not self._stopping.is_set():
                    # Keep the work and go on reading; retry later, backing off to 5 s (not
                    # once per group: a database that is down gets no storm, the log no flood).
                    self._retry_at = time.monotonic() + min(0.2 * 2 ** (self._failing - 1), 5.0)
                    return
                if final and time.monotonic() >= give_up_at:
                    # Stopping, and the database still does not answer: say what is lost.
                    self.stats.uncommitted = len(self._pending)
                    log.error("%d readings could not be committed", self.stats.uncommitted)
                    return
                time.sleep(delay)
                delay = min(delay * 2, 5.0)
            else:
                if self._failing:
                    log.warning("commits succeed again (after %d failed)", self._failing)
                self._failing, self._retry_at = 0, 0.0
                if self._dropped_logged and len(self._pending) < self.max_pending:
                    log.warning(
                        "%d readings dropped in all since the engine started (the backlog "
                        "was full); the database takes them again",
                        self.stats.dropped,
                    )
                    self._dropped_logged = False
                return

    def _commit(self) -> None:
        work = list(self._pending)
        dirty = self._health_due()
        dropped = self._dropped_unrecorded
        inserted: list[tuple[int, str]] = []
        # Every row of the group is created in this transaction: one time for all of them.
        self._group_now = self.clock.now()
        with self.db.write(self._held.get()) as session:
            rows: list[dict[str, Any]] = []
            if any(m.card_id is not None for m in work):
                self._refresh_cards(session)
            for m in work:
                row = self._screen_one(session, m, rows, inserted)
                if row is not None:
                    rows.append(row)
            self._insert(session, rows, inserted)
            if dirty:
                now = self.clock.now()
                session.connection().execute(
                    _UPDATE_DEVICE,
                    [
                        {
                            "b_name": state.name,
                            "b_online": state.online,
                            "b_status": state.status,
                            "b_frames_ok": state.frames_ok,
                            "b_frames_bad": state.frames_bad,
                            "b_sensor_errors": state.sensor_errors,
                            "b_readings_dropped": state.readings_dropped,
                            "b_dropped_at": state.dropped_at,
                            "b_last_frame_at": state.last_frame_at,
                            "b_updated_at": now,
                        }
                        for state in dirty
                    ],
                )
            if inserted:
                counts: dict[str, int] = {}
                for _, status in inserted:
                    counts[status] = counts.get(status, 0) + 1
                audit.append(
                    session,
                    self.actor,
                    "entries.ingest",
                    self.gate,
                    {
                        "count": len(inserted),
                        "first_id": inserted[0][0],
                        "last_id": inserted[-1][0],
                        "by_status": counts,
                    },
                    clock=self.clock,
                )
            if dropped:
                audit.append(
                    session,
                    self.actor,
                    "entries.dropped",
                    self.gate,
                    {"count": dropped, "why": "backlog full", "last_error": self.stats.last_error},
                    clock=self.clock,
                )
        # Committed: only now forget the work.
        del self._pending[: len(work)]
        self._dropped_unrecorded -= dropped
        for state in dirty:
            state.dirty = state.urgent = False
        if dirty:
            self._health_at = time.monotonic()
        self.stats.batches += 1
        self.stats.entries += len(inserted)
        for _, status in inserted:
            self.stats.by_status[status] = self.stats.by_status.get(status, 0) + 1
        if self.on_commit and inserted:
            self.on_commit(len(inserted))

    def _screen_one(
        self,
        session: Session,
        m: _Measured,
        rows: list[dict[str, Any]],
        inserted: list[tuple[int, str]],
    ) -> dict[str, Any] | None:
        """Screen one measurement; one that trips a bug is an ``invalid`` entry saying why.

        Database errors go up (the group is retried); anything else costs this measurement its
        screening, not the writer its life.
        """
        self._own_row_written = False
        try:
            return self._screen(session, m, rows, inserted)
        except SQLAlchemyError:
            raise
        except Exception as exc:
            self.stats.unreadable += 1
            log.exception("measurement %r could not be screened", m)
            if self._own_row_written:
                return None  # its entry is already written; what failed came after
            return {
                **self._row(m, None, f"not screened: {type(exc).__name__}"[:64]),
                **entry_fields(Decision(INVALID)),
                "temp_c": None,
            }

    def _row(self, m: _Measured, person_id: str | None, note: str) -> dict[str, Any]:
        """The columns every entry from a device has (screening adds its own)."""
        return {
            "at": m.at,
            "gate": self.gate,
            "device": m.device,
            "person_id": person_id,
            "temp_c": m.temp_c,
            "mode": Mode.IR.value,
            "kind": m.kind,
            "offset_c": m.offset_c,
            "note": note,
            "reason": "",
            "created_at": self._group_now,
            "created_by": self.actor.label,
        }

    def _screen(
        self,
        session: Session,
        m: _Measured,
        rows: list[dict[str, Any]],
        inserted: list[tuple[int, str]],
    ) -> dict[str, Any] | None:
        person_id = None
        note = m.error or ""
        if m.card_id is not None:
            person_id = self._person_of(session, m.card_id)
            if person_id is None:
                note = f"card {inert(m.card_id)[:40]} is not in the roster"
        if person_id is not None and any(r["person_id"] == person_id for r in rows):
            # An earlier row of this group may hold this person's fever: write it first.
            self._insert(session, rows, inserted)
            rows.clear()
        if person_id is None:
            # Nobody to look up: the decision depends on the temperature alone.
            fields = self._anonymous.get(m.temp_c)
            if fields is None:
                decision = screen(session, self.rules, None, m.temp_c, Mode.IR, m.at)
                fields = self._anonymous[m.temp_c] = entry_fields(decision)
            row = self._row(m, None, note)
            row.update(fields)
            return row
        decision = screen(session, self.rules, person_id, m.temp_c, Mode.IR, m.at)
        row = {**self._row(m, person_id, note), **entry_fields(decision)}
        if needs_after(decision):
            self._insert(session, rows, inserted)
            rows.clear()
            self._insert(session, [row], inserted)
            self._own_row_written = True
            self._after(session, decision, inserted[-1][0])
            return None
        return row

    def _after(self, session: Session, decision: Decision, entry_id: int) -> None:
        after_insert(session, self.actor, decision, entry_id, clock=self.clock)

    def _refresh_cards(self, session: Session) -> None:
        """Forget cached cards when the roster changed (an import, a new card)."""
        mark = session.connection().execute(_ROSTER_MARK).one()
        if self._roster_mark != tuple(mark):
            self._roster_mark = (int(mark[0]), mark[1])
            self._cards.clear()

    def _person_of(self, session: Session, card_id: str) -> str | None:
        if card_id not in self._cards:
            person = find_by_card(session, card_id)
            self._cards[card_id] = None if person is None else person.person_id
        return self._cards[card_id]

    def _insert(
        self, session: Session, rows: list[dict[str, Any]], inserted: list[tuple[int, str]]
    ) -> None:
        if not rows:
            return
        if self.db.is_sqlite:
            _insert_sqlite(session, rows, inserted)
            return
        result = session.connection().execute(_INSERT_ENTRY, rows)
        inserted.extend((int(r[0]), str(r[1])) for r in result)


def _count(item: Any) -> int:
    """The events in one queue item: a read's frames (a list) or one event."""
    return len(item) if type(item) is list else 1


def _insert_sqlite(
    session: Session, rows: list[dict[str, Any]], inserted: list[tuple[int, str]]
) -> None:
    """The group's entries in one driver ``executemany``, inside the session's transaction.

    The write transaction (BEGIN IMMEDIATE) holds the database's write lock, so the rows get
    consecutive rowids after the largest one: the ids are known without RETURNING. Times are
    written in the text form SQLAlchemy's SQLite DATETIME stores (``sqlite_time``).
    """
    names = list(rows[0])
    for row in rows:
        if len(row) != len(names):
            names = list(dict.fromkeys(n for r in rows for n in r))
            break
    names = [n for n in names if n != "id"]
    times = [i for i, n in enumerate(names) if n in _ENTRY_TIMES]
    defaults = [_ENTRY_DEFAULTS.get(n) for n in names]
    params: list[list[Any]] = []
    # The frames of one read share their time, and the group its creation time.
    texts: dict[datetime, str] = {}
    for row in rows:
        values: list[Any] = [row.get(n, d) for n, d in zip(names, defaults, strict=True)]
        for i in times:
            value = values[i]
            if value is not None:
                text = texts.get(value)
                if text is None:
                    text = texts[value] = sqlite_time(value)
                values[i] = text
        params.append(values)
    # Many rows per statement: the driver lets go of the GIL around every statement it steps,
    # and getting it back from 16 busy device threads cost more than the insert itself.
    per_statement = max(1, _MAX_VARIABLES // len(names))
    one = f"({', '.join('?' * len(names))})"
    head = f"INSERT INTO entry ({', '.join(names)}) VALUES "
    sql = head + one
    driver = session.connection().connection.driver_connection
    assert isinstance(driver, sqlite3.Connection)
    try:
        cur = driver.cursor()
        before = cur.execute("SELECT coalesce(max(id), 0) FROM entry").fetchone()[0]
        for start in range(0, len(params), per_statement):
            chunk = params[start : start + per_statement]
            cur.execute(head + ", ".join([one] * len(chunk)), [v for row in chunk for v in row])
        last = cur.execute("SELECT last_insert_rowid()").fetchone()[0]
        if last - before == len(rows):
            first = before + 1
            inserted.extend((first + i, str(row["status"])) for i, row in enumerate(rows))
        else:  # pragma: no cover - only if rowids ran out and SQLite picked free ones
            found = cur.execute(
                "SELECT id, status FROM entry WHERE id > ? ORDER BY id", (before,)
            ).fetchall()
            inserted.extend((int(i), str(s)) for i, s in found[-len(rows) :])
        cur.close()
    except sqlite3.Error as exc:
        # The writer retries database errors (SQLAlchemy's), whatever the driver said.
        raise OperationalError(sql, None, exc) from exc


def register_devices(
    db: Database, gate: str, devices: dict[str, DeviceState], clock: Clock
) -> None:
    """Create or refresh the Device rows; keep their counters across restarts."""
    with db.write() as session:
        for state in devices.values():
            row = session.exec(select(Device).where(Device.name == state.name)).first()
            if row is None:
                row = Device(
                    name=state.name,
                    gate=gate,
                    role=state.role,
                    profile=state.profile.name,
                    port=state.port,
                )
            else:
                state.frames_ok, state.frames_bad = row.frames_ok, row.frames_bad
                state.sensor_errors, state.last_frame_at = row.sensor_errors, row.last_frame_at
                state.readings_dropped, state.dropped_at = row.readings_dropped, row.dropped_at
            row.gate, row.role, row.profile, row.port = (
                gate,
                state.role,
                state.profile.name,
                state.port,
            )
            row.online, row.status, row.updated_at = False, "starting", clock.now()
            session.add(row)
