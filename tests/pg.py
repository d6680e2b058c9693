"""A throw-away PostgreSQL server for the tests that need one (marker ``postgres``).

Started once per test session in a temporary directory, as an unprivileged account when the
tests run as root (PostgreSQL refuses root), reached over its unix socket only. Without the server
binaries (``apt-get install postgresql``; `.ci/run` does it) the tests that use it are skipped.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest


def pg_bindir() -> Path | None:
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    if found:
        return found[-1].parent
    on_path = shutil.which("initdb")
    return Path(on_path).parent if on_path else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class PgServer:
    sockdir: Path
    port: int
    # How to stop and start it again (the fault tests restart it under load).
    data: Path | None = None
    bindir: Path | None = None
    prefix: tuple[str, ...] = ()

    def _ctl(self, *args: str) -> None:
        assert self.bindir is not None and self.data is not None
        proc = subprocess.run(
            [*self.prefix, str(self.bindir / "pg_ctl"), "-D", str(self.data), *args],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=self.sockdir,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"pg_ctl {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (``immediate``: as if it crashed; recovery runs at the next start)."""
        self._ctl("-m", mode, "-w", "stop")

    def start(self) -> None:
        self._ctl(
            "-l",
            str(self.sockdir / "server.log"),
            "-w",
            "-t",
            "60",
            "-o",
            f"-p {self.port} -k {self.sockdir} -c listen_addresses='' -c fsync=off",
            "start",
        )

    def url(self, dbname: str) -> str:
        return f"postgresql+psycopg://postgres@/{dbname}?host={self.sockdir}&port={self.port}"

    def create_database(self) -> str:
        import psycopg

        name = f"duty_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(
            host=str(self.sockdir),
            port=self.port,
            user="postgres",
            dbname="postgres",
            autocommit=True,
        ) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return name


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    bindir = pg_bindir()
    if bindir is None or not (bindir / "pg_ctl").exists():
        pytest.skip("PostgreSQL server binaries not found (apt-get install postgresql)")
    pytest.importorskip("psycopg", reason="psycopg is not installed (the 'postgres' extra)")

    prefix: list[str] = []
    base = Path(tempfile.mkdtemp(prefix="dcpg-"))  # short: unix socket paths are limited
    if os.geteuid() == 0:
        account = next((a for a in ("postgres", "nobody") if _has_user(a)), None)
        runuser = shutil.which("runuser")
        if account is None or runuser is None:
            shutil.rmtree(base, ignore_errors=True)
            pytest.skip("running as root with no unprivileged account to run PostgreSQL")
        entry = pwd.getpwnam(account)
        os.chown(base, entry.pw_uid, entry.pw_gid)
        prefix = [runuser, "-u", account, "--"]
    data, log = base / "data", base / "server.log"
    port = _free_port()

    def run(*cmd: str) -> None:
        proc = subprocess.run(
            [*prefix, *cmd], capture_output=True, text=True, timeout=120, cwd=base
        )
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed:\n{proc.stdout}\n{proc.stderr}")

    try:
        run(
            str(bindir / "initdb"),
            "-D",
            str(data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
        )
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
            f"-p {port} -k {base} -c listen_addresses='' -c fsync=off",
            "start",
        )
    except (RuntimeError, subprocess.TimeoutExpired) as exc:
        text = log.read_text(errors="replace") if log.exists() else ""
        shutil.rmtree(base, ignore_errors=True)
        pytest.fail(f"could not start PostgreSQL: {exc}\n{text}")
    try:
        yield PgServer(base, port, data, bindir, tuple(prefix))
    finally:
        subprocess.run(
            [*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"],
            capture_output=True,
            timeout=60,
            cwd=base,
        )
        shutil.rmtree(base, ignore_errors=True)


def _has_user(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True
