"""`make bench`: every benchmark, with progress, then the table (printed, and written into
bench/README.md between its markers). Self-contained: it makes its own databases, ptys and
PostgreSQL server in temporary folders. About 10-15 minutes on a quiet 2-core machine;
`--quick` (smaller data, one repeat) in about 4.

Run: `.venv/bin/python bench/run.py [--quick] [--only ingest,history,...] [--no-readme]`.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import gates_pg
import history
import ingest
import latency
import terminal
from common import ROOT, Results, load, machine

from duty_console.progress import Progress

README = ROOT / "bench" / "README.md"
BEGIN, END = "<!-- bench table: begin -->", "<!-- bench table: end -->"
PARTS = ("ingest", "history", "latency", "terminal", "gates")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller data, one repeat")
    parser.add_argument("--only", help=f"a comma-separated subset of {','.join(PARTS)}")
    parser.add_argument("--no-readme", action="store_true", help="do not rewrite the table")
    args = parser.parse_args()
    parts = [p for p in (args.only.split(",") if args.only else PARTS) if p]
    unknown = set(parts) - set(PARTS)
    if unknown:
        parser.error(f"unknown part(s): {', '.join(sorted(unknown))}")
    repeat = 1 if args.quick else 3
    results = Results()
    started = time.perf_counter()
    load_before = load()
    bar = Progress("bench", len(parts))
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        folder = Path(tmp)
        for n, part in enumerate(parts):
            bar.update(n)
            print(f"\n== {part} (load {load()})", flush=True)
            sub = folder / part
            sub.mkdir()
            t = time.perf_counter()
            try:
                if part == "ingest":
                    ingest.run(results, sub, quick=args.quick, repeat=repeat)
                elif part == "history":
                    hbar = Progress("  generating entries", 500_000 if args.quick else 5_000_000)
                    history.run(results, sub, quick=args.quick, bar=hbar.update)
                    hbar.close()
                elif part == "latency":
                    latency.run(results, sub, quick=args.quick)
                elif part == "terminal":
                    terminal.run(results, sub, quick=args.quick, repeat=repeat)
                elif part == "gates":
                    gates_pg.run(results, sub, quick=args.quick)
            except Exception as exc:  # one part failing still gives the others' figures
                results.add(part, "FAILED", f"{type(exc).__name__}: {exc}"[:120], ok=False)
            print(f"   ({part}: {time.perf_counter() - t:.0f} s)", flush=True)
        bar.update(len(parts))
        bar.close()
    took = time.perf_counter() - started
    header = (
        f"Taken {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine()}; load average "
        f"(1/5 min) {load_before} before, {load()} after; {took / 60:.1f} min"
        f"{' (--quick)' if args.quick else ''}."
    )
    table = results.table()
    print("\n" + header + "\n\n" + table)
    if not args.no_readme and README.exists():
        text = README.read_text(encoding="utf-8")
        block = f"{BEGIN}\n{header}\n\n{table}\n{END}"
        if BEGIN in text and END in text:
            text = re.sub(
                re.escape(BEGIN) + ".*?" + re.escape(END), lambda _: block, text, flags=re.S
            )
        else:
            text += "\n" + block + "\n"
        README.write_text(text, encoding="utf-8")
        print(f"\n(table written to {README.relative_to(ROOT)})")
    return 1 if any(r.ok is False and r.what == "FAILED" for r in results.rows) else 0


if __name__ == "__main__":
    sys.exit(main())
