"""Many users: an engine (``serve``, devices on ptys at 5 arrivals/s) and five consoles (each a
process: typed readings, rechecks, disinfections, airings, incident notes, class checks and a
handover, through the services the screens call) on one SQLite file. No "database is locked"
reaches anyone, and every write anyone made is there, once (counted)."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import col, select

from duty_console.db.connect import Database
from duty_console.db.models import (
    AuditRecord,
    DisinfectionRecord,
    Entry,
    Handover,
    IncidentNote,
    Person,
    VentilationSession,
)
from tests.engine.helpers import PtyDevice, mlx_line, rdm6300_frame, wait_for
from tests.reliability.helpers import (
    assert_ingest_matches_entries,
    assert_sound,
    count_entries,
    gate_config,
    lease_holder,
    serve,
)

ROOT = Path(__file__).parents[2]
STAFF = ["T001", "T005", "T002", "T003", "T004"]


class Arrivals(threading.Thread):
    """People at the gate: a card, then the thermometer; about one in ten has a fever."""

    def __init__(self, ir: PtyDevice, card: PtyDevice, cards: list[int], rate_hz: float) -> None:
        super().__init__(daemon=True)
        self.ir, self.card, self.cards, self.gap = ir, card, cards, 1.0 / rate_hz
        self.sent = 0
        self.halt = threading.Event()

    def run(self) -> None:
        while not self.halt.wait(self.gap):
            self.card.write(rdm6300_frame(self.cards[self.sent % len(self.cards)]))
            self.ir.write(mlx_line(38.1 if self.sent % 10 == 3 else 36.6))
            self.sent += 1


def _shift(db: Database, tmp_path: Path, seconds: float) -> None:
    with db.read() as session:
        cards = [int(c) for c in session.exec(select(Person.card_id)) if c and c.isdigit()]
    ir, card = PtyDevice(tmp_path / "ir"), PtyDevice(tmp_path / "card")
    engine = serve(gate_config(tmp_path / "etc", db, ir, card))
    arrivals = Arrivals(ir, card, cards, rate_hz=5.0)
    consoles: list[subprocess.Popen[str]] = []
    try:
        assert wait_for(lambda: lease_holder(db) is not None, timeout=15)
        time.sleep(0.5)
        arrivals.start()
        for i, who in enumerate(STAFF):
            hand_to = "T005" if who == "T001" else ""
            consoles.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "tests.reliability.shift",
                        "--url",
                        db.url,
                        "--who",
                        who,
                        "--seconds",
                        str(seconds),
                        "--seed",
                        str(i),
                        "--hand-to",
                        hand_to,
                    ],
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                    cwd=ROOT,
                )
            )
        reports = []
        for proc in consoles:
            out, err = proc.communicate(timeout=seconds + 120)
            assert proc.returncode == 0, err
            reports.append(json.loads(out.strip().splitlines()[-1]))
        arrivals.halt.set()
        arrivals.join(5)
        assert wait_for(lambda: count_entries(db, "north-ir-1") == arrivals.sent, timeout=30), (
            count_entries(db, "north-ir-1"),
            arrivals.sent,
        )
    finally:
        arrivals.halt.set()
        for proc in consoles:
            if proc.poll() is None:
                proc.kill()
        engine.terminate()
        engine.communicate(timeout=30)
        ir.close()
        card.close()
    assert engine.returncode == 0

    # Nobody saw "database is locked", nothing failed but what the rules refused.
    for r in reports:
        assert r["locked"] == 0 and r["failed"] == 0, r
    done = {r["who"]: r["done"] for r in reports}
    total = sum(sum(d.values()) for d in done.values())
    # Every write is there, once: counted from the rows each kind leaves, tagged by its maker.
    with db.read() as session:

        def tagged(model, column, who: str) -> int:  # type: ignore[no-untyped-def]
            return int(
                session.exec(
                    select(func.count())
                    .select_from(model)
                    .where(col(column).like(f"shift:{who}:%"))
                ).one()
            )

        for who, d in done.items():
            assert tagged(Entry, Entry.note, who) == d.get("reading", 0), who
            assert tagged(DisinfectionRecord, DisinfectionRecord.note, who) == d.get(
                "disinfection", 0
            ), who
            assert tagged(IncidentNote, IncidentNote.text, who) == d.get("incident_note", 0), who
            started = tagged(VentilationSession, VentilationSession.note, who)
            assert started == (d.get("airing", 0) + 1) // 2, who  # start, stop, start, …
            checks = int(
                session.exec(
                    select(func.count())
                    .select_from(AuditRecord)
                    .where(
                        col(AuditRecord.actor).contains(who),
                        col(AuditRecord.action).in_(["check.record", "check.correct"]),
                    )
                ).one()
            )
            assert checks == d.get("check", 0), who
        assert len(session.exec(select(Handover)).all()) == done["T001"].get("handover", 0) == 1
    assert_ingest_matches_entries(db, "north", "north-ir-1")
    assert_sound(db)
    refused = sum(r["refused"] for r in reports)
    print(
        f"\nshift of {seconds:.0f} s: {arrivals.sent} device readings, {total} console writes "
        f"({refused} refused by the rules), 0 locked, 0 lost: "
        + json.dumps(done, ensure_ascii=False)
    )


def test_an_engine_and_five_consoles_lose_nothing(db: Database, tmp_path: Path) -> None:
    _shift(db, tmp_path, seconds=6)


@pytest.mark.slow
def test_a_three_minute_shift_of_an_engine_and_five_consoles(db: Database, tmp_path: Path) -> None:
    _shift(db, tmp_path, seconds=180)
