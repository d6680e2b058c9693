"""Backing the database up and restoring it (SQLite; a server database uses pg_dump).

``backup_now`` records the backup in the audit trail first, so the copy carries its own record,
then copies the file online (``db/backup.py``) and keeps the newest ``keep`` copies.
``restore`` checks a copy before it touches anything: the file's integrity, its schema and its
audit chain (with the key beside the config), and refuses while an engine holds a lease on the
database. It keeps the database it replaces as ``pre-restore-….db`` beside the backups, copies
the backup in, and audits the restore in the restored trail.
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from pathlib import Path

from sqlmodel import select

from duty_console.db import backup as files
from duty_console.db import schema
from duty_console.db.connect import Database
from duty_console.db.models import EngineLease
from duty_console.domain import audit
from duty_console.domain.actors import Actor
from duty_console.domain.health import lease_live
from duty_console.domain.permissions import require
from duty_console.errors import UserError
from duty_console.i18n import N_


@dataclass
class BackupResult:
    path: Path
    size: int
    pruned: list[Path] = field(default_factory=list)


@dataclass
class RestoreResult:
    restored: Path
    previous: Path
    audit_records: int
    revision: str | None


def _sqlite_only(db: Database) -> Path:
    if db.path is None:
        raise UserError(
            N_(
                "Backups here are for a SQLite database; back a PostgreSQL database up with "
                "pg_dump (README, Deployment)."
            )
        )
    return db.path


def backup_now(
    db: Database, actor: Actor, folder: Path, *, keep: int, tz: tzinfo, now: datetime
) -> BackupResult:
    """Copy the database into ``folder`` while it is in use; keep the newest ``keep`` copies."""
    require(actor, "backup.make")
    live = _sqlite_only(db)
    dest = folder / files.backup_name(now.astimezone(tz))
    with db.write() as session:
        audit.append(session, actor, "backup.make", dest.name, {"folder": str(folder)})
    try:
        size = files.copy_online(live, dest)
    except (OSError, sqlite3.Error) as exc:
        raise UserError(
            N_("The backup to {path} failed: {reason}."), path=dest, reason=str(exc)
        ) from exc
    return BackupResult(dest, size, files.prune(folder, keep))


def live_engines(db: Database, now: datetime) -> list[str]:
    """The gates whose engine holds a live lease on this database."""
    with db.read() as session:
        return [lease.gate for lease in session.exec(select(EngineLease)) if lease_live(lease, now)]


def check_backup(path: Path, key: bytes | None) -> tuple[int, str | None]:
    """(audit records checked, schema revision) of a backup that may be restored; a UserError
    saying what is wrong otherwise."""
    problem = files.integrity_problem(path)
    if problem:
        raise UserError(N_("{path} cannot be restored: {reason}."), path=path, reason=problem)
    # Checked on a scratch copy: opening a database may write to it (its journal mode).
    with tempfile.TemporaryDirectory(prefix="duty-restore-check-") as scratch:
        copy_path = Path(scratch) / "check.db"
        shutil.copyfile(path, copy_path)
        copy = Database(f"sqlite:///{copy_path}", audit_key=key)
        try:
            revision = schema.current_revision(copy)
            if revision is None:
                raise UserError(
                    N_("{path} cannot be restored: it has no Duty Console schema."), path=path
                )
            with copy.read() as session:
                result = audit.verify(session, key=key)
        finally:
            copy.dispose()
    if not result.ok:
        raise UserError(
            N_(
                "{path} cannot be restored: its audit trail does not verify at record {record} "
                "({reason}). Is it from this school, with this audit key?"
            ),
            path=path,
            record=result.bad_id if result.bad_id is not None else "-",
            reason=result.reason,
        )
    return result.checked, revision


def restore(
    db: Database,
    actor: Actor,
    source: Path,
    *,
    folder: Path,
    tz: tzinfo,
    now: datetime,
) -> RestoreResult:
    """Put the backup ``source`` in place of the database (see the module docstring)."""
    require(actor, "backup.restore")
    live = _sqlite_only(db)
    source = source.resolve()
    if source == live.resolve():
        raise UserError(N_("{path} is the database itself, not a backup."), path=source)
    gates = live_engines(db, now)
    if gates:
        raise UserError(
            N_(
                "An engine is running on this database (gate {gates}); stop it first "
                "(systemctl stop duty-console, or quit the console that runs it)."
            ),
            gates=", ".join(gates),
        )
    checked, revision = check_backup(source, db.audit_key)
    previous = folder / f"{files.PRE_RESTORE}{now.astimezone(tz):%Y-%m-%d-%H%M%S}{files.SUFFIX}"
    try:
        files.copy_online(live, previous)
        db.dispose()
        files.copy_back(source, live)
    except (OSError, sqlite3.Error) as exc:
        raise UserError(
            N_("The restore of {path} failed: {reason}."), path=source, reason=str(exc)
        ) from exc
    with db.write() as session:
        audit.append(
            session,
            actor,
            "backup.restore",
            source.name,
            {"from": str(source), "previous": str(previous), "records": checked},
        )
    return RestoreResult(source, previous, checked, revision)
