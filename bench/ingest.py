"""Ingest: the real `duty-console serve` against a raw baseline, same ptys, same frames.

Frames are GY-MCU90614 binary frames (9 bytes: 1,280 a second fill a 115200-baud line, so 16
ports at line rate are 20,480 frames/s). Each case writes ``frames`` frames to every one of
``ports`` pseudo-terminals as fast as the readers take them, and times from the first byte
written to the last row committed, for:

- raw: one process, one pyserial thread per port splitting and checking frames, one writer
  thread with sqlite3 ``executemany`` into the same ``entry`` table (all its indexes), WAL +
  ``synchronous=FULL``, a commit every 50 ms. What the hardware, Python and SQLite can do.
- engine: `duty-console serve` with the ports configured as thermometers (its parsers, triggers,
  screening, device health and audit chain), on a copy of the same database.

The ``frame`` trigger makes one entry per frame (a hand-held gun); ``presence`` streams the
empty scene with a person every 20 frames (many frames make one entry). Loss: entries and the
devices' frame counters must match what was written. Figures are medians of ``repeat`` runs.

Run alone: `.venv/bin/python bench/ingest.py [--quick]`.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import PYTHON, ROOT, Results, fresh_db, load, median, ptys, write_key

SYNC = b"\x5a\x5a\x45\x04"
PERSON_EVERY = 20  # presence: 10 frames of the empty scene, then 10 of a person
LINE_RATE = 20_480
# Set by --profile: serve runs under py-spy, its collapsed stacks written here (-frame.txt, …).
PROFILE_TO = ""  # 16 ports x 115200 baud / (9 bytes x 10 bits)
# Set by --gil: only the samples of the thread holding the GIL (the one core Python has).
PROFILE_GIL = False


def gy_frame(temp_c: float, ambient_c: float = 24.5) -> bytes:
    body = SYNC + round(temp_c * 100).to_bytes(2, "big", signed=True)
    body += round(ambient_c * 100).to_bytes(2, "big", signed=True)
    return body + bytes([sum(body) & 0xFF])


def stream(trigger: str, frames: int, port: int) -> tuple[bytes, int]:
    """The bytes one port sends, and the entries they should make."""
    out = bytearray()
    if trigger == "frame":
        for i in range(frames):
            out += gy_frame(36.0 + ((i + port) % 12) / 10)
        return bytes(out), frames
    people = 0
    for i in range(frames):
        phase = i % PERSON_EVERY
        if phase < PERSON_EVERY // 2:
            out += gy_frame(24.0 + (i % 3) / 10)
        else:
            out += gy_frame(36.4 + (people % 7) / 10)
            if phase == PERSON_EVERY - 1:
                people += 1
    return bytes(out), people


# -- the raw baseline (runs in its own process) ------------------------------------------------

_RAW_INSERT = (
    "INSERT INTO entry (at, gate, device, person_id, temp_c, mode, kind, status, reason, "
    "resolved_by, resolution, resolution_note, note, created_at, created_by) "
    "VALUES (?, 'north', ?, NULL, ?, 'ir', 'body', ?, '', '', '', '', '', ?, 'raw')"
)


def raw_worker(db_path: str, trigger: str, ports: list[str]) -> None:
    import serial

    pending: list[tuple[object, ...]] = []
    frames_seen = [0] * len(ports)
    stop = threading.Event()

    def read(index: int, path: str) -> None:
        port = serial.Serial(path, 115200, timeout=0.1)
        name = f"raw-{index}"
        buf = b""
        run = 0
        append = pending.append
        while not stop.is_set():
            data = port.read(port.in_waiting or 1)
            if not data:
                continue
            buf += data
            pos = 0
            now = datetime.now(UTC).replace(tzinfo=None).isoformat(" ")
            while True:
                k = buf.find(SYNC, pos)
                if k < 0 or len(buf) - k < 9:
                    # Keep a frame's start (or a sync's first bytes) for the next read.
                    buf = buf[k:] if k >= 0 else buf[max(pos, len(buf) - 3) :]
                    break
                frame = buf[k : k + 9]
                pos = k + 9
                if sum(frame[:8]) & 0xFF != frame[8]:
                    continue
                temp = int.from_bytes(frame[4:6], "big", signed=True) / 100
                frames_seen[index] += 1
                if trigger == "frame":
                    append((now, name, temp, "fever" if temp >= 37.3 else "normal", now))
                elif temp >= 30.0:
                    run += 1
                    if run == 5:
                        append((now, name, temp, "fever" if temp >= 37.3 else "normal", now))
                else:
                    run = 0

    threads = [threading.Thread(target=read, args=(i, p), daemon=True) for i, p in enumerate(ports)]
    conn = sqlite3.connect(db_path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    for t in threads:
        t.start()
    print("ready", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    while not stop.is_set():
        time.sleep(0.05)
        if pending:
            batch = pending[:]
            del pending[: len(batch)]
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany(_RAW_INSERT, batch)
            conn.execute("COMMIT")
    print(sum(frames_seen), flush=True)


# -- one case ------------------------------------------------------------------------------------


def _max_id(path: Path) -> int:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
    try:
        return int(conn.execute("SELECT coalesce(max(id), 0) FROM entry").fetchone()[0])
    finally:
        conn.close()


def _devices_online(path: Path, n: int) -> bool:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
    try:
        got = conn.execute("SELECT count(*) FROM device WHERE online = 1").fetchone()[0]
        return int(got) >= n
    finally:
        conn.close()


def _frames_counted(path: Path) -> int:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
    try:
        return int(conn.execute("SELECT coalesce(sum(frames_ok), 0) FROM device").fetchone()[0])
    finally:
        conn.close()


def _wait(pred, timeout: float, step: float = 0.02) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(step)
    return bool(pred())


def engine_config(folder: Path, db: Path, links: list[Path], trigger: str, url: str = "") -> Path:
    cfg = folder / "duty-console.toml"
    devices = "".join(
        f'\n[[devices]]\nname = "north-ir-{i}"\nrole = "thermometer"\nport = "{link}"\n'
        f'profile = "gy-mcu90614"\nbaudrate = 115200\ntrigger = "{trigger}"\n'
        for i, link in enumerate(links)
    )
    cfg.write_text(
        f'[database]\nurl = "{url or f"sqlite:///{db}"}"\n\n[site]\nname = "Bench"\n'
        f'gate = "north"\ntimezone = "Asia/Shanghai"\n{devices}',
        encoding="utf-8",
    )
    cfg.chmod(0o600)
    write_key(cfg)
    return cfg


def _pump(streams: list[tuple[object, bytes]]) -> list[threading.Thread]:
    threads = [
        threading.Thread(target=p.write_all, args=(data,), daemon=True)  # type: ignore[attr-defined]
        for p, data in streams
    ]
    for t in threads:
        t.start()
    return threads


def run_once(
    folder: Path, kind: str, trigger: str, n_ports: int, frames: int, timeout: float = 120
) -> dict[str, float]:
    """One timed run: {'fps': frames/s, 'eps': entries/s, 'lost': entries or frames missing}."""
    db = fresh_db(folder, f"{kind}.db")
    with ptys(folder, n_ports, prefix=f"{kind}-") as ports:
        made = [stream(trigger, frames, i) for i in range(n_ports)]
        expected = sum(e for _, e in made)
        base_id = _max_id(db)
        links = [p.link for p in ports]
        if kind == "raw":
            proc = subprocess.Popen(
                [PYTHON, __file__, "--raw-worker", str(db), trigger, *map(str, links)],
                stdout=subprocess.PIPE,
                text=True,
            )
            assert proc.stdout is not None
            proc.stdout.readline()
        else:
            cfg = engine_config(folder, db, links, trigger)
            proc = subprocess.Popen(
                [PYTHON, "-m", "duty_console", "serve", "--config", str(cfg)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
                cwd=ROOT,
            )
            if not _wait(lambda: _devices_online(db, n_ports), 60, 0.1):
                proc.kill()
                raise RuntimeError(
                    f"serve did not start: {proc.stderr.read() if proc.stderr else ''}"
                )
        base_frames = _frames_counted(db)
        spy = None
        if PROFILE_TO and kind == "engine":
            spy = subprocess.Popen(
                [
                    str(Path(PYTHON).with_name("py-spy")),
                    "record",
                    "-r",
                    "200",
                    "--threads",
                    *(["--gil"] if PROFILE_GIL else []),
                    "-f",
                    "raw",
                    "-o",
                    f"{PROFILE_TO}-{trigger}.txt",
                    "-p",
                    str(proc.pid),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            time.sleep(1.0)
        start = time.perf_counter()
        pumps = _pump([(p, data) for p, (data, _) in zip(ports, made, strict=True)])
        done = _wait(lambda: _max_id(db) - base_id >= expected, timeout)
        elapsed = time.perf_counter() - start
        for t in pumps:
            t.join(5)
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=60)
        if spy is not None:
            spy.wait(30)
        got = _max_id(db) - base_id
        if kind == "raw":
            frames_got = int(out.strip().splitlines()[-1]) if out and out.strip() else 0
        else:
            frames_got = _frames_counted(db) - base_frames
    sent = n_ports * frames
    return {
        "fps": sent / elapsed,
        "eps": got / elapsed,
        "lost": abs(expected - got) + abs(sent - frames_got),
        "entries_off": got - expected,
        "frames_off": frames_got - sent,
        "complete": float(done),
    }


def run(  # type: ignore[no-untyped-def]
    results: Results,
    folder: Path,
    *,
    quick: bool,
    repeat: int,
    bar=None,
    triggers: tuple[str, ...] = ("frame", "presence"),
    n_ports: int = 16,
) -> None:
    for trigger in triggers:
        # Presence frames are cheap (20 make one entry): more of them, for a run of seconds.
        frames = (1_500 if quick else 6_000) * (1 if trigger == "frame" else 6)
        ratios, raw_fps, eng_fps, lost = [], [], [], 0.0
        for i in range(repeat):
            raw = run_once(folder, "raw", trigger, n_ports, frames)
            eng = run_once(folder, "engine", trigger, n_ports, frames)
            raw_fps.append(raw["fps"])
            eng_fps.append(eng["fps"])
            ratios.append(eng["fps"] / raw["fps"])
            lost += eng["lost"] + raw["lost"]
            if bar is not None:
                bar()
            print(
                f"    {trigger} #{i + 1}: raw {raw['fps']:,.0f} frames/s, engine "
                f"{eng['fps']:,.0f} frames/s ({eng['eps']:,.0f} entries/s), entries/frames off: "
                f"engine {eng['entries_off']:+.0f}/{eng['frames_off']:+.0f} raw "
                f"{raw['entries_off']:+.0f}/{raw['frames_off']:+.0f}, load {load()}",
                flush=True,
            )
        sec = f"ingest ({trigger} trigger, {n_ports} ptys x {frames:,} frames)"
        ratio = median(ratios)
        results.add(
            sec, "engine/raw (median of the per-run ratios)", f"{ratio:.2f}", ">= 0.5", ratio >= 0.5
        )
        fps = median(eng_fps)
        results.add(sec, "engine frames/s", f"{fps:,.0f}", ">= 20,480", fps >= LINE_RATE)
        results.add(sec, "raw baseline frames/s", f"{median(raw_fps):,.0f}")
        results.add(sec, "frames or entries lost (all runs)", f"{lost:.0f}", "0", lost == 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--trigger", choices=("frame", "presence"))
    parser.add_argument("--ports", type=int, default=16)
    parser.add_argument("--profile", help="run serve under py-spy; stacks to PREFIX-<trigger>.txt")
    parser.add_argument(
        "--gil", action="store_true", help="with --profile: only samples holding the GIL"
    )
    parser.add_argument("--raw-worker", nargs="+")
    args = parser.parse_args()
    if args.raw_worker:
        db, trigger, *ports = args.raw_worker
        raw_worker(db, trigger, ports)
        return
    global PROFILE_TO, PROFILE_GIL
    PROFILE_TO = args.profile or ""
    PROFILE_GIL = args.gil
    results = Results()
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp:
        triggers = (args.trigger,) if args.trigger else ("frame", "presence")
        run(
            results,
            Path(tmp),
            quick=args.quick,
            repeat=args.repeat,
            triggers=triggers,
            n_ports=args.ports,
        )
    print(results.table())


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        main()
