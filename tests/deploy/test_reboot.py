"""The PC rebooted at 3 a.m. without the engine releasing its lease (a power cut): the lease row
names a pid that, after the boot, belongs to some other process (or to the new engine itself).
The new engine must take over at once instead of being refused for ever."""

from __future__ import annotations

import os
import socket

import pytest

from duty_console.db.connect import Database
from duty_console.db.models import EngineLease
from duty_console.domain.clock import SYSTEM_CLOCK
from duty_console.domain.health import boot_id
from duty_console.engine.lease import Lease, LeaseHeld

pytestmark = pytest.mark.skipif(boot_id() == "", reason="no boot id on this system")


def left_behind(db: Database, boot: str) -> None:
    """A lease as a live engine on this host left it, its pid now alive (ours)."""
    now = SYSTEM_CLOCK.now()
    holder = f"{socket.gethostname()}:{os.getpid()}:0ldnonce:{boot}"
    with db.write() as session:
        session.add(EngineLease(gate="north", holder=holder, started_at=now, heartbeat_at=now))


def test_a_lease_from_the_previous_boot_is_taken_over_at_once(db: Database) -> None:
    left_behind(db, "00000000" if boot_id() != "00000000" else "11111111")
    lease = Lease(db, "north")
    lease.acquire()
    assert lease.held and lease.holder.endswith(":" + boot_id())


def test_a_lease_from_this_boot_with_a_live_pid_is_still_refused(db: Database) -> None:
    left_behind(db, boot_id())
    with pytest.raises(LeaseHeld):
        Lease(db, "north").acquire()
