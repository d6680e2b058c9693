"""A full disk: the database on a 2 MB tmpfs, filled up while the devices keep sending.

Nothing is corrupted, the writer keeps what it read (in memory) and says why it cannot write,
a console that writes gets a clear sentence, and everything is recorded once space returns.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from devices.frames import Reading
from duty_console.config import Settings
from duty_console.db.connect import Database, failure_kind
from duty_console.db.models import EngineLease
from duty_console.doctor import run_doctor
from duty_console.domain.actors import Actor
from duty_console.domain.clock import SYSTEM_CLOCK, ManualClock
from duty_console.domain.intake import record_reading
from duty_console.domain.screening import Mode, Rules
from duty_console.domain.snapshot import snapshot
from duty_console.engine.lease import make_holder
from duty_console.i18n import set_language
from duty_console.runtime import Runtime
from duty_console.tui.app import DutyConsoleApp
from duty_console.tui.text import nothing_recorded
from tests.conftest import AUDIT_KEY
from tests.engine.helpers import wait_for
from tests.engine.test_writer_survives import _state, _writer
from tests.reliability.helpers import assert_sound, count_entries
from tests.tui.conftest import gate_ready, screen_text, until

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="mounting a tmpfs needs root")


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "small"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs: {done.stderr.decode(errors='replace').strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def fill(folder: Path) -> Path:
    """Take every free byte of the file system (what a runaway log would do)."""
    filler = folder / "filler"
    fd = os.open(filler, os.O_CREAT | os.O_WRONLY, 0o600)
    try:
        with contextlib.suppress(OSError):
            while True:
                os.write(fd, b"\0" * 4096)
        with contextlib.suppress(OSError):
            while True:
                os.write(fd, b"\0")
    finally:
        os.close(fd)
    assert shutil.disk_usage(folder).free < 4096
    return filler


def test_a_full_disk_loses_nothing_says_why_and_recovers(
    small_disk: Path, _template_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = small_disk / "duty.db"
    shutil.copyfile(_template_db, path)
    db = Database(f"sqlite:///{path}", audit_key=AUDIT_KEY)
    states = {"ir": _state("ir", "mlx90614-ascii")}
    writer = _writer(db, states)
    try:
        before = count_entries(db)
        filler = fill(small_disk)
        sent = 0
        for i in range(3000):  # far more than the few pages left could hold
            at = SYSTEM_CLOCK.now()
            writer.submit(Reading("ir", at, float(i), 36.5, "body", 24.0, b""))
            sent += 1
        assert wait_for(lambda: writer.stats.failed_commits > 0, timeout=20)
        assert failure_kind_of(writer.stats.last_error, db) == "disk_full"
        assert writer.is_alive()
        # A console still reads, and a console's write is refused with the reason.
        assert count_entries(db) < before + sent
        actor = Actor("T001", "李华", "duty", "north", "console")
        with pytest.raises(Exception) as refused, db.write() as session:
            for _ in range(200):
                record_reading(
                    session,
                    actor,
                    Rules(),
                    person_id="S1001",
                    temp_c=36.6,
                    mode=Mode.MANUAL,
                    at=SYSTEM_CLOCK.now(),
                    note="x" * 500,
                )
        assert failure_kind(refused.value, db.path) == "disk_full"
        set_language("en")
        assert nothing_recorded(refused.value, db.path).startswith(
            "Nothing was recorded: the disk holding the database is full."
        )
        set_language("zh_CN")
        assert_sound(db)
        # `doctor` names the cause.
        cfg = small_disk.parent / "duty-console.toml"
        cfg.write_text(f'[database]\nurl = "{db.url}"\n', encoding="utf-8")
        cfg.chmod(0o600)
        assert run_doctor(str(cfg)) == 1
        assert "[FAIL] the disk holding" in capsys.readouterr().out
        # Space returns: everything the devices sent is recorded, once.
        filler.unlink()
        assert wait_for(lambda: count_entries(db) == before + sent, timeout=30), (
            count_entries(db) - before,
            sent,
        )
        writer.stop()
        assert writer.stats.uncommitted == 0 and not writer.stats.failure
        assert count_entries(db) == before + sent
        assert_sound(db)
    finally:
        writer.final_retry_s = 1.0
        writer.stop()
        db.dispose()


def failure_kind_of(message: str, db: Database) -> str:
    return failure_kind(Exception(message), db.path)


async def test_the_header_and_status_say_the_disk_is_full_not_engine_off(
    small_disk: Path,
    _template_db: Path,
    settings: Settings,
    clock: ManualClock,
    duty_actor: Actor,
    make_app: Callable[..., DutyConsoleApp],
) -> None:
    """The engine cannot write its heartbeat on a full disk: every console would say "engine
    off" (was). They look at the disk (one statvfs) and say "disk full"; once space returns and
    the engine still does not beat, "engine not writing"."""
    path = small_disk / "duty.db"
    shutil.copyfile(_template_db, path)
    db = Database(f"sqlite:///{path}", audit_key=AUDIT_KEY)
    try:
        # The gate's engine: a live process on this PC (this one), its last heartbeat a minute
        # ago, when the disk filled.
        with db.write() as session:
            session.add(
                EngineLease(
                    gate="north",
                    holder=make_holder(),
                    started_at=clock.now() - timedelta(minutes=5),
                    heartbeat_at=clock.now() - timedelta(minutes=1),
                )
            )
        filler = fill(small_disk)
        with db.read() as session:
            snap = snapshot(
                session,
                site_name="x",
                gate="north",
                tz=ZoneInfo("Asia/Shanghai"),
                now=clock.now(),
                db_path=db.path,
            )
        assert snap["engine"]["alive"] is False and snap["engine"]["trouble"] == "disk_full"
        app = make_app(lang="en", runtime=Runtime(settings=settings, db=db, clock=clock))
        async with app.run_test(size=(120, 24)) as pilot:
            await gate_ready(pilot)

            def header() -> str:
                return screen_text(app).splitlines()[0]

            await until(pilot, lambda: "disk full" in header())
            assert "engine off" not in header()
            filler.unlink()
            await until(pilot, lambda: "engine not writing" in header())
    finally:
        db.dispose()
