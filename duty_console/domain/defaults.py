"""Load ``data/defaults`` (areas, rooms, playbooks, categories, supplies) into the database.

Idempotent: a second run changes nothing and writes no audit record. A playbook is versioned:
a changed file must carry a new ``version`` to be loaded (old incidents keep their version).
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlmodel import Session, SQLModel, select

from duty_console.db.models import (
    Area,
    AreaType,
    IsolationRoom,
    Playbook,
    PlaybookStep,
    Supply,
    WatchCategory,
)
from duty_console.domain import audit
from duty_console.domain.actors import Actor
from duty_console.domain.clock import SYSTEM_CLOCK, Clock
from duty_console.domain.permissions import require
from duty_console.errors import UserError
from duty_console.i18n import N_


@dataclass
class LoadResult:
    changed: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def bump(self, what: str) -> None:
        self.changed[what] = self.changed.get(what, 0) + 1

    @property
    def total(self) -> int:
        return sum(self.changed.values())


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        return {}
    except tomllib.TOMLDecodeError as exc:
        raise UserError(N_("{path}: not valid TOML ({why})."), path=path, why=exc) from exc


def _fields(model: type[SQLModel], raw: dict[str, Any], path: Path, what: str) -> dict[str, Any]:
    known = set(model.model_fields)
    unknown = sorted(set(raw) - known)
    if unknown:
        raise UserError(
            N_("{path}: a {what} has unknown key(s) {keys}."), path=path, what=what, keys=unknown
        )
    return raw


def _upsert(
    session: Session, model: type[SQLModel], key: str, values: dict[str, Any], result: LoadResult
) -> None:
    column = getattr(model, key)
    row = session.exec(select(model).where(column == values[key])).first()
    if row is None:
        session.add(model(**values))
        result.bump(model.__tablename__)  # type: ignore[arg-type]
        return
    if any(getattr(row, k) != v for k, v in values.items()):
        for k, v in values.items():
            setattr(row, k, v)
        session.add(row)
        result.bump(model.__tablename__)  # type: ignore[arg-type]


def _load_areas(session: Session, base: Path, result: LoadResult) -> None:
    path = base / "areas.toml"
    data = _read(path)
    for raw in data.get("area_type", []):
        _upsert(session, AreaType, "key", _fields(AreaType, raw, path, "area_type"), result)
    session.flush()
    types = {t.key for t in session.exec(select(AreaType))}
    for raw in data.get("area", []):
        values = _fields(Area, raw, path, "area")
        if values.get("type") not in types:
            raise UserError(
                N_("{path}: area '{code}' has unknown type '{type}'."),
                path=path,
                code=values.get("code"),
                type=values.get("type"),
            )
        _upsert(session, Area, "code", values, result)


def _load_simple(
    session: Session, path: Path, table: str, model: type[SQLModel], key: str, result: LoadResult
) -> None:
    for raw in _read(path).get(table, []):
        if model is IsolationRoom and "area" in raw:
            raw = {**{k: v for k, v in raw.items() if k != "area"}, "area_code": raw["area"]}
        values = _fields(model, raw, path, table)
        # Stock counts belong to the school once loaded; defaults only create missing ones.
        if model is Supply and session.get(Supply, values["key"]) is not None:
            continue
        _upsert(session, model, key, values, result)


_STEP_KEYS = set(PlaybookStep.model_fields) - {"id", "playbook_id"}


def _load_playbook(session: Session, path: Path, result: LoadResult) -> None:
    data = _read(path)
    steps = data.pop("step", [])
    for key in ("key", "version", "title_zh", "title_en"):
        if key not in data:
            raise UserError(N_("{path}: the playbook lacks '{key}'."), path=path, key=key)
    for i, step in enumerate(steps, 1):
        unknown = sorted(set(step) - _STEP_KEYS)
        if unknown:
            raise UserError(
                N_("{path}: step {n} has unknown key(s) {keys}."), path=path, n=i, keys=unknown
            )
    digest = hashlib.sha256(
        json.dumps({"head": data, "steps": steps}, sort_keys=True, ensure_ascii=False).encode()
    ).hexdigest()
    existing = session.exec(
        select(Playbook).where(Playbook.key == data["key"], Playbook.version == data["version"])
    ).first()
    if existing is not None:
        if existing.content_hash != digest:
            result.warnings.append(
                f"{path.name}: playbook {data['key']} version {data['version']} changed on disk "
                "but kept its version number; raise 'version' to load the new text."
            )
        return
    head = {k: data[k] for k in ("key", "version", "title_zh", "title_en")}
    playbook = Playbook(**head, source=data.get("source", ""), content_hash=digest)
    session.add(playbook)
    session.flush()
    for step in steps:
        session.add(PlaybookStep(playbook_id=playbook.id, **step))  # type: ignore[arg-type]
    result.bump("playbook")


def load_defaults(
    session: Session, actor: Actor, base: Path, *, clock: Clock = SYSTEM_CLOCK
) -> LoadResult:
    require(actor, "defaults.load")
    result = LoadResult()
    _load_areas(session, base, result)
    _load_simple(session, base / "rooms.toml", "room", IsolationRoom, "code", result)
    _load_simple(session, base / "watch_categories.toml", "category", WatchCategory, "key", result)
    _load_simple(session, base / "supplies.toml", "supply", Supply, "key", result)
    for path in sorted((base / "playbooks").glob("*.toml")):
        _load_playbook(session, path, result)
    session.flush()
    if result.total:
        audit.append(session, actor, "defaults.load", str(base), result.changed, clock=clock)
    return result


def latest_playbook(session: Session, key: str) -> Playbook | None:
    return session.exec(
        select(Playbook).where(Playbook.key == key).order_by(Playbook.version.desc())  # type: ignore[attr-defined]
    ).first()
