"""`duty-console serve` as a process: SIGTERM drains, a second engine is refused, a dead
engine's lease is taken over, and an unplugged device comes back at the same path."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlmodel import select

from duty_console.db.connect import Database
from duty_console.db.models import Device
from duty_console.domain.clock import SYSTEM_CLOCK
from duty_console.domain.health import engine_state
from duty_console.engine.runner import Engine
from duty_console.runtime import Runtime
from tests.engine.helpers import PtyDevice, entries, mlx_line, wait_for
from tests.engine.test_engine import make_settings


def write_config(tmp_path: Path, db: Database, ir: Path, card: Path, trigger: str) -> Path:
    cfg = tmp_path / "duty-console.toml"
    cfg.write_text(
        f"""
[database]
url = "{db.url}"

[site]
name = "示例中学"
gate = "north"

[[devices]]
name = "north-ir-1"
role = "thermometer"
port = "{ir}"
profile = "mlx90614-ascii"
trigger = "{trigger}"

[[devices]]
name = "north-card-1"
role = "id-reader"
port = "{card}"
profile = "rdm6300"
""",
        encoding="utf-8",
    )
    return cfg


def serve(cfg: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "duty_console", "serve", "--config", str(cfg)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def engine_alive(db: Database) -> bool:
    with db.read() as session:
        return engine_state(session, "north", SYSTEM_CLOCK.now()).alive


@pytest.fixture
def ptys(tmp_path: Path):
    ir, card = PtyDevice(tmp_path / "ir"), PtyDevice(tmp_path / "card")
    yield ir, card
    ir.close()
    card.close()


def test_sigterm_commits_a_person_still_being_measured(db, ptys, tmp_path):
    ir, card = ptys
    proc = serve(write_config(tmp_path, db, ir.link, card.link, "presence"))
    try:
        assert wait_for(lambda: engine_alive(db), timeout=15)
        time.sleep(0.5)
        # Ambient, then a person who has not yet held still long enough to be measured.
        for value in (24.0, 24.1, 36.2, 36.6):
            ir.write(mlx_line(value))

        def frames_read() -> bool:
            with db.read() as session:
                dev = session.exec(select(Device).where(Device.name == "north-ir-1")).one()
            return dev.frames_ok >= 4

        assert wait_for(frames_read)
        assert entries(db) == []
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    [entry] = entries(db)
    assert entry.temp_c == 36.4 and entry.status == "normal"  # median of the whole short run
    assert not engine_alive(db)


def test_a_second_serve_is_refused_and_a_killed_ones_lease_is_taken_over(db, ptys, tmp_path):
    ir, card = ptys
    cfg = write_config(tmp_path, db, ir.link, card.link, "frame")
    first = serve(cfg)
    try:
        assert wait_for(lambda: engine_alive(db), timeout=15)
        second = subprocess.run(
            [sys.executable, "-m", "duty_console", "serve", "--config", str(cfg)],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert second.returncode == 1
        assert "already running" in second.stderr and "Traceback" not in second.stderr
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
        killed_at = time.monotonic()
        third = serve(cfg)
        try:
            # The dead holder's pid is gone: the new engine takes the lease over at once.
            def took_over() -> bool:
                with db.read() as session:
                    state = engine_state(session, "north", SYSTEM_CLOCK.now())
                return state.alive and f":{third.pid}:" in state.holder

            assert wait_for(took_over, timeout=15), third.stderr
            assert time.monotonic() - killed_at < 10
            time.sleep(1.5)
            assert third.poll() is None
            ir.write(mlx_line(36.5))
            assert wait_for(lambda: len(entries(db)) == 1)
        finally:
            third.send_signal(signal.SIGTERM)
            third.wait(timeout=20)
    finally:
        if first.poll() is None:
            first.kill()


def test_an_unplugged_device_shows_offline_and_comes_back_at_the_same_path(db, tmp_path):
    ir = PtyDevice(tmp_path / "ir")
    card = PtyDevice(tmp_path / "card")
    engine = Engine(Runtime(make_settings(ir.link, card.link), db, SYSTEM_CLOCK))
    engine.start()
    try:
        time.sleep(0.3)
        ir.write(mlx_line(36.5))
        assert wait_for(lambda: len(entries(db)) == 1)

        def online() -> bool | None:
            with db.read() as session:
                return session.exec(select(Device.online).where(Device.name == "north-ir-1")).one()

        assert wait_for(lambda: online() is True)
        ir.close()  # the cable is pulled
        assert wait_for(lambda: online() is False, timeout=10)
        replug = PtyDevice(tmp_path / "ir")  # a new device node behind the same by-id link
        try:
            assert wait_for(lambda: online() is True, timeout=15)
            time.sleep(0.3)
            replug.write(mlx_line(36.8))
            assert wait_for(lambda: len(entries(db)) == 2, timeout=10)
            assert entries(db)[-1].temp_c == 36.8
        finally:
            replug.close()
    finally:
        engine.stop()
        card.close()
