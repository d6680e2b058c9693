"""A picture drawn as text: lines of (text, style name) runs from ``reports.pictures``, coloured
from the theme through component classes (never hex colours)."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from duty_console.reports.pictures import Line


class Chart(Static):
    """A titled picture; ``show(title, lines)`` redraws it."""

    COMPONENT_CLASSES = {"chart--bar", "chart--fever", "chart--axis", "chart--muted"}

    DEFAULT_CSS = """
    Chart {
        height: auto;
        padding: 0 1 1 1;
        & > .chart--bar { color: $accent; }
        & > .chart--fever { color: $error; text-style: bold; }
        & > .chart--axis { color: $foreground; }
        & > .chart--muted { color: $text-muted; }
    }
    """

    def show(self, title: str, lines: list[Line]) -> None:
        text = Text(title + "\n", style="bold")
        for i, line in enumerate(lines):
            for run, style in line:
                text.append(run, style=self.get_component_rich_style(f"chart--{style}"))
            if i < len(lines) - 1:
                text.append("\n")
        self.update(text)
