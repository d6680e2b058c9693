"""One console's part of a busy shift, as a process: ``python -m tests.reliability.shift``.

It does what its staff member does at a console (typed readings, disinfections, airings,
incident notes, class checks, a handover) through the same services the screens call, each in
its own ``db.write()`` as a form does, at an accelerated human pace; and counts what it did. A
refusal by the rules (a ``UserError``) is the rules working; anything else the database
answers is a failure, and "database is locked" is counted on its own: it must never happen.
Prints one JSON line: {"done": {kind: n}, "refused": n, "failed": n, "locked": n, "errors": []}.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import date

from sqlmodel import Session, col, select

from duty_console.db.connect import Database
from duty_console.db.models import Incident
from duty_console.domain import checks, entries, handover, incidents, timers, walkthrough
from duty_console.domain import staff as staff_service
from duty_console.domain.screening import Mode, Rules
from duty_console.domain.timers import Schedule
from duty_console.errors import UserError
from tests.conftest import AUDIT_KEY

TAG = "shift"
CLASSES = ["七年级1班", "七年级2班", "八年级1班", "八年级2班"]
PEOPLE = [f"S10{n:02d}" for n in range(1, 30)]
AREAS = ["C7-1", "C7-2", "C8-1", "LIB", "CAN", "WC-1F"]
SCHED = Schedule()


def tag(who: str, n: int) -> str:
    return f"{TAG}:{who}:{n}"


def actions(who: str, rng: random.Random) -> list[tuple[str, Callable[[Session, int], object]]]:
    """The staff member's routine: (kind, write) pairs, chosen at random, weighted by repeats."""
    rules = Rules()

    def reading(session: Session, n: int) -> object:
        temp = rng.choice([36.4, 36.6, 36.8, 37.0, 37.6])
        actor = _actor(session, who)
        return entries.record_manual_reading(
            session,
            actor,
            rules,
            temp_c=temp,
            person_id=rng.choice(PEOPLE),
            mode=Mode.CONTACT,
            note=tag(who, n),
        )

    def disinfection(session: Session, n: int) -> object:
        return timers.record_disinfection(
            session,
            _actor(session, who),
            rng.choice(AREAS),
            concentration="500",
            note=tag(who, n),
            sched=SCHED,
        )

    def airing(session: Session, n: int) -> object:
        area = {"T001": "C7-3", "T005": "C7-4"}.get(who, "C8-2")
        actor = _actor(session, who)
        if timers.open_session(session, area) is None:
            return timers.start_ventilation(session, actor, area, note=tag(who, n), sched=SCHED)
        return timers.stop_ventilation(session, actor, area, sched=SCHED)

    def incident_note(session: Session, n: int) -> object:
        actor = _actor(session, who)
        drill = session.exec(
            select(Incident).where(col(Incident.drill).is_(True), Incident.state == "open")
        ).first()
        if drill is None or rng.random() < 0.05:
            drill = incidents.open_incident(session, actor, "fever-at-gate", drill=True)
        assert drill.id is not None
        return walkthrough.add_note(session, actor, drill.id, tag(who, n))

    def check(session: Session, n: int) -> object:
        return checks.record_check(
            session,
            _actor(session, who),
            rng.choice(CLASSES),
            rng.choice(["morning", "noon"]),
            present=30,
            absent=rng.randint(0, 2),
            day=date.today(),
            note=tag(who, n),
        )

    routine = {
        "T001": [("reading", reading)] * 4 + [("airing", airing), ("check", check)],
        "T005": [("reading", reading)] * 4 + [("airing", airing), ("disinfection", disinfection)],
        "T002": [("disinfection", disinfection)] * 2 + [("incident_note", incident_note)],
        "T003": [("incident_note", incident_note)] * 2 + [("reading", reading)],
        "T004": [("check", check), ("disinfection", disinfection), ("reading", reading)],
    }
    return routine[who]


_ACTORS: dict[str, object] = {}


def _actor(session: Session, who: str):  # type: ignore[no-untyped-def]
    if who not in _ACTORS:
        _ACTORS[who] = staff_service.actor_for(staff_service.get(session, who), "north", "ssh")
    return _ACTORS[who]


def run(url: str, who: str, seconds: float, seed: int, gap_s: float, hand_to: str) -> dict:
    db = Database(url, audit_key=AUDIT_KEY)
    rng = random.Random(seed)
    routine = actions(who, rng)
    done: Counter[str] = Counter()
    result = {"refused": 0, "failed": 0, "locked": 0, "errors": []}
    n = 0
    deadline = time.monotonic() + seconds

    def attempt(kind: str, write: Callable[[Session, int], object]) -> None:
        nonlocal n
        n += 1
        try:
            with db.write() as session:
                write(session, n)
        except UserError:
            result["refused"] += 1
        except Exception as exc:
            text = str(exc)
            result["failed"] += 1
            result["locked"] += "database is locked" in text
            if len(result["errors"]) < 5:
                result["errors"].append(text.splitlines()[0][:200])
        else:
            done[kind] += 1

    while time.monotonic() < deadline:
        attempt(*rng.choice(routine))
        # The staff member also looks: the live state, as every console re-reads it.
        with db.read() as session:
            walkthrough.list_incidents(session)
        time.sleep(rng.uniform(0, 2 * gap_s))
    if hand_to:

        def hand_over(session: Session, n: int) -> object:
            return handover.start(
                session, _actor(session, who), hand_to, notes=tag(who, n), tz=SCHED.tz
            )

        attempt("handover", hand_over)
    db.dispose()
    return {"who": who, "done": dict(done), **result}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--url", required=True)
    p.add_argument("--who", required=True)
    p.add_argument("--seconds", type=float, default=20.0)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--gap", type=float, default=0.05)
    p.add_argument("--hand-to", default="")
    args = p.parse_args(argv)
    out = run(args.url, args.who, args.seconds, args.seed, args.gap, args.hand_to)
    print(json.dumps(out, ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
