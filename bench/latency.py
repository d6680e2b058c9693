"""Latency at 20 readings/s over 4 ports: from the frame written to its row committed, and to
the row on a console's screen (another process, 80x24, through a pty).

An engine (`serve`, 4 thermometers, frame trigger) and a console (`duty-console tui`) run in
their own processes. Background readings (36.0–36.9 °C) keep 20 a second flowing; every 0.5 s
one of them is a probe with a temperature no other reading has (32.0–35.9 °C). Committed: the
bench polls the database every 2 ms for the probe's row. On screen: the time the probe's
temperature first appears in what the console wrote to its terminal (its newest-reading panel
shows every reading as it arrives).

Run alone: `.venv/bin/python bench/latency.py [--quick]`.
"""

from __future__ import annotations

import sqlite3
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import Pty, Results, fresh_db, load, percentile, standalone
from ingest import gy_frame
from terminal import console, gate_config, start_engine


def run(results: Results, folder: Path, *, quick: bool) -> None:
    probes = 16 if quick else 40
    db = fresh_db(folder, "latency.db")
    ports = [Pty(folder / f"ir{i}") for i in range(4)]
    cfg = gate_config(folder, db, [p.link for p in ports])
    engine = start_engine(cfg, db, len(ports))
    prog = console(cfg)
    committed: list[float] = []
    shown: list[float] = []
    try:
        prog.first_paint()
        time.sleep(2.0)
        ro = sqlite3.connect(f"file:{db}?mode=ro", uri=True, isolation_level=None)
        values = [round(32.0 + i / 10, 1) for i in range(40)][:probes]
        step = 1 / 20
        nxt = time.perf_counter()
        i = 0
        for k, probe in enumerate(values):
            # Nine background readings (0.45 s at 20/s), then the probe.
            for _ in range(9):
                ports[i % 4].write_all(gy_frame(36.0 + i % 10 / 10))
                i += 1
                nxt += step
                time.sleep(max(0.0, nxt - time.perf_counter()))
            sent = time.perf_counter()
            ports[k % 4].write_all(gy_frame(probe))
            nxt += step
            marker = f"{probe:.1f}".encode()
            done_db = done_screen = None
            while time.perf_counter() - sent < 3.0 and (done_db is None or done_screen is None):
                if (
                    done_db is None
                    and ro.execute("SELECT 1 FROM entry WHERE temp_c = ?", (probe,)).fetchone()
                ):
                    done_db = time.perf_counter() - sent
                if done_screen is None:
                    for t, data in prog.text_since(sent):
                        if marker in data:
                            done_screen = t - sent
                            break
                time.sleep(0.002)
            committed.append(1000 * (done_db if done_db is not None else 3.0))
            shown.append(1000 * (done_screen if done_screen is not None else 3.0))
            nxt = max(nxt, time.perf_counter())
        ro.close()
    finally:
        prog.stop()
        engine.terminate()
        engine.wait(30)
        for p in ports:
            p.close()
    sec = f"latency (20 readings/s over 4 ports, {probes} probes)"
    p50, p99 = percentile(committed, 50), percentile(committed, 99)
    results.add(
        sec,
        "frame written -> row committed, p50 / p99 (ms)",
        f"{p50:.0f} / {p99:.0f}",
        "p99 <= 100",
        p99 <= 100,
    )
    s50, s99 = percentile(shown, 50), percentile(shown, 99)
    results.add(
        sec,
        "frame written -> on a console's screen, p50 / p99 (ms)",
        f"{s50:.0f} / {s99:.0f}",
        "p99 <= 500",
        s99 <= 500,
    )
    print(f"    load {load()}", flush=True)


if __name__ == "__main__":
    standalone(run, __doc__, "bench-latency-")
