"""The soak: ``duty-console demo`` (engine, simulated devices, console) for a long time, watched
from outside. ``python -m tests.reliability.soak --minutes 60`` (``make soak`` runs it).

A child process runs what the demo runs: the Demo (the real engine reading simulated devices
on pseudo-terminals, arrivals with fevers and rechecks) with the thermometer sending 5 readings
a second, and the console itself, headless (Textual's test driver), switching views now and
then. The parent samples the child every few seconds: resident memory, threads, open file
descriptors, and the size of the database's write-ahead log; then it judges:

- memory flat: after the warm-up (the first fifth, at least a minute), RSS grows by less than
  10 % and less than 20 MB;
- no thread or file descriptor leak: the counts after the warm-up never exceed their
  warm-up maximum (+2 for the odd worker in flight);
- the WAL bounded: never above ``JOURNAL_SIZE_LIMIT`` plus one checkpoint's worth (4 MB).

Prints the figures (and writes them as JSON with ``--json``); exit 1 if a criterion fails.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from duty_console.db.connect import JOURNAL_SIZE_LIMIT

ROOT = Path(__file__).resolve().parents[2]
WAL_SLACK = 4 << 20
VIEWS = ["timers", "rooms", "incidents", "gate"]


# -- the child: the demo, headless ----------------------------------------------------------------


async def _console(rt, actor, seconds: float) -> int:  # type: ignore[no-untyped-def]
    from duty_console.tui.app import DutyConsoleApp

    app = DutyConsoleApp(rt, actor, lang="zh_CN")
    entries_seen = 0
    async with app.run_test(size=(120, 40)) as pilot:
        start = time.monotonic()
        turn = 0
        while time.monotonic() - start < seconds:
            # Not pilot.pause: on a busy machine its wait for idle widgets may time out.
            await asyncio.sleep(min(30.0, max(0.1, seconds - (time.monotonic() - start))))
            await pilot.press("colon", *VIEWS[turn % len(VIEWS)], "enter")
            turn += 1
            if app.live is not None:
                entries_seen = app.live.latest_id
    return entries_seen


def child(minutes: float, db_path: str) -> int:
    from duty_console.demo import Demo

    with Demo(db_path, seed=7, mean_gap_s=1.0, reading_rate_hz=5.0) as demo:
        rt, actor = demo.start()
        print("ready", flush=True)
        seen = asyncio.run(_console(rt, actor, minutes * 60))
        assert demo.engine is not None
        stats = demo.engine.writer.stats
        print(
            json.dumps(
                {
                    "entries_committed": stats.entries,
                    "failed_commits": stats.failed_commits,
                    "uncommitted": stats.uncommitted,
                    "latest_id_on_console": seen,
                }
            ),
            flush=True,
        )
    return 0


# -- the parent: watch and judge -------------------------------------------------------------------


def _proc_status(pid: int) -> dict[str, int]:
    fields: dict[str, int] = {}
    with open(f"/proc/{pid}/status", encoding="ascii") as fh:
        for line in fh:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "Threads"):
                fields[key] = int(value.split()[0])
    fields["fds"] = len(os.listdir(f"/proc/{pid}/fd"))
    return fields


def soak(minutes: float, sample_s: float | None = None) -> dict:
    sample_s = sample_s or max(2.0, min(30.0, minutes * 60 / 120))
    folder = Path(tempfile.mkdtemp(prefix="duty-soak-"))
    db_path = folder / "soak.db"
    wal = db_path.with_name(db_path.name + "-wal")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.reliability.soak",
            "--child",
            "--minutes",
            str(minutes),
            "--db",
            str(db_path),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    assert proc.stdout is not None
    if proc.stdout.readline().strip() != "ready":
        raise SystemExit(f"the demo did not start:\n{proc.stderr.read() if proc.stderr else ''}")
    started = time.monotonic()
    samples: list[dict[str, float]] = []
    while proc.poll() is None:
        try:
            s = _proc_status(proc.pid)
        except (FileNotFoundError, ProcessLookupError):
            break
        samples.append(
            {
                "t_s": round(time.monotonic() - started, 1),
                "rss_mb": round(s["VmRSS"] / 1024, 1),
                "threads": s["Threads"],
                "fds": s["fds"],
                "wal_mb": round(wal.stat().st_size / 2**20, 2) if wal.exists() else 0.0,
            }
        )
        time.sleep(sample_s)
    out, err = proc.communicate(timeout=120)
    shutil.rmtree(folder, ignore_errors=True)
    if proc.returncode != 0:
        raise SystemExit(f"the demo failed (exit {proc.returncode}):\n{err[-3000:]}")
    final = json.loads(out.strip().splitlines()[-1])
    return judge(minutes, samples, final)


def judge(minutes: float, samples: list[dict[str, float]], final: dict) -> dict:
    warm_s = max(60.0, minutes * 60 / 5)
    warm = [s for s in samples if s["t_s"] <= warm_s] or samples[:1]
    after = [s for s in samples if s["t_s"] > warm_s] or samples[-1:]
    rss_warm = max(s["rss_mb"] for s in warm)
    rss_after_warm = after[0]["rss_mb"]
    rss_end = after[-1]["rss_mb"]
    rss_max = max(s["rss_mb"] for s in after)
    growth = rss_max - rss_after_warm
    figures = {
        "minutes": minutes,
        "samples": len(samples),
        "rss_mb": {
            "warm_up_max": rss_warm,
            "after_warm_up": rss_after_warm,
            "max": rss_max,
            "end": rss_end,
            "growth": round(growth, 1),
        },
        "threads": {
            "warm_up_max": max(s["threads"] for s in warm),
            "max_after": max(s["threads"] for s in after),
        },
        "fds": {
            "warm_up_max": max(s["fds"] for s in warm),
            "max_after": max(s["fds"] for s in after),
        },
        "wal_mb_max": max(s["wal_mb"] for s in samples),
        **final,
    }
    failures = []
    if growth > max(20.0, 0.1 * rss_after_warm) or growth > 20.0:
        failures.append(f"RSS grew {growth:.1f} MB after the warm-up")
    for kind in ("threads", "fds"):
        if figures[kind]["max_after"] > figures[kind]["warm_up_max"] + 2:
            failures.append(f"{kind} leak: {figures[kind]}")
    if figures["wal_mb_max"] * 2**20 > JOURNAL_SIZE_LIMIT + WAL_SLACK:
        failures.append(f"WAL reached {figures['wal_mb_max']} MB")
    if final["uncommitted"] or final["failed_commits"]:
        failures.append(f"writer: {final}")
    figures["failures"] = failures
    figures["series"] = samples
    return figures


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--minutes", type=float, default=60.0)
    p.add_argument("--json", metavar="FILE", help="write the figures and samples here")
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--db", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        return child(args.minutes, args.db)
    figures = soak(args.minutes)
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=1), encoding="utf-8")
    summary = {k: v for k, v in figures.items() if k != "series"}
    print(json.dumps(summary, indent=1, ensure_ascii=False))
    return 1 if figures["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
