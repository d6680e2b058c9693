"""Migration 0002 keeps old entries meaningful; the playbooks speak the site's fever line."""

from __future__ import annotations

import tomllib
from datetime import timedelta
from pathlib import Path

from alembic import command
from sqlalchemy import text

from duty_console.db import schema
from duty_console.db.connect import Database
from duty_console.domain.incidents import step_text
from duty_console.paths import DEFAULTS_DIR
from tests.conftest import T0


def test_old_entries_get_their_mode_kind_and_fever_endings(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'old.db'}")
    cfg = schema.alembic_config(db)
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
    rows = [
        # id, at, mode, status, recheck_of
        (1, T0 - timedelta(days=3), "body", "fever", None),  # long ago, never rechecked
        (2, T0 - timedelta(minutes=10), "surface", "fever", None),  # rechecked below
        (3, T0 - timedelta(minutes=8), "contact", "recheck_normal", 2),
        (4, T0 - timedelta(minutes=1), "body", "fever", None),  # still open
    ]
    with db.engine.begin() as conn:
        for id_, at, mode, status, recheck_of in rows:
            conn.execute(
                text(
                    "INSERT INTO entry (id, at, device, mode, status, reason, note, recheck_of,"
                    " created_at, created_by, gate) VALUES (:id, :at, 'ir-1', :mode, :status,"
                    " '', '', :recheck_of, :at, 'engine', 'north')"
                ),
                {
                    "id": id_,
                    "at": at.replace(tzinfo=None),
                    "mode": mode,
                    "status": status,
                    "recheck_of": recheck_of,
                },
            )
    schema.upgrade(db)
    with db.engine.connect() as conn:
        got = {
            r[0]: tuple(r[1:])
            for r in conn.execute(text("SELECT id, mode, kind, resolution FROM entry"))
        }
    assert got == {
        1: ("ir", "body", "closed"),
        2: ("ir", "surface", "rechecked"),
        3: ("contact", "", ""),
        4: ("ir", "body", ""),  # open: it shows as overdue until someone acts
    }
    db.dispose()


def test_no_playbook_hard_codes_the_fever_line() -> None:
    for path in sorted((DEFAULTS_DIR / "playbooks").glob("*.toml")):
        data = tomllib.loads(path.read_text("utf-8"))
        for step in data["step"]:
            for key in ("title_zh", "title_en", "detail_zh", "detail_en"):
                assert "37.3" not in step.get(key, ""), (path.name, step["n"], key)
    detail = tomllib.loads((DEFAULTS_DIR / "playbooks" / "fever-at-gate.toml").read_text("utf-8"))[
        "step"
    ][0]["detail_en"]
    assert "(38.0 °C)" in step_text(detail, 38.0)
