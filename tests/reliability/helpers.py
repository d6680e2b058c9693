"""What the fault tests share: a gate's config on disk, `serve` as a process, and the checks
that say nothing was lost, doubled or corrupted (integrity, the audit chain, ingest groups)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func
from sqlmodel import col, select

from duty_console.db.connect import Database
from duty_console.db.models import AuditRecord, EngineLease, Entry
from duty_console.domain import audit
from tests.conftest import AUDIT_KEY, write_audit_key
from tests.engine.helpers import PtyDevice, mlx_line


def write_config(
    folder: Path,
    url: str,
    devices: list[tuple[str, str, Path, str]],
    *,
    gate: str = "north",
    trigger: str = "frame",
) -> Path:
    """A gate's config: ``devices`` are (name, role, port, profile). The audit key is the
    tests' key (``AUDIT_KEY``), so ``audit.verify`` checks what the process appended."""
    folder.mkdir(parents=True, exist_ok=True)
    key = write_audit_key(folder / "audit.key")
    lines = [
        f'[database]\nurl = "{url}"\n',
        f'[site]\nname = "示例中学"\ngate = "{gate}"\n',
        f'[audit]\nkey_file = "{key}"\n',
    ]
    for name, role, port, profile in devices:
        lines.append(
            f'[[devices]]\nname = "{name}"\nrole = "{role}"\nport = "{port}"\n'
            f'profile = "{profile}"\n'
            + (f'trigger = "{trigger}"\n' if role == "thermometer" else "")
        )
    cfg = folder / "duty-console.toml"
    cfg.write_text("\n".join(lines), encoding="utf-8")
    cfg.chmod(0o600)
    return cfg


def gate_config(folder: Path, db: Database, ir: PtyDevice, card: PtyDevice, gate: str = "north"):
    return write_config(
        folder,
        db.url,
        [
            (f"{gate}-ir-1", "thermometer", ir.link, "mlx90614-ascii"),
            (f"{gate}-card-1", "id-reader", card.link, "rdm6300"),
        ],
        gate=gate,
    )


def serve(cfg: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "duty_console", "serve", "--config", str(cfg)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def lease_holder(db: Database, gate: str = "north") -> str | None:
    with db.read() as session:
        lease = session.get(EngineLease, gate)
        return None if lease is None else lease.holder


def count_entries(db: Database, device: str | None = None) -> int:
    with db.read() as session:
        stmt = select(func.count()).select_from(Entry)
        if device is not None:
            stmt = stmt.where(col(Entry.device) == device)
        return int(session.exec(stmt).one())


def ingest_groups(db: Database, gate: str = "north") -> list[dict]:
    """The details of every ``entries.ingest`` audit record of a gate (one per commit)."""
    with db.read() as session:
        rows = session.exec(
            select(AuditRecord.details).where(
                AuditRecord.action == "entries.ingest", AuditRecord.target == gate
            )
        ).all()
    return [json.loads(r) if isinstance(r, str) else r for r in rows]


def assert_ingest_matches_entries(db: Database, gate: str, device: str) -> int:
    """Each entry of the device is in exactly one committed group, and each group's entries are
    all there: no row doubled, none committed without its audit record, none lost from one."""
    groups = ingest_groups(db, gate)
    ids: list[int] = []
    for g in groups:
        ids.extend(range(g["first_id"], g["last_id"] + 1))
    with db.read() as session:
        got = list(
            session.exec(
                select(Entry.id)
                .where(col(Entry.gate) == gate, col(Entry.device) == device)
                .order_by(col(Entry.id))
            )
        )
    assert sorted(ids) == got, "ingest audit records and entries disagree"
    assert len(set(ids)) == len(ids), "an entry counted by two commit groups"
    assert sum(g["count"] for g in groups) == len(got)
    return len(got)


def assert_sound(db: Database) -> None:
    """The file passes SQLite's own integrity check and the audit chain verifies."""
    if db.path is not None:
        conn = sqlite3.connect(str(db.path))
        try:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        finally:
            conn.close()
    with db.read() as session:
        result = audit.verify(session, key=AUDIT_KEY)
    assert result.ok, result


@dataclass
class Flood:
    """A thread writing MLX measurements to a pty as fast as the engine takes them."""

    device: PtyDevice
    temps: tuple[float, ...] = (36.4, 36.5, 36.6, 36.7, 36.8)
    sent: int = 0
    stop: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None
    gap_s: float = 0.0

    def _write_all(self, data: bytes) -> bool:
        """Write one whole measurement (the master is non-blocking: a full pty buffer waits
        here, so no half line is ever counted as sent). False when stopped first."""
        while data:
            try:
                data = data[os.write(self.device.master, data) :]
            except BlockingIOError:
                if self.stop.wait(0.005):
                    return False
        return True

    def _run(self) -> None:
        while not self.stop.is_set():
            try:
                if not self._write_all(mlx_line(self.temps[self.sent % len(self.temps)])):
                    return
            except OSError:
                return
            self.sent += 1
            if self.gap_s:
                time.sleep(self.gap_s)

    def start(self) -> Flood:
        os.set_blocking(self.device.master, False)
        self.thread = threading.Thread(target=self._run, daemon=True, name="flood")
        self.thread.start()
        return self

    def finish(self) -> int:
        self.stop.set()
        if self.thread is not None:
            self.thread.join(timeout=5)
        return self.sent


def build_pg(url: str) -> Database:
    """A PostgreSQL database with the schema, defaults and the sample roster (no staff: their
    PINs are slow on purpose, and these tests act as given actors)."""
    from duty_console.db import schema
    from duty_console.domain import defaults, people
    from duty_console.domain.actors import system_actor
    from duty_console.paths import DEFAULTS_DIR, SAMPLE_DIR

    db = Database(url, audit_key=AUDIT_KEY)
    schema.upgrade(db)
    installer = system_actor(gate="north", name="installer")
    with db.write() as session:
        defaults.load_defaults(session, installer, DEFAULTS_DIR)
        people.import_roster(session, installer, (SAMPLE_DIR / "roster.csv").read_bytes())
    return db
