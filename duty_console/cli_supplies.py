"""``supplies [list]`` and ``supplies move KEY ±N --why T`` (DESIGN §3.9)."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from typing import Any

from duty_console.domain import supplies
from duty_console.runtime import cli_actor, open_runtime


def cmd_supplies_list(args: argparse.Namespace) -> int:
    rt = open_runtime(args.config)
    with rt.db.read() as session:
        rows = [supplies.as_row(s) for s in supplies.all_supplies(session)]
    if args.format == "json":
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    for r in rows:
        flag = "LOW" if r["low"] else ""
        print(
            f"{r['key']:<20} {r['on_hand']:>7} {r['unit']:<6} reorder at {r['reorder_level']:<6} "
            f"{flag:<4} {r['name']} ({r['name_zh']})"
        )
    low = [r["key"] for r in rows if r["low"]]
    print(f"{len(rows)} items; at or below reorder level: {', '.join(low) if low else 'none'}.")
    return 0


def cmd_supplies_move(args: argparse.Namespace) -> int:
    rt = open_runtime(args.config)
    actor = cli_actor(rt)
    with rt.db.write() as session:
        movement = supplies.move(session, actor, args.key, args.delta, args.why, clock=rt.clock)
        supply = supplies.as_row(supplies.get(session, args.key))
    if args.format == "json":
        print(
            json.dumps(
                {**supply, "delta": movement.delta, "why": movement.why, "by": movement.created_by},
                ensure_ascii=False,
            )
        )
        return 0
    low = " (at or below the reorder level: order more)" if supply["low"] else ""
    print(
        f"{supply['name']}: {movement.delta:+d} ({movement.why}); "
        f"{supply['on_hand']} {supply['unit']} on hand{low}."
    )
    return 0


def register(
    add: Callable[..., argparse.ArgumentParser], sub: Any, common: argparse.ArgumentParser
) -> None:
    p = add("supplies", cmd_supplies_list, "supplies on hand against reorder levels; movements")
    p.add_argument("--format", choices=["text", "json"], default="text")
    actions = p.add_subparsers(title="action", metavar="ACTION")
    q = actions.add_parser("list", parents=[common], help="every item, its stock and reorder level")
    q.set_defaults(handler=cmd_supplies_list)
    q.add_argument("--format", choices=["text", "json"], default="text")
    q = actions.add_parser(
        "move", parents=[common], help="add (+N) or take (-N) stock of an item, with the reason"
    )
    q.set_defaults(handler=cmd_supplies_move)
    q.add_argument("key", metavar="KEY", help="the item's key (see `supplies list`)")
    q.add_argument("delta", metavar="±N", type=int, help="+N delivered, -N issued or used")
    q.add_argument("--why", required=True, metavar="T", help="why: delivery, issued to gate, ...")
    q.add_argument("--format", choices=["text", "json"], default="text")
