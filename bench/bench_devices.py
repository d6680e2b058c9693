"""How fast the device layer parses frames, and how long a frame takes from the wire to the engine.

1. Parser throughput per profile: a stream of simulated frames (with 5 % line noise) fed in
   64-byte reads, as a USB serial adapter delivers them. A gate needs ~30 frames/s at most.
2. Wire-to-sink latency: frames written to a real pty master, timed until the PortReader's sink
   receives the Reading (median and 99th percentile).

Run: `.venv/bin/python bench/bench_devices.py [FRAMES]`.

Last figures (this container, Python 3.11, 20 000 frames): 80 000–360 000 frames/s per profile
(Modbus slowest, its CRC is computed in Python); pty latency median 0.11 ms, p99 0.18 ms.
"""

from __future__ import annotations

import os
import queue
import random
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from devices.frames import DeviceEvent, DeviceStatus, Reading
from devices.profile import load_profile
from devices.protocols import get_protocol
from devices.simulator import encode_card, encode_garbage, encode_reading, open_pty
from devices.transport import PortReader

PROFILES = [
    "mlx90614-ascii",
    "gy-mcu90614",
    "lu90614",
    "idc50",
    "modbus-ir",
    "rdm6300",
    "barcode-line",
]


def stream(name: str, n: int, rng: random.Random) -> bytes:
    role = load_profile(name).role
    parts = []
    for i in range(n):
        if rng.random() < 0.05:
            parts.append(encode_garbage(rng, name))
        if role == "thermometer":
            parts.append(encode_reading(name, round(rng.uniform(35.5, 38.5), 1)))
        else:
            parts.append(encode_card(name, str(100000 + i)))
    return b"".join(parts)


def throughput(name: str, n: int) -> tuple[float, float]:
    reader = load_profile(name).role == "id-reader"
    profile = load_profile(name, {"debounce_s": 0.0} if reader else None)
    proto = get_protocol(profile.protocol)("bench", profile.options)
    data = stream(name, n, random.Random(1))
    at = datetime.now(UTC)
    start = time.perf_counter()
    for i in range(0, len(data), 64):
        proto.feed(data[i : i + 64], float(i), at)
    elapsed = time.perf_counter() - start
    return n / elapsed, len(data) / elapsed / 1e6


def latency(n: int) -> tuple[float, float]:
    master, path = open_pty()
    events: queue.Queue[DeviceEvent] = queue.Queue()
    reader = PortReader("bench", path, load_profile("gy-mcu90614"), events.put)
    reader.start()
    while not isinstance(events.get(timeout=5), DeviceStatus):
        pass
    samples = []
    try:
        for i in range(n):
            frame = encode_reading("gy-mcu90614", 36.0 + (i % 10) / 10)
            sent = time.monotonic()
            os.write(master, frame)
            while not isinstance(event := events.get(timeout=5), Reading):
                pass
            samples.append(event.mono - sent)
            time.sleep(0.002)
    finally:
        reader.stop()
        reader.join(2)
        os.close(master)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.99) - 1]


def main(n: int) -> None:
    print(f"parser throughput ({n} frames, 5 % noise, 64-byte reads)")
    for name in PROFILES:
        fps, mbs = throughput(name, n)
        print(f"  {name:16} {fps:>10,.0f} frames/s  {mbs:6.2f} MB/s")
    median, p99 = latency(min(n, 300))
    print(f"wire-to-sink latency over a pty: median {median * 1e3:.2f} ms, p99 {p99 * 1e3:.2f} ms")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20000)
