"""The `duty-console` command (DESIGN §3.1).

Exit codes: 0 ok, 1 a failure the user can fix (the message says how), 2 a usage error.
Errors are one or two plain sentences on stderr; ``--debug`` shows the traceback.
"""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path

from duty_console import __version__
from duty_console.cli_args import date_arg, datetime_arg
from duty_console.errors import PermissionDenied, UserError
from duty_console.identity import under_sudo

Handler = Callable[[argparse.Namespace], int]


def _probability(value: str) -> float:
    try:
        p = float(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number") from exc
    if not 0.0 <= p <= 1.0:
        raise argparse.ArgumentTypeError(f"{value} is not between 0 and 1")
    return p


def _console_options(p: argparse.ArgumentParser) -> None:
    # SUPPRESS: `duty-console --lang en tui` keeps the top-level value.
    p.add_argument(
        "--lang",
        choices=["zh_CN", "en"],
        default=argparse.SUPPRESS,
        help="interface language (else the config's site.locale, then $LANG)",
    )
    p.add_argument(
        "--no-mouse",
        action="store_true",
        default=argparse.SUPPRESS,
        help="do not capture the mouse",
    )


def build_parser() -> argparse.ArgumentParser:
    from duty_console import commands as c

    def common_options(suppress: bool) -> argparse.ArgumentParser:
        # Subcommands SUPPRESS their defaults, so `duty-console --config X init` keeps X.
        extra: dict[str, object] = {"default": argparse.SUPPRESS} if suppress else {}
        p = argparse.ArgumentParser(add_help=False)
        p.add_argument(
            "--config",
            metavar="PATH",
            help="config file (else $DUTY_CONSOLE_CONFIG, ./duty-console.toml, the user config "
            "dir)",
            **extra,  # type: ignore[arg-type]
        )
        p.add_argument("--debug", action="store_true", help="show tracebacks", **extra)  # type: ignore[arg-type]
        return p

    top_common = common_options(suppress=False)
    common = common_options(suppress=True)

    parser = argparse.ArgumentParser(
        prog="duty-console",
        description="School gate and outbreak-duty console: entry log, timers, isolation rooms, "
        "escalation checklists.",
        parents=[top_common],
    )
    parser.add_argument("--version", action="version", version=f"duty-console {__version__}")
    parser.add_argument("--lang", choices=["zh_CN", "en"], help="interface language")
    parser.add_argument("--no-mouse", action="store_true", help="do not capture the mouse")
    parser.set_defaults(handler=c.cmd_tui)
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")

    def add(name: str, handler: Handler, help_: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, parents=[common], help=help_, description=help_)
        p.set_defaults(handler=handler)
        return p

    p = add("tui", c.cmd_tui, "the console (starts the gate's engine in-process if none is live)")
    _console_options(p)

    p = add(
        "demo",
        c.cmd_demo,
        "the console with a temporary database, sample roster and simulated devices; no set-up",
    )
    p.add_argument("--db", metavar="PATH", help="keep the demo database in PATH")
    _console_options(p)
    p.set_defaults(refused_under_sudo=True)

    p = add("init", c.cmd_init, "create or migrate the database and load data/defaults")
    p.add_argument("--defaults", metavar="DIR", help="load defaults from DIR instead")
    p.add_argument(
        "--roles",
        choices=["print", "apply"],
        help="PostgreSQL: print (or apply, as the schema's owner) the per-role logins and "
        "their GRANTs",
    )
    p.set_defaults(refused_under_sudo=True)

    p = add("serve", c.cmd_serve, "headless engine: devices and scheduler (SIGTERM drains, exit 0)")
    p.set_defaults(refused_under_sudo=True)

    p = add("simulate", c.cmd_simulate, "drive a serial port with a device model's real frames")
    p.set_defaults(refused_under_sudo=True)
    p.add_argument(
        "--port",
        required=True,
        help="serial port or pyserial URL to write to, or 'pty' for a new "
        "pseudo-terminal (its path is printed)",
    )
    p.add_argument("--profile", required=True, help="device profile name")
    p.add_argument("--rate", type=float, default=1.0, metavar="HZ", help="people per second")
    p.add_argument("--count", type=int, metavar="N", help="stop after N presentations")
    p.add_argument("--fever-rate", type=_probability, default=0.05, metavar="P")
    p.add_argument("--garbage-rate", type=_probability, default=0.0, metavar="P")
    p.add_argument("--seed", type=int, metavar="S")

    export = sub.add_parser("export", help="export records")
    export_sub = export.add_subparsers(title="what", metavar="WHAT", required=True)
    p = export_sub.add_parser("entries", parents=[common], help="the entry log to stdout")
    p.set_defaults(handler=c.cmd_export_entries)
    when = p.add_mutually_exclusive_group()
    when.add_argument("--date", type=date_arg, metavar="D", help="one local day (YYYY-MM-DD)")
    when.add_argument("--since", type=datetime_arg, metavar="T", help="from this time on")
    p.add_argument("--format", choices=["csv", "jsonl"], default="csv")

    report = sub.add_parser("report", help="reports")
    report_sub = report.add_subparsers(title="which", metavar="WHICH", required=True)
    p = report_sub.add_parser("daily", parents=[common], help="the daily (or zero) report")
    p.set_defaults(handler=c.cmd_report_daily)
    p.add_argument("--date", type=date_arg, metavar="D")
    p.add_argument("--format", choices=["md", "csv", "xlsx", "json"], default="md")
    p.add_argument("--output", metavar="F")
    p.add_argument(
        "--lang",
        choices=["zh_CN", "en"],
        default=argparse.SUPPRESS,
        help="report language (default Chinese)",
    )
    from duty_console.cli_report import register_report

    register_report(report_sub, common)

    staff = sub.add_parser("staff", help="staff accounts")
    staff_sub = staff.add_subparsers(title="action", metavar="ACTION", required=True)
    p = staff_sub.add_parser("add", parents=[common], help="add or update a staff member")
    p.set_defaults(handler=c.cmd_staff_add)
    p.add_argument("--id", required=True, dest="staff_id")
    p.add_argument("--name", required=True)
    p.add_argument("--role", required=True, choices=["duty", "doctor", "officer", "admin"])
    p.add_argument("--pin-stdin", action="store_true", help="read the PIN from standard input")

    people = sub.add_parser("people", help="the roster")
    people_sub = people.add_subparsers(title="action", metavar="ACTION", required=True)
    p = people_sub.add_parser(
        "import", parents=[common], help="load or update the roster from a CSV file"
    )
    p.set_defaults(handler=c.cmd_people_import)
    p.add_argument("file", metavar="FILE.csv", type=Path)
    p.add_argument("--skip-bad", action="store_true", help="load the good rows, list the bad")

    p = add("purge", c.cmd_purge, "delete personal health data older than DAYS (audited)")
    p.add_argument("--older-than", type=int, required=True, metavar="DAYS")

    audit = sub.add_parser("audit", help="the audit trail")
    audit_sub = audit.add_subparsers(title="action", metavar="ACTION", required=True)
    p = audit_sub.add_parser("verify", parents=[common], help="check the audit chain")
    p.set_defaults(handler=c.cmd_audit_verify)
    p.add_argument(
        "--head",
        metavar="HASH",
        help="a head hash printed by an earlier verify: fail if it is gone (a cut-off tail)",
    )

    p = add("status", c.cmd_status, "one snapshot of everything live")
    p.add_argument("--format", choices=["text", "json"], default="text")

    add(
        "doctor",
        c.cmd_doctor,
        "config, database, ports, engine lease: what is wrong and how to fix it",
    )

    # The routine's commands (DESIGN §3.9): each area registers its own subcommands from its
    # own module, ``register(add, sub, common)``, one line here per area.
    for register in _routine_commands():
        register(add, sub, common)
    return parser


def _routine_commands() -> list[Callable[..., None]]:
    from duty_console import (
        cli_backup,
        cli_devices,
        cli_people,
        cli_rooms,
        cli_supplies,
        cli_timers,
    )

    return [
        cli_timers.register,
        cli_rooms.register,
        cli_people.register,
        cli_supplies.register,
        cli_backup.register,
        cli_devices.register,
    ]


def _refuse_under_sudo(args: argparse.Namespace) -> None:
    """DESIGN §5: a run through sudo is a person reaching the service account's database; it
    may not set up, simulate into or run the gate, whatever the sudo rule lets through."""
    if getattr(args, "refused_under_sudo", False) and under_sudo():
        name = args.handler.__name__.removeprefix("cmd_")
        raise PermissionDenied(
            f"`duty-console {name}` is refused through sudo; the administrator runs it as the "
            "service account itself."
        )


def _database_trouble(exc: BaseException) -> str:
    """A database refusal in words (never "database is locked"), or "" for anything else."""
    from sqlalchemy.exc import OperationalError

    from duty_console.db.connect import DISK_FULL, LOCKED, failure_kind

    if not isinstance(exc, OperationalError):
        return ""
    kind = failure_kind(exc)
    if kind == DISK_FULL:
        return "nothing was recorded: the disk holding the database is full; free some space."
    if kind == LOCKED:
        return (
            "nothing was recorded: the database stayed busy with another long write "
            "(an import, a purge); run the command again in a moment."
        )
    return ""


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        _refuse_under_sudo(args)
        return int(args.handler(args))
    except UserError as exc:
        if getattr(args, "debug", False):
            traceback.print_exc()
        print(f"duty-console: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # the last guard: a clear sentence instead of a traceback
        said = _database_trouble(exc)
        if said:
            if getattr(args, "debug", False):
                traceback.print_exc()
            print(f"duty-console: {said}", file=sys.stderr)
            return 1
        if getattr(args, "debug", False):
            traceback.print_exc()
        print(
            f"duty-console: unexpected error ({type(exc).__name__}: {exc}); "
            "run again with --debug for the details.",
            file=sys.stderr,
        )
        return 1
