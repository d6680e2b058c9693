"""The database busy: behind a long reader (a report, an export), behind a long writer (an
import, a purge) and, at worst, busy past the busy timeout, which a console puts in words
instead of "database is locked" (and does not crash)."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest

from devices.frames import Reading
from duty_console.db import connect
from duty_console.db.connect import Database
from duty_console.domain import timers as t
from duty_console.domain.actors import Actor
from duty_console.domain.clock import SYSTEM_CLOCK, ManualClock
from duty_console.runtime import Runtime
from duty_console.tui.app import DutyConsoleApp
from duty_console.tui.screens.sign_in import SignInScreen
from tests.conftest import AUDIT_KEY
from tests.engine.helpers import wait_for
from tests.engine.test_writer_survives import _state, _writer
from tests.reliability.helpers import count_entries
from tests.tui.conftest import screen_text, shows, typed, until
from tests.tui.test_timers_screen import a_morning_of_timers, timers_ready


def _submit(writer, n: int, start: float = 0.0) -> None:
    for i in range(n):
        writer.submit(Reading("ir", SYSTEM_CLOCK.now(), start + i, 36.5, "body", 24.0, b""))


def test_a_long_reader_never_blocks_the_writer_and_the_log_is_cut_back_after(
    db: Database,
) -> None:
    assert db.path is not None
    writer = _writer(db, {"ir": _state("ir", "mlx90614-ascii")})
    before = count_entries(db)
    reader = sqlite3.connect(str(db.path), isolation_level=None)
    try:
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM entry").fetchone()  # a snapshot held open
        started = time.monotonic()
        _submit(writer, 2000)
        assert wait_for(lambda: count_entries(db) == before + 2000, timeout=20)
        assert time.monotonic() - started < 15
        wal = db.path.with_name(db.path.name + "-wal")
        held_size = wal.stat().st_size
    finally:
        reader.execute("COMMIT")
        reader.close()
    assert writer.stats.failed_commits == 0
    # The reader gone, the next checkpoints can reset the log and cut it back to the limit.
    _submit(writer, 3000, start=5000.0)
    assert wait_for(lambda: count_entries(db) == before + 5000, timeout=30)
    writer.stop()
    assert wal.stat().st_size <= max(connect.JOURNAL_SIZE_LIMIT, held_size)
    print(f"\nWAL while a reader held its snapshot: {held_size} B; after: {wal.stat().st_size} B")


def test_a_long_writer_delays_the_engine_but_loses_nothing(db: Database) -> None:
    assert db.path is not None
    writer = _writer(db, {"ir": _state("ir", "mlx90614-ascii")})
    before = count_entries(db)
    other = sqlite3.connect(str(db.path), isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")  # an import or a purge, holding the write lock 3 s
    release = threading.Timer(3.0, lambda: other.execute("COMMIT"))
    release.start()
    try:
        _submit(writer, 500)
        time.sleep(1.0)
        assert count_entries(db) == before  # waiting its turn
        assert wait_for(lambda: count_entries(db) == before + 500, timeout=20)
    finally:
        release.join()
        other.close()
    writer.stop()
    assert writer.stats.failed_commits == 0, writer.stats.last_error


async def test_busy_past_the_timeout_is_said_in_words_and_the_console_lives(
    tmp_path: Path,
    db: Database,
    settings,
    clock: ManualClock,
    duty_actor: Actor,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    a_morning_of_timers(db, clock, duty_actor)
    monkeypatch.setattr(connect, "BUSY_TIMEOUT_MS", 300)
    impatient = Database(db.url, audit_key=AUDIT_KEY)
    app = DutyConsoleApp(
        Runtime(settings, impatient, clock),
        duty_actor,
        lang="en",
        clock=clock,
        poll_interval_s=0.05,
    )
    assert db.path is not None
    other = sqlite3.connect(str(db.path), isolation_level=None)
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            screen = await timers_ready(pilot)
            other.execute("BEGIN IMMEDIATE")
            await pilot.press("enter")  # stop the running airing
            await until(pilot, lambda: bool(notes(app)), timeout=10)
            assert notes(app) == [
                "Nothing was recorded: the database stayed busy with another long write. "
                "Do it again in a moment."
            ]
            assert "locked" not in screen_text(app)
            other.execute("COMMIT")
            assert app.is_running
            await pilot.press("enter")  # the other write over, it is recorded
            await until(pilot, lambda: all(x.state != t.RUNNING for x in screen.timers), 10)
    finally:
        other.close()
        impatient.dispose()


def notes(app: DutyConsoleApp) -> list[str]:
    return [n.message for n in app._notifications]


def test_a_command_busy_past_the_timeout_is_one_sentence(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    from duty_console.cli import main
    from tests.foundation.helpers import map_me_to, write_config

    cfg = write_config(tmp_path / "duty-console.toml", db.url, map_me_to("T002"))
    monkeypatch.setattr(connect, "BUSY_TIMEOUT_MS", 300)
    assert db.path is not None
    other = sqlite3.connect(str(db.path), isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        assert main(["disinfect", "CAN", "--concentration", "500", "--config", str(cfg)]) == 1
    finally:
        other.execute("ROLLBACK")
        other.close()
    err = capsys.readouterr().err
    assert err == (
        "duty-console: nothing was recorded: the database stayed busy with another long write "
        "(an import, a purge); run the command again in a moment.\n"
    )
    assert main(["disinfect", "CAN", "--concentration", "500", "--config", str(cfg)]) == 0


async def test_signing_in_behind_a_long_write_says_so_in_words(
    db: Database, settings, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sign-in screen, like every form, never shows the driver's "database is locked"."""
    monkeypatch.setattr(connect, "BUSY_TIMEOUT_MS", 300)
    impatient = Database(db.url, audit_key=AUDIT_KEY)
    app = DutyConsoleApp(
        Runtime(settings, impatient, clock), None, lang="en", clock=clock, poll_interval_s=0.05
    )
    assert db.path is not None
    other = sqlite3.connect(str(db.path), isolation_level=None)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: isinstance(app.screen, SignInScreen))
            other.execute("BEGIN IMMEDIATE")
            await typed(pilot, "T001")
            await pilot.press("enter")
            await typed(pilot, "123456")
            await pilot.press("enter")
            await shows(pilot, "busy with another long write", timeout=10)
            assert "locked" not in screen_text(app)
            other.execute("ROLLBACK")
            await typed(pilot, "123456")  # the other write over, the same PIN works
            await pilot.press("enter")
            await until(pilot, lambda: app.context is not None, timeout=10)
    finally:
        other.close()
        impatient.dispose()
