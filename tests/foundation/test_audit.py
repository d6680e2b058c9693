"""The audit trail: every write is attributed, and `audit verify` catches edits and removals."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from duty_console.paths import SAMPLE_DIR
from duty_console.runtime import unix_user
from tests.foundation.helpers import Result, map_me_to, rows, write_config

Cli = Callable[..., Result]


def _audit(path: Path) -> list[tuple[object, ...]]:
    return rows(path, "SELECT id, at, actor, action, target, gate, details FROM audit ORDER BY id")


def attacker(path: Path) -> sqlite3.Connection:
    """Someone who can write the database file: first they drop the append-only triggers."""
    conn = sqlite3.connect(path)
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'"):
        conn.execute(f"DROP TRIGGER {name}")
    return conn


def _parse_utc(value: object) -> datetime:
    return datetime.fromisoformat(str(value)).replace(tzinfo=UTC)


@pytest.fixture
def busy_db(cli: Cli, empty_db: Path) -> Path:
    """Defaults, the sample roster and two staff members, all written through the CLI."""
    config = empty_db.parent / "duty-console.toml"
    assert cli("people", "import", SAMPLE_DIR / "roster.csv", "--config", config).code == 0
    assert cli("staff", "add", "--id", "T004", "--name", "赵敏", "--role", "admin").code == 0
    assert cli("staff", "add", "--id", "T009", "--name", "Ann Lee", "--role", "duty").code == 0
    return empty_db


def test_service_writes_append_attributed_records(cli: Cli, empty_db: Path) -> None:
    start = datetime.now(UTC) - timedelta(seconds=1)
    before = len(_audit(empty_db))
    roster = SAMPLE_DIR / "roster.csv"
    assert cli("people", "import", roster).code == 0
    assert cli("staff", "add", "--id", "T004", "--name", "赵敏", "--role", "admin").code == 0
    end = datetime.now(UTC) + timedelta(seconds=1)

    new = _audit(empty_db)[before:]
    assert [r[3] for r in new] == ["people.import", "staff.add"]
    me = f"unix:{unix_user()}"
    for _id, at, actor, _action, _target, gate, _details in new:
        assert actor == me  # the installer's account: it owns the database file
        assert gate == "north"
        assert start <= _parse_utc(at) <= end
    assert new[0][4] == str(roster)
    assert '"added":342' in str(new[0][6])
    assert new[1][4] == "T004"
    assert '"role":"admin"' in str(new[1][6])


def test_a_mapped_unix_account_is_attributed_to_its_staff_member(
    cli: Cli, busy_db: Path, tmp_path: Path
) -> None:
    write_config(
        tmp_path / "duty-console.toml",
        gate="south",
        extra=map_me_to("T004"),
    )
    assert cli("staff", "add", "--id", "T010", "--name", "Bo Wu", "--role", "doctor").code == 0
    last = _audit(busy_db)[-1]
    assert last[2:6] == ("T004", "staff.add", "T010", "south")


def test_verify_passes_on_an_intact_chain(cli: Cli, busy_db: Path) -> None:
    n = len(_audit(busy_db))
    result = cli("audit", "verify")
    assert result.code == 0, result.err
    assert f"intact: {n} records checked" in result.out


def test_editing_a_record_by_hand_is_caught_and_named(cli: Cli, busy_db: Path) -> None:
    records = _audit(busy_db)
    victim = records[len(records) // 2]
    conn = attacker(busy_db)
    with conn:
        conn.execute(
            "UPDATE audit SET details = ? WHERE id = ?",
            (str(victim[6]).replace("}", ',"x":1}'), victim[0]),
        )
    conn.close()

    result = cli("audit", "verify")
    assert result.code == 1
    assert f"BROKEN at record {victim[0]}:" in result.err
    assert "changed" in result.err
    assert "Traceback" not in result.err


@pytest.mark.parametrize("column", ["actor", "at", "gate"])
def test_editing_who_when_or_where_is_caught(cli: Cli, busy_db: Path, column: str) -> None:
    victim = _audit(busy_db)[1]
    value = {"actor": "T001", "at": "2026-01-01 00:00:00.000000", "gate": "south"}[column]
    conn = attacker(busy_db)
    with conn:
        conn.execute(f"UPDATE audit SET {column} = ? WHERE id = ?", (value, victim[0]))
    conn.close()
    result = cli("audit", "verify")
    assert result.code == 1
    assert f"BROKEN at record {victim[0]}:" in result.err


def test_deleting_a_middle_record_is_caught_at_the_next_one(cli: Cli, busy_db: Path) -> None:
    ids = [int(str(r[0])) for r in _audit(busy_db)]
    assert len(ids) >= 4
    middle = ids[len(ids) // 2]
    following = ids[ids.index(middle) + 1]
    conn = attacker(busy_db)
    with conn:
        conn.execute("DELETE FROM audit WHERE id = ?", (middle,))
    conn.close()

    result = cli("audit", "verify")
    assert result.code == 1
    assert f"BROKEN at record {following}:" in result.err
    assert "removed" in result.err
    assert f"{ids.index(middle)} records before it are intact" in result.err


def test_deleting_the_first_record_is_caught(cli: Cli, busy_db: Path) -> None:
    ids = [int(str(r[0])) for r in _audit(busy_db)]
    conn = attacker(busy_db)
    with conn:
        conn.execute("DELETE FROM audit WHERE id = ?", (ids[0],))
    conn.close()
    result = cli("audit", "verify")
    assert result.code == 1
    assert f"BROKEN at record {ids[1]}:" in result.err


def test_a_cut_off_tail_is_caught_with_a_head_written_down_earlier(cli: Cli, busy_db: Path) -> None:
    first = cli("audit", "verify")
    assert first.code == 0
    head = first.out.strip().rsplit("head ", 1)[1].rstrip(".")
    assert len(head) == 64
    # Later writes move the head on; the old head is still in the chain.
    assert cli("staff", "add", "--id", "T010", "--name", "Bo Wu", "--role", "duty").code == 0
    assert cli("audit", "verify", "--head", head).code == 0
    # Someone removes the newest records: the chain alone still links up...
    ids = [int(str(r[0])) for r in _audit(busy_db)]
    conn = attacker(busy_db)
    with conn:
        conn.execute("DELETE FROM audit WHERE id >= ?", (ids[-2],))
    conn.close()
    assert cli("audit", "verify").code == 0
    # ...but not the head written down before.
    result = cli("audit", "verify", "--head", head)
    assert result.code == 1
    assert head in result.err and "removed from its end" in result.err
