"""Two gates, one database: two engines (``serve``, each with its own devices and lease) and
three consoles on one PostgreSQL server, everyone seeing everything live through LISTEN/NOTIFY;
and one engine with two consoles on one SQLite file (PRAGMA data_version)."""

from __future__ import annotations

import os
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlmodel import select

from duty_console.config import parse_settings
from duty_console.db.connect import Database
from duty_console.db.feed import ChangeFeed
from duty_console.db.models import Person
from duty_console.domain import incidents, timers, walkthrough
from duty_console.domain.actors import Actor
from duty_console.domain.clock import SYSTEM_CLOCK
from duty_console.domain.health import engine_state
from duty_console.runtime import Runtime
from duty_console.tui.live import LiveState, read_live_state
from tests.conftest import AUDIT_KEY
from tests.engine.helpers import PtyDevice, mlx_line, rdm6300_frame, wait_for
from tests.pg import PgServer
from tests.reliability.helpers import build_pg, gate_config, lease_holder, serve

OFFICER = Actor("T002", "王强", "officer", "north", "ssh")


@dataclass
class Console:
    """What a console does between key presses: follow the feed, re-read the live state."""

    gate: str
    url: str
    db: Database = field(init=False)
    feed: ChangeFeed = field(init=False)
    rt: Runtime = field(init=False)
    state: LiveState | None = None

    def __post_init__(self) -> None:
        self.db = Database(self.url, audit_key=AUDIT_KEY)
        self.feed = ChangeFeed(self.db)
        settings = parse_settings({"site": {"name": "示例中学", "gate": self.gate}}, "console")
        self.rt = Runtime(settings, self.db, SYSTEM_CLOCK)
        self.state = read_live_state(self.rt, self.rt.rules, SYSTEM_CLOCK.now())

    def sees(self, predicate, timeout: float = 5.0) -> float:
        """Wait for the feed to say 'changed' and the re-read state to satisfy ``predicate``;
        returns how long it took (the console re-reads only on news, like the app)."""
        start = time.monotonic()
        while time.monotonic() - start < timeout:
            if self.feed.changed():
                self.state = read_live_state(self.rt, self.rt.rules, SYSTEM_CLOCK.now())
                if predicate(self.state):
                    return time.monotonic() - start
            time.sleep(0.01)
        raise AssertionError(f"console at {self.gate} did not see it within {timeout} s")

    def close(self) -> None:
        self.feed.close()
        self.db.dispose()


def _card(db: Database, person_id: str) -> int:
    with db.read() as session:
        card = session.exec(select(Person.card_id).where(Person.person_id == person_id)).one()
    assert card is not None
    return int(card)


def _fevers(state: LiveState) -> set[str | None]:
    return {f.person_id for f in state.fevers}


def _two_gates(tmp_path: Path, db: Database, url: str) -> None:
    devices = {
        g: (PtyDevice(tmp_path / f"{g}-ir"), PtyDevice(tmp_path / f"{g}-card"))
        for g in ("north", "east")
    }
    procs = {g: serve(gate_config(tmp_path / g, db, *devices[g], gate=g)) for g in devices}
    consoles = [Console(g, url) for g in ("north", "east", "north")]
    try:
        assert wait_for(lambda: all(lease_holder(db, g) for g in devices), timeout=20)
        holders = {g: lease_holder(db, g) for g in devices}
        assert f":{procs['north'].pid}:" in holders["north"]
        assert f":{procs['east'].pid}:" in holders["east"]
        time.sleep(0.5)  # the readers open their ports

        # A fever at the north gate: every console, whichever gate, sees it live.
        ir, card = devices["north"]
        card.write(rdm6300_frame(_card(db, "S1001")))
        time.sleep(0.2)
        ir.write(mlx_line(38.3))
        lags = [c.sees(lambda s: "S1001" in _fevers(s)) for c in consoles]
        # ...and one at the east gate, shown in the east console's own log.
        ir, card = devices["east"]
        card.write(rdm6300_frame(_card(db, "S1002")))
        time.sleep(0.2)
        ir.write(mlx_line(38.5))
        lags += [c.sees(lambda s: "S1002" in _fevers(s)) for c in consoles]
        assert consoles[1].state is not None and consoles[1].state.newest is not None
        assert consoles[1].state.newest.person_id == "S1002"
        assert consoles[0].state is not None and consoles[0].state.newest is not None
        assert consoles[0].state.newest.person_id == "S1001"

        # Timers and incidents are shared: what one console records, the others see.
        before = consoles[2].state.timers_overdue if consoles[2].state else 0
        with consoles[0].db.write() as session:
            timers.record_disinfection(session, OFFICER, "CAN", concentration="500")
        lags += [c.sees(lambda s: s.timers_overdue < before) for c in consoles[1:]]
        with consoles[1].db.write() as session:
            opened = incidents.open_incident(session, OFFICER, "fever-at-gate", drill=True)
        for c in consoles:
            c.sees(lambda s: True)
            with c.db.read() as session:
                assert opened.id in {i.id for i in walkthrough.list_incidents(session)}

        # Each gate's lease is its own: the north engine dies, the east one runs on.
        os.kill(procs["north"].pid, signal.SIGKILL)
        procs["north"].wait(10)
        with db.read() as session:
            now = SYSTEM_CLOCK.now()
            assert not engine_state(session, "north", now).alive
            assert engine_state(session, "east", now).alive
        print(f"\nlive on every console within {max(lags) * 1000:.0f} ms (max of {len(lags)})")
        assert max(lags) < 2.0
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                proc.communicate(timeout=30)
        for c in consoles:
            c.close()
        for ir, card in devices.values():
            ir.close()
            card.close()


@pytest.mark.postgres
def test_two_gates_and_three_consoles_on_one_postgresql_server(
    pg_server: PgServer, tmp_path: Path
) -> None:
    url = pg_server.url(pg_server.create_database())
    db = build_pg(url)
    try:
        _two_gates(tmp_path, db, url)
    finally:
        db.dispose()


def test_one_engine_and_two_consoles_on_one_sqlite_file(db: Database, tmp_path: Path) -> None:
    ir, card = PtyDevice(tmp_path / "ir"), PtyDevice(tmp_path / "card")
    proc = serve(gate_config(tmp_path / "etc", db, ir, card))
    consoles = [Console("north", db.url) for _ in range(2)]
    try:
        assert wait_for(lambda: lease_holder(db) is not None, timeout=15)
        time.sleep(0.5)
        card.write(rdm6300_frame(_card(db, "S1003")))
        time.sleep(0.2)
        ir.write(mlx_line(38.1))
        lags = [c.sees(lambda s: "S1003" in _fevers(s)) for c in consoles]
        with consoles[0].db.write() as session:
            timers.record_disinfection(session, OFFICER, "CAN", concentration="500")
        consoles[1].sees(lambda s: True)
        assert max(lags) < 2.0
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=30)
        for c in consoles:
            c.close()
        ir.close()
        card.close()
