"""The header says when this gate's thermometer is due a calibration check, and stops saying so
once one is recorded (at any console, or the command line)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from duty_console.config import parse_settings
from duty_console.db.connect import Database
from duty_console.domain import calibration
from duty_console.domain.actors import Actor
from duty_console.domain.clock import ManualClock
from duty_console.runtime import Runtime
from duty_console.tui.app import DutyConsoleApp
from tests.tui.conftest import gate_ready, screen_text, shows, until


async def test_an_unchecked_thermometer_shows_in_the_header_until_it_is_checked(
    make_app: Callable[..., DutyConsoleApp], db: Database, clock: ManualClock, duty_actor: Actor
) -> None:
    settings = parse_settings(
        {
            "site": {"name": "示例中学", "gate": "north"},
            "calibration": {"every_days": 30},
            "devices": [
                {
                    "name": "north-ir-1",
                    "role": "thermometer",
                    "port": "/dev/null",
                    "profile": "mlx90614-ascii",
                }
            ],
        },
        "test.toml",
    )
    with db.write() as session:
        calibration.record(
            session,
            Actor("T003", "陈静", "doctor", "north", "cli"),
            "north-ir-1",
            reference="contact",
            reference_c=36.8,
            device_c=36.6,
            known_devices=["north-ir-1"],
            now=clock.now() - timedelta(days=31),
        )
    app = make_app(lang="en", actor=duty_actor, runtime=Runtime(settings, db, clock))
    async with app.run_test(size=(120, 30)) as pilot:
        await gate_ready(pilot)
        await shows(pilot, "calibrate 1")
        with db.write() as session:
            calibration.record(
                session,
                Actor("T003", "陈静", "doctor", "north", "cli"),
                "north-ir-1",
                reference="blackbody",
                reference_c=37.0,
                device_c=36.9,
                known_devices=["north-ir-1"],
                now=clock.now(),
            )
        await until(pilot, lambda: "calibrate 1" not in screen_text(app))
