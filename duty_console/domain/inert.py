"""Text from outside (the roster, visitors, devices) is inert: it cannot drive a terminal.

A class name holding ``ESC ] 52 ; …`` would otherwise reach an SSH officer's terminal raw and
write their clipboard; a right-to-left override or a NUL would reorder or cut what the duty
teacher reads. Every character of Unicode category C (controls, format characters such as the
bidi overrides and zero-width joiners, surrogates, private use, unassigned) is refused on the way
in, with the line it was on, and removed on the way out (:func:`inert`), for what came before.
"""

from __future__ import annotations

import unicodedata


def foreign(value: str) -> str | None:
    """The first character of ``value`` no printed text needs, as ``U+001B``; None if clean."""
    for ch in value:
        if unicodedata.category(ch).startswith("C"):
            return f"U+{ord(ch):04X}"
    return None


def inert(value: str) -> str:
    """``value`` without category C characters (what a terminal could take as a command)."""
    if value.isprintable():
        return value
    return "".join(ch for ch in value if not unicodedata.category(ch).startswith("C"))


# Cells a spreadsheet would run as a formula (CSV injection): they are shown as text instead.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: str) -> str:
    """An inert cell that a spreadsheet shows as text, never evaluates."""
    value = inert(value)
    return "'" + value if value.startswith(FORMULA_STARTS) else value
