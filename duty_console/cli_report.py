"""``report daily`` and ``report submit``: the day's report made, kept as a version, written out,
and marked submitted upward (DESIGN §3.1, §3.7)."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date
from typing import Any

from sqlmodel import Session

from duty_console.cli_args import date_arg
from duty_console.domain import report_versions
from duty_console.domain.actors import Actor
from duty_console.domain.report_versions import Recorded
from duty_console.errors import UserError
from duty_console.i18n import N_
from duty_console.reports import render
from duty_console.reports.daily import make_daily_report
from duty_console.runtime import Runtime, cli_actor, open_runtime, timers_schedule


def _day(rt: Runtime, given: date | None) -> date:
    today = rt.clock.now().astimezone(rt.settings.site.tz).date()
    if given is None:
        return today
    if given > today:
        raise UserError(
            N_("{day} has not come yet; a report covers today ({today}) or an earlier day."),
            day=given.isoformat(),
            today=today.isoformat(),
        )
    return given


def _language(rt: Runtime, given: str | None) -> str:
    """``--lang``, else the config's site.locale when set, else Chinese (never $LANG: the
    report goes upward in the school's language)."""
    if given:
        return given
    if "locale" in rt.settings.site.model_fields_set:
        return rt.settings.site.locale
    return "zh_CN"


def _changes(diff: dict[str, list[Any]]) -> str:
    parts = []
    for key, (before, after) in diff.items():
        if isinstance(before, (list, dict)) or isinstance(after, (list, dict)):
            parts.append(f"{key} changed")
        else:
            parts.append(f"{key} {before} -> {after}")
    return "; ".join(parts)


def _write(path: str, data: str | bytes) -> None:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
    except OSError as exc:
        raise UserError(
            N_("Cannot write {path}: {reason}."), path=path, reason=exc.strerror or str(exc)
        ) from exc


def _make(
    session: Session, rt: Runtime, actor: Actor, day: date
) -> tuple[dict[str, Any], Recorded]:
    """The day's report, kept as its newest version (the one call both commands make)."""
    return make_daily_report(
        session,
        actor,
        day,
        rt.settings.site.tz,
        school=rt.settings.site.name,
        sched=timers_schedule(rt),
        clock=rt.clock,
    )


def cmd_report_daily(args: argparse.Namespace) -> int:
    rt = open_runtime(args.config)
    actor = cli_actor(rt)
    day = _day(rt, args.date)
    if args.format == "xlsx" and not args.output and sys.stdout.isatty():
        raise UserError(N_("An xlsx workbook is not for the terminal; give --output FILE.xlsx."))
    with rt.db.write() as session:
        report, recorded = _make(session, rt, actor, day)
    data = render.render(report, args.format, _language(rt, args.lang))
    version = recorded.row.version
    if recorded.new and version > 1:
        amended = " (amends a submitted version)" if recorded.row.amends_submitted else ""
        print(
            f"Report of {day}: version {version}{amended}; changed: {_changes(recorded.diff)}.",
            file=sys.stderr,
        )
    if args.output:
        _write(args.output, data)
        kind = "zero report" if report["zero_report"] else "report"
        print(f"Wrote the {kind} of {day} (version {version}) to {args.output}.", file=sys.stderr)
    elif isinstance(data, bytes):
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        sys.stdout.write(data)
    return 0


def cmd_report_submit(args: argparse.Namespace) -> int:
    rt = open_runtime(args.config)
    actor = cli_actor(rt)
    day = _day(rt, args.date)
    with rt.db.write() as session:
        report, _recorded = _make(session, rt, actor, day)
        row = report_versions.submit(session, actor, day.isoformat(), clock=rt.clock)
    kind = "zero report" if report["zero_report"] else "report"
    amended = ", an amended report" if row.amends_submitted else ""
    print(
        f"Submitted the {kind} of {day}: version {row.version}{amended}, by {actor.label}, "
        f"hash {row.hash[:16]}."
    )
    return 0


def register_report(report_sub: Any, common: argparse.ArgumentParser) -> None:
    """``report submit`` beside ``report daily`` (cli.py builds the ``report`` group)."""
    p = report_sub.add_parser(
        "submit",
        parents=[common],
        help="mark the day's report submitted upward (its newest version; officer)",
    )
    p.set_defaults(handler=cmd_report_submit)
    p.add_argument("--date", type=date_arg, metavar="D")
