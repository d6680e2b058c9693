"""The engine backs its SQLite database up every night at ``[backup] at`` (site time).

An engine that was down at that hour (a PC switched off overnight, a reboot at 3 a.m.) makes
the backup it missed ten minutes after it starts again, when the newest copy is more than a
day old and today's hour has passed. A server database is backed up with pg_dump, not here.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from duty_console.db import backup as files
from duty_console.domain import backups
from duty_console.domain.actors import system_actor
from duty_console.errors import UserError
from duty_console.runtime import Runtime

log = logging.getLogger(__name__)

JOB_ID = "nightly-backup"
# A missed backup is made this long after the engine starts, once the gate has settled.
CATCH_UP_AFTER_S = 600


def run_backup(rt: Runtime) -> Path | None:
    folder = rt.backups_folder()
    if folder is None:
        return None
    actor = system_actor(gate=rt.gate, via="engine", name=f"engine:{rt.gate}")
    try:
        result = backups.backup_now(
            rt.db,
            actor,
            folder,
            keep=rt.settings.backup.keep,
            tz=rt.settings.site.tz,
            now=rt.clock.now(),
        )
    except UserError as exc:
        log.error("the nightly backup failed: %s", exc)
        return None
    except Exception:  # a backup problem must never stop the engine
        log.exception("the nightly backup failed")
        return None
    log.info("backup written: %s (%d bytes)", result.path, result.size)
    return result.path


def _missed(rt: Runtime, folder: Path, at: Any) -> bool:
    newest = files.backups(folder)[-1:]
    tz = rt.settings.site.tz
    now = rt.clock.now().astimezone(tz)
    if now.time() < at:
        return False
    if not newest:
        return True
    age = now.timestamp() - newest[0].stat().st_mtime
    return timedelta(seconds=age) > timedelta(days=1)


def add_backup_job(scheduler: Any, rt: Runtime) -> bool:
    """The nightly cron job (and the catch-up at start); False when there is none to run."""
    at = rt.settings.backup.local_time()
    folder = rt.backups_folder()
    if at is None or folder is None:
        return False
    scheduler.add_job(
        run_backup,
        "cron",
        args=[rt],
        hour=at.hour,
        minute=at.minute,
        timezone=rt.settings.site.tz,
        id=JOB_ID,
        max_instances=1,
        coalesce=True,
        misfire_grace_time=6 * 3600,
        replace_existing=True,
    )
    if _missed(rt, folder, at):
        scheduler.add_job(
            run_backup,
            args=[rt],
            id=f"{JOB_ID}-catch-up",
            next_run_time=datetime.now(UTC) + timedelta(seconds=CATCH_UP_AFTER_S),
        )
    return True
