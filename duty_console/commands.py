"""What each `duty-console` command does; cli.py only parses arguments."""

from __future__ import annotations

import argparse
import gc
import json
import os
import signal
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from duty_console.db import schema
from duty_console.domain import audit, defaults, people, purge
from duty_console.domain import staff as staff_service
from duty_console.domain.actors import Actor
from duty_console.domain.inert import inert
from duty_console.domain.permissions import can, require
from duty_console.domain.snapshot import snapshot, without_people
from duty_console.errors import NotFound, PermissionDenied, UserError
from duty_console.paths import DEFAULTS_DIR
from duty_console.progress import Progress
from duty_console.reports.export import day_bounds, export_entries
from duty_console.runtime import (
    Runtime,
    cli_actor,
    installer_actor,
    mapped_staff_id,
    open_runtime,
    runs_as_owner,
    timers_schedule,
)


def _not_yet(what: str, issue: str) -> int:
    raise UserError(f"`duty-console {what}` is not built yet (it arrives with the {issue}).")


def _console_actor(rt: Runtime) -> Actor | None:
    """An SSH user mapped in [access] unix_users is signed in; anyone else gets the PIN screen."""
    mapped = mapped_staff_id(rt)
    if not mapped:
        return None
    via = "ssh" if os.environ.get("SSH_CONNECTION") else "console"
    with rt.db.read() as session:
        return staff_service.actor_for(staff_service.get(session, mapped), rt.gate, via)


def cmd_tui(args: argparse.Namespace) -> int:
    from duty_console.engine.runner import start_unless_live
    from duty_console.tui.run import run_console

    rt = open_runtime(args.config)
    actor = _console_actor(rt)
    engine = start_unless_live(rt)
    try:
        return run_console(rt, actor, lang=args.lang, mouse=not args.no_mouse)
    finally:
        if engine is not None:
            engine.stop()
            lost = engine.writer.stats.uncommitted
            if lost:
                print(
                    f"duty-console: {lost} readings could not be committed: the database did not "
                    f"answer ({engine.writer.stats.last_error}).",
                    file=sys.stderr,
                )


def cmd_demo(args: argparse.Namespace) -> int:
    from duty_console.demo import Demo
    from duty_console.tui.run import run_console

    print(
        "Starting the demo: sample roster, simulated thermometer and card reader...",
        file=sys.stderr,
        flush=True,
    )
    with Demo(args.db) as demo:
        rt, actor = demo.start()
        return run_console(rt, actor, lang=args.lang, mouse=not args.no_mouse)


def _log_to_stderr(gate: str) -> None:
    """`serve`'s log lines go to stderr (the journal under systemd), each naming the gate."""
    import logging

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(f"gate {gate}: %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    if root.level > logging.INFO or root.level == logging.NOTSET:
        root.setLevel(logging.INFO)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)


def cmd_serve(args: argparse.Namespace) -> int:
    from duty_console.engine import systemd
    from duty_console.engine.runner import Engine

    rt = open_runtime(args.config)
    gate = rt.gate
    _log_to_stderr(gate)
    if not rt.settings.devices:
        log_line = f"gate {gate}: no [[devices]] in the config; the engine runs with none."
        print(log_line, file=sys.stderr)
    engine = Engine(rt)
    stop = threading.Event()

    def _on_signal(signum: int, _frame: object) -> None:
        stop.set()

    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, _on_signal)
    if systemd.watchdog_interval_s() is not None:
        engine.on_alive = lambda: systemd.notify("WATCHDOG=1")
    engine.start()
    # What start-up made (modules, SQLAlchemy's mappers, the config) lives as long as the
    # process: out of the collector's sight, a full collection no longer walks all of it (one
    # took ~150 ms under a flood of frames, a stall of every device thread and the writer).
    gc.collect()
    gc.freeze()
    names = ", ".join(engine.states) or "no devices"
    systemd.notify("READY=1", f"STATUS=gate {gate}: engine running ({names})")
    print(
        f"gate {gate}: engine running ({names}) on {rt.db.safe_url}. SIGTERM or Ctrl-C stops it.",
        file=sys.stderr,
        flush=True,
    )
    while not stop.wait(0.5):
        if engine.lease_lost.is_set():
            systemd.notify("STOPPING=1", f"STATUS=gate {gate}: lease taken over")
            engine.stop()
            raise UserError(f"Another engine took over the lease of gate {gate!r}; stopped.")
        if engine.failed.is_set():
            break
    systemd.notify("STOPPING=1", f"STATUS=gate {gate}: draining")
    engine.stop()
    stats = engine.writer.stats
    if stats.failure:
        raise UserError(
            f"The engine of gate {gate!r} stopped: its writer failed ({stats.failure}); "
            f"{stats.uncommitted} readings were not recorded. Restart it (systemd does); run "
            "with --debug and report the error."
        )
    if stats.uncommitted:
        raise UserError(
            f"Gate {gate!r}: {stats.uncommitted} readings could not be committed: the database "
            f"did not answer ({stats.last_error}). They were never shown on any console."
        )
    print(
        f"gate {gate}: engine stopped: {stats.entries} entries committed in "
        f"{stats.batches} groups.",
        file=sys.stderr,
    )
    return 0


def cmd_simulate(args: argparse.Namespace) -> int:
    from devices.profile import ProfileError
    from devices.simulator import run_simulation

    if args.rate <= 0:
        raise UserError("--rate must be above 0 (people per second).")
    bar = Progress(f"Simulating {args.profile}", args.count)

    def opened(path: str) -> None:
        print(
            f"Simulating {args.profile} on {path}; point a device's port at it. Ctrl-C stops.",
            file=sys.stderr,
            flush=True,
        )

    try:
        sent = run_simulation(
            args.port,
            args.profile,
            args.rate,
            args.count,
            args.fever_rate,
            args.garbage_rate,
            args.seed,
            progress=bar.update,
            on_open=opened,
        )
    except ProfileError as exc:
        raise UserError(f"--profile: {exc}.") from exc
    except (OSError, ValueError) as exc:
        raise UserError(f"--port {args.port}: cannot be used ({exc}).") from exc
    except KeyboardInterrupt:
        sent = bar.done
    bar.close()
    print(f"Sent {sent} presentations to {args.port}.", file=sys.stderr)
    return 0


def _viewer(rt: Runtime) -> Actor | None:
    """Who is asking for the status; None for an account mapped to nobody (a monitor)."""
    try:
        return cli_actor(rt)
    except (PermissionDenied, NotFound):
        return None


def cmd_status(args: argparse.Namespace) -> int:
    rt = open_runtime(args.config)
    tz = rt.settings.site.tz
    with rt.db.read() as session:
        snap = snapshot(
            session,
            site_name=rt.settings.site.name,
            gate=rt.gate,
            tz=tz,
            now=rt.clock.now(),
            rules=rt.rules,
            timers_schedule=timers_schedule(rt),
            remind_before_min=rt.settings.rota.remind_before_min,
            boot=rt.clock.boot_instant(),
            db_path=rt.db.path,
        )
    viewer = _viewer(rt)
    if viewer is None or not can(viewer, "people.view"):
        snap = without_people(snap)
    if args.format == "json":
        print(json.dumps(snap, ensure_ascii=False, indent=2))
        return 0
    eng = snap["engine"]
    alive = (
        f"alive (heartbeat {eng['heartbeat_age_s']} s ago, {eng['holder']})"
        if eng["alive"]
        else "not running"
    )
    if eng["trouble"] == "disk_full":
        alive = (
            f"not writing: the disk holding the database is full (heartbeat "
            f"{eng['heartbeat_age_s']} s ago); free some space and it writes what it holds"
        )
    elif eng["trouble"] == "not_writing":
        alive = (
            f"not writing (heartbeat {eng['heartbeat_age_s']} s ago, {eng['holder']}): the "
            "database refuses its writes, or it hangs; see its log"
        )
    print(f"{snap['site']['name']} - gate {rt.gate}")
    print(f"Engine: {alive}")
    for d in snap["devices"]:
        state = "online" if d["online"] else "OFFLINE"
        print(
            f"  {d['name']:<16} {state:<8} ok {d['frames_ok']:<7} bad {d['frames_bad']:<5} "
            f"sensor errors {d['sensor_errors']:<4} last {d['last_frame_at'] or '-'}  "
            f"{inert(d['status'])}"
        )
        if d["readings_dropped"]:
            print(
                f"  {'':<16} {d['readings_dropped']} readings dropped (the database could not "
                f"be written and the engine's memory for them was full), the last at "
                f"{d['dropped_at']}"
            )
    for key, label in (
        ("recheck_overdue", "RECHECK OVERDUE"),
        ("fevers_awaiting_recheck", "Awaiting recheck"),
    ):
        for f in snap[key]:
            print(
                f"{label}: {f['temp_c']} {f['person_id'] or 'unidentified'} at {f['at']} "
                f"(gate {f['gate']}, entry {f['entry_id']}, due {f['due_at']})"
            )
    states = [t["state"] for t in snap["timers"]]
    print(
        f"Timers: {states.count('overdue')} overdue, {states.count('due')} due, "
        f"{states.count('running')} running, {states.count('ok')} ok"
    )
    for s in snap["supplies_low"]:
        print(f"Supplies low: {s['name']} {s['on_hand']} (reorder at {s['reorder_level']})")
    for r in snap["rooms"]:
        who = " ".join(r["occupants"]) or (
            f"({r['occupant_count']} in it)" if r.get("occupant_count") else ""
        )
        print(f"Room {r['code']}: {r['state']} {who}".rstrip())
    for i in snap["incidents"]:
        kind = "DRILL " if i["drill"] else ""
        print(
            f"{kind}Incident {i['id']} {i['playbook']} {i['person_id'] or ''}: "
            f"{i['steps_done']}/{i['steps_total']} steps, {i['overdue_steps']} overdue"
        )
    _print_people_status(snap)
    return 0


def _print_people_status(snap: dict[str, Any]) -> None:
    """The people side of ``status`` in text: who is on duty, checks, watch, absences."""
    on_duty = snap.get("on_duty") or []
    names = ", ".join(f"{p['staff_id']} {p['name']}" for p in on_duty)
    print(f"On duty: {names or 'nobody on the rota'}")
    for p in snap.get("shift_ending") or []:
        print(f"  {p['staff_id']}'s shift ends in {p['minutes_left']} min: hand over.")
    cc = snap.get("class_checks")
    if isinstance(cc, dict):
        missing = ", ".join(cc["not_reported"]) or "none"
        print(
            f"Class checks {cc['date']} {cc['session']}: {cc['reported']}/{cc['due']} reported; "
            f"not reported: {missing}"
        )
    unchecked = snap.get("watch_unchecked") or []
    ids = " ".join(w["person_id"] for w in unchecked)
    print(f"Under watch, not checked today: {len(unchecked) or 'none'} {ids}".rstrip())
    open_absences = snap.get("absences_open") or []
    pending = [a["person_id"] for a in open_absences if not a["followed_up_today"]]
    print(f"Absences open: {len(open_absences)}, not followed up today: {len(pending)}")


def cmd_doctor(args: argparse.Namespace) -> int:
    from duty_console.doctor import run_doctor

    return run_doctor(args.config)


def cmd_report_daily(args: argparse.Namespace) -> int:
    from duty_console.cli_report import cmd_report_daily as report_daily

    return report_daily(args)


def _init_actor(rt: Runtime) -> Actor:
    """init is the installer's (the database's owner) or an admin's: it migrates the schema and
    loads defaults, the playbooks among them (DESIGN §5)."""
    if schema.is_current(rt.db):
        actor = cli_actor(rt)
    elif runs_as_owner(rt):
        actor = installer_actor(rt)
    else:
        raise PermissionDenied(
            "Only the account that owns the database may create or migrate it "
            f"({rt.db.safe_url}); run `duty-console init` as that account."
        )
    require(actor, "defaults.load")
    return actor


def cmd_init(args: argparse.Namespace) -> int:
    rt = open_runtime(args.config, require_schema=False)
    base = DEFAULTS_DIR if not args.defaults else Path(args.defaults)
    if not base.is_dir():
        raise UserError(f"The defaults folder {base} does not exist.")
    actor = _init_actor(rt)
    before, after = schema.upgrade(rt.db)
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
    if args.roles:
        _database_roles(rt, args.roles)
    return 0


def _database_roles(rt: Runtime, how: str) -> None:
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    from duty_console.db import roles

    if rt.db.backend != "postgresql":
        raise UserError(
            "--roles is for PostgreSQL; a SQLite database is guarded by its file's mode (0600)."
        )
    database = make_url(rt.db.url).database or ""
    if how == "print":
        print(roles.role_script(database), end="")
        return
    with rt.db.write() as session:
        for statement in roles.role_statements(database):
            session.execute(text(statement))
    names = ", ".join(roles.login(r) for r in roles.STAFF_ROLES)
    print(
        f"Logins {names} and their GRANTs applied; set their passwords (ALTER ROLE ... PASSWORD)."
    )


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
    require(actor, "export")
    tz = rt.settings.site.tz
    since = until = None
    if args.date:
        since, until = day_bounds(args.date, tz)
    elif args.since:
        since = args.since if args.since.tzinfo else args.since.replace(tzinfo=tz)
    # Audited (committed) before the first row: an export cut short (`| head`) is still on record.
    with rt.db.write() as wsession:
        audit.append(
            wsession, actor, "export.entries", args.format, {"since": since, "until": until}
        )
    with rt.db.read() as session:
        export_entries(session, actor, sys.stdout, tz, fmt=args.format, since=since, until=until)
    return 0


def cmd_audit_verify(args: argparse.Namespace) -> int:
    rt = open_runtime(args.config, create_key=False)
    bar = Progress("Checking the audit chain")
    with rt.db.read() as session:
        result = audit.verify(
            session, progress=bar.update, expect_head=args.head, key=rt.db.audit_key
        )
    bar.close()
    if result.ok:
        print(f"Audit trail intact: {result.checked} records checked; head {result.head}.")
        return 0
    if result.bad_id is None:
        print(f"Audit trail BROKEN: {result.reason}.", file=sys.stderr)
        return 1
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
    rt.db.vacuum()
    print("Purged: " + json.dumps(counts, ensure_ascii=False))
    return 0
