"""Where a drill asks for a simulated fever at the gate, when a simulator runs in this process.

``duty-console demo`` registers its arrivals here; a drill started from the console can then send
a person with a fever (card, reading, and the recheck a minute later) through the simulated
devices, so the engine and the gate behave as on the day. Nothing is registered on a real gate.
"""

from __future__ import annotations

from collections.abc import Callable

FeverArrival = Callable[[str], None]  # a card number; the simulator chooses the temperatures

_arrival: FeverArrival | None = None


def register(arrival: FeverArrival | None) -> None:
    global _arrival
    _arrival = arrival


def available() -> bool:
    return _arrival is not None


def fever_arrival(card_id: str) -> bool:
    """Send a fever arrival through the simulator; False when none runs here."""
    if _arrival is None:
        return False
    _arrival(card_id)
    return True
