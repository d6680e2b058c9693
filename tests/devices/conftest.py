"""Helpers for the device tests: feeding parsers, and real pseudo-terminals."""

from __future__ import annotations

import os
import select
import tty
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime

import pytest

from devices.frames import BadFrame, Frame
from devices.profile import load_profile
from devices.protocols import get_protocol
from devices.protocols.base import Protocol

AT = datetime(2024, 3, 1, 7, 30, tzinfo=UTC)


def parser(profile_name: str, device: str = "gate-1", **overrides: object) -> Protocol:
    """A parser for ``profile_name`` with the profile's options (and ``overrides``)."""
    profile = load_profile(profile_name, overrides)
    return get_protocol(profile.protocol)(device, profile.options)


def feed_all(
    proto: Protocol, chunks: Iterable[bytes], start: float = 100.0, step: float = 0.5
) -> list[Frame]:
    """Feed ``chunks`` one after another, ``step`` seconds of mono time apart."""
    out: list[Frame] = []
    mono = start
    for chunk in chunks:
        out.extend(proto.feed(chunk, mono, AT))
        mono += step
    return out


def good(frames: Iterable[Frame]) -> list[Frame]:
    """The frames that are not BadFrames."""
    return [f for f in frames if not isinstance(f, BadFrame)]


def bad(frames: Iterable[Frame]) -> list[BadFrame]:
    return [f for f in frames if isinstance(f, BadFrame)]


def read_master(fd: int, want: int, timeout: float = 2.0) -> bytes:
    """Read ``want`` bytes from a pty master (what the program under test wrote)."""
    got = b""
    while len(got) < want:
        ready, _, _ = select.select([fd], [], [], timeout)
        if not ready:
            break
        got += os.read(fd, want - len(got))
    return got


class Pty:
    """A real pseudo-terminal; the test plays the device on the master side."""

    def __init__(self) -> None:
        self.master, slave = os.openpty()
        tty.setraw(slave)
        self.path = os.ttyname(slave)
        os.close(slave)
        self.closed = False

    def write(self, data: bytes) -> None:
        os.write(self.master, data)

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            os.close(self.master)


@pytest.fixture
def pty_pair() -> Iterator[Pty]:
    p = Pty()
    yield p
    p.close()
