"""What every screen of one console needs: the runtime, who is signed in, the rules, the clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from duty_console.domain.actors import Actor
from duty_console.domain.clock import Clock
from duty_console.domain.permissions import can
from duty_console.domain.screening import Rules
from duty_console.runtime import Runtime


@dataclass(frozen=True)
class ConsoleContext:
    rt: Runtime
    actor: Actor
    rules: Rules
    clock: Clock

    @property
    def tz(self) -> ZoneInfo:
        return self.rt.settings.site.tz

    def now(self) -> datetime:
        return self.clock.now()

    def can(self, capability: str) -> bool:
        return can(self.actor, capability)
