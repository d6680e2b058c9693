"""The gate screen, driven the way the duty teacher drives it (Pilot at 80x24, real SQLite)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError
from sqlmodel import select

from duty_console.db.connect import Database
from duty_console.db.models import Entry, Visitor
from duty_console.domain import entries
from duty_console.domain.clock import ManualClock
from duty_console.domain.entries import EntryRow
from duty_console.tui.app import DatabaseFailed, DutyConsoleApp
from duty_console.tui.screens.gate import GateScreen
from duty_console.tui.widgets.entry_log import EntryLog
from duty_console.tui.widgets.last_reading import LastReading
from duty_console.tui.widgets.manual_reading import ManualReading
from duty_console.tui.widgets.person_picker import PersonPicker
from duty_console.tui.widgets.recheck_prompt import RecheckPrompt
from duty_console.tui.widgets.refuse_entry import RefuseEntry
from duty_console.tui.widgets.visitor_form import VisitorForm

from .conftest import engine_reading, gate_ready, screen_text, shows, typed, until

MakeApp = Callable[..., DutyConsoleApp]


def all_entries(db: Database) -> list[Entry]:
    with db.read() as session:
        return list(session.exec(select(Entry).order_by(Entry.id)))  # type: ignore[arg-type]


async def test_a_fever_rings_and_a_normal_recheck_within_five_minutes_clears_it(
    make_app: MakeApp, db: Database, clock: ManualClock
) -> None:
    app = make_app()
    bells: list[float] = []
    app.bell = lambda: bells.append(time.monotonic())  # type: ignore[method-assign]
    async with app.run_test(size=(80, 24)) as pilot:
        await gate_ready(pilot)
        fever_id = engine_reading(db, clock, person_id="S1001", temp_c=38.1)

        last = app.screen.query_one(LastReading)
        await until(pilot, lambda: last.row is not None and last.row.id == fever_id)
        assert last.has_class("-fever")
        assert bells, "a fever rings the terminal bell"
        await shows(pilot, "38.1C  发烧：请休息 1 分钟后复测")
        await shows(pilot, "张*明")
        await shows(pilot, "待复测 1 人 (按 r 复测)")
        await shows(pilot, "休息中")

        clock.advance(90)
        await shows(pilot, "剩 3:30")

        await pilot.press("r")
        await until(pilot, lambda: isinstance(app.screen, ManualReading))
        await typed(pilot, "36.6")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, GateScreen))

        prompt = app.screen.query_one(RecheckPrompt)
        await until(pilot, lambda: not prompt.fevers)
        await shows(pilot, "复测正常")
        assert "待复测" not in screen_text(app)
    recheck = all_entries(db)[-1]
    assert (recheck.status, recheck.recheck_of, recheck.mode) == (
        "recheck_normal",
        fever_id,
        "manual",  # the recheck form asks first for the hand-held IR gun
    )
    assert recheck.created_by == "T001"


async def test_picking_the_person_of_an_unidentified_reading_by_pinyin_initials(
    make_app: MakeApp, db: Database, clock: ManualClock
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await gate_ready(pilot)
        entry_id = engine_reading(db, clock, person_id=None, temp_c=36.5)
        log = app.screen.query_one(EntryLog)
        await until(pilot, lambda: log.selected_row is not None and log.selected_row.id == entry_id)
        await shows(pilot, "未识别")

        await pilot.press("p")
        await until(pilot, lambda: isinstance(app.screen, PersonPicker))
        await typed(pilot, "zsm")
        await shows(pilot, "张*明  七年级1班  S1001")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, GateScreen))
        await shows(pilot, "张*明")
        assert "张三明" not in screen_text(app), "the gate screen masks names"
    assert all_entries(db)[-1].person_id == "S1001"


async def test_refusing_entry_for_no_mask(make_app: MakeApp, db: Database) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await gate_ready(pilot)
        await pilot.press("d")
        await until(pilot, lambda: isinstance(app.screen, RefuseEntry))
        await pilot.press("2")  # no mask; the focus moves on to the person
        await typed(pilot, "S1002")
        await shows(pilot, "姚*泽  七年级1班  S1002")
        await pilot.press("enter", "ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, GateScreen))
        await shows(pilot, "拒绝入校 姚*泽")
        await shows(pilot, "未戴口罩")
    refused = all_entries(db)[-1]
    assert (refused.status, refused.reason, refused.person_id) == ("denied", "no_mask", "S1002")


async def test_refusing_for_another_reason_needs_a_note(make_app: MakeApp, db: Database) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await gate_ready(pilot)
        await pilot.press("d")
        await until(pilot, lambda: isinstance(app.screen, RefuseEntry))
        await pilot.press("4", "ctrl+s")
        await shows(pilot, "原因为「其他」时请在备注中说明。")
        assert all_entries(db) == []
        await typed(pilot, "outsider")  # the note field has the focus now
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, GateScreen))
    refused = all_entries(db)[-1]
    assert (refused.reason, refused.note, refused.person_id) == ("other", "outsider", None)


async def test_registering_a_visitor(make_app: MakeApp, db: Database) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await gate_ready(pilot)
        await pilot.press("v")
        await until(pilot, lambda: isinstance(app.screen, VisitorForm))
        for value in ("王芳", "13800001234", "parent meeting", "李华"):
            await typed(pilot, value)
            await pilot.press("enter")
        await shows(pilot, "1 接触式体温计")
        await pilot.press("2")  # measured with the hand-held IR gun; on to the temperature
        await typed(pilot, "36.5")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, GateScreen))
        await shows(pilot, "访客 王*")
    with db.read() as session:
        visitor = session.exec(select(Visitor)).one()
    entry = all_entries(db)[-1]
    assert (entry.visitor_id, entry.status, entry.temp_c, entry.mode) == (
        visitor.id,
        "normal",
        36.5,
        "manual",
    )


async def test_a_typo_in_a_temperature_is_explained_and_nothing_is_written(
    make_app: MakeApp, db: Database
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await gate_ready(pilot)
        await pilot.press("m")
        await until(pilot, lambda: isinstance(app.screen, ManualReading))
        await typed(pilot, "zsm")
        await shows(pilot, "张*明  七年级1班  S1001")
        await pilot.press("enter")
        await typed(pilot, "3x.6")
        await pilot.press("enter")
        await shows(pilot, "「3x.6」不是体温；请按 36.8 这样输入。")
        assert isinstance(app.screen, ManualReading), "the form stays open to fix the typo"
    assert all_entries(db) == []


async def test_a_reading_out_of_range_is_explained_in_english(
    make_app: MakeApp, db: Database
) -> None:
    app = make_app(lang="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await gate_ready(pilot)
        await pilot.press("m")
        await typed(pilot, "S1001")
        await pilot.press("enter")  # before the matches show: the best one is taken
        await until(
            pilot, lambda: app.screen.focused is not None and app.screen.focused.id == "temperature"
        )
        await shows(pilot, "chosen: 张*明  七年级1班  S1001")
        await typed(pilot, "45")
        await pilot.press("enter")
        await shows(pilot, "45.0C is outside 32.0-42.9C; measure again.")
    assert all_entries(db) == []


async def test_a_reading_committed_by_another_connection_shows_within_a_second(
    make_app: MakeApp, db: Database, clock: ManualClock
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await gate_ready(pilot)
        committed = threading.Event()

        def other_process() -> None:
            # Its own engine and connection, as another process has.
            other = Database(db.url, audit_key=db.audit_key)
            try:
                engine_reading(other, clock, person_id="S1003", temp_c=36.7, device="east-ir-2")
            finally:
                other.dispose()
            committed.set()

        writer = threading.Thread(target=other_process)
        writer.start()
        await until(pilot, committed.is_set)
        took = await until(pilot, lambda: "east-ir-2" in screen_text(app), timeout=1.0)
        writer.join()
        assert took < 1.0
        await shows(pilot, "魏*欣")


async def test_the_filter_shows_one_status_and_esc_clears_it(
    make_app: MakeApp, db: Database, clock: ManualClock
) -> None:
    for person, temp in (("S1001", 36.5), ("S1002", 38.0), ("S1003", 36.6)):
        engine_reading(db, clock, person_id=person, temp_c=temp)
        clock.advance(10)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await gate_ready(pilot)
        log = app.screen.query_one(EntryLog)
        assert log.row_count == 3
        await pilot.press("slash")
        await typed(pilot, "发烧")
        await until(pilot, lambda: log.row_count == 1)
        await shows(pilot, "筛选：发烧")
        await pilot.press("enter", "escape")
        await until(pilot, lambda: log.row_count == 3)

        await pilot.press("slash")
        await typed(pilot, "zsm")  # text: a person by pinyin initials
        await until(pilot, lambda: log.row_count == 1)
        assert log.selected_row is not None and log.selected_row.person_id == "S1001"


async def test_filtering_by_a_person_or_class_reaches_back_through_the_whole_log(
    make_app: MakeApp, db: Database, clock: ManualClock
) -> None:
    from sqlalchemy import insert

    old = engine_reading(db, clock, person_id="S1001", temp_c=36.7)  # 张三明, weeks ago
    clock.advance(60)
    later = clock.now()
    table = Entry.__table__  # type: ignore[attr-defined]
    with db.write() as session:  # 25,000 newer unidentified readings bury it
        session.execute(
            insert(table),
            [
                {
                    "at": later,
                    "gate": "north",
                    "device": "north-ir-1",
                    "temp_c": 36.5,
                    "mode": "ir",
                    "kind": "body",
                    "status": "normal",
                    "reason": "",
                    "note": "",
                    "created_at": later,
                    "created_by": "engine",
                }
                for _ in range(25_000)
            ],
        )
    app = make_app(lang="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await gate_ready(pilot)
        log = app.screen.query_one(EntryLog)
        await pilot.press("slash")
        await typed(pilot, "zsm")
        await until(pilot, lambda: log.row_count == 1, timeout=10)
        assert log.selected_row is not None and log.selected_row.id == old
        await pilot.press("enter", "escape")
        await pilot.press("slash")
        await typed(pilot, "七年级1班")  # a class: every entry of its students
        await until(pilot, lambda: log.row_count == 1, timeout=10)


async def test_the_log_keeps_the_chosen_entry_under_the_cursor_as_readings_arrive(
    make_app: MakeApp, db: Database, clock: ManualClock
) -> None:
    ids = []
    for _ in range(5):
        ids.append(engine_reading(db, clock, person_id=None, temp_c=36.5))
        clock.advance(5)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await gate_ready(pilot)
        log = app.screen.query_one(EntryLog)
        await pilot.press("down", "down")
        assert log.selected_row is not None and log.selected_row.id == ids[2]
        engine_reading(db, clock, person_id=None, temp_c=36.9)
        await until(pilot, lambda: log.row_count == 6)
        assert log.selected_row is not None and log.selected_row.id == ids[2]
        await pilot.press("home")
        assert log.selected_row is not None and log.selected_row.id > ids[-1]


async def test_a_large_log_is_read_page_by_page(
    make_app: MakeApp, db: Database, clock: ManualClock
) -> None:
    # 50,000 entries in one go (the engine's group commit, much bigger); the log reads only
    # the pages on screen, so jumping to the oldest is immediate.
    at = clock.now().replace(tzinfo=None)
    with db.engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO entry (at, device, person_id, temp_c, mode, status, reason, note,"
            " created_at, created_by, gate) VALUES (?, 'north-ir-1', NULL, 36.5, 'ir',"
            " 'normal', '', '', ?, 'engine', 'north')",
            [(at, at)] * 50_000,
        )
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await gate_ready(pilot)
        log = app.screen.query_one(EntryLog)
        assert log.row_count == 50_000
        await shows(pilot, "入校记录 50,000 条")
        await pilot.press("end")
        await until(pilot, lambda: log.selected_row is not None)
        assert log.selected_row is not None and log.selected_row.id == 1
        assert len(log._cache) <= 4, "only the pages on screen are read"


async def test_a_failed_read_is_shown_and_the_console_recovers_by_itself(
    make_app: MakeApp, db: Database, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = entries.newest_entries
    failures = [OperationalError("SELECT", {}, Exception("disk I/O error"))] * 2

    def flaky(*args: Any, **kwargs: Any) -> list[EntryRow]:
        if failures:
            raise failures.pop()
        return real(*args, **kwargs)

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await gate_ready(pilot)
        monkeypatch.setattr(entries, "newest_entries", flaky)
        engine_reading(db, clock, person_id="S1001", temp_c=36.5)
        await shows(pilot, "数据库 连接中断")
        await shows(pilot, "张*明", timeout=8)
        assert app.is_running and app.database_problem == ""


async def test_a_database_failure_is_shown_until_the_next_good_read(
    make_app: MakeApp, db: Database, clock: ManualClock
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await gate_ready(pilot)
        app.post_message(DatabaseFailed("server closed the connection"))
        await shows(pilot, "数据库 连接中断")
        engine_reading(db, clock, person_id=None, temp_c=36.5)
        await until(pilot, lambda: app.database_problem == "")
        assert "数据库 连接中断" not in screen_text(app)


async def test_the_gate_screen_shows_only_this_gates_entries(
    make_app: MakeApp, db: Database, clock: ManualClock
) -> None:
    ours = engine_reading(db, clock, person_id="S1001", temp_c=36.5)
    clock.advance(5)
    engine_reading(db, clock, person_id="S1002", temp_c=36.6, gate="east", device="east-ir-1")
    app = make_app(lang="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await gate_ready(pilot)
        await shows(pilot, "Entries: 1 ")
        assert "36.5C" in screen_text(app) and "36.6C" not in screen_text(app)
        assert "east-ir-1" not in screen_text(app)
        last = app.screen.query_one(LastReading)
        assert last.row is not None and last.row.id == ours
