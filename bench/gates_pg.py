"""Many gates on one server: 8 engines (`serve`, one per gate, one pty each, frame trigger) into
one PostgreSQL server started on this machine for the run (fsync on), against one engine on
SQLite taking the same 8 ports' frames in the same run. Total committed entries/s, the ratio,
and loss (entries and device frame counters against what was written).

Run alone: `.venv/bin/python bench/gates_pg.py [--quick]`. Skipped without the PostgreSQL
server binaries (apt-get install postgresql) or psycopg.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import PYTHON, ROOT, Results, load, ptys, standalone, write_key
from ingest import _pump, _wait, run_once, stream

from tests.pg import _free_port, _has_user, pg_bindir

GATES = 8


@contextlib.contextmanager
def pg_server(base: Path) -> Iterator[tuple[Path, int]]:
    """A throw-away server on a unix socket in ``base``: (socket dir, port)."""
    bindir = pg_bindir()
    if bindir is None:
        raise RuntimeError("PostgreSQL server binaries not found")
    prefix: list[str] = []
    if os.geteuid() == 0:
        account = next((a for a in ("postgres", "nobody") if _has_user(a)), None)
        if account is None:
            raise RuntimeError("running as root with no account to run PostgreSQL")
        entry = pwd.getpwnam(account)
        os.chown(base, entry.pw_uid, entry.pw_gid)
        prefix = ["runuser", "-u", account, "--"]
    data, log, port = base / "data", base / "server.log", _free_port()

    def run(*cmd: str) -> None:
        subprocess.run([*prefix, *cmd], check=True, capture_output=True, timeout=120, cwd=base)

    run(str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
    run(
        str(bindir / "pg_ctl"),
        "-D",
        str(data),
        "-l",
        str(log),
        "-w",
        "-t",
        "60",
        "-o",
        f"-p {port} -k {base} -c listen_addresses='' -c max_connections=100",
        "start",
    )
    try:
        yield base, port
    finally:
        subprocess.run(
            [*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"],
            capture_output=True,
            timeout=60,
            cwd=base,
        )


def _prepare(url: str) -> None:
    from duty_console.db import schema
    from duty_console.db.connect import Database
    from duty_console.domain import defaults
    from duty_console.domain.actors import system_actor
    from duty_console.paths import DEFAULTS_DIR

    db = Database(url)
    schema.upgrade(db)
    with db.write() as session:
        defaults.load_defaults(session, system_actor(gate="g0", name="installer"), DEFAULTS_DIR)
    db.dispose()


def _counts(url: str) -> tuple[int, int, int]:
    """(entries, frames counted by the devices, devices online)."""
    import psycopg
    from sqlalchemy.engine import make_url

    conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo) as conn:
        entries = conn.execute("SELECT count(*) FROM entry").fetchone()
        dev = conn.execute(
            "SELECT coalesce(sum(frames_ok), 0), count(*) FILTER (WHERE online) FROM device"
        ).fetchone()
    assert entries is not None and dev is not None
    return int(entries[0]), int(dev[0]), int(dev[1])


def run_pg(folder: Path, url: str, frames: int) -> dict[str, float]:
    with ptys(folder, GATES, prefix="gate-") as ports:
        procs = []
        for g, port in enumerate(ports):
            cfg = folder / f"gate{g}.toml"
            cfg.write_text(
                f'[database]\nurl = "{url}"\n\n[site]\nname = "Bench"\ngate = "g{g}"\n'
                f'timezone = "Asia/Shanghai"\n\n[[devices]]\nname = "g{g}-ir"\n'
                f'role = "thermometer"\nport = "{port.link}"\nprofile = "gy-mcu90614"\n'
                'baudrate = 115200\ntrigger = "frame"\n',
                encoding="utf-8",
            )
            cfg.chmod(0o600)
            write_key(cfg)
            procs.append(
                subprocess.Popen(
                    [PYTHON, "-m", "duty_console", "serve", "--config", str(cfg)],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    cwd=ROOT,
                )
            )
        if not _wait(lambda: _counts(url)[2] >= GATES, 90, 0.2):
            for p in procs:
                p.kill()
            raise RuntimeError("the 8 engines did not start")
        base_entries, base_frames, _ = _counts(url)
        made = [stream("frame", frames, i) for i in range(GATES)]
        expected = sum(e for _, e in made)
        start = time.perf_counter()
        pumps = _pump([(p, data) for p, (data, _) in zip(ports, made, strict=True)])
        _wait(lambda: _counts(url)[0] - base_entries >= expected, 180, 0.05)
        elapsed = time.perf_counter() - start
        for t in pumps:
            t.join(5)
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            p.wait(60)
        got, frames_got, _ = _counts(url)
    sent = GATES * frames
    return {
        "eps": (got - base_entries) / elapsed,
        "lost": abs(expected - (got - base_entries)) + abs(sent - (frames_got - base_frames)),
    }


def run(results: Results, folder: Path, *, quick: bool) -> None:
    sec = f"many gates ({GATES} engines, one PostgreSQL server, 1 pty each, frame trigger)"
    if pg_bindir() is None or (shutil.which("runuser") is None and os.geteuid() == 0):
        results.add(sec, "skipped", "no PostgreSQL server binaries")
        return
    frames = 1_500 if quick else 5_000
    base = Path(tempfile.mkdtemp(prefix="bpg-"))
    try:
        with pg_server(base) as (sockdir, port):
            import psycopg

            with psycopg.connect(
                host=str(sockdir), port=port, user="postgres", dbname="postgres", autocommit=True
            ) as conn:
                conn.execute('CREATE DATABASE "bench"')
            url = f"postgresql+psycopg://postgres@/bench?host={sockdir}&port={port}"
            _prepare(url)
            pg = run_pg(folder, url, frames)
        sqlite = run_once(folder, "engine", "frame", GATES, frames)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    ratio = pg["eps"] / sqlite["eps"]
    results.add(sec, "entries committed/s, 8 engines on PostgreSQL", f"{pg['eps']:,.0f}")
    results.add(
        sec,
        "entries committed/s, 1 engine on SQLite, same 8 ports' frames",
        f"{sqlite['eps']:,.0f}",
    )
    results.add(sec, "PostgreSQL (8 engines) / SQLite (1 engine)", f"{ratio:.2f}")
    lost = pg["lost"] + sqlite["lost"]
    results.add(sec, "frames or entries lost", f"{lost:.0f}", "0", lost == 0)
    print(f"    load {load()}", flush=True)


if __name__ == "__main__":
    standalone(run, __doc__, "bench-pg-")
