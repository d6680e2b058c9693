"""`timers`, `disinfect`, `ventilate`, `alert` and the timers of `status` (DESIGN §3.9)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from tests.foundation.helpers import Result, rows

Cli = Callable[..., Result]


def _timers(cli: Cli) -> list[dict[str, object]]:
    result = cli("timers", "--format", "json")
    assert result.code == 0, result.err
    return json.loads(result.out)  # type: ignore[no-any-return]


def test_after_init_every_area_has_its_timers_and_never_done_key_areas_are_overdue(
    cli: Cli, empty_db: Path
) -> None:
    timers = _timers(cli)
    areas = {code for (code,) in rows(empty_db, "SELECT code FROM area")}
    assert {t["area_code"] for t in timers} == areas
    kinds = {(t["area_code"], t["kind"]) for t in timers}
    assert ("C7-1", "ventilation") in kinds and ("WC-1F", "ventilation") not in kinds
    key_types = {"classroom", "library", "canteen", "dormitory"}
    key = [t for t in timers if t["area_type"] in key_types and t["kind"] == "disinfection"]
    assert len(key) == 14 and all(t["state"] == "overdue" for t in key)
    assert [t["state"] for t in timers] == sorted(
        (t["state"] for t in timers), key=["running", "overdue", "due", "ok"].index
    )
    for t in timers:
        assert {"area_code", "area", "area_type", "kind", "state", "due_at"} <= set(t)
        if t["kind"] == "ventilation":
            assert {"sessions_today", "required_today", "running_since"} <= set(t)


def test_disinfect_and_ventilate_change_the_timers(cli: Cli, empty_db: Path) -> None:
    done = cli("disinfect", "C7-1", "--concentration", "500 mg/L", "--note", "desks")
    assert done.code == 0, done.err
    assert "Disinfection of C7-1 recorded" in done.out
    c71 = {(t["area_code"], t["kind"]): t for t in _timers(cli)}
    assert c71[("C7-1", "disinfection")]["state"] == "ok"
    assert rows(empty_db, "SELECT agent, concentration, note FROM disinfection_record") == [
        ("chlorine", "500 mg/L", "desks")
    ]

    started = cli("ventilate", "start", "C7-1", "--format", "json")
    assert started.code == 0, started.err
    assert json.loads(started.out)["minutes"] == 30
    running = _timers(cli)[0]
    assert (running["area_code"], running["state"]) == ("C7-1", "running")
    assert running["running_since"] is not None

    stopped = cli("ventilate", "stop", "C7-1")
    assert stopped.code == 0 and "does not count" in stopped.out

    status = cli("status", "--format", "json")
    assert status.code == 0, status.err
    snap = json.loads(status.out)
    assert len(snap["timers"]) == len(_timers(cli))
    assert "Timers:" in cli("status").out


def test_refusals_are_one_sentence_and_write_nothing(cli: Cli, empty_db: Path) -> None:
    wrong = cli("disinfect", "C7-1", "--concentration", "2000 mg/L")
    assert wrong.code == 1
    assert wrong.err.strip() == (
        "duty-console: 2000 mg/L is outside the range for chlorine in C7-1: expected 250-500 mg/L."
    )
    assert cli("disinfect", "NOPE", "--concentration", "300").code == 1
    assert cli("ventilate", "stop", "C7-2").code == 1
    assert rows(empty_db, "SELECT count(*) FROM disinfection_record") == [(0,)]
    assert "Traceback" not in wrong.err


def test_alert_list_and_ack(cli: Cli, empty_db: Path) -> None:
    assert "No active alerts." in cli("alert", "list").out
    from duty_console.db.connect import Database
    from duty_console.domain import timers
    from duty_console.domain.actors import system_actor

    db = Database(f"sqlite:///{empty_db}")
    try:
        with db.write() as session:
            timers.sweep(session, system_actor(gate="north"), timers.Schedule())
    finally:
        db.dispose()
    listed = json.loads(cli("alert", "list", "--format", "json").out)
    assert listed and all(a["kind"] == "timer.overdue" for a in listed)
    first = listed[0]["id"]
    acked = cli("alert", "ack", str(first), "--why", "cleaner on the way", "--format", "json")
    assert acked.code == 0, acked.err
    assert json.loads(acked.out)["acknowledged"]["why"] == "cleaner on the way"
    again = cli("alert", "ack", str(first), "--why", "again")
    assert again.code == 1 and "already acknowledged" in again.err
