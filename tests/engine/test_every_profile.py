"""Every thermometer profile end to end: a simulated device on a pty (real frames, garbage
between them, polls answered) → the engine → exactly the expected entries in the database."""

from __future__ import annotations

import contextlib
import os
import threading
import time
from pathlib import Path

import pytest

from devices.simulator import Simulator, open_pty
from duty_console.config import parse_settings
from duty_console.db.connect import Database
from duty_console.domain.clock import SYSTEM_CLOCK
from duty_console.engine.runner import Engine
from duty_console.runtime import Runtime
from tests.engine.helpers import entries, wait_for

THERMOMETERS = ["mlx90614-ascii", "gy-mcu90614", "lu90614", "idc50", "modbus-ir"]
POLLED = {"lu90614", "modbus-ir"}


@pytest.mark.parametrize("profile", THERMOMETERS)
def test_people_at_a_simulated_sensor_become_exactly_their_entries(
    db: Database, tmp_path: Path, profile: str
) -> None:
    master, path = open_pty()
    device = {"name": "ir", "role": "thermometer", "port": path, "profile": profile}
    polled = profile in POLLED
    if polled:
        device["poll_interval_s"] = 0.05  # the engine asks twice per simulated moment
    settings = parse_settings({"site": {"gate": "north"}, "devices": [device]}, "test")
    engine = Engine(Runtime(settings, db, SYSTEM_CLOCK))
    sim = Simulator(
        profile,
        master,
        rate_hz=0,
        seed=5,
        garbage_rate=0.3,
        natural_rate_hz=10.0 if polled else 20.0,
    )
    stop = threading.Event()
    runner = threading.Thread(target=sim.run, args=(stop,), daemon=True)
    engine.start()
    runner.start()
    try:
        time.sleep(0.5)
        for temp in (36.6, 38.1, 36.9):
            before = sim.sent
            sim.present(temp)
            assert wait_for(lambda b=before: sim.sent > b, timeout=15)
        assert wait_for(lambda: len(entries(db)) >= 3, timeout=15), [
            (e.temp_c, e.status) for e in entries(db)
        ]
        time.sleep(0.5)  # nothing more arrives: the empty scene makes no entry
        got = [(e.temp_c, e.status) for e in entries(db)]
        assert got == [(36.6, "normal"), (38.1, "fever"), (36.9, "normal")]
        with db.read() as session:
            from duty_console.domain.health import devices

            [health] = devices(session, "north")
        assert health.frames_ok > 3 and health.online
    finally:
        stop.set()
        runner.join(timeout=5)
        engine.stop()
        with contextlib.suppress(OSError):
            os.close(master)
