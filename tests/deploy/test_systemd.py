"""The engine under systemd: `Type=notify` (READY, STOPPING), a watchdog fed by the heartbeat
that stops when the writer is stuck, log lines naming the gate, and a unit file that verifies.

systemd's side is played by a real unix datagram socket passed as NOTIFY_SOCKET.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from duty_console.db.connect import Database
from duty_console.domain.clock import SYSTEM_CLOCK
from duty_console.engine import runner, systemd
from duty_console.engine.runner import Engine
from duty_console.runtime import Runtime
from tests.engine.helpers import PtyDevice, mlx_line, wait_for
from tests.engine.test_engine import make_settings
from tests.engine.test_serve import write_config

ROOT = Path(__file__).resolve().parents[2]
UNIT = ROOT / "deploy" / "duty-console.service"


class NotifySocket:
    """What systemd listens on: every datagram received, as a list of its lines."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(str(path))
        self.sock.settimeout(0.2)
        self.messages: list[list[str]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._receive, daemon=True)
        self._thread.start()

    def _receive(self) -> None:
        while not self._stop.is_set():
            try:
                data = self.sock.recv(4096)
            except TimeoutError:
                continue
            except OSError:
                return
            self.messages.append(data.decode().split("\n"))

    def count(self, line: str) -> int:
        return sum(line in m for m in list(self.messages))

    def close(self) -> None:
        self._stop.set()
        self._thread.join(1)
        self.sock.close()


@pytest.fixture
def notify_socket() -> Iterator[NotifySocket]:
    # A short path: a unix socket's path is limited to about 100 bytes.
    folder = Path(os.path.realpath("/tmp")) / f"dc-notify-{os.getpid()}-{time.monotonic_ns()}"
    folder.mkdir()
    sock = NotifySocket(folder / "n")
    yield sock
    sock.close()
    shutil.rmtree(folder, ignore_errors=True)


def test_notify_sends_one_datagram_of_lines(notify_socket: NotifySocket) -> None:
    env = {"NOTIFY_SOCKET": str(notify_socket.path)}
    assert systemd.notify("READY=1", "STATUS=gate north: two\nlines", environ=env)
    assert wait_for(lambda: notify_socket.messages != [], timeout=2)
    assert notify_socket.messages[0] == ["READY=1", "STATUS=gate north: two lines"]


def test_notify_reaches_an_abstract_socket_and_is_quiet_outside_systemd() -> None:
    name = f"dc-notify-{os.getpid()}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as listener:
        listener.bind("\0" + name)
        listener.settimeout(2)
        assert systemd.notify("WATCHDOG=1", environ={"NOTIFY_SOCKET": "@" + name})
        assert listener.recv(100) == b"WATCHDOG=1"
    assert systemd.notify("READY=1", environ={}) is False
    assert systemd.notify("READY=1", environ={"NOTIFY_SOCKET": "/nonexistent/socket"}) is False


def test_the_watchdog_interval_is_half_watchdogsec_and_only_for_this_process() -> None:
    assert systemd.watchdog_interval_s({"WATCHDOG_USEC": "30000000"}) == 15.0
    mine = {"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": str(os.getpid())}
    assert systemd.watchdog_interval_s(mine) == 15.0
    assert systemd.watchdog_interval_s({**mine, "WATCHDOG_PID": "1"}) is None
    assert systemd.watchdog_interval_s({}) is None


@pytest.mark.slow
def test_serve_says_ready_feeds_the_watchdog_and_says_stopping(
    db: Database, tmp_path: Path, notify_socket: NotifySocket
) -> None:
    ir, card = PtyDevice(tmp_path / "ir"), PtyDevice(tmp_path / "card")
    try:
        cfg = write_config(tmp_path, db, ir.link, card.link, "frame")
        env = {
            **os.environ,
            "NOTIFY_SOCKET": str(notify_socket.path),
            "WATCHDOG_USEC": "2000000",
            "DUTY_CONSOLE_CONFIG": str(cfg),
        }
        proc = subprocess.Popen(
            [sys.executable, "-m", "duty_console", "serve"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        try:
            assert wait_for(lambda: notify_socket.count("READY=1") == 1, timeout=20)
            ready = next(m for m in notify_socket.messages if "READY=1" in m)
            assert any(line.startswith("STATUS=gate north: engine running") for line in ready)
            assert wait_for(lambda: notify_socket.count("WATCHDOG=1") >= 2, timeout=10)
        finally:
            proc.send_signal(signal.SIGTERM)
            _, err = proc.communicate(timeout=30)
        assert proc.returncode == 0, err
        assert notify_socket.count("STOPPING=1") == 1
        lines = [line for line in err.splitlines() if line.strip()]
        assert lines and all(line.startswith("gate north: ") for line in lines), err
    finally:
        ir.close()
        card.close()


@pytest.mark.slow
def test_a_stuck_writer_stops_the_watchdog(
    db: Database, tmp_path: Path, notify_socket: NotifySocket, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A writer blocked for ever (a driver that never returns) records nothing: systemd must
    stop hearing WATCHDOG=1 so it kills and restarts the service."""
    monkeypatch.setattr(runner, "WRITER_STUCK_S", 1.0)
    env = {"NOTIFY_SOCKET": str(notify_socket.path)}
    ir, card = PtyDevice(tmp_path / "ir"), PtyDevice(tmp_path / "card")
    engine = Engine(Runtime(make_settings(ir.link, card.link), db, SYSTEM_CLOCK))
    engine.on_alive = lambda: systemd.notify("WATCHDOG=1", environ=env)
    release = threading.Event()
    real_commit = engine.writer._commit_with_retry

    def stuck(final: bool) -> None:
        if engine.writer._pending:  # the first reading's commit never returns
            release.wait(30)
        real_commit(final)

    monkeypatch.setattr(engine.writer, "_commit_with_retry", stuck)
    try:
        engine.start()
        assert wait_for(lambda: notify_socket.count("WATCHDOG=1") >= 2, timeout=10)
        ir.write(mlx_line(36.5))
        assert wait_for(lambda: engine.writer_stuck_s() > 0, timeout=10)
        time.sleep(1.5)  # the heartbeat's interval, and one more
        before = notify_socket.count("WATCHDOG=1")
        time.sleep(2.5)
        assert notify_socket.count("WATCHDOG=1") == before
        release.set()
        assert wait_for(lambda: notify_socket.count("WATCHDOG=1") > before, timeout=10)
    finally:
        release.set()
        engine.stop()
        ir.close()
        card.close()


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze")
def test_the_unit_file_verifies(tmp_path: Path) -> None:
    text = UNIT.read_text("utf-8")
    for key in (
        "Type=notify",
        "User=duty",
        "Restart=on-failure",
        "WatchdogSec=",
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
        "ReadWritePaths=/var/lib/duty-console",
        "PrivateTmp=yes",
        "SupplementaryGroups=dialout",
    ):
        assert f"\n{key}" in text, key
    # verify checks that ExecStart exists: point it at this checkout's installed command.
    command = Path(sys.executable).with_name("duty-console")
    unit = tmp_path / "duty-console.service"
    unit.write_text(
        text.replace("/opt/duty-console/.venv/bin/duty-console", str(command)), encoding="utf-8"
    )
    result = subprocess.run(
        ["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0 and not result.stderr.strip(), result.stderr
