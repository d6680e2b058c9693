"""The terminal link: what a console writes to its terminal (an SSH session), its CPU and RSS.

An engine (`serve`, one thermometer on a pty, frame trigger) and a console (`duty-console tui`,
80x24, signed in through [access] unix_users, attached to the engine through the database) in
separate processes. Every byte the console writes to its pty is counted:

- idle: nothing arrives (the engine alive, its device online);
- load: 5 readings/s, with two fevers awaiting their recheck and two airings running (their
  countdowns on screen).

Cold start: seconds from exec to the end of the first screen, the console against a bare
Textual app with the same kinds of widgets (`bare_app.py`), same run, medians of 3.

Run alone: `.venv/bin/python bench/terminal.py [--quick]`.
"""

from __future__ import annotations

import getpass
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (
    PYTHON,
    ROOT,
    Pty,
    Results,
    TerminalProgram,
    fresh_db,
    load,
    median,
    proc_cpu_s,
    proc_rss_mb,
    standalone,
    write_key,
)
from ingest import _devices_online, _wait, gy_frame


def gate_config(folder: Path, db: Path, thermometers: list[Path], trigger: str = "frame") -> Path:
    cfg = folder / "duty-console.toml"
    devices = "".join(
        f'\n[[devices]]\nname = "north-ir-{i}"\nrole = "thermometer"\nport = "{link}"\n'
        f'profile = "gy-mcu90614"\nbaudrate = 115200\ntrigger = "{trigger}"\n'
        for i, link in enumerate(thermometers)
    )
    cfg.write_text(
        f'[database]\nurl = "sqlite:///{db}"\n\n[site]\nname = "Bench"\ngate = "north"\n'
        f'timezone = "Asia/Shanghai"\n\n[access]\nunix_users = {{ {getpass.getuser()} = "T002" }}\n'
        f"{devices}",
        encoding="utf-8",
    )
    cfg.chmod(0o600)
    write_key(cfg)
    return cfg


def start_engine(cfg: Path, db: Path, n_devices: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [PYTHON, "-m", "duty_console", "serve", "--config", str(cfg)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=ROOT,
    )
    if not _wait(lambda: _devices_online(db, n_devices), 60, 0.1):
        proc.kill()
        raise RuntimeError("serve did not start")
    return proc


def console(cfg: Path) -> TerminalProgram:
    return TerminalProgram(
        [PYTHON, "-m", "duty_console", "tui", "--config", str(cfg), "--lang", "en"]
    )


def cold_start(cfg: Path, repeat: int) -> tuple[float, float]:
    bare, full = [], []
    for _ in range(repeat):
        p = TerminalProgram([PYTHON, str(ROOT / "bench" / "bare_app.py")])
        try:
            bare.append(p.first_paint())
        finally:
            p.stop()
        p = console(cfg)
        try:
            full.append(p.first_paint())
        finally:
            p.stop()
    return median(bare), median(full)


def window(prog: TerminalProgram, seconds: float, feed=None) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """(bytes/s written to the terminal, % of one core) over ``seconds``."""
    t0 = time.perf_counter()
    cpu0 = proc_cpu_s(prog.proc.pid)
    while time.perf_counter() - t0 < seconds:
        if feed is not None:
            feed()
        time.sleep(0.2 if feed is None else 0.0)
    t1 = time.perf_counter()
    cpu = proc_cpu_s(prog.proc.pid) - cpu0
    return prog.bytes_between(t0, t1) / (t1 - t0), 100 * cpu / (t1 - t0)


def run(results: Results, folder: Path, *, quick: bool, repeat: int = 3) -> None:
    span = 8.0 if quick else 20.0
    db = fresh_db(folder, "terminal.db")
    thermometer = Pty(folder / "ir0")
    cfg = gate_config(folder, db, [thermometer.link])
    engine = start_engine(cfg, db, 1)
    sec = "terminal link (console 80x24 in a pty, engine in another process)"
    try:
        bare, full = cold_start(cfg, 1 if quick else repeat)
        ratio = full / bare
        results.add(
            sec,
            "cold start to first paint: console / bare Textual app",
            f"{ratio:.2f}",
            "<= 1.5",
            ratio <= 1.5,
            note=f"{full:.2f} s / {bare:.2f} s",
        )
        prog = console(cfg)
        try:
            prog.first_paint()
            time.sleep(3.0)
            idle_bps, idle_cpu = window(prog, span)
            rss_console, rss_engine = proc_rss_mb(prog.proc.pid), proc_rss_mb(engine.pid)
            # Two fevers awaiting their recheck, two airings running: their countdowns show.
            thermometer.write_all(gy_frame(38.2))
            time.sleep(0.5)
            thermometer.write_all(gy_frame(38.4))
            for area in ("C7-1", "C7-2"):
                subprocess.run(
                    [
                        PYTHON,
                        "-m",
                        "duty_console",
                        "ventilate",
                        "start",
                        area,
                        "--config",
                        str(cfg),
                    ],
                    cwd=ROOT,
                    check=True,
                    capture_output=True,
                )
            time.sleep(2.0)
            state = {"next": time.perf_counter(), "i": 0}

            def feed() -> None:
                now = time.perf_counter()
                if now >= state["next"]:
                    thermometer.write_all(gy_frame(36.0 + state["i"] % 9 / 10))
                    state["i"] += 1
                    state["next"] += 0.2
                time.sleep(max(0.0, min(0.05, state["next"] - time.perf_counter())))

            load_bps, load_cpu = window(prog, span, feed)
            rss_console_load = proc_rss_mb(prog.proc.pid)
            if os.environ.get("BENCH_TERMINAL_DUMP"):  # what was written, to see what repaints
                Path(os.environ["BENCH_TERMINAL_DUMP"]).write_bytes(
                    b"".join(d for _, d in prog.text_since(0.0))
                )
        finally:
            prog.stop()
    finally:
        engine.terminate()
        engine.wait(30)
        thermometer.close()
    results.add(sec, "bytes/s to the terminal, idle", f"{idle_bps:,.0f}", "~ 0", idle_bps < 50)
    results.add(
        sec,
        "bytes/s, 5 readings/s + 2 fever and 2 airing countdowns",
        f"{load_bps:,.0f}",
        "<= 5,000",
        load_bps <= 5_000,
    )
    results.add(sec, "console CPU idle (% of a core)", f"{idle_cpu:.1f}", "< 1", idle_cpu < 1)
    results.add(sec, "console CPU under that load (% of a core)", f"{load_cpu:.1f}")
    results.add(
        sec,
        "RSS console idle / loaded, engine (MB)",
        f"{rss_console:.0f} / {rss_console_load:.0f}, {rss_engine:.0f}",
    )
    print(f"    load {load()}", flush=True)


if __name__ == "__main__":
    standalone(run, __doc__, "bench-term-")
