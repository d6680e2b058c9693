"""Who a command acts as: the Unix account mapped in [access], also when it came through sudo."""

from __future__ import annotations

import os

import pytest

from duty_console.config import parse_settings
from duty_console.errors import PermissionDenied
from duty_console.runtime import Runtime, cli_actor, login_user, unix_user

pytestmark = pytest.mark.skipif(os.getuid() != 0, reason="chown needs root")


def runtime_with(db, unix_users: dict[str, str]) -> Runtime:
    settings = parse_settings({"access": {"unix_users": unix_users}}, "test")
    return Runtime(settings=settings, db=db)


def test_sudo_to_the_database_owner_acts_as_the_mapped_person(db, monkeypatch) -> None:
    rt = runtime_with(db, {"officer": "T002"})
    monkeypatch.setenv("SUDO_USER", "officer")
    assert login_user(rt) == ("officer", True)
    actor = cli_actor(rt)
    assert (actor.staff_id, actor.role) == ("T002", "officer")


def test_an_unmapped_sudo_user_is_not_the_installer(db, monkeypatch) -> None:
    rt = runtime_with(db, {"officer": "T002"})
    monkeypatch.setenv("SUDO_USER", "visitor")
    with pytest.raises(PermissionDenied, match="'visitor' is not mapped"):
        cli_actor(rt)
    monkeypatch.delenv("SUDO_USER")
    assert cli_actor(rt).role == "admin"  # the owner itself, logged in directly


def test_sudo_user_set_by_hand_is_ignored_when_not_running_as_the_owner(db, monkeypatch) -> None:
    rt = runtime_with(db, {"officer": "T002"})
    assert db.path is not None
    os.chown(db.path, 12345, -1)  # the database belongs to another account
    monkeypatch.setenv("SUDO_USER", "officer")
    assert login_user(rt) == (unix_user(), False)
    with pytest.raises(PermissionDenied):
        cli_actor(rt)
