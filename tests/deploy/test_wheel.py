"""A wheel that carries everything: built with `python -m build`, installed with its
dependencies into a fresh virtual environment outside the checkout, and run there the way a new
user would: `init`, `status`, `demo --help`, and `init --defaults` with an admin's copied folder.

Slow (a build and a venv with every dependency): run with `make slow`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


def _run(args: list[str], cwd: Path, env: dict[str, str], timeout: float = 600) -> str:
    result = subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert result.returncode == 0, f"{args}: {result.returncode}\n{result.stdout}\n{result.stderr}"
    return result.stdout + result.stderr


@pytest.fixture(scope="module")
def installed() -> tuple[Path, Path, dict[str, str]]:
    """(the fresh venv's bin, a working folder outside the checkout, the environment)."""
    work = Path(tempfile.mkdtemp(prefix="duty-wheel-"))
    assert ROOT not in work.parents
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    dist = work / "dist"
    # The build is isolated (its own setuptools from the same index pip is set up with).
    _run([sys.executable, "-m", "build", "--outdir", str(dist), str(ROOT)], work, env)
    wheels = list(dist.glob("duty_console-*.whl"))
    assert len(wheels) == 1, wheels
    venv.create(work / "venv", with_pip=True)
    bin_dir = work / "venv" / "bin"
    # With its dependencies, from the index (or --find-links) pip is configured with.
    _run([str(bin_dir / "python"), "-m", "pip", "install", "--quiet", str(wheels[0])], work, env)
    yield bin_dir, work, env
    shutil.rmtree(work, ignore_errors=True)


def test_the_installed_wheel_finds_its_data_outside_the_checkout(installed) -> None:
    bin_dir, work, env = installed
    probe = (
        "import duty_console.paths as p, devices.profile as d; "
        "print(p.DEFAULTS_DIR); print(p.MIGRATIONS_DIR); print(len(d.profile_names()))"
    )
    out = _run([str(bin_dir / "python"), "-c", probe], work, env).split()
    assert all(str(ROOT) not in line for line in out[:2]), out
    assert "site-packages" in out[0] and out[2] == "7"


def test_init_status_and_demo_run_from_the_wheel(installed) -> None:
    bin_dir, work, env = installed
    site = work / "site"
    site.mkdir()
    config = site / "duty-console.toml"
    config.write_text(
        f'[database]\nurl = "sqlite:///{site}/duty.db"\n[site]\ngate = "north"\n',
        encoding="utf-8",
    )
    config.chmod(0o600)
    dc = str(bin_dir / "duty-console")
    out = _run([dc, "init", "--config", str(config)], site, env)
    assert "schema empty ->" in out
    assert "Defaults from" in out and "site-packages" in out
    out = _run([dc, "status", "--config", str(config), "--format", "json"], site, env)
    assert '"gate": "north"' in out
    out = _run([dc, "demo", "--help"], site, env)
    assert "--db" in out
    out = _run([dc, "audit", "verify", "--config", str(config)], site, env)
    assert "intact" in out


def test_an_admins_copied_defaults_folder_still_loads(installed) -> None:
    bin_dir, work, env = installed
    site = work / "site2"
    site.mkdir()
    config = site / "duty-console.toml"
    config.write_text(f'[database]\nurl = "sqlite:///{site}/duty.db"\n', encoding="utf-8")
    config.chmod(0o600)
    copied = site / "our-defaults"
    shutil.copytree(ROOT / "data" / "defaults", copied)
    rooms = copied / "rooms.toml"
    text = rooms.read_text("utf-8").replace("Isolation 1", "Observation 1")
    rooms.write_text(text, encoding="utf-8")
    dc = str(bin_dir / "duty-console")
    out = _run([dc, "init", "--config", str(config), "--defaults", str(copied)], site, env)
    assert f"Defaults from {copied}" in out
    out = _run([dc, "room", "list", "--config", str(config)], site, env)
    assert "Observation 1 (respiratory)" in out
