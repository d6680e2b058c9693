"""``backup [--to DIR] [--keep N]`` and ``restore FILE`` (SQLite; README, Deployment)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from duty_console.domain import backups
from duty_console.errors import UserError
from duty_console.i18n import N_
from duty_console.runtime import Runtime, cli_actor, open_runtime

Add = Callable[..., argparse.ArgumentParser]


def _folder(rt: Runtime, given: str | None) -> Path:
    folder = Path(given) if given else rt.backups_folder()
    if folder is None:
        raise UserError(
            N_(
                "Backups here are for a SQLite database; back a PostgreSQL database up with "
                "pg_dump (README, Deployment)."
            )
        )
    return folder


def cmd_backup(args: argparse.Namespace) -> int:
    rt = open_runtime(args.config)
    actor = cli_actor(rt)
    folder = _folder(rt, args.to)
    keep = args.keep or rt.settings.backup.keep
    # One step (a stepwise copy restarts at every commit of a running engine): no bar.
    print(f"Backing up {rt.db.safe_url} to {folder}...", file=sys.stderr, flush=True)
    result = backups.backup_now(
        rt.db, actor, folder, keep=keep, tz=rt.settings.site.tz, now=rt.clock.now()
    )
    print(f"Backed up to {result.path} ({result.size / 1_048_576:.1f} MB, mode 600).")
    for old in result.pruned:
        print(f"Removed the old backup {old.name} (keeping the newest {keep}).")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    rt = open_runtime(args.config)
    actor = cli_actor(rt)
    folder = _folder(rt, None)
    print(f"Checking {args.file} (integrity, schema, audit trail)...", file=sys.stderr)
    result = backups.restore(
        rt.db, actor, args.file, folder=folder, tz=rt.settings.site.tz, now=rt.clock.now()
    )
    print(
        f"Restored {result.restored} ({result.audit_records} audit records verified). "
        f"The database as it was before is kept as {result.previous}."
    )
    if result.revision is not None and not _current(rt):
        print("The backup's schema is older: run `duty-console init` to bring it up to date.")
    return 0


def _current(rt: Runtime) -> bool:
    from duty_console.db import schema

    return schema.is_current(rt.db)


def register(add: Add, sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = add(
        "backup",
        cmd_backup,
        "copy the SQLite database while it is in use (0600, named by date, the newest kept)",
    )
    p.add_argument("--to", metavar="DIR", help="the folder (else [backup] folder)")
    p.add_argument(
        "--keep", type=int, metavar="N", help="keep the newest N backups (else [backup] keep)"
    )
    p = add(
        "restore",
        cmd_restore,
        "put a backup in place of the database, after checking its integrity and audit "
        "trail (admin; refused while an engine runs)",
    )
    p.add_argument("file", metavar="FILE", type=Path)
