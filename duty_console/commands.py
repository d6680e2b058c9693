"""What each `duty-console` command does; cli.py only parses arguments."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime

from duty_console.db import schema
from duty_console.domain import audit, defaults, people, purge
from duty_console.domain import staff as staff_service
from duty_console.domain.actors import system_actor
from duty_console.errors import UserError
from duty_console.paths import DEFAULTS_DIR
from duty_console.progress import Progress
from duty_console.reports.export import day_bounds, export_entries
from duty_console.runtime import cli_actor, open_runtime, unix_user


def _not_yet(what: str, issue: str) -> int:
    raise UserError(f"`duty-console {what}` is not built yet (it arrives with the {issue}).")


def cmd_tui(args: argparse.Namespace) -> int:
    return _not_yet("tui", "console issue")


def cmd_demo(args: argparse.Namespace) -> int:
    return _not_yet("demo", "console issue")


def cmd_serve(args: argparse.Namespace) -> int:
    return _not_yet("serve", "devices and engine issue")


def cmd_simulate(args: argparse.Namespace) -> int:
    return _not_yet("simulate", "devices and engine issue")


def cmd_status(args: argparse.Namespace) -> int:
    return _not_yet("status", "devices and engine issue")


def cmd_doctor(args: argparse.Namespace) -> int:
    return _not_yet("doctor", "devices and engine issue")


def cmd_report_daily(args: argparse.Namespace) -> int:
    return _not_yet("report daily", "reports issue")


def cmd_init(args: argparse.Namespace) -> int:
    rt = open_runtime(args.config, require_schema=False)
    before, after = schema.upgrade(rt.db)
    base = DEFAULTS_DIR if not args.defaults else __import__("pathlib").Path(args.defaults)
    if not base.is_dir():
        raise UserError(f"The defaults folder {base} does not exist.")
    actor = system_actor(gate=rt.gate, via="cli", name=f"unix:{unix_user()}")
    with rt.db.write() as session:
        if before != after:
            audit.append(
                session, actor, "schema.upgrade", rt.db.safe_url, {"from": before, "to": after}
            )
        result = defaults.load_defaults(session, actor, base)
    where = rt.db.safe_url
    if before == after:
        print(f"Database {where}: schema already current ({after}).")
    else:
        print(f"Database {where}: schema {before or 'empty'} -> {after}.")
    if result.total:
        parts = ", ".join(f"{n} {what}" for what, n in sorted(result.changed.items()))
        print(f"Defaults from {base}: loaded or updated {parts}.")
    else:
        print(f"Defaults from {base}: nothing to change.")
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return 0


def cmd_people_import(args: argparse.Namespace) -> int:
    rt = open_runtime(args.config)
    actor = cli_actor(rt)
    data = people.read_roster_file(args.file)
    bar = Progress(f"Importing {args.file.name}")
    with rt.db.write() as session:
        result = people.import_roster(
            session,
            actor,
            data,
            source=str(args.file),
            skip_bad=args.skip_bad,
            progress=bar.update,
        )
    bar.close()
    print(
        f"{args.file}: {result.added} added, {result.updated} updated, "
        f"{result.unchanged} unchanged, {len(result.skipped)} bad row(s) skipped."
    )
    for err in result.skipped:
        print(f"  line {err.line}: {err.reason}", file=sys.stderr)
    return 0


def cmd_staff_add(args: argparse.Namespace) -> int:
    rt = open_runtime(args.config)
    actor = cli_actor(rt)
    pin = None
    if args.pin_stdin:
        pin = sys.stdin.readline().strip()
    with rt.db.write() as session:
        staff, created = staff_service.add_or_update(
            session, actor, args.staff_id, args.name, args.role, pin
        )
    verb = "Added" if created else "Updated"
    print(f"{verb} {staff.staff_id} {staff.name} ({staff.role}).")
    return 0


def cmd_export_entries(args: argparse.Namespace) -> int:
    rt = open_runtime(args.config)
    actor = cli_actor(rt)
    tz = rt.settings.site.tz
    since = until = None
    if args.date:
        since, until = day_bounds(args.date, tz)
    elif args.since:
        since = args.since if args.since.tzinfo else args.since.replace(tzinfo=tz)
    with rt.db.read() as session:
        export_entries(session, actor, sys.stdout, tz, fmt=args.format, since=since, until=until)
        with rt.db.write() as wsession:
            audit.append(
                wsession, actor, "export.entries", args.format, {"since": since, "until": until}
            )
    return 0


def cmd_audit_verify(args: argparse.Namespace) -> int:
    rt = open_runtime(args.config)
    bar = Progress("Checking the audit chain")
    with rt.db.read() as session:
        result = audit.verify(session, progress=bar.update)
    bar.close()
    if result.ok:
        print(f"Audit trail intact: {result.checked} records checked.")
        return 0
    print(
        f"Audit trail BROKEN at record {result.bad_id}: {result.reason}. "
        f"{result.checked} records before it are intact.",
        file=sys.stderr,
    )
    return 1


def cmd_purge(args: argparse.Namespace) -> int:
    rt = open_runtime(args.config)
    actor = cli_actor(rt)
    if args.older_than < 1:
        raise UserError("--older-than must be at least 1 day.")
    with rt.db.write() as session:
        counts = purge.purge_older_than(session, actor, args.older_than, now=datetime.now(UTC))
    print("Purged: " + json.dumps(counts, ensure_ascii=False))
    return 0
