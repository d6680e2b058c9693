"""Who is acting: every write carries an actor (who), a time (when) and a gate (where)."""

from __future__ import annotations

from dataclasses import dataclass

ROLES = ("duty", "doctor", "officer", "admin")


@dataclass(frozen=True, slots=True)
class Actor:
    staff_id: str
    name: str
    role: str  # one of ROLES, or "system" for the engine and init
    gate: str = ""
    via: str = "console"  # console | ssh | cli | engine | demo

    @property
    def label(self) -> str:
        return self.staff_id


def system_actor(gate: str = "", via: str = "cli", name: str = "system") -> Actor:
    return Actor(staff_id=name, name=name, role="system", gate=gate, via=via)
