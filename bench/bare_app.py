"""A bare Textual app with the gate screen's kinds of widgets (header, a reading panel, a table
of 100 log rows, a side panel, footer): the cold-start baseline for `terminal.py`."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Footer, Header, Static


class Bare(App[None]):
    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal():
            with Vertical():
                yield Static("36.5 °C  normal", id="last")
                yield DataTable(id="log")
            yield Static("fevers awaiting recheck: 0", id="side")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("time", "gate", "person", "temp", "status")
        for i in range(100):
            table.add_row(f"08:{i % 60:02d}:00", "north", f"S{1000 + i}", "36.5", "normal")


if __name__ == "__main__":
    Bare().run()
