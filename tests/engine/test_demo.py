"""The demo's simulated gate: real frames on pseudo-terminals, read by the real engine."""

from __future__ import annotations

from pathlib import Path

from duty_console.demo import Demo
from duty_console.domain.entries import newest_entries
from tests.engine.helpers import wait_for


def test_the_demo_gate_produces_identified_arrivals(tmp_path: Path) -> None:
    with Demo(str(tmp_path / "demo.db"), seed=3) as demo:
        rt, actor = demo.start()
        assert (actor.staff_id, actor.role) == ("T002", "officer")

        def rows() -> list:
            with rt.db.read() as session:
                return newest_entries(session, 0, 50)

        assert wait_for(lambda: len(rows()) >= 3, timeout=30, step=0.5)
        got = rows()
        # Every arrival showed a card first, so every reading names its student.
        assert all(r.person_id and r.person_id.startswith("S") for r in got if r.temp_c)
        assert all(r.device == "north-ir-1" for r in got)
    assert (tmp_path / "demo.db").exists()  # --db keeps the database
