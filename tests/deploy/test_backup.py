"""Backups made while the engine writes a flood of readings, and restores that check first.

Real pseudo-terminals feed a running engine; the backup is taken in the middle of the flood.
Every entry committed before the backup began must be in it, its audit trail must verify, and
`restore` must refuse while an engine holds the lease, refuse a copy whose trail was tampered
with, and otherwise put the copy back (keeping what it replaced).
"""

from __future__ import annotations

import shutil
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from duty_console.config import parse_settings
from duty_console.db import backup as files
from duty_console.db.connect import Database
from duty_console.domain.clock import SYSTEM_CLOCK
from duty_console.engine.runner import Engine
from duty_console.errors import ConfigError
from duty_console.runtime import Runtime
from tests.engine.helpers import PtyDevice, mlx_line, wait_for
from tests.engine.test_engine import make_settings
from tests.foundation.helpers import write_config


def entry_ids(path: Path) -> set[int]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return {row[0] for row in conn.execute("SELECT id FROM entry")}
    finally:
        conn.close()


def test_a_backup_during_a_flood_has_every_committed_entry_and_restores(
    db: Database, tmp_path: Path, cli
) -> None:
    assert db.path is not None
    config = write_config(tmp_path / "duty-console.toml", f"sqlite:///{db.path}")
    folder = tmp_path / "backups"
    ir, card = PtyDevice(tmp_path / "ir"), PtyDevice(tmp_path / "card")
    engine = Engine(Runtime(make_settings(ir.link, card.link, "frame"), db, SYSTEM_CLOCK))
    flooding = threading.Event()
    flooding.set()

    def flood() -> None:
        temp = 36.0
        while flooding.is_set():
            ir.write(mlx_line(temp))
            temp = 36.0 if temp > 37.0 else temp + 0.1
            time.sleep(0.002)

    feeder = threading.Thread(target=flood, daemon=True)
    engine.start()
    try:
        feeder.start()
        assert wait_for(lambda: len(entry_ids(db.path)) >= 200, timeout=20)
        committed_before = entry_ids(db.path)
        made = cli("backup", "--to", folder, "--config", config)
        assert made.code == 0, made.err
        after = len(entry_ids(db.path))
        assert wait_for(lambda: len(entry_ids(db.path)) > after + 100, timeout=20)  # still going

        (copy,) = files.backups(folder)
        assert copy.stat().st_mode & 0o777 == 0o600
        assert committed_before <= entry_ids(copy)
        assert files.integrity_problem(copy) == ""

        refused = cli("restore", copy, "--config", config)
        assert refused.code == 1 and "An engine is running on this database" in refused.err
    finally:
        flooding.clear()
        feeder.join(2)
        engine.stop()
        ir.close()
        card.close()
    assert engine.writer.stats.uncommitted == 0

    # The copy's own audit trail verifies (with the gate's key, beside its config).
    copy_config = write_config(tmp_path / "copy" / "duty-console.toml", f"sqlite:///{copy}")
    checked = cli("audit", "verify", "--config", copy_config)
    assert checked.code == 0 and "intact" in checked.out, checked.err

    in_backup = entry_ids(copy)
    assert len(entry_ids(db.path)) > len(in_backup)
    restored = cli("restore", copy, "--config", config)
    assert restored.code == 0, restored.err
    assert entry_ids(db.path) == in_backup
    (previous,) = folder.glob(files.PRE_RESTORE + "*.db")
    assert len(entry_ids(previous)) > len(in_backup)  # what was replaced is kept
    verified = cli("audit", "verify", "--config", config)
    assert verified.code == 0, verified.err
    conn = sqlite3.connect(db.path)
    try:
        actions = [r[0] for r in conn.execute("SELECT action FROM audit ORDER BY id")]
    finally:
        conn.close()
    assert actions[-1] == "backup.restore" and "backup.make" in actions


def test_restore_refuses_a_copy_with_a_tampered_trail_or_not_a_database(
    db: Database, tmp_path: Path, cli
) -> None:
    assert db.path is not None
    config = write_config(tmp_path / "duty-console.toml", f"sqlite:///{db.path}")
    assert cli("backup", "--to", tmp_path / "b", "--config", config).code == 0
    (copy,) = files.backups(tmp_path / "b")
    tampered = tmp_path / "tampered.db"
    shutil.copyfile(copy, tampered)
    conn = sqlite3.connect(tampered)
    triggers = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='trigger'")]
    for name in triggers:
        conn.execute(f'DROP TRIGGER "{name}"')
    conn.execute("DELETE FROM audit WHERE id = (SELECT min(id) + 1 FROM audit)")
    conn.commit()
    conn.close()
    before = entry_ids(db.path)

    refused = cli("restore", tampered, "--config", config)
    assert refused.code == 1 and "its audit trail does not verify" in refused.err
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all")
    refused = cli("restore", junk, "--config", config)
    assert refused.code == 1 and "it is not a SQLite database" in refused.err
    assert entry_ids(db.path) == before


def test_backups_are_named_by_date_and_only_the_newest_are_kept(
    db: Database, tmp_path: Path, cli
) -> None:
    assert db.path is not None
    config = write_config(tmp_path / "duty-console.toml", f"sqlite:///{db.path}")
    folder = tmp_path / "nightly"
    folder.mkdir()
    for day in range(1, 5):  # four older nights
        (folder / f"duty-2026-11-0{day}-023000.db").write_bytes(b"")
    made = cli("backup", "--to", folder, "--keep", "3", "--config", config)
    assert made.code == 0, made.err
    names = [p.name for p in files.backups(folder)]
    assert len(names) == 3 and names[:2] == [
        "duty-2026-11-03-023000.db",
        "duty-2026-11-04-023000.db",
    ]
    assert names[2].startswith("duty-2026-") and names[2] > names[1]
    assert "Removed the old backup duty-2026-11-01-023000.db" in made.out


def test_a_duty_account_may_not_restore(db: Database, tmp_path: Path, cli) -> None:
    assert db.path is not None
    from duty_console.runtime import unix_user

    config = write_config(
        tmp_path / "duty-console.toml",
        f"sqlite:///{db.path}",
        extra=f'[access]\nunix_users = {{ {unix_user()} = "T001" }}\n',
    )
    refused = cli("restore", db.path, "--config", config)
    assert refused.code == 1 and "may not do this (backup.restore)" in refused.err


def test_the_backup_section_of_the_config_is_checked() -> None:
    settings = parse_settings({"backup": {"at": "03:15", "keep": 7}}, "t.toml")
    assert (settings.backup.at, settings.backup.keep) == ("03:15", 7)
    assert parse_settings({"backup": {"at": ""}}, "t.toml").backup.local_time() is None
    with pytest.raises(ConfigError, match=r"\[backup\] at: expected a local time like 16:00"):
        parse_settings({"backup": {"at": "25:00"}}, "t.toml")
    with pytest.raises(ConfigError, match=r"\[backup\] keep: expected a number >= 1"):
        parse_settings({"backup": {"keep": 0}}, "t.toml")
    with pytest.raises(ConfigError, match=r"\[backup\] every is not a known key"):
        parse_settings({"backup": {"every": "night"}}, "t.toml")
