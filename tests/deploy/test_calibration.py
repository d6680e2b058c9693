"""Calibration as a record: checking a thermometer against a reference is an event (who, when,
reference, reading); the offset in force is the latest one's, every entry keeps the offset it
was taken with, and doctor and the gate header warn when a thermometer is due for a check."""

from __future__ import annotations

import json
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from duty_console.db.connect import Database
from duty_console.db.models import Calibration
from duty_console.domain import calibration
from duty_console.domain.actors import Actor
from duty_console.domain.clock import SYSTEM_CLOCK
from duty_console.engine.runner import Engine
from duty_console.errors import PermissionDenied, UserError
from duty_console.runtime import Runtime, unix_user
from duty_console.tui.live import read_live_state
from tests.engine.helpers import PtyDevice, mlx_line, wait_for
from tests.engine.test_engine import make_settings
from tests.foundation.helpers import write_config

DOCTOR = Actor("T003", "陈静", "doctor", "north", "cli")
DUTY = Actor("T001", "李华", "duty", "north", "cli")


def entries(path: Path) -> list[tuple[float | None, float | None]]:
    conn = sqlite3.connect(path)
    try:
        return list(
            conn.execute("SELECT temp_c, offset_c FROM entry WHERE device != '' ORDER BY id")
        )
    finally:
        conn.close()


def device_config(tmp_path: Path, db: Database, ir: Path, offset: float = 0.0) -> Path:
    return write_config(
        tmp_path / "duty-console.toml",
        db.url,
        extra=f"""
[access]
unix_users = {{ {unix_user()} = "T003" }}

[[devices]]
name = "north-ir-1"
role = "thermometer"
port = "{ir}"
profile = "mlx90614-ascii"
trigger = "frame"
offset_c = {offset}
""",
    )


def test_a_calibration_sets_the_offset_and_each_entry_keeps_its_own(
    db: Database, tmp_path: Path, cli
) -> None:
    """Before any check the config's offset_c applies; a check recorded at the command line
    while the engine runs applies to the readings after it, not to those before."""
    assert db.path is not None
    ir, card = PtyDevice(tmp_path / "ir"), PtyDevice(tmp_path / "card")
    config = device_config(tmp_path, db, ir.link, offset=0.2)
    settings = make_settings(ir.link, card.link, "frame")
    devices = [d.model_copy(update={"offset_c": 0.2}) for d in settings.devices]
    rt = Runtime(settings.model_copy(update={"devices": devices}), db, SYSTEM_CLOCK)
    engine = Engine(rt)
    engine.start()
    try:
        ir.write(mlx_line(36.0))
        assert wait_for(lambda: len(entries(db.path)) == 1)
        assert entries(db.path)[0] == (36.2, 0.2)  # the config's fallback

        done = cli(
            "device", "calibrate", "north-ir-1", "--reference", "contact",
            "--reference-c", "36.9", "--device-c", "36.4", "--config", config,
        )  # fmt: skip
        assert done.code == 0, done.err
        assert "offset +0.50 °C in force" in done.out
        engine.refresh_offsets()  # the engine's 10 s job, now
        ir.write(mlx_line(36.0))
        assert wait_for(lambda: len(entries(db.path)) == 2)
        assert entries(db.path) == [(36.2, 0.2), (36.5, 0.5)]
    finally:
        engine.stop()
        ir.close()
        card.close()

    listed = cli("device", "calibrations", "--format", "json", "--config", config)
    (record,) = json.loads(listed.out)
    assert record["by"] == "T003" and record["gate"] == "north"
    values = [record[k] for k in ("reference", "reference_c", "device_c", "offset_c")]
    assert values == ["contact", 36.9, 36.4, 0.5]
    conn = sqlite3.connect(db.path)
    try:
        (details,) = conn.execute(
            "SELECT details FROM audit WHERE action = 'device.calibrate'"
        ).fetchone()
    finally:
        conn.close()
    assert json.loads(details)["offset_c"] == 0.5


def test_the_latest_check_is_in_force(db: Database) -> None:
    now = SYSTEM_CLOCK.now()
    with db.write() as session:
        for days, device_c in ((3, 36.0), (1, 36.8)):
            calibration.record(
                session, DOCTOR, "north-ir-1", reference="blackbody", reference_c=37.0,
                device_c=device_c, known_devices=["north-ir-1"], now=now - timedelta(days=days),
            )  # fmt: skip
    with db.read() as session:
        offsets = calibration.offsets_in_force(session, {"north-ir-1": 0.3, "south-ir-1": 0.1})
    assert offsets == {"north-ir-1": 0.2, "south-ir-1": 0.1}


def test_checks_that_are_not_calibrations_are_refused(db: Database) -> None:
    now = SYSTEM_CLOCK.now()
    known = ["north-ir-1"]
    with db.write() as session:
        with pytest.raises(PermissionDenied):
            calibration.record(
                session, DUTY, "north-ir-1", reference="contact", reference_c=36.8,
                device_c=36.5, known_devices=known, now=now,
            )  # fmt: skip
        with pytest.raises(UserError, match="There is no thermometer north-ir-9"):
            calibration.record(
                session, DOCTOR, "north-ir-9", reference="contact", reference_c=36.8,
                device_c=36.5, known_devices=known, now=now,
            )  # fmt: skip
        with pytest.raises(UserError, match="faulty or misplaced sensor"):
            calibration.record(
                session, DOCTOR, "north-ir-1", reference="contact", reference_c=36.8,
                device_c=31.0, known_devices=known, now=now,
            )  # fmt: skip
        with pytest.raises(UserError, match="not a body temperature"):
            calibration.record(
                session, DOCTOR, "north-ir-1", reference="contact", reference_c=98.6,
                device_c=36.5, known_devices=known, now=now,
            )  # fmt: skip
    with db.read() as session:
        assert calibration.history(session) == []


def test_doctor_and_the_header_warn_when_a_thermometer_is_due(
    db: Database, tmp_path: Path, cli
) -> None:
    ir = PtyDevice(tmp_path / "ir")
    try:
        config = device_config(tmp_path, db, ir.link)
        out = cli("doctor", "--config", config).out
        assert "device north-ir-1: last checked against a reference never" in out
        settings = make_settings(ir.link, tmp_path / "card", "frame")
        rt = Runtime(settings, db, SYSTEM_CLOCK)
        now = SYSTEM_CLOCK.now()
        assert read_live_state(rt, rt.rules, now).uncalibrated == 1

        with db.write() as session:
            calibration.record(
                session, DOCTOR, "north-ir-1", reference="contact", reference_c=36.8,
                device_c=36.6, known_devices=["north-ir-1"], now=now - timedelta(days=40),
            )  # fmt: skip
        out = cli("doctor", "--config", config).out
        assert "device north-ir-1: last checked against a reference 40 days ago" in out
        assert read_live_state(rt, rt.rules, now).uncalibrated == 1
        with db.write() as session:
            session.add(
                Calibration(
                    device="north-ir-1", at=now, reference="contact", reference_c=36.8,
                    device_c=36.8, offset_c=0.0, created_by="T003", gate="north",
                )
            )  # fmt: skip
        assert "last checked against a reference" not in cli("doctor", "--config", config).out
        assert read_live_state(rt, rt.rules, now).uncalibrated == 0
    finally:
        ir.close()
