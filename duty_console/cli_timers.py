"""Commands for disinfection and ventilation timers and alerts (DESIGN §3.9).

``timers`` · ``disinfect AREA [--agent A] [--concentration C] [--note N]`` ·
``ventilate start|stop AREA`` · ``alert list`` · ``alert ack ID --why T``
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from typing import Any

from duty_console.domain import alerts
from duty_console.domain import timers as t
from duty_console.runtime import cli_actor, open_runtime, timers_schedule

Add = Callable[..., argparse.ArgumentParser]


def _local(value: Any, tz: Any) -> str:
    return "-" if value is None else value.astimezone(tz).strftime("%m-%d %H:%M")


def cmd_timers(args: argparse.Namespace) -> int:
    rt = open_runtime(args.config)
    sched = timers_schedule(rt)
    now, boot = rt.clock.now(), rt.clock.boot_instant()
    with rt.db.read() as session:
        timers = t.compute_timers(session, now, sched, boot=boot)
    if args.format == "json":
        print(json.dumps([x.as_dict(sched.tz) for x in timers], ensure_ascii=False, indent=2))
        return 0
    for x in timers:
        extra = ""
        if x.kind == t.VENTILATION:
            extra = f"{x.sessions_today}/{x.required_today} today"
            if x.running_since is not None:
                extra += f", {int(x.remaining_s(now, boot) // 60)} min to go"
        print(
            f"{x.state:<8} {x.area_code:<7} {x.kind:<12} due {_local(x.due_at, sched.tz):<12} "
            f"last {_local(x.last_done_at, sched.tz):<12} {extra}".rstrip()
        )
    counts = {s: sum(1 for x in timers if x.state == s) for s in t.STATES}
    print(", ".join(f"{n} {s}" for s, n in counts.items()))
    return 0


def cmd_disinfect(args: argparse.Namespace) -> int:
    rt = open_runtime(args.config)
    actor = cli_actor(rt)
    sched = timers_schedule(rt)
    with rt.db.write() as session:
        record = t.record_disinfection(
            session,
            actor,
            args.area,
            agent=args.agent,
            concentration=args.concentration,
            note=args.note or "",
            sched=sched,
            clock=rt.clock,
        )
        out = {
            "id": record.id,
            "area_code": record.area_code,
            "done_at": record.done_at.astimezone(sched.tz).isoformat(timespec="seconds"),
            "agent": record.agent,
            "concentration": record.concentration,
            "note": record.note,
            "by": record.created_by,
        }
    if args.format == "json":
        print(json.dumps(out, ensure_ascii=False))
    else:
        print(
            f"Disinfection of {out['area_code']} recorded at {_local(record.done_at, sched.tz)}: "
            f"{out['agent']} {out['concentration']} by {out['by']}."
        )
    return 0


def cmd_ventilate(args: argparse.Namespace) -> int:
    rt = open_runtime(args.config)
    actor = cli_actor(rt)
    sched = timers_schedule(rt)
    with rt.db.write() as session:
        if args.action == "start":
            vs = t.start_ventilation(session, actor, args.area, sched=sched, clock=rt.clock)
            _, atype = t.find_area(session, args.area)
            out: dict[str, Any] = {
                "area_code": vs.area_code,
                "started_at": vs.started_at.astimezone(sched.tz).isoformat(timespec="seconds"),
                "minutes": atype.ventilation_minutes,
            }
            text = (
                f"Airing of {vs.area_code} started at {_local(vs.started_at, sched.tz)}; "
                f"the windows may close after {atype.ventilation_minutes} minutes."
            )
        else:
            stopped = t.stop_ventilation(session, actor, args.area, sched=sched, clock=rt.clock)
            vs = stopped.session
            out = {
                "area_code": vs.area_code,
                "started_at": vs.started_at.astimezone(sched.tz).isoformat(timespec="seconds"),
                "ended_at": vs.ended_at.astimezone(sched.tz).isoformat(timespec="seconds")
                if vs.ended_at
                else None,
                "minutes": round(stopped.minutes, 1),
                "counted": stopped.counted,
            }
            text = f"Airing of {vs.area_code} stopped after {stopped.minutes:.0f} minutes" + (
                "; it counts for today."
                if stopped.counted
                else f"; shorter than {stopped.required_minutes} minutes, so it does not count."
            )
    print(json.dumps(out, ensure_ascii=False) if args.format == "json" else text)
    return 0


def cmd_alert_list(args: argparse.Namespace) -> int:
    rt = open_runtime(args.config)
    tz = rt.settings.site.tz
    with rt.db.read() as session:
        rows = [alerts.as_dict(a, tz) for a in alerts.active(session)]
    if args.format == "json":
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    for r in rows:
        ack = r["acknowledged"]
        seen = f" (acknowledged by {ack['by']}: {ack['why']})" if ack else ""
        print(f"#{r['id']:<4} {r['severity']:<8} {r['message']}{seen}")
    if not rows:
        print("No active alerts.")
    return 0


def cmd_alert_ack(args: argparse.Namespace) -> int:
    rt = open_runtime(args.config)
    actor = cli_actor(rt)
    with rt.db.write() as session:
        alert = alerts.acknowledge(session, actor, args.alert_id, args.why, clock=rt.clock)
        out = alerts.as_dict(alert, rt.settings.site.tz)
    if args.format == "json":
        print(json.dumps(out, ensure_ascii=False))
    else:
        print(f"Alert {out['id']} acknowledged by {actor.label}; it stays listed until done.")
    return 0


def _fmt(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", choices=["text", "json"], default="text")


def register(add: Add, sub: Any, common: argparse.ArgumentParser) -> None:
    p = add("timers", cmd_timers, "every disinfection and ventilation timer, most urgent first")
    _fmt(p)

    p = add("disinfect", cmd_disinfect, "record a disinfection of AREA done now")
    p.add_argument("area", metavar="AREA", help="the area's code (an isolation room's works too)")
    p.add_argument("--agent", help="the disinfectant (else the area type's): chlorine, alcohol...")
    p.add_argument("--concentration", metavar="C", help='for example "500 mg/L" or "75%%"')
    p.add_argument("--note", metavar="N")
    _fmt(p)

    p = add("ventilate", cmd_ventilate, "an airing of AREA: start (windows open) or stop")
    p.add_argument("action", choices=["start", "stop"])
    p.add_argument("area", metavar="AREA")
    _fmt(p)

    alert = sub.add_parser("alert", help="alerts every console sees")
    alert_sub = alert.add_subparsers(title="action", metavar="ACTION", required=True)
    p = alert_sub.add_parser("list", parents=[common], help="the active alerts")
    p.set_defaults(handler=cmd_alert_list)
    _fmt(p)
    p = alert_sub.add_parser(
        "ack", parents=[common], help="acknowledge an alert (who, when, why): no more re-alerts"
    )
    p.set_defaults(handler=cmd_alert_ack)
    p.add_argument("alert_id", metavar="ID", type=int)
    p.add_argument("--why", required=True, metavar="T")
    _fmt(p)
