"""`duty-console export entries`: the contracted columns, order, times and filters (DESIGN §3.3)."""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from duty_console.db.connect import Database
from duty_console.domain.actors import Actor
from duty_console.domain.clock import ManualClock
from duty_console.domain.entries import deny_entry, record_manual_reading
from duty_console.domain.screening import Rules
from tests.foundation.helpers import Result, map_me_to, needs_root, rows, write_config

Cli = Callable[..., Result]
CONTRACT = "time,gate,device,person_id,person_name,temp_c,mode,status"


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


@pytest.fixture
def entries_db(db: Database, duty_actor: Actor, tmp_path: Path) -> Path:
    """The sample database with five entries around the local midnights of 29 November 2026.

    Written out of time order, so "oldest first" cannot come from insertion order.
    """
    rules = Rules()
    plan = [
        ("2026-11-29T00:30:00+00:00", "reading", "S1001", 36.5),  # 08:30 local, 29th
        ("2026-11-28T23:10:00+00:00", "reading", "S1002", 37.6),  # 07:10 local, 29th
        ("2026-11-28T17:00:00+00:00", "deny", "S1003", None),  # 01:00 local, 29th
        ("2026-11-28T15:59:59+00:00", "reading", None, 36.04),  # 23:59:59 local, 28th
        ("2026-11-29T16:00:00+00:00", "reading", "S1004", 36.8),  # 00:00 local, 30th
    ]
    for at, kind, person, temp in plan:
        clock = ManualClock(_at(at))
        with db.write() as session:
            if kind == "deny":
                deny_entry(session, duty_actor, reason="no_mask", person_id=person, clock=clock)
            else:
                assert temp is not None
                record_manual_reading(
                    session, duty_actor, rules, temp_c=temp, person_id=person, clock=clock
                )
    write_config(tmp_path / "duty-console.toml")
    return tmp_path / "duty.db"


def _csv(text: str) -> tuple[str, list[dict[str, str]]]:
    header = text.splitlines()[0]
    return header, list(csv.DictReader(io.StringIO(text)))


def test_csv_header_order_times_and_temperatures(cli: Cli, entries_db: Path) -> None:
    result = cli("export", "entries", "--format", "csv")
    assert result.code == 0, result.err
    header, data = _csv(result.out)
    assert header.startswith(CONTRACT + ",") or header == CONTRACT

    assert [r["time"] for r in data] == [
        "2026-11-28T23:59:59+08:00",
        "2026-11-29T01:00:00+08:00",
        "2026-11-29T07:10:00+08:00",
        "2026-11-29T08:30:00+08:00",
        "2026-11-30T00:00:00+08:00",
    ]
    assert [r["temp_c"] for r in data] == ["36.0", "", "37.6", "36.5", "36.8"]
    assert [r["status"] for r in data] == ["normal", "denied", "fever", "normal", "normal"]
    assert [r["person_id"] for r in data] == ["", "S1003", "S1002", "S1001", "S1004"]
    assert data[3]["person_name"] == "张三明"
    assert data[0]["person_name"] == ""
    assert {r["gate"] for r in data} == {"north"}
    assert {r["device"] for r in data} == {"manual"}
    assert data[3]["mode"] == "contact"
    for r in data:
        assert datetime.fromisoformat(r["time"]).utcoffset() == timedelta(hours=8)


def test_date_selects_the_local_day(cli: Cli, entries_db: Path) -> None:
    result = cli("export", "entries", "--date", "2026-11-29")
    assert result.code == 0, result.err
    _header, data = _csv(result.out)
    # 2026-11-28T17:00Z is 01:00 on the 29th in Shanghai; 15:59:59Z is still the 28th.
    assert [r["person_id"] for r in data] == ["S1003", "S1002", "S1001"]
    assert all(r["time"].startswith("2026-11-29T") for r in data)

    _header, day28 = _csv(cli("export", "entries", "--date", "2026-11-28").out)
    assert [r["time"] for r in day28] == ["2026-11-28T23:59:59+08:00"]

    _header, empty = _csv(cli("export", "entries", "--date", "2026-12-25").out)
    assert empty == []


def test_since_reads_a_time_without_offset_as_site_time(cli: Cli, entries_db: Path) -> None:
    _header, data = _csv(cli("export", "entries", "--since", "2026-11-29T07:10").out)
    assert [r["person_id"] for r in data] == ["S1002", "S1001", "S1004"]
    _header, data = _csv(cli("export", "entries", "--since", "2026-11-29T00:00:00+00:00").out)
    assert [r["person_id"] for r in data] == ["S1001", "S1004"]


def test_jsonl_has_the_same_keys_and_null_temperatures(cli: Cli, entries_db: Path) -> None:
    csv_out = cli("export", "entries", "--format", "csv")
    header = csv_out.out.splitlines()[0].split(",")
    result = cli("export", "entries", "--format", "jsonl")
    assert result.code == 0, result.err
    records = [json.loads(line) for line in result.out.splitlines()]
    assert len(records) == 5
    for rec in records:
        assert list(rec)[:8] == CONTRACT.split(",")
        assert set(rec) == set(header)
    assert [r["temp_c"] for r in records] == [36.0, None, 37.6, 36.5, 36.8]
    assert records[3]["person_name"] == "张三明"  # not \\u-escaped
    assert "张三明" in result.out
    assert records[0]["time"] == "2026-11-28T23:59:59+08:00"


def test_export_is_audited(cli: Cli, entries_db: Path) -> None:
    def exports() -> int:
        return len(rows(entries_db, "SELECT id FROM audit WHERE action = 'export.entries'"))

    before = exports()
    assert cli("export", "entries", "--format", "jsonl").code == 0
    assert exports() == before + 1
    assert cli("audit", "verify").code == 0


@needs_root
def test_a_role_that_may_not_export_is_refused(cli: Cli, entries_db: Path, tmp_path: Path) -> None:
    os.chown(entries_db, 12345, -1)
    write_config(
        tmp_path / "duty-console.toml",
        extra=map_me_to("T001"),
    )
    result = cli("export", "entries")
    assert result.code == 1
    assert "export" in result.err
    assert result.out == ""


def test_bad_date_is_a_usage_error(cli: Cli, entries_db: Path) -> None:
    result = cli("export", "entries", "--date", "29/11/2026")
    assert result.code == 2
    assert "2026-11-29" in result.err
    both = cli("export", "entries", "--date", "2026-11-29", "--since", "2026-11-29T07:00")
    assert both.code == 2
