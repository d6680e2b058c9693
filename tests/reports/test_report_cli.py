"""`report daily` in every format, `report submit`, `supplies`, and the scheduled report."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from openpyxl import load_workbook

from duty_console.db.connect import Database
from duty_console.domain.actors import Actor
from duty_console.domain.clock import ManualClock
from duty_console.domain.report_versions import versions
from duty_console.paths import SAMPLE_DIR
from duty_console.reports.daily import write_daily_report
from tests.foundation.helpers import Result, map_me_to, rows, write_config
from tests.reports.test_daily_report import DAY, TZ, known_day, local

# The sample roster's classes: each reports a morning and a noon check.
CLASSES = {
    row["class"]
    for row in csv.DictReader((SAMPLE_DIR / "roster.csv").open(encoding="utf-8-sig"))
    if row.get("class")
}

Cli = Callable[..., Result]


@pytest.fixture
def day_path(db: Database, duty_actor: Actor, officer_actor: Actor, tmp_path: Path) -> Path:
    known_day(db, duty_actor, officer_actor)
    write_config(tmp_path / "duty-console.toml")
    return tmp_path / "duty.db"


def test_json_has_the_contract_keys_and_the_counts(cli: Cli, day_path: Path) -> None:
    result = cli("report", "daily", "--date", "2026-11-29", "--format", "json")
    assert result.code == 0, result.err
    r = json.loads(result.out)
    expected = {
        "date": "2026-11-29",
        "zero_report": False,
        "entries": 9,
        "fever": 2,
        "fever_confirmed": 1,
        "invalid": 1,
        "denied": 2,
        "denied_fever": 1,
        "visitors": 2,
        "isolation_now": 0,
        "incidents_open": 1,
        "incidents_opened": 1,
        "absent_sick": 1,
        "class_checks_done": 1,
        "class_checks_due": 2 * len(CLASSES),
    }
    assert {k: r[k] for k in expected} == expected
    assert isinstance(r["disinfection_compliance"], float)
    assert r["supplies_low"] == []
    assert r["version"] == 1


def test_markdown_says_it_plainly_in_chinese_and_in_english(cli: Cli, day_path: Path) -> None:
    zh = cli("report", "daily", "--date", "2026-11-29")
    assert zh.code == 0, zh.err
    assert "非零报告" in zh.out
    assert "- 入校测温人次：9" in zh.out
    assert "- 因发热拒绝入校：1" in zh.out
    assert "|" not in zh.out  # no tables: messaging apps do not draw them
    quiet = cli("report", "daily", "--date", "2026-11-27")
    assert "**零报告：今日无异常。**" in quiet.out
    en = cli("report", "daily", "--date", "2026-11-27", "--lang", "en")
    assert "**Zero report: nothing abnormal today.**" in en.out
    assert "- Entries at the gate: 0" in en.out


def test_csv_has_a_row_per_field(cli: Cli, day_path: Path) -> None:
    result = cli("report", "daily", "--date", "2026-11-29", "--format", "csv", "--lang", "en")
    assert result.code == 0, result.err
    data = {r["key"]: r["Value"] for r in csv.DictReader(io.StringIO(result.out))}
    assert data["entries"] == "9"
    assert data["fever_confirmed"] == "1"
    assert data["denied_fever"] == "1"
    assert data["zero_report"] == "No"


def test_the_xlsx_opens_with_a_sheet_per_section(cli: Cli, day_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.xlsx"
    result = cli("report", "daily", "--date", "2026-11-27", "--format", "xlsx", "--output", out)
    assert result.code == 0, result.err
    assert "zero report" in result.err
    wb = load_workbook(out)
    assert wb.sheetnames[:6] == [
        "概况",
        "校门测温",
        "隔离与处置",
        "缺勤与晨午检",
        "消毒与通风",
        "防疫物资",
    ]
    summary = wb["概况"]
    assert [c.value for c in summary[1]] == ["项目", "数值"]
    assert summary["A2"].value == "零报告" and summary["B2"].value == "零报告：今日无异常。"
    assert summary.freeze_panes == "A2"
    assert summary.column_dimensions["A"].width >= 8
    gate = {r[0]: r[1] for r in wb["校门测温"].iter_rows(min_row=2, values_only=True)}
    assert gate["入校测温人次"] == 0

    busy = tmp_path / "busy.xlsx"
    cli("report", "daily", "--date", "2026-11-29", "--format", "xlsx", "--output", busy)
    wb = load_workbook(busy)
    gate = {r[0]: r[1] for r in wb["校门测温"].iter_rows(min_row=2, values_only=True)}
    assert (gate["入校测温人次"], gate["复测确认发热"], gate["因发热拒绝入校"]) == (9, 1, 1)
    stock = list(wb["物资库存"].iter_rows(min_row=2, values_only=True))
    assert ("一次性医用口罩", 3000) in [(r[0], r[1]) for r in stock]


def test_making_it_again_amends_and_says_what_changed(cli: Cli, day_path: Path) -> None:
    assert cli("report", "daily", "--date", "2026-11-29").code == 0
    again = cli("report", "daily", "--date", "2026-11-29")
    assert again.err == ""  # unchanged: the same version
    assert rows(day_path, "SELECT count(*) FROM daily_report") == [(1,)]


def test_submit_records_who_and_the_hash(cli: Cli, day_path: Path, tmp_path: Path) -> None:
    write_config(tmp_path / "duty-console.toml", extra=map_me_to("T002"))
    result = cli("report", "submit", "--date", "2026-11-29")
    assert result.code == 0, result.err
    assert "version 1" in result.out
    ((by, h),) = rows(day_path, "SELECT submitted_by, hash FROM daily_report")
    assert by == "T002"
    ((details,),) = rows(day_path, "SELECT details FROM audit WHERE action = 'report.submit'")
    assert json.loads(str(details))["hash"] == h
    twice = cli("report", "submit", "--date", "2026-11-29")
    assert twice.code == 1 and "already submitted" in twice.err

    write_config(tmp_path / "duty-console.toml", extra=map_me_to("T001"))  # duty teacher
    refused = cli("report", "submit", "--date", "2026-11-29")
    assert refused.code == 1 and "Traceback" not in refused.err


def test_a_day_still_to_come_is_refused(cli: Cli, day_path: Path) -> None:
    result = cli("report", "daily", "--date", "2099-01-01")
    assert result.code == 1
    assert "has not come yet" in result.err


def test_supplies_move_and_list(cli: Cli, day_path: Path, tmp_path: Path) -> None:
    write_config(tmp_path / "duty-console.toml", extra=map_me_to("T001"))
    taken = cli("supplies", "move", "medical_mask", "-2100", "--why", "发放到各班")
    assert taken.code == 0, taken.err
    assert "900" in taken.out and "order more" in taken.out
    listed = json.loads(cli("supplies", "--format", "json").out)
    masks = next(r for r in listed if r["key"] == "medical_mask")
    assert (masks["on_hand"], masks["low"]) == (900, True)
    assert json.loads(cli("status", "--format", "json").out)["supplies_low"][0]["key"] == (
        "medical_mask"
    )
    assert rows(day_path, "SELECT delta, on_hand_after, why, created_by FROM supply_movement") == [
        (-2100, 900, "发放到各班", "T001")
    ]
    too_many = cli("supplies", "move", "gown", "-51", "--why", "used")
    assert too_many.code == 1 and "Only 50" in too_many.err
    assert cli("supplies", "move", "gown", "+5").code == 2  # --why is required
    assert rows(day_path, "SELECT on_hand FROM supply WHERE key = 'gown'") == [(50,)]


def test_the_scheduled_report_is_written_once(db: Database, tmp_path: Path) -> None:
    folder = tmp_path / "reports"
    clock = ManualClock(local(16, 0))
    first = write_daily_report(db, DAY, folder, tz=TZ, school="示例中学", clock=clock)
    assert sorted(p.name for p in first) == [
        "daily-report-2026-11-29-v1.md",
        "daily-report-2026-11-29-v1.xlsx",
    ]
    assert all(oct(p.stat().st_mode & 0o777) == "0o600" for p in first)
    assert "零报告" in first[0].read_text("utf-8")
    # The engine restarts and the job runs again: nothing new.
    again = write_daily_report(db, DAY, folder, tz=TZ, school="示例中学", clock=clock)
    assert again == []
    assert len(list(folder.iterdir())) == 2
    with db.read() as s:
        assert len(versions(s, "2026-11-29")) == 1
