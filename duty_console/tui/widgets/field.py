"""The console's one-line input: no box lines, and a steady cursor."""

from __future__ import annotations

from typing import Any

from textual.widgets import Input


class Field(Input):
    """Compact (box lines are ambiguous-width glyphs) and not blinking: a field left focused on
    the sign-in screen overnight would otherwise redraw twice a second over SSH."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("compact", True)
        super().__init__(*args, **kwargs)
        self.set_reactive(Input.cursor_blink, False)
