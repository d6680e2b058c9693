"""Summarise py-spy's collapsed stacks (``-f raw``): samples per thread, and the functions with
the largest inclusive share of one thread's samples. Used by ``ingest.py --profile``.

Run: `.venv/bin/python bench/profile_summary.py STACKS.txt [THREAD-PREFIX] [TOP]`.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

_FRAME = re.compile(r"^(?P<func>[^ ]+) \((?P<file>[^:]+)(?::\d+)?\)$")


def _name(frame: str) -> str:
    m = _FRAME.match(frame.strip())
    if not m:
        return frame.strip()
    file = m["file"]
    for marker in ("site-packages/", "wt-bench/", "python3.11/"):
        if marker in file:
            file = file.split(marker, 1)[1]
    return f"{m['func']} ({file})"


def summarise(path: Path, thread: str = "", top: int = 25) -> str:
    threads: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        n = int(count)
        frames = stack.split(";")
        head = frames[0]
        threads[head] += n
        if thread and thread not in head:
            continue
        total += n
        names = [_name(f) for f in frames[1:]]
        for name in set(names):
            inclusive[name] += n
        if names:
            own[names[-1]] += n
    out = ["samples by thread:"]
    out += [f"  {n:6d}  {t}" for t, n in threads.most_common(12)]
    out.append(f"{thread or 'all threads'}: {total} samples; inclusive share, then own share")
    for name, n in inclusive.most_common(top):
        out.append(
            f"  {100 * n / max(total, 1):5.1f}%  {100 * own[name] / max(total, 1):5.1f}%  {name}"
        )
    return "\n".join(out)


if __name__ == "__main__":
    args = sys.argv[1:]
    print(
        summarise(
            Path(args[0]), args[1] if len(args) > 1 else "", int(args[2]) if len(args) > 2 else 25
        )
    )
