"""What every benchmark shares: the machine line, medians, ptys, a built database, results.

Every figure is either a ratio against a baseline taken in the same run (same ptys, same frames,
same database file settings) or a growth curve; each is repeated and the median reported, with the
load average beside it, because this machine is shared and absolute figures drift between runs.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import shutil
import statistics
import sys
import time
import tty
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PYTHON = sys.executable


def machine() -> str:
    cores = os.cpu_count() or 0
    mem = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = f", {int(line.split()[1]) // (1024 * 1024)} GiB"
    return f"{cores} cores{mem}, Python {platform.python_version()}, {platform.system()}"


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"{one:.2f}/{five:.2f}"


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def timed_ms(fn: Callable[[], object], repeat: int = 5) -> float:
    """Median wall time of ``fn`` in milliseconds (one warm-up call first)."""
    fn()
    samples = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t)
    return median(samples) * 1000


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


class Pty:
    """A pseudo-terminal: a program opens ``path`` (the slave); we write to ``master``."""

    def __init__(self, link: Path) -> None:
        self.master, slave = os.openpty()
        tty.setraw(slave)
        self.slave_name = os.ttyname(slave)
        # Keep the slave open so nothing written before the reader opens it is lost or refused.
        self._slave = slave
        self.link = link
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to(self.slave_name)

    def write_all(self, data: bytes, chunk: int = 4096) -> None:
        view = memoryview(data)
        while view:
            n = os.write(self.master, view[:chunk])
            view = view[n:]

    def close(self) -> None:
        for fd in (self.master, self._slave):
            with contextlib.suppress(OSError):
                os.close(fd)


@contextlib.contextmanager
def ptys(folder: Path, n: int, prefix: str = "port") -> Iterator[list[Pty]]:
    made = [Pty(folder / f"{prefix}{i}") for i in range(n)]
    try:
        yield made
    finally:
        for p in made:
            p.close()


_TEMPLATE: dict[str, Path] = {}


def template_db(folder: Path) -> Path:
    """The schema, defaults, sample roster and staff, built once per run, copied per case."""
    if "db" not in _TEMPLATE:
        from tests.conftest import build_database

        path = folder / "template.db"
        build_database(path).dispose()
        _TEMPLATE["db"] = path
    return _TEMPLATE["db"]


def fresh_db(folder: Path, name: str) -> Path:
    target = folder / name
    for suffix in ("", "-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            Path(str(target) + suffix).unlink()
    shutil.copyfile(template_db(folder), target)
    target.chmod(0o600)
    return target


def write_key(config: Path) -> None:
    from tests.conftest import write_audit_key

    write_audit_key(config.with_name(config.stem + ".key"))


@dataclass
class Row:
    """One line of the results table."""

    section: str
    what: str
    value: str
    target: str = ""
    ok: bool | None = None
    note: str = ""


@dataclass
class Results:
    rows: list[Row] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def add(self, *args: Any, **kwargs: Any) -> None:
        row = Row(*args, **kwargs)
        self.rows.append(row)
        mark = "" if row.ok is None else (" ok" if row.ok else " MISSED")
        target = f"  (target {row.target}{mark})" if row.target else ""
        print(f"  {row.what:<58} {row.value:>14}{target}", flush=True)

    def table(self) -> str:
        lines = ["| section | figure | value | target | met |", "|---|---|---|---|---|"]
        for r in self.rows:
            met = "" if r.ok is None else ("yes" if r.ok else "**no**")
            what = r.what + (f" ({r.note})" if r.note else "")
            lines.append(f"| {r.section} | {what} | {r.value} | {r.target} | {met} |")
        return "\n".join(lines)

    def dump(self, path: Path) -> None:
        path.write_text(json.dumps([r.__dict__ for r in self.rows], indent=1), encoding="utf-8")


def proc_cpu_s(pid: int) -> float:
    """CPU seconds (user + system) a process has used."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def proc_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class TerminalProgram:
    """A program run on a pseudo-terminal of ``cols`` x ``rows``; every byte it writes to the
    terminal is counted (with its time) and kept, as an SSH client would receive it."""

    def __init__(self, argv: list[str], cols: int = 80, rows: int = 24, cwd: Path = ROOT) -> None:
        import fcntl
        import struct
        import subprocess
        import termios
        import threading

        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        env = dict(os.environ, TERM="xterm-256color", COLORTERM="truecolor")
        env.pop("NO_COLOR", None)
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(
            argv,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            cwd=cwd,
            env=env,
            start_new_session=True,
        )
        os.close(slave)
        self.master = master
        self.chunks: list[tuple[float, bytes]] = []
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                data = os.read(self.master, 65536)
            except OSError:
                return
            if not data:
                return
            with self._lock:
                self.chunks.append((time.perf_counter(), data))

    def bytes_between(self, t0: float, t1: float) -> int:
        with self._lock:
            return sum(len(d) for t, d in self.chunks if t0 <= t < t1)

    def text_since(self, t0: float) -> list[tuple[float, bytes]]:
        with self._lock:
            return [(t, d) for t, d in self.chunks if t >= t0]

    def first_paint(self, timeout: float = 60.0, quiet_s: float = 0.3) -> float:
        """Seconds from the start to the end of the first burst of output (the first screen)."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            time.sleep(0.02)
            with self._lock:
                if not self.chunks:
                    continue
                last = self.chunks[-1][0]
                total = sum(len(d) for _, d in self.chunks)
            if total > 500 and time.perf_counter() - last >= quiet_s:
                return last - self.started
        raise TimeoutError("no first paint")

    def send(self, data: bytes) -> None:
        os.write(self.master, data)

    def stop(self) -> None:
        import signal
        import subprocess

        with contextlib.suppress(ProcessLookupError):
            self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)
        with contextlib.suppress(OSError):
            os.close(self.master)


def standalone(run: Callable[..., None], doc: str | None, prefix: str) -> None:
    """One part run alone (``python bench/history.py [--quick]``): its rows, as a table, from a
    temporary folder that is removed afterwards; Ctrl+C stops it quietly."""
    import argparse
    import tempfile

    parser = argparse.ArgumentParser(description=doc)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    results = Results()
    with contextlib.suppress(KeyboardInterrupt):
        with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
            run(results, Path(tmp), quick=args.quick)
        print(results.table())
