"""The issue's acceptance run: `simulate` on a pty and `serve` reading it fill the export live."""

from __future__ import annotations

import csv
import io
import signal
import subprocess
import sys
from pathlib import Path

from duty_console.db.connect import Database
from tests.engine.helpers import wait_for

CLI = [sys.executable, "-m", "duty_console"]


def test_serve_and_simulate_fill_the_entry_export(db: Database, tmp_path: Path) -> None:
    sim = subprocess.Popen(
        [
            *CLI,
            "simulate",
            "--port",
            "pty",
            "--profile",
            "mlx90614-ascii",
            "--rate",
            "10",
            "--fever-rate",
            "0.3",
            "--garbage-rate",
            "0.1",
            "--seed",
            "7",
        ],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    serve = None
    try:
        assert sim.stderr is not None
        first = sim.stderr.readline()
        assert "Simulating mlx90614-ascii on /dev/pts/" in first, first
        port = first.split(" on ", 1)[1].split(";", 1)[0]
        cfg = tmp_path / "duty-console.toml"
        cfg.write_text(
            f'[database]\nurl = "{db.url}"\n[site]\ngate = "north"\n'
            f'[[devices]]\nname = "north-ir-1"\nrole = "thermometer"\nport = "{port}"\n'
            'profile = "mlx90614-ascii"\n',
            encoding="utf-8",
        )
        serve = subprocess.Popen(
            [*CLI, "serve", "--config", str(cfg)], stderr=subprocess.PIPE, text=True
        )

        def exported() -> list[dict[str, str]]:
            out = subprocess.run(
                [*CLI, "export", "entries", "--config", str(cfg)],
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert out.returncode == 0, out.stderr
            return list(csv.DictReader(io.StringIO(out.stdout)))

        assert wait_for(lambda: len(exported()) >= 3, timeout=40, step=1.0)
        rows = exported()
        seen = len(rows)
        assert wait_for(lambda: len(exported()) > seen, timeout=30, step=1.0)  # live
        for row in exported():
            assert row["device"] == "north-ir-1" and row["gate"] == "north"
            assert row["status"] in {"normal", "fever", "invalid"}
            if row["status"] != "invalid":
                assert 36.0 <= float(row["temp_c"]) <= 38.7  # what the simulator sends
        serve.send_signal(signal.SIGTERM)
        assert serve.wait(timeout=30) == 0
    finally:
        sim.send_signal(signal.SIGINT)
        try:
            sim.wait(timeout=10)
        except subprocess.TimeoutExpired:
            sim.kill()
        if serve is not None and serve.poll() is None:
            serve.kill()
