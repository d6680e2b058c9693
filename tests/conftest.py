"""Shared fixtures: a real SQLite file with the schema, defaults, sample roster and staff."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from duty_console.config import Settings, parse_settings
from duty_console.db import schema
from duty_console.db.connect import Database
from duty_console.domain import defaults, people, staff
from duty_console.domain.actors import Actor, system_actor
from duty_console.domain.clock import ManualClock
from duty_console.paths import DEFAULTS_DIR, SAMPLE_DIR
from duty_console.runtime import Runtime
from tests.pg import pg_server  # noqa: F401  (the session's PostgreSQL server fixture)

# 2026-11-29 08:00 in Asia/Shanghai.
T0 = datetime(2026, 11, 29, 0, 0, 0, tzinfo=UTC)
# The audit chain's key in every test database (a gate's lives in a 0600 file beside its config).
AUDIT_KEY = bytes(range(32))


def write_audit_key(path: Path) -> Path:
    """The test key as a key file (hex, mode 0600), as `init` makes it."""
    path.write_text(AUDIT_KEY.hex() + "\n", encoding="ascii")
    path.chmod(0o600)
    return path


def build_database(path: Path, *, roster: bool = True) -> Database:
    db = Database(f"sqlite:///{path}", audit_key=AUDIT_KEY)
    schema.upgrade(db)
    installer = system_actor(gate="north", name="installer")
    with db.write() as session:
        defaults.load_defaults(session, installer, DEFAULTS_DIR)
        if roster:
            people.import_roster(
                session, installer, (SAMPLE_DIR / "roster.csv").read_bytes(), source="roster.csv"
            )
            for s in tomllib.loads((SAMPLE_DIR / "staff.toml").read_text("utf-8"))["staff"]:
                staff.add_or_update(
                    session, installer, s["staff_id"], s["name"], s["role"], s.get("pin")
                )
    return db


@pytest.fixture(autouse=True)
def _not_through_sudo(monkeypatch: pytest.MonkeyPatch) -> None:
    """`sudo make test` must not make every command act as the sudo user."""
    monkeypatch.delenv("SUDO_USER", raising=False)


@pytest.fixture(scope="session")
def _template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Built once per run (scrypt PINs are slow on purpose); copied for each test."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    build_database(path).dispose()
    return path


@pytest.fixture
def db(tmp_path: Path, _template_db: Path) -> Iterator[Database]:
    target = tmp_path / "duty.db"
    target.write_bytes(_template_db.read_bytes())
    target.chmod(0o600)
    database = Database(f"sqlite:///{target}", audit_key=AUDIT_KEY)
    yield database
    database.dispose()


@pytest.fixture
def settings() -> Settings:
    return parse_settings({"site": {"name": "示例中学", "gate": "north"}}, "test")


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0)


@pytest.fixture
def runtime(db: Database, settings: Settings, clock: ManualClock) -> Runtime:
    return Runtime(settings=settings, db=db, clock=clock)


@pytest.fixture
def duty_actor() -> Actor:
    return Actor(staff_id="T001", name="李华", role="duty", gate="north", via="console")


@pytest.fixture
def officer_actor() -> Actor:
    return Actor(staff_id="T002", name="王强", role="officer", gate="north", via="ssh")
