"""Commands for the people side of the day (DESIGN §3.9): ``check``, ``absence``, ``watch``,
``rota`` and ``handover``.

Each acts as the staff member mapped to the Unix user, prints text or ``--format json``, and
exits 1 with one sentence when the rules refuse. Names are shown masked (张*明).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from duty_console.cli_args import date_arg, datetime_arg
from duty_console.domain import absences, checks, handover, rota, watch
from duty_console.domain.pinyin import mask_name
from duty_console.errors import UserError
from duty_console.i18n import N_
from duty_console.runtime import Runtime, cli_actor, open_runtime

Add = Callable[[str, Callable[[argparse.Namespace], int], str], argparse.ArgumentParser]


def _count(value: str) -> int:
    try:
        n = int(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from exc
    if n < 0:
        raise argparse.ArgumentTypeError(f"{value} is below 0")
    return n


def _fmt(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", choices=["text", "json"], default="text")


def _print(args: argparse.Namespace, data: Any, text: str) -> int:
    if args.format == "json":
        print(json.dumps(data, ensure_ascii=False, indent=2, default=str))
    else:
        print(text)
    return 0


def _local(rt: Runtime, at: datetime | None, fmt: str = "%m-%d %H:%M") -> str:
    return "-" if at is None else at.astimezone(rt.settings.site.tz).strftime(fmt)


def _iso(rt: Runtime, at: datetime | None) -> str | None:
    return None if at is None else at.astimezone(rt.settings.site.tz).isoformat(timespec="seconds")


# -- check -------------------------------------------------------------------------------------


def cmd_check_record(args: argparse.Namespace) -> int:
    rt = open_runtime(args.config)
    actor = cli_actor(rt)
    now = rt.clock.now()
    day, current = checks.current_session(now, rt.settings.site.tz)
    with rt.db.write() as session:
        check = checks.record_check(
            session,
            actor,
            args.class_name,
            args.session or current,
            present=args.present,
            absent=args.absent,
            absent_sick=args.sick,
            symptomatic=args.symptoms,
            symptomatic_people=args.person,
            day=args.date or day,
            note=args.note,
            clock=rt.clock,
        )
        data = {
            "class": check.class_name,
            "date": check.day.isoformat(),
            "session": check.session,
            "present": check.present,
            "absent": check.absent,
            "absent_sick": check.absent_sick,
            "symptomatic": check.symptomatic,
            "follow_up": list(args.person),
        }
    text = (
        f"{check.class_name} {check.day} {check.session}: {check.present} present, "
        f"{check.absent} absent ({check.absent_sick} sick), {check.symptomatic} with symptoms."
    )
    if args.person:
        text += f" Under watch now: {', '.join(args.person)}."
    return _print(args, data, text)


def cmd_check_list(args: argparse.Namespace) -> int:
    rt = open_runtime(args.config)
    day, current = checks.current_session(rt.clock.now(), rt.settings.site.tz)
    day = args.date or day
    session_name = args.session or current
    with rt.db.read() as session:
        rows = checks.board(session, day, session_name)
    data = {
        "date": day.isoformat(),
        "session": session_name,
        "not_reported": [r.class_name for r in rows if not r.reported],
        "classes": [
            {
                "class": r.class_name,
                "size": r.size,
                "reported": r.reported,
                "present": r.check.present if r.check else None,
                "absent": r.check.absent if r.check else None,
                "absent_sick": r.check.absent_sick if r.check else None,
                "symptomatic": r.check.symptomatic if r.check else None,
            }
            for r in rows
        ],
    }
    lines = [
        f"Class checks {day} {session_name}: {len(rows) - len(data['not_reported'])}"
        f"/{len(rows)} reported."
    ]
    for r in rows:
        if r.check is None:
            lines.append(f"  {r.class_name:<12} NOT REPORTED")
        else:
            c = r.check
            lines.append(
                f"  {r.class_name:<12} present {c.present:<3} absent {c.absent:<3} "
                f"sick {c.absent_sick:<3} symptoms {c.symptomatic}"
            )
    return _print(args, data, "\n".join(lines))


def cmd_check_import(args: argparse.Namespace) -> int:
    rt = open_runtime(args.config)
    actor = cli_actor(rt)
    path: Path = args.file
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UserError(N_("{path}: cannot be read ({why})."), path=path, why=exc.strerror) from exc
    day, _ = checks.current_session(rt.clock.now(), rt.settings.site.tz)
    with rt.db.write() as session:
        n = checks.import_checks(
            session, actor, data, source=str(path), today=args.date or day, clock=rt.clock
        )
    return _print(args, {"loaded": n}, f"{path}: {n} class checks loaded.")


# -- absence -----------------------------------------------------------------------------------


def cmd_absence_add(args: argparse.Namespace) -> int:
    rt = open_runtime(args.config)
    actor = cli_actor(rt)
    with rt.db.write() as session:
        a = absences.add_absence(
            session,
            actor,
            args.person,
            args.reason,
            args.symptoms or "",
            note=args.note,
            clock=rt.clock,
        )
        data = {"id": a.id, "person_id": a.person_id, "reason": a.reason, "symptoms": a.symptoms}
    text = (
        f"Absence of {a.person_id} recorded ({a.reason}{': ' + a.symptoms if a.symptoms else ''})."
    )
    if absences.counts_for_cluster(a.symptoms.split(",")):
        text += " It counts for the cluster rule (fever or respiratory symptoms)."
    return _print(args, data, text)


def cmd_absence_follow(args: argparse.Namespace) -> int:
    rt = open_runtime(args.config)
    actor = cli_actor(rt)
    with rt.db.write() as session:
        f = absences.follow_up(
            session,
            actor,
            args.person,
            args.status,
            called_family=not args.no_call,
            note=args.note,
            clock=rt.clock,
        )
        data = {"person_id": args.person, "status": f.status, "at": _iso(rt, f.at)}
    return _print(args, data, f"Follow-up of {args.person} recorded: {f.status}.")


def cmd_absence_return(args: argparse.Namespace) -> int:
    rt = open_runtime(args.config)
    actor = cli_actor(rt)
    with rt.db.write() as session:
        a = absences.return_to_school(
            session,
            actor,
            args.person,
            certificate=args.certificate or "",
            note=args.note,
            clock=rt.clock,
        )
        data = {
            "person_id": a.person_id,
            "returned_at": _iso(rt, a.returned_at),
            "certificate": a.certificate_ref,
            "checked_by": a.checked_by,
        }
    cert = (
        f", fit-to-return note {a.certificate_ref} checked by {a.checked_by}"
        if a.checked_by
        else ""
    )
    return _print(args, data, f"{a.person_id} is back at school{cert}.")


def cmd_absence_list(args: argparse.Namespace) -> int:
    rt = open_runtime(args.config)
    with rt.db.read() as session:
        rows = absences.open_absences(session, rt.clock.now(), rt.settings.site.tz)
    data = [
        {
            "person_id": r.person_id,
            "class": r.class_name,
            "reason": r.reason,
            "symptoms": list(r.symptoms),
            "since": _iso(rt, r.started_at),
            "last_follow_up_at": _iso(rt, r.last_follow_up_at),
            "last_status": r.last_status,
            "followed_up_today": r.followed_up_today,
            "counts_for_cluster": r.counts_for_cluster,
        }
        for r in rows
    ]
    lines = [f"Open absences: {len(rows)}."]
    for r in rows:
        today = "followed up today" if r.followed_up_today else "NOT FOLLOWED UP TODAY"
        lines.append(
            f"  {r.person_id} {mask_name(r.name)} {r.class_name} {r.reason} "
            f"{','.join(r.symptoms) or '-'} since {_local(rt, r.started_at)}; {today}"
            f"{' (' + r.last_status + ')' if r.last_status else ''}"
        )
    return _print(args, data, "\n".join(lines))


# -- watch -------------------------------------------------------------------------------------


def cmd_watch_add(args: argparse.Namespace) -> int:
    rt = open_runtime(args.config)
    actor = cli_actor(rt)
    with rt.db.write() as session:
        w = watch.add_watch(
            session, actor, args.person, args.category, args.contact, note=args.note, clock=rt.clock
        )
        data = {
            "id": w.id,
            "person_id": w.person_id,
            "category": w.category,
            "contact_staff_id": w.contact_staff_id,
        }
    return _print(
        args,
        data,
        f"{w.person_id} is under watch ({w.category}); {w.contact_staff_id} checks daily.",
    )


def cmd_watch_check(args: argparse.Namespace) -> int:
    rt = open_runtime(args.config)
    actor = cli_actor(rt)
    with rt.db.write() as session:
        watch.record_check(session, actor, args.person, args.status, note=args.note, clock=rt.clock)
    return _print(
        args,
        {"person_id": args.person, "status": args.status},
        f"Check of {args.person} recorded: {args.status}.",
    )


def cmd_watch_end(args: argparse.Namespace) -> int:
    rt = open_runtime(args.config)
    actor = cli_actor(rt)
    with rt.db.write() as session:
        ended = watch.end_watch(
            session, actor, args.person, args.reason, category=args.category, clock=rt.clock
        )
    cats = [e.category for e in ended]
    return _print(
        args,
        {"person_id": args.person, "ended": cats},
        f"Watch of {args.person} ended ({', '.join(cats)}).",
    )


def cmd_watch_list(args: argparse.Namespace) -> int:
    rt = open_runtime(args.config)
    with rt.db.read() as session:
        rows = watch.watch_list(session, rt.clock.now(), rt.settings.site.tz)
    if args.unchecked:
        rows = [r for r in rows if not r.checked_today]
    data = [
        {
            "person_id": r.person_id,
            "class": r.class_name,
            "category": r.category,
            "contact_staff_id": r.contact_staff_id,
            "since": _iso(rt, r.since),
            "last_check_at": _iso(rt, r.last_check_at),
            "last_status": r.last_status,
            "checked_today": r.checked_today,
        }
        for r in rows
    ]
    unchecked = sum(1 for r in rows if not r.checked_today)
    lines = [f"Under watch: {len(rows)}, not checked today: {unchecked}."]
    for r in rows:
        state = (
            f"checked {_local(rt, r.last_check_at, '%H:%M')} {r.last_status}"
            if r.checked_today
            else "NOT CHECKED TODAY"
        )
        lines.append(
            f"  {r.person_id} {mask_name(r.name)} {r.class_name or '-'} {r.category} "
            f"contact {r.contact_staff_id or '-'}: {state}"
        )
    return _print(args, data, "\n".join(lines))


# -- rota --------------------------------------------------------------------------------------


def cmd_rota_add(args: argparse.Namespace) -> int:
    rt = open_runtime(args.config)
    actor = cli_actor(rt)
    tz = rt.settings.site.tz
    if args.shift:
        if args.start or args.end:
            raise UserError(N_("Give either --shift or --from and --to, not both."))
        pattern = rota.find_pattern(rt.settings.rota.shifts, args.shift)
        day = args.date or rt.clock.now().astimezone(tz).date()
        start, end = rota.shift_window(day, pattern, tz)
    elif args.start and args.end:
        start, end = args.start, args.end
    else:
        raise UserError(N_("Give the shift's --from and --to, or --shift NAME [--date D]."))
    with rt.db.write() as session:
        shift = rota.add_shift(session, actor, args.staff, start, end, tz=tz, clock=rt.clock)
        data = {
            "id": shift.id,
            "staff_id": shift.staff_id,
            "role": shift.role,
            "from": _iso(rt, shift.starts_at),
            "to": _iso(rt, shift.ends_at),
        }
    return _print(
        args,
        data,
        f"{shift.staff_id} on duty {_local(rt, shift.starts_at)} - {_local(rt, shift.ends_at)}.",
    )


def cmd_rota_show(args: argparse.Namespace) -> int:
    rt = open_runtime(args.config)
    tz = rt.settings.site.tz
    now = rt.clock.now()
    day = args.date or now.astimezone(tz).date()
    with rt.db.read() as session:
        rows = rota.shifts_on(session, day, tz)
        ending = rota.ending_soon(session, now, rt.settings.rota.remind_before_min)
    patterns = [{"name": p.name, "start": p.start, "end": p.end} for p in rt.settings.rota.shifts]
    data = {
        "date": day.isoformat(),
        "shifts_config": patterns,
        "boundaries": [
            t.isoformat() for t in rota.shift_boundaries(day, tz, rt.settings.rota.shifts)
        ],
        "shifts": [
            {
                "id": r.id,
                "staff_id": r.staff_id,
                "name": r.name,
                "role": r.role,
                "from": _iso(rt, r.starts_at),
                "to": _iso(rt, r.ends_at),
                "on_duty_now": r.on_at(now),
                "signed_out_at": _iso(rt, r.signed_out_at),
            }
            for r in rows
        ],
        "shift_ending": [r.staff_id for r in ending],
    }
    lines = [
        f"Rota {day} (shifts: "
        + ", ".join(f"{p['name']} {p['start']}-{p['end']}" for p in patterns)
        + ")"
    ]
    if not rows:
        lines.append("  nobody on the rota this day")
    for r in rows:
        mark = " ON DUTY NOW" if r.on_at(now) else ""
        out = f" (signed out {_local(rt, r.signed_out_at, '%H:%M')})" if r.signed_out_at else ""
        lines.append(
            f"  {_local(rt, r.starts_at)} - {_local(rt, r.ends_at)}  {r.staff_id} {r.name} "
            f"({r.role}){mark}{out}"
        )
    for r in ending:
        minutes = max(0, int((r.ends_at - now) / timedelta(minutes=1)))
        lines.append(f"Reminder: {r.staff_id}'s shift ends in {minutes} min; time to hand over.")
    return _print(args, data, "\n".join(lines))


# -- handover ----------------------------------------------------------------------------------


def _item_dict(item: Any) -> dict[str, Any]:
    return {
        "n": item.n,
        "kind": item.kind,
        "ref": item.ref,
        "text": handover.item_text(item, lambda s: s, "en"),
        "state": item.state,
        "answered_by": item.answered_by,
        "note": item.answer_note,
    }


def _handover_text(rt: Runtime, h: Any, items: list[Any]) -> str:
    pending = sum(1 for i in items if i.state == "pending")
    out = f" {_local(rt, h.signed_out_at)}" if h.signed_out_at else ""
    lines = [
        f"Handover {h.id}: {h.from_staff_id} -> {h.to_staff_id}, started {_local(rt, h.at)}, "
        f"{h.state.replace('_', ' ')}{out}; "
        f"{len(items) - pending}/{len(items)} confirmed or flagged."
    ]
    for i in items:
        mark = {"pending": "[ ]", "confirmed": "[x]", "flagged": "[!]"}[i.state]
        note = f"  -- {i.answer_note}" if i.answer_note else ""
        lines.append(f"  {mark} {i.n:>2}. {handover.item_text(i, lambda s: s, 'en')}{note}")
    return "\n".join(lines)


def _show(args: argparse.Namespace, rt: Runtime, handover_id: int) -> int:
    with rt.db.read() as session:
        h = handover.get(session, handover_id)
        items = handover.items_of(session, handover_id)
    data = {
        "id": h.id,
        "from": h.from_staff_id,
        "to": h.to_staff_id,
        "at": _iso(rt, h.at),
        "state": h.state,
        "signed_out_at": _iso(rt, h.signed_out_at),
        "notes": h.notes,
        "items": [_item_dict(i) for i in items],
    }
    return _print(args, data, _handover_text(rt, h, items))


def cmd_handover(args: argparse.Namespace) -> int:
    """Bare ``handover``: my open handover, or what one would hold now."""
    rt = open_runtime(args.config)
    actor = cli_actor(rt)
    with rt.db.read() as session:
        mine = handover.open_handover(session, actor.staff_id)
        if mine is None:
            ctx = handover.LiveContext(
                rt.clock.now(), rt.settings.site.tz, rt.gate, rt.rules.recheck_within_s
            )
            preview = handover.live_items(session, ctx)
    if mine is not None:
        return _show(args, rt, mine.id)  # type: ignore[arg-type]
    texts = [
        p.text.format(**{k: (v["en"] if isinstance(v, dict) else v) for k, v in p.params.items()})
        for p in preview
    ]
    lines = [
        f"No handover open for {actor.staff_id}. Now it would hold {len(texts)} item(s); "
        "start one with `duty-console handover start --to STAFF`."
    ] + [f"  {n}. {t}" for n, t in enumerate(texts, 1)]
    return _print(args, {"open": None, "preview": texts}, "\n".join(lines))


def cmd_handover_start(args: argparse.Namespace) -> int:
    rt = open_runtime(args.config)
    actor = cli_actor(rt)
    with rt.db.write() as session:
        h = handover.start(
            session,
            actor,
            args.to,
            notes=args.notes,
            tz=rt.settings.site.tz,
            recheck_within_s=rt.rules.recheck_within_s,
            clock=rt.clock,
        )
    return _show(args, rt, h.id)  # type: ignore[arg-type]


def _mine(rt: Runtime, staff_id: str, given: int | None) -> int:
    if given is not None:
        return given
    with rt.db.read() as session:
        h = handover.open_handover(session, staff_id)
    if h is None:
        raise UserError(N_("{id} has no handover open."), id=staff_id)
    return h.id  # type: ignore[return-value]


def cmd_handover_confirm(args: argparse.Namespace) -> int:
    rt = open_runtime(args.config)
    actor = cli_actor(rt)
    handover_id = _mine(rt, actor.staff_id, args.id)
    with rt.db.write() as session:
        for n in args.items:
            handover.answer(
                session, actor, handover_id, n, flag=args.flag, note=args.note, clock=rt.clock
            )
    return _show(args, rt, handover_id)


def cmd_handover_sign_out(args: argparse.Namespace) -> int:
    rt = open_runtime(args.config)
    actor = cli_actor(rt)
    handover_id = _mine(rt, actor.staff_id, args.id)
    with rt.db.write() as session:
        handover.sign_out(session, actor, handover_id, clock=rt.clock)
    return _show(args, rt, handover_id)


def cmd_handover_show(args: argparse.Namespace) -> int:
    rt = open_runtime(args.config)
    return _show(args, rt, args.id)


def cmd_handover_list(args: argparse.Namespace) -> int:
    rt = open_runtime(args.config)
    with rt.db.read() as session:
        found = handover.search(session, args.search or "")
    data = [
        {
            "id": h.id,
            "from": h.from_staff_id,
            "to": h.to_staff_id,
            "at": _iso(rt, h.at),
            "state": h.state,
            "signed_out_at": _iso(rt, h.signed_out_at),
            "notes": h.notes,
        }
        for h in found
    ]
    lines = [f"Handovers: {len(found)}."] + [
        f"  {h.id:>4} {_local(rt, h.at)} {h.from_staff_id} -> {h.to_staff_id} "
        f"{h.state.replace('_', ' ')}  {h.notes[:50]}"
        for h in found
    ]
    return _print(args, data, "\n".join(lines))


# -- registration ------------------------------------------------------------------------------


def register(add: Add, sub: Any, common: argparse.ArgumentParser) -> None:
    def group(name: str, help_: str) -> Any:
        parser = sub.add_parser(name, parents=[common], help=help_, description=help_)
        return parser.add_subparsers(title="action", metavar="ACTION", required=True)

    def leaf(
        g: Any, name: str, handler: Callable[[argparse.Namespace], int], help_: str
    ) -> argparse.ArgumentParser:
        p: argparse.ArgumentParser = g.add_parser(
            name, parents=[common], help=help_, description=help_
        )
        p.set_defaults(handler=handler)
        _fmt(p)
        return p

    check = group("check", "class checks (晨午检)")
    p = leaf(check, "record", cmd_check_record, "record a class's morning or noon check")
    p.add_argument("class_name", metavar="CLASS")
    p.add_argument("--session", choices=checks.SESSIONS, help="else the current session")
    p.add_argument("--present", type=_count, required=True, metavar="N")
    p.add_argument("--absent", type=_count, required=True, metavar="N")
    p.add_argument(
        "--sick", type=_count, default=0, metavar="N", help="of the absent, through illness"
    )
    p.add_argument("--symptoms", type=_count, default=0, metavar="N", help="present with symptoms")
    p.add_argument(
        "--person",
        action="append",
        default=[],
        metavar="ID",
        help="a student with symptoms (repeat); each is put under watch for follow-up",
    )
    p.add_argument("--date", type=date_arg, metavar="D")
    p.add_argument("--note", default="")
    p = leaf(
        check, "list", cmd_check_list, "every class's check this session; who has not reported"
    )
    p.add_argument("--session", choices=checks.SESSIONS)
    p.add_argument("--date", type=date_arg, metavar="D")
    p = leaf(check, "import", cmd_check_import, "load class checks from a CSV file")
    p.add_argument("file", metavar="FILE.csv", type=Path)
    p.add_argument("--date", type=date_arg, metavar="D", help="for rows with no date column")

    absence = group("absence", "illness absence follow-up (因病缺勤追访)")
    p = leaf(absence, "add", cmd_absence_add, "record an absence to follow up")
    p.add_argument("person", metavar="PERSON")
    p.add_argument("--reason", choices=absences.REASONS, required=True)
    p.add_argument(
        "--symptoms", metavar="LIST", help="comma-separated: " + ",".join(absences.SYMPTOMS)
    )
    p.add_argument("--note", default="")
    p = leaf(absence, "follow", cmd_absence_follow, "today's follow-up of an absence")
    p.add_argument("person", metavar="PERSON")
    p.add_argument("--status", choices=list(absences.FOLLOW_UP_STATUSES), required=True)
    p.add_argument("--no-call", action="store_true", help="the family was not called")
    p.add_argument("--note", default="")
    p = leaf(absence, "return", cmd_absence_return, "back at school (illness: doctor, 复课证明)")
    p.add_argument("person", metavar="PERSON")
    p.add_argument("--certificate", metavar="REF", help="the fit-to-return note's reference")
    p.add_argument("--note", default="")
    leaf(absence, "list", cmd_absence_list, "open absences and today's follow-up")

    w = group("watch", "people under daily watch (重点人群)")
    p = leaf(w, "add", cmd_watch_add, "put a person under daily watch")
    p.add_argument("person", metavar="PERSON")
    p.add_argument("--category", required=True, metavar="C")
    p.add_argument("--contact", required=True, metavar="STAFF")
    p.add_argument("--note", default="")
    p = leaf(w, "check", cmd_watch_check, "today's check of a person under watch")
    p.add_argument("person", metavar="PERSON")
    p.add_argument("--status", choices=watch.CHECK_STATUSES, required=True)
    p.add_argument("--note", default="")
    p = leaf(w, "end", cmd_watch_end, "end a watch, with the reason")
    p.add_argument("person", metavar="PERSON")
    p.add_argument("--reason", required=True)
    p.add_argument("--category", metavar="C", help="only this category")
    p = leaf(w, "list", cmd_watch_list, "everyone under watch; who is not checked today")
    p.add_argument("--unchecked", action="store_true", help="only those not checked today")

    r = group("rota", "the duty rota")
    p = leaf(r, "add", cmd_rota_add, "put a staff member on a shift")
    p.add_argument("--staff", required=True, metavar="ID")
    p.add_argument("--from", dest="start", type=datetime_arg, metavar="T")
    p.add_argument("--to", dest="end", type=datetime_arg, metavar="T")
    p.add_argument("--shift", metavar="NAME", help="a shift of [rota] shifts (day, night)")
    p.add_argument("--date", type=date_arg, metavar="D", help="the day --shift starts (else today)")
    p = leaf(r, "show", cmd_rota_show, "who is on duty, shift by shift")
    p.add_argument("--date", type=date_arg, metavar="D")

    p = add("handover", cmd_handover, "the shift handover: my open one, or what it would hold")
    _fmt(p)
    h = p.add_subparsers(title="action", metavar="ACTION")
    p = leaf(h, "start", cmd_handover_start, "hand over to the next person (built from live state)")
    p.add_argument("--to", required=True, metavar="STAFF")
    p.add_argument("--notes", default="", metavar="T")
    p = leaf(
        h, "confirm", cmd_handover_confirm, "confirm (or --flag) items, as the incoming person"
    )
    p.add_argument("items", type=int, nargs="+", metavar="N")
    p.add_argument("--flag", action="store_true", help="flag instead of confirming (say why)")
    p.add_argument("--note", default="")
    p.add_argument("--id", type=int, metavar="H", help="the handover (else my open one)")
    p = leaf(h, "sign-out", cmd_handover_sign_out, "sign out once every item is answered")
    p.add_argument("--id", type=int, metavar="H")
    p = leaf(h, "show", cmd_handover_show, "one handover and its items")
    p.add_argument("id", type=int, metavar="H")
    p = leaf(h, "list", cmd_handover_list, "past handovers, newest first")
    p.add_argument("--search", metavar="TEXT", help="a staff id, a person id, words of the notes")
