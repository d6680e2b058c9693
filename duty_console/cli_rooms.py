"""`room …` and `incident …` (DESIGN §3.9): isolation rooms, escalation checklists and drills.

Each acts as the staff member mapped to the Unix user, is audited by its domain service, and
exits 1 with one sentence when the rules refuse.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from duty_console.domain import clusters, rooms, walkthrough
from duty_console.domain.incidents import open_incident
from duty_console.errors import UserError
from duty_console.i18n import set_language
from duty_console.runtime import Runtime, cli_actor, open_runtime

Add = Callable[[str, Callable[[argparse.Namespace], int], str], argparse.ArgumentParser]


def _local(rt: Runtime, value: Any) -> str:
    return "-" if value is None else value.astimezone(rt.settings.site.tz).strftime("%m-%d %H:%M")


def _print_json(value: Any) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=2, default=str))


def _done(args: argparse.Namespace, sentence: str, **data: Any) -> None:
    """What a write command prints: the sentence, or with --format json the facts."""
    if getattr(args, "format", "text") == "json":
        _print_json({"ok": True, **data})
    else:
        print(sentence)


# -- room ------------------------------------------------------------------------------------


def cmd_room_list(args: argparse.Namespace) -> int:
    rt = open_runtime(args.config)
    with rt.db.read() as session:
        listed = rooms.rooms_status(session)
    if args.format == "json":
        _print_json(listed)
        return 0
    for r in listed:
        who = " ".join(r["occupants"]) or "-"
        print(
            f"{r['code']:<8} {r['state']:<19} {r['illness']:<12} "
            f"{len(r['occupants'])}/{r['capacity']}  {who}  {r['name']}"
        )
    return 0


def cmd_room_admit(args: argparse.Namespace) -> int:
    rt = open_runtime(args.config)
    actor = cli_actor(rt)
    with rt.db.write() as session:
        stay = rooms.admit(
            session,
            actor,
            None if args.room == "auto" else args.room,
            person_id=args.person,
            incident_id=args.incident,
            entry_id=args.entry,
            reason=args.reason or "",
            illness=args.illness,
            observe_hours=args.observe_hours,
            clock=rt.clock,
        )
        linked = f", incident {stay.incident_id}" if stay.incident_id else ""
        _done(
            args,
            f"{stay.person_id} admitted to room {stay.room_code}{linked}.",
            room=stay.room_code,
            person_id=stay.person_id,
            incident_id=stay.incident_id,
        )
    return 0


def cmd_room_release(args: argparse.Namespace) -> int:
    rt = open_runtime(args.config)
    actor = cli_actor(rt)
    with rt.db.write() as session:
        stay = rooms.release(
            session,
            actor,
            args.room,
            disposition=args.disposition,
            person_id=args.person,
            collected_by=args.who or "",
            note=args.note or "",
            clock=rt.clock,
        )
        _done(
            args,
            f"{stay.person_id} left room {stay.room_code} ({stay.disposition}"
            f"{': ' + stay.collected_by if stay.collected_by else ''}); the room now needs its "
            "after-use disinfection.",
            room=stay.room_code,
            person_id=stay.person_id,
            disposition=stay.disposition,
            collected_by=stay.collected_by,
        )
    return 0


def cmd_room_disinfect(args: argparse.Namespace) -> int:
    rt = open_runtime(args.config)
    actor = cli_actor(rt)
    with rt.db.write() as session:
        record = rooms.disinfect_room(
            session,
            actor,
            args.room,
            agent=args.agent,
            concentration=args.concentration,
            note=args.note or "",
            clock=rt.clock,
        )
        _done(
            args,
            f"Room {args.room} disinfected ({record.agent}, {record.concentration}); it is ready.",
            room=args.room,
            agent=record.agent,
            concentration=record.concentration,
        )
    return 0


# -- incident --------------------------------------------------------------------------------


def cmd_incident_list(args: argparse.Namespace) -> int:
    rt = open_runtime(args.config)
    now = rt.clock.now()
    with rt.db.read() as session:
        listed = walkthrough.incidents_status(session, now)
        if args.all:
            open_ids = {i["id"] for i in listed}
            for inc in walkthrough.list_incidents(session, include_closed=True):
                if inc.id not in open_ids:
                    views = walkthrough.steps(session, inc, now)
                    listed.append(
                        {
                            "id": inc.id,
                            "playbook": inc.playbook_key,
                            "drill": inc.drill,
                            "state": inc.state,
                            "person_id": inc.person_id,
                            "steps_total": len(views),
                            "steps_done": sum(1 for v in views if v.finished),
                            "overdue_steps": 0,
                            "next_step": None,
                            "room": None,
                            "cluster_key": inc.cluster_key or None,
                        }
                    )
        proposed = clusters.proposals_status(session, now, rt.settings.site.tz)
    if args.format == "json":
        _print_json({"incidents": listed, "cluster_proposals": proposed})
        return 0
    if not listed:
        print("No open incidents.")
    for i in listed:
        drill = "DRILL " if i["drill"] else ""
        nxt = i["next_step"]
        where = f" room {i['room']}" if i["room"] else ""
        line = (
            f"{i['id']:>4} {drill}{i['playbook']} {i['person_id'] or '-'}{where} "
            f"[{i['state']}] {i['steps_done']}/{i['steps_total']} steps"
        )
        if i["overdue_steps"]:
            line += f", {i['overdue_steps']} OVERDUE"
        if nxt:
            line += (
                f"; next: {nxt['n']}. {nxt['title']} ({nxt['role']}, due {nxt['due_at'] or '-'})"
            )
        print(line)
    for p in proposed:
        print(
            f"Cluster proposed: {p['cluster_key']}, {p['cases']} cases in {p['days']} day(s); "
            f"open it with `duty-console incident open cluster --cluster {p['cluster_key']}`."
        )
    return 0


def cmd_incident_show(args: argparse.Namespace) -> int:
    from duty_console.reports import incident as record

    rt = open_runtime(args.config)
    now = rt.clock.now()
    set_language(args.lang or rt.settings.site.locale)
    tz = rt.settings.site.tz
    actor = cli_actor(rt)
    with rt.db.read() as session:
        incident = walkthrough.get_incident(session, args.id)
        if args.format in ("md", "xlsx"):
            # The district's paperwork names the person: only a role that may export.
            from duty_console.domain.permissions import require

            require(actor, "export")
        paperwork = args.format in ("md", "xlsx")
        built = record.build(session, incident, now, tz, full_name=paperwork)
        views = walkthrough.steps(session, incident, now)
        info: dict[str, Any] = {
            "id": incident.id,
            "playbook": incident.playbook_key,
            "drill": incident.drill,
            "state": incident.state,
            "person_id": incident.person_id,
            "opened_at": incident.opened_at.isoformat(timespec="seconds"),
            "closed_at": None
            if incident.closed_at is None
            else incident.closed_at.isoformat(timespec="seconds"),
            "steps": [
                {
                    "n": v.n,
                    "title": v.row.title_en,
                    "role": v.owner_role,
                    "state": v.state,
                    "due_at": None
                    if v.row.due_at is None
                    else v.row.due_at.isoformat(timespec="seconds"),
                    "done_at": None
                    if v.row.done_at is None
                    else v.row.done_at.isoformat(timespec="seconds"),
                    "done_by": v.row.done_by,
                    "fields_required": list(v.fields),
                    "fields": v.recorded(),
                    "skippable": v.skippable,
                    "skip_reason": v.row.skip_reason,
                    "note": v.row.note,
                }
                for v in views
            ],
        }
        if incident.drill:
            sc = walkthrough.score(session, incident)
            info["score"] = {
                "percent": sc.percent,
                "on_time": sc.on_time,
                "timed": len(sc.timed),
                "skipped": [{"n": s.n, "reason": s.reason} for s in sc.skipped],
            }
    if args.format in ("md", "xlsx"):
        with rt.db.write() as wsession:
            from duty_console.domain import audit

            audit.append(
                wsession, actor, "export.incident", f"incident:{args.id}", {"format": args.format}
            )
    if args.format == "json":
        _print_json(info)
    elif args.format == "md":
        _write(args.output, record.to_markdown(built).encode("utf-8"), text=True)
    elif args.format == "xlsx":
        if not args.output and sys.stdout.isatty():
            raise UserError("An xlsx file does not go to a terminal; add --output FILE.xlsx.")
        _write(args.output, record.to_xlsx(built), text=False)
    else:
        print(built.title)
        for label, value in built.facts:
            print(f"  {label}: {value}")
        for v in views:
            mark = {"done": "x", "skipped": "-", "overdue": "!", "open": " "}[v.state]
            need = f"  needs: {', '.join(v.fields)}" if v.fields and not v.finished else ""
            due = f" due {_local(rt, v.row.due_at)}" if not v.finished and v.row.due_at else ""
            print(f"  [{mark}] {v.n:>2}. {v.row.title_en} ({v.owner_role}){due}{need}")
        for line in built.score:
            print(f"  {line}")
    return 0


def _write(output: str | None, data: bytes, *, text: bool) -> None:
    if output:
        Path(output).write_bytes(data)
        print(f"Wrote {output}.", file=sys.stderr)
    elif text:
        sys.stdout.write(data.decode("utf-8"))
    else:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)


def cmd_incident_open(args: argparse.Namespace) -> int:
    rt = open_runtime(args.config)
    actor = cli_actor(rt)
    with rt.db.write() as session:
        if args.cluster:
            if args.playbook != clusters.CLUSTER:
                raise UserError("--cluster goes with the playbook 'cluster'.")
            incident = clusters.open_cluster(
                session, actor, args.cluster, tz=rt.settings.site.tz, clock=rt.clock
            )
        else:
            if args.person:
                rooms.known_person(session, args.person)
            incident = open_incident(
                session,
                actor,
                args.playbook,
                person_id=args.person,
                drill=args.drill,
                clock=rt.clock,
            )
        kind = "Drill" if incident.drill else "Incident"
        _done(
            args,
            f"{kind} {incident.id} opened ({incident.playbook_key}).",
            id=incident.id,
            playbook=incident.playbook_key,
            drill=incident.drill,
        )
    return 0


def _fields(pairs: list[str]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise UserError(f"--field {pair!r}: write it as KEY=VALUE (axillary_c=38.2).")
        out[key.strip()] = value.strip()
    return out


def cmd_incident_step(args: argparse.Namespace) -> int:
    rt = open_runtime(args.config)
    actor = cli_actor(rt)
    with rt.db.write() as session:
        if args.skip:
            walkthrough.skip_step(
                session, actor, args.id, args.step, reason=args.note or "", clock=rt.clock
            )
            _done(
                args, f"Incident {args.id}: step {args.step} skipped.", id=args.id, step=args.step
            )
        else:
            walkthrough.do_step(
                session,
                actor,
                args.id,
                args.step,
                fields=_fields(args.field or []),
                note=args.note or "",
                clock=rt.clock,
            )
            _done(args, f"Incident {args.id}: step {args.step} done.", id=args.id, step=args.step)
    return 0


def cmd_incident_note(args: argparse.Namespace) -> int:
    rt = open_runtime(args.config)
    actor = cli_actor(rt)
    with rt.db.write() as session:
        walkthrough.add_note(session, actor, args.id, args.text, step_n=args.step, clock=rt.clock)
    _done(args, f"Incident {args.id}: note added.", id=args.id)
    return 0


def cmd_incident_ack(args: argparse.Namespace) -> int:
    rt = open_runtime(args.config)
    actor = cli_actor(rt)
    with rt.db.write() as session:
        walkthrough.acknowledge(session, actor, args.id, args.step, clock=rt.clock)
    _done(
        args,
        f"Incident {args.id}: overdue step {args.step} acknowledged.",
        id=args.id,
        step=args.step,
    )
    return 0


def cmd_incident_close(args: argparse.Namespace) -> int:
    rt = open_runtime(args.config)
    actor = cli_actor(rt)
    with rt.db.write() as session:
        incident = walkthrough.close_incident(
            session, actor, args.id, note=args.note or "", clock=rt.clock
        )
        sentence = f"Incident {incident.id} closed."
        data: dict[str, Any] = {"id": incident.id, "drill": incident.drill}
        if incident.drill:
            sc = walkthrough.score(session, incident)
            skipped = ", ".join(str(s.n) for s in sc.skipped) or "none"
            sentence += (
                f"\nDrill score: {sc.percent}% ({sc.on_time} of {len(sc.timed)} timed steps "
                f"within their limit); skipped: {skipped}."
            )
            data["score"] = {
                "percent": sc.percent,
                "on_time": sc.on_time,
                "timed": len(sc.timed),
                "skipped": [{"n": s.n, "reason": s.reason} for s in sc.skipped],
            }
        _done(args, sentence, **data)
    return 0


def register(add: Add, sub: Any, common: argparse.ArgumentParser) -> None:
    """The `room` and `incident` command groups."""

    def fmt(p: argparse.ArgumentParser) -> None:
        p.add_argument("--format", choices=["text", "json"], default="text")

    room = sub.add_parser("room", help="isolation rooms: list, admit, release, disinfect")
    room_sub = room.add_subparsers(title="action", metavar="ACTION", required=True)

    def room_cmd(name: str, handler: Any, help_: str) -> argparse.ArgumentParser:
        p = room_sub.add_parser(name, parents=[common], help=help_, description=help_)
        p.set_defaults(handler=handler)
        return p

    fmt(room_cmd("list", cmd_room_list, "every room, its state and who is in it"))
    p = room_cmd("admit", cmd_room_admit, "admit a person to a room ('auto': the first ready one)")
    p.add_argument("room", metavar="ROOM")
    p.add_argument("--person", metavar="ID")
    p.add_argument("--incident", type=int, metavar="N", help="the incident this stay belongs to")
    p.add_argument("--entry", type=int, metavar="N", help="a fever_confirmed entry")
    p.add_argument("--reason", metavar="R")
    p.add_argument("--illness", choices=list(rooms.ILLNESSES))
    p.add_argument("--observe-hours", type=float, metavar="H", help="an observation period")
    fmt(p)
    p = room_cmd("release", cmd_room_release, "a person leaves the room, with a disposition")
    p.add_argument("room", metavar="ROOM")
    p.add_argument("--disposition", required=True, choices=list(rooms.DISPOSITIONS))
    p.add_argument("--who", metavar="W", help="the guardian who collected the person")
    p.add_argument("--person", metavar="ID", help="which occupant, when there are several")
    p.add_argument("--note", metavar="N")
    fmt(p)
    p = room_cmd("disinfect", cmd_room_disinfect, "record the room's after-use disinfection")
    p.add_argument("room", metavar="ROOM")
    p.add_argument("--agent", required=True, metavar="A")
    p.add_argument("--concentration", required=True, metavar="C", help='e.g. "1000 mg/L"')
    p.add_argument("--note", metavar="N")
    fmt(p)

    incident = sub.add_parser("incident", help="escalation checklists and drills")
    inc_sub = incident.add_subparsers(title="action", metavar="ACTION", required=True)

    def inc_cmd(name: str, handler: Any, help_: str) -> argparse.ArgumentParser:
        p = inc_sub.add_parser(name, parents=[common], help=help_, description=help_)
        p.set_defaults(handler=handler)
        return p

    p = inc_cmd("list", cmd_incident_list, "open incidents, their next step, proposed clusters")
    p.add_argument("--all", action="store_true", help="closed incidents too")
    fmt(p)
    p = inc_cmd("show", cmd_incident_show, "an incident's steps, room and timeline")
    p.add_argument("id", type=int, metavar="N")
    p.add_argument("--format", choices=["text", "json", "md", "xlsx"], default="text")
    p.add_argument("--output", metavar="F")
    p.add_argument("--lang", choices=["zh_CN", "en"], help="md/xlsx language (else site.locale)")
    p = inc_cmd("open", cmd_incident_open, "open an incident (or a drill) from a playbook")
    p.add_argument("playbook", metavar="PLAYBOOK")
    p.add_argument("--person", metavar="ID")
    p.add_argument("--drill", action="store_true", help="a drill: scored, never in reports")
    p.add_argument("--cluster", metavar="KEY", help="a proposed cluster, e.g. class:1-1")
    fmt(p)
    p = inc_cmd("step", cmd_incident_step, "do a step (with its fields) or skip it (with a reason)")
    p.add_argument("id", type=int, metavar="N")
    p.add_argument("step", type=int, metavar="STEP")
    how = p.add_mutually_exclusive_group(required=True)
    how.add_argument("--done", action="store_true")
    how.add_argument("--skip", action="store_true", help="needs --note with the reason")
    p.add_argument("--note", metavar="T")
    p.add_argument("--field", action="append", metavar="KEY=VALUE")
    fmt(p)
    p = inc_cmd("note", cmd_incident_note, "add a note to an incident's timeline")
    p.add_argument("id", type=int, metavar="N")
    p.add_argument("text", metavar="TEXT")
    p.add_argument("--step", type=int, metavar="STEP")
    fmt(p)
    p = inc_cmd("ack", cmd_incident_ack, "acknowledge an overdue step (stops its alert)")
    p.add_argument("id", type=int, metavar="N")
    p.add_argument("step", type=int, metavar="STEP")
    fmt(p)
    p = inc_cmd("close", cmd_incident_close, "close an incident (a drill prints its score)")
    p.add_argument("id", type=int, metavar="N")
    p.add_argument("--note", metavar="T")
    fmt(p)
