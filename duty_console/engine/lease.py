"""One engine per gate: a lease row with a heartbeat. A dead holder's lease is taken over."""

from __future__ import annotations

import os
import socket
import uuid
from datetime import datetime, timedelta

from sqlalchemy import delete, update
from sqlmodel import col

from duty_console.db.connect import Database
from duty_console.db.models import EngineLease
from duty_console.domain import audit
from duty_console.domain.actors import system_actor
from duty_console.domain.clock import SYSTEM_CLOCK, Clock
from duty_console.domain.health import (
    LEASE_STALE_S,
    boot_id,
    holder_process,
    lease_live,
    server_now,
)
from duty_console.errors import UserError


class LeaseHeld(UserError):
    """Another live engine runs this gate."""


def holder_is_dead(holder: str) -> bool:
    """True when the holder ran on this host and its process is gone (killed, crashed)."""
    return holder_process(holder) is False


def make_holder() -> str:
    """``host:pid:nonce:boot`` (see ``health.holder_process``)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}:{boot_id()}"


class Lease:
    def __init__(self, db: Database, gate: str, *, clock: Clock = SYSTEM_CLOCK) -> None:
        self.db = db
        self.gate = gate
        self.clock = clock
        self.holder = make_holder()
        self.held = False

    def acquire(self) -> None:
        """Take the gate's lease, or raise LeaseHeld naming who has it."""
        actor = system_actor(gate=self.gate, via="engine", name=f"engine:{self.gate}")
        with self.db.write() as session:
            now = server_now(session) or self.clock.now()
            lease = session.get(EngineLease, self.gate)
            if lease is None:
                session.add(
                    EngineLease(
                        gate=self.gate, holder=self.holder, started_at=now, heartbeat_at=now
                    )
                )
                audit.append(session, actor, "engine.start", self.gate, {"holder": self.holder})
            else:
                age = (now - lease.heartbeat_at).total_seconds()
                if lease_live(lease, now) and lease.holder != self.holder:
                    host, pid = [*lease.holder.split(":"), "?", "?"][:2]
                    raise LeaseHeld(
                        f"The engine for gate {self.gate!r} is already running on {host} "
                        f"(pid {pid}, heartbeat {age:.1f} s ago); start a console to attach to "
                        "it, or stop that engine first."
                    )
                previous = lease.holder
                lease.holder, lease.started_at, lease.heartbeat_at = self.holder, now, now
                session.add(lease)
                audit.append(
                    session,
                    actor,
                    "engine.takeover",
                    self.gate,
                    {"holder": self.holder, "previous": previous, "stale_s": round(age, 1)},
                )
        self.held = True

    def heartbeat(self) -> bool:
        """Renew the lease; False when it was taken from us (we must stop)."""
        with self.db.write() as session:
            now = server_now(session) or self.clock.now()
            result = session.execute(
                update(EngineLease)
                .where(col(EngineLease.gate) == self.gate, col(EngineLease.holder) == self.holder)
                .values(heartbeat_at=now)
            )
            self.held = bool(result.rowcount)  # type: ignore[attr-defined]
        return self.held

    def release(self, failure: str = "") -> None:
        """Give the lease up; ``failure``: why the engine stopped on its own (audited)."""
        if not self.held:
            return
        actor = system_actor(gate=self.gate, via="engine", name=f"engine:{self.gate}")
        with self.db.write() as session:
            session.execute(
                delete(EngineLease).where(
                    col(EngineLease.gate) == self.gate, col(EngineLease.holder) == self.holder
                )
            )
            details = {"holder": self.holder, **({"failure": failure} if failure else {})}
            audit.append(session, actor, "engine.stop", self.gate, details)
        self.held = False

    @staticmethod
    def stale_before(now: datetime) -> datetime:
        return now - timedelta(seconds=LEASE_STALE_S)
