"""How fast the engine's writer commits readings into a real SQLite file.

Feeds N thermometer frames (frame trigger, every third one paired with a card of the sample
roster) straight into the Writer's queue, as the device threads would, and times until every
entry is committed. Run: `.venv/bin/python bench/bench_ingest.py [N]`.
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select

from devices.frames import CardRead, Reading
from devices.profile import load_profile
from duty_console.db.models import Entry, Person
from duty_console.domain.screening import Rules
from duty_console.engine.ingest import DeviceState, Writer, register_devices
from duty_console.progress import Progress

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.conftest import build_database


def main(n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = build_database(Path(tmp) / "bench.db")
        with db.read() as session:
            cards = [c for c in session.execute(select(Person.card_id)).scalars() if c][:300]
        states = {
            "ir": DeviceState(
                "ir", "thermometer", load_profile("mlx90614-ascii", {"trigger": "frame"}), "pty"
            ),
            "card": DeviceState("card", "id-reader", load_profile("rdm6300"), "pty"),
        }
        register_devices(db, "north", states, _Clock())
        writer = Writer(db, "north", Rules(), states)
        writer.start()
        bar = Progress(f"ingesting {n} readings", n)
        start = time.perf_counter()
        mono = 0.0
        for i in range(n):
            now = datetime.now(UTC)
            mono += 0.001
            if i % 3 == 0:
                writer.submit(CardRead("card", now, mono, cards[i % len(cards)], b""))
            temp = 36.0 + (i % 9) / 10
            writer.submit(Reading("ir", now, mono, temp, "body", 24.5, b""))
            if i % 1000 == 0:
                bar.update(i)
        writer.stop(timeout=600)
        elapsed = time.perf_counter() - start
        bar.close()
        with db.read() as session:
            count = session.execute(select(func.count()).select_from(Entry)).scalar_one()
        print(f"entries committed: {count} of {n}")
        print(f"groups (transactions): {writer.stats.batches}")
        print(f"elapsed: {elapsed:.2f} s -> {count / elapsed:,.0f} entries/s")
        db.dispose()


class _Clock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20_000)
