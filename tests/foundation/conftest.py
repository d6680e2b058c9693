"""Fixtures for the foundation tests: an isolated environment, the CLI run in-process."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from duty_console.cli import main
from tests.conftest import build_database
from tests.foundation.helpers import Result, write_config


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No stray config: no $DUTY_CONSOLE_CONFIG, a clean cwd, private XDG dirs."""
    monkeypatch.delenv("DUTY_CONSOLE_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., Result]:
    """Run `duty-console ARGS` in this process; argparse exits become exit codes."""

    def run(*argv: str | Path) -> Result:
        capsys.readouterr()
        try:
            code = main([str(a) for a in argv])
        except SystemExit as exc:
            code = 0 if exc.code is None else exc.code if isinstance(exc.code, int) else 1
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


@pytest.fixture(scope="session")
def _empty_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Schema and defaults, no roster, no staff (built once per run)."""
    path = tmp_path_factory.mktemp("foundation") / "empty.db"
    build_database(path, roster=False).dispose()
    return path


@pytest.fixture
def empty_db(tmp_path: Path, _empty_template: Path) -> Path:
    """tmp_path/duty.db with schema and defaults, and tmp_path/duty-console.toml naming it."""
    target = tmp_path / "duty.db"
    shutil.copyfile(_empty_template, target)
    target.chmod(0o600)
    write_config(tmp_path / "duty-console.toml")
    return target


@pytest.fixture
def config(tmp_path: Path) -> Path:
    """tmp_path/duty-console.toml naming tmp_path/duty.db."""
    return write_config(tmp_path / "duty-console.toml")
