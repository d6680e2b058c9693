"""Make a large test database: the defaults, the sample roster and N entries over many days.

Run: `.venv/bin/python bench/make_big_db.py PATH [N] [--gates north,east]`. Shows a progress bar.
Entries are inserted with Core in chunks, spread over the past N/2000 days, a few percent
fevers with their rechecks, some invalid and refused, about a third unidentified.
"""

from __future__ import annotations

import argparse
import random
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from duty_console.db.models import Entry, Person
from duty_console.progress import Progress
from tests.conftest import build_database

CHUNK = 20_000


def make(path: Path, n: int, gates: list[str], seed: int = 2026) -> None:
    if path.exists():
        raise SystemExit(f"{path} exists; choose a new path.")
    db = build_database(path)
    rng = random.Random(seed)
    with db.read() as session:
        people = list(session.execute(select(Person.person_id)).scalars())
    table = Entry.__table__  # type: ignore[attr-defined]
    start = datetime.now(UTC) - timedelta(days=max(1, n // 2000))
    step = (datetime.now(UTC) - start) / n
    bar = Progress(f"writing {n:,} entries", n)
    done = 0
    while done < n:
        rows = []
        for i in range(done, min(n, done + CHUNK)):
            roll = rng.random()
            status, temp = "normal", round(rng.uniform(36.0, 37.1), 1)
            if roll < 0.03:
                status, temp = "fever", round(rng.uniform(37.3, 38.8), 1)
            elif roll < 0.04:
                status, temp = "invalid", round(rng.uniform(25.0, 31.0), 1)
            elif roll < 0.045:
                status, temp = "denied", None
            gate = gates[i % len(gates)]
            rows.append(
                {
                    "at": start + step * i,
                    "gate": gate,
                    "device": f"{gate}-ir-1",
                    "person_id": rng.choice(people) if rng.random() < 0.66 else None,
                    "temp_c": temp,
                    "mode": "ir",
                    "kind": "body",
                    "status": status,
                    "reason": "",
                    "note": "",
                    "created_at": start + step * i,
                    "created_by": f"engine:{gate}",
                }
            )
        with db.write() as session:
            session.execute(insert(table), rows)
        done += len(rows)
        bar.update(done)
    bar.close()
    db.dispose()
    print(f"{path}: {n:,} entries at gates {', '.join(gates)}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("path", type=Path)
    parser.add_argument("n", type=int, nargs="?", default=1_000_000)
    parser.add_argument("--gates", default="north,east")
    args = parser.parse_args()
    make(args.path, args.n, args.gates.split(","))
