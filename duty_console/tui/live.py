"""What a console keeps live at its gate: the newest entry, fevers awaiting recheck, health.

``read_live_state`` runs in a worker thread; the app posts the result as a message.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from duty_console.domain import entries, health, rota
from duty_console.domain.entries import EntryRow
from duty_console.domain.screening import FEVER, FEVER_CONFIRMED, Rules
from duty_console.runtime import Runtime

_FEVERS = (FEVER, FEVER_CONFIRMED)


@dataclass(frozen=True)
class LiveState:
    latest_id: int
    newest: EntryRow | None
    awaiting: tuple[EntryRow, ...]
    engine_alive: bool
    devices_online: int
    devices_total: int
    # Who is on duty now, and whose shift ends within [rota] remind_before_min (names).
    on_duty: tuple[str, ...] = ()
    shift_ending: tuple[str, ...] = ()

    def is_new_fever(self, since_id: int) -> bool:
        """Did an entry after ``since_id`` bring a fever (first or confirmed)?"""
        newest = self.newest
        if newest is not None and newest.id > since_id and newest.status in _FEVERS:
            return True
        return any(row.id > since_id for row in self.awaiting)


def read_live_state(rt: Runtime, rules: Rules, now: datetime) -> LiveState:
    with rt.db.read() as session:
        latest = entries.latest_id(session)
        recent = entries.newest_entries(session, 0, 1, gate=rt.gate) if latest else []
        newest = recent[0] if recent else None
        awaiting = tuple(
            row for row in entries.awaiting_recheck(session, now, rules) if row.gate == rt.gate
        )
        engine = health.engine_state(session, rt.gate, now)
        online, total = health.devices_online(session, rt.gate, engine.alive)
        on_duty = tuple(r.name for r in rota.on_duty_rows(session, now))
        ending = tuple(
            r.name for r in rota.ending_soon(session, now, rt.settings.rota.remind_before_min)
        )
    return LiveState(latest, newest, awaiting, engine.alive, online, total, on_duty, ending)
