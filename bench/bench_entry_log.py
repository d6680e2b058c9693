"""How long the entry log's reads take on a large database (what the gate screen does on
every scroll and every change): a page of 50 newest-first at the top, the middle and the end,
for one gate, with and without a status filter, and the counts.

Run: `.venv/bin/python bench/make_big_db.py /tmp/big.db 1000000` once, then
`.venv/bin/python bench/bench_entry_log.py /tmp/big.db`.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from duty_console.db.connect import Database
from duty_console.domain.entries import count_entries, newest_entries


def timed(fn, repeat: int = 7) -> float:  # type: ignore[no-untyped-def]
    samples = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t)
    return statistics.median(samples) * 1000


def main(path: Path) -> None:
    db = Database(f"sqlite:///{path}")
    with db.read() as session:
        total = count_entries(session, gate="north")
        cases = {
            "count (gate)": lambda: count_entries(session, gate="north"),
            "count (gate, fever)": lambda: count_entries(session, gate="north", status="fever"),
            "page at top (gate)": lambda: newest_entries(session, 0, 50, gate="north"),
            "page in the middle (gate)": lambda: newest_entries(
                session, total // 2, 50, gate="north"
            ),
            "page at the end (gate)": lambda: newest_entries(session, total - 50, 50, gate="north"),
            "page at top (gate, fever)": lambda: newest_entries(
                session, 0, 50, gate="north", status="fever"
            ),
            "page at top (all gates)": lambda: newest_entries(session, 0, 50),
        }
        print(f"{path}: {total:,} entries at gate north")
        for name, fn in cases.items():
            print(f"  {name:<28} {timed(fn):8.1f} ms")
    db.dispose()


if __name__ == "__main__":
    main(Path(sys.argv[1]))
