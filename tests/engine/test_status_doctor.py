"""`status` (DESIGN §3.4 keys) and `doctor`, run as a user would, against a live engine."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

from duty_console.db.connect import Database
from tests.engine.helpers import PtyDevice, entries, mlx_line, wait_for
from tests.engine.test_serve import engine_alive, write_config

CLI = [sys.executable, "-m", "duty_console"]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=60)


def test_status_json_has_the_contracted_keys_with_live_values(db: Database, tmp_path: Path):
    ir, card = PtyDevice(tmp_path / "ir"), PtyDevice(tmp_path / "card")
    cfg = write_config(tmp_path, db, ir.link, card.link, "frame")
    before = json.loads(run("status", "--format", "json", "--config", str(cfg)).stdout)
    assert before["engine"]["alive"] is False
    streaming = threading.Event()
    serve = subprocess.Popen([*CLI, "serve", "--config", str(cfg)], stderr=subprocess.PIPE)
    try:
        assert wait_for(lambda: engine_alive(db), timeout=15)
        time.sleep(0.5)  # its readers open the ports
        ir.write(mlx_line(36.5) + b"\x00garbage\xff\r\n")
        assert wait_for(lambda: len(entries(db)) == 1, timeout=15)

        # The thermometer keeps streaming while status runs (a silent one goes offline after
        # a few seconds, and a status on a loaded machine can take that long).
        def stream() -> None:
            while not streaming.wait(0.5):
                ir.write(mlx_line(36.6))

        streamer = threading.Thread(target=stream, daemon=True)
        streamer.start()
        time.sleep(0.5)
        out = run("status", "--format", "json", "--config", str(cfg))
        assert out.returncode == 0, out.stderr
        snap = json.loads(out.stdout)
        assert set(snap) >= {"site", "engine", "devices", "timers", "rooms", "incidents", "on_duty"}
        assert snap["site"] == {"name": "示例中学", "gate": "north"}
        assert snap["engine"]["alive"] is True and snap["engine"]["heartbeat_age_s"] < 5
        devices = {d["name"]: d for d in snap["devices"]}
        assert set(devices) == {"north-ir-1", "north-card-1"}
        ir_health = devices["north-ir-1"]
        assert ir_health["online"] is True
        assert ir_health["frames_ok"] >= 1 and ir_health["frames_bad"] >= 1
        assert ir_health["last_frame_at"].endswith("+08:00")
        assert {r["state"] for r in snap["rooms"]} == {"ready"} and len(snap["rooms"]) == 2
        text = run("status", "--config", str(cfg)).stdout
        assert "Engine: alive" in text and "north-ir-1" in text
        doctor = run("doctor", "--config", str(cfg))
        assert "engine lease for gate 'north': held by" in doctor.stdout
    finally:
        streaming.set()
        serve.terminate()
        serve.wait(timeout=20)
        ir.close()
        card.close()


def test_doctor_names_a_missing_port_and_how_to_start(db: Database, tmp_path: Path):
    cfg = write_config(
        tmp_path, db, Path("/dev/serial/by-id/usb-nothing"), tmp_path / "no-card", "frame"
    )
    out = run("doctor", "--config", str(cfg))
    assert out.returncode == 1
    assert "[ok  ] database reachable" in out.stdout
    assert "/dev/serial/by-id/usb-nothing does not exist" in out.stdout
    assert "plugged in" in out.stdout
    assert "no engine runs gate 'north'" in out.stdout
    assert "Traceback" not in out.stderr
