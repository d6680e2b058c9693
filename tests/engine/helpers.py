"""Real device frames, written by the spec (DESIGN §3.8), and a pty device for engine tests."""

from __future__ import annotations

import contextlib
import os
import time
import tty
from collections.abc import Callable
from pathlib import Path

from sqlmodel import col, select

from duty_console.db.connect import Database
from duty_console.db.models import Entry


def mlx_line(obj_c: float, ambient_c: float = 24.5) -> bytes:
    """One MLX sketch measurement: °C line, the same in °F, and a blank line."""
    f_obj, f_amb = obj_c * 9 / 5 + 32, ambient_c * 9 / 5 + 32
    return (
        f"Ambient = {ambient_c:.2f}*C\tObject = {obj_c:.2f}*C\r\n"
        f"Ambient = {f_amb:.2f}*F\tObject = {f_obj:.2f}*F\r\n\r\n"
    ).encode()


def rdm6300_frame(card_number: int, version: int = 0x01) -> bytes:
    data = bytes([version]) + card_number.to_bytes(4, "big")
    checksum = 0
    for b in data:
        checksum ^= b
    return b"\x02" + data.hex().upper().encode() + f"{checksum:02X}".encode() + b"\x03"


class PtyDevice:
    """A device on a pseudo-terminal: the engine opens ``path``; the test writes to the master."""

    def __init__(self, link: Path) -> None:
        self.link = link
        self.master, slave = os.openpty()
        tty.setraw(slave)
        self.slave_name = os.ttyname(slave)
        os.close(slave)
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to(self.slave_name)

    def write(self, data: bytes) -> None:
        os.write(self.master, data)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            os.close(self.master)


def wait_for(predicate: Callable[[], bool], timeout: float = 10.0, step: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


def entries(db: Database) -> list[Entry]:
    with db.read() as session:
        return list(session.exec(select(Entry).order_by(col(Entry.id))))
