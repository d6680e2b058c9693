"""Thermometer calibration checks (README, Deployment):

``device calibrate DEVICE --reference contact|blackbody --reference-c T --device-c T [--note N]``
· ``device calibrations [--device DEVICE] [--format text|json]``
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from sqlmodel import select

from duty_console.db.models import Device
from duty_console.domain import calibration
from duty_console.runtime import Runtime, cli_actor, open_runtime


def thermometers(rt: Runtime) -> list[str]:
    """This gate's configured thermometers, and those other gates' engines registered."""
    names = {d.name for d in rt.settings.devices if d.role == "thermometer"}
    with rt.db.read() as session:
        names |= set(session.exec(select(Device.name).where(Device.role == "thermometer")))
    return sorted(names)


def cmd_calibrate(args: argparse.Namespace) -> int:
    rt = open_runtime(args.config)
    actor = cli_actor(rt)
    with rt.db.write() as session:
        row = calibration.record(
            session,
            actor,
            args.device,
            reference=args.reference,
            reference_c=args.reference_c,
            device_c=args.device_c,
            known_devices=thermometers(rt),
            now=rt.clock.now(),
            note=args.note or "",
        )
        record = _as_dict(row, rt)
    if args.format == "json":
        print(json.dumps(record, ensure_ascii=False, indent=2))
        return 0
    print(
        f"{row.device}: read {row.device_c:.1f} against a {row.reference} reference of "
        f"{row.reference_c:.1f}; offset {row.offset_c:+.2f} °C in force from now on "
        "(the running engine takes it within 10 s)."
    )
    return 0


def _as_dict(row: Any, rt: Runtime) -> dict[str, Any]:
    return {
        "device": row.device,
        "at": row.at.astimezone(rt.settings.site.tz).isoformat(),
        "reference": row.reference,
        "reference_c": row.reference_c,
        "device_c": row.device_c,
        "offset_c": row.offset_c,
        "by": row.created_by,
        "gate": row.gate,
        "note": row.note,
    }


def cmd_calibrations(args: argparse.Namespace) -> int:
    rt = open_runtime(args.config)
    now = rt.clock.now()
    with rt.db.read() as session:
        rows = [_as_dict(r, rt) for r in calibration.history(session, args.device)]
        names = [args.device] if args.device else thermometers(rt)
        late = calibration.unchecked(session, names, now, rt.settings.calibration.every_days)
    if args.format == "json":
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    for r in rows:
        print(
            f"{r['at'][:16]}  {r['device']:<16} {r['reference']:<9} ref {r['reference_c']:.1f}  "
            f"read {r['device_c']:.1f}  offset {r['offset_c']:+.2f}  by {r['by']} "
            f"(gate {r['gate']}) {r['note']}".rstrip()
        )
    if not rows:
        print("No calibration recorded yet: the config's offset_c applies.")
    every = rt.settings.calibration.every_days
    for u in late:
        when = "never checked" if u.last_at is None else f"last checked {u.days(now)} days ago"
        print(f"Due: {u.device} ({when}; [calibration] every_days = {every}).")
    return 0


def register(add: Any, sub: Any, common: argparse.ArgumentParser) -> None:
    device = sub.add_parser("device", parents=[common], help="thermometer calibration checks")
    device_sub = device.add_subparsers(title="action", metavar="ACTION", required=True)
    p = device_sub.add_parser(
        "calibrate",
        parents=[common],
        help="record a check of a thermometer against a reference; its offset applies from now",
    )
    p.set_defaults(handler=cmd_calibrate)
    p.add_argument("device", metavar="DEVICE", help="the thermometer's name in [[devices]]")
    p.add_argument(
        "--reference",
        required=True,
        choices=list(calibration.REFERENCES),
        help="contact: an axillary/oral reading of the same person; blackbody: a reference source",
    )
    p.add_argument(
        "--reference-c", required=True, type=float, metavar="T", help="the reference's °C"
    )
    p.add_argument(
        "--device-c",
        required=True,
        type=float,
        metavar="T",
        help="what the device read (its raw reading: shown without an offset)",
    )
    p.add_argument("--note", metavar="N")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p = device_sub.add_parser(
        "calibrations", parents=[common], help="every calibration check, newest first"
    )
    p.set_defaults(handler=cmd_calibrations)
    p.add_argument("--device", metavar="DEVICE")
    p.add_argument("--format", choices=["text", "json"], default="text")
