"""Layers you can see: the domain and the database code never import Textual or pyserial."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Runs in a fresh interpreter: an import hook refuses textual and serial, then every module of
# duty_console.domain and duty_console.db is imported (migrations run only under Alembic).
PROBE = """
import importlib, pkgutil, sys

BLOCKED = ("textual", "serial")

class Refuse:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ImportError(f"{name} imported from the domain or db layer")
        return None

sys.meta_path.insert(0, Refuse())
imported = []
for package_name in ("duty_console.domain", "duty_console.db"):
    package = importlib.import_module(package_name)
    for info in pkgutil.walk_packages(package.__path__, package_name + "."):
        if ".migrations" in info.name:
            continue
        importlib.import_module(info.name)
        imported.append(info.name)
print("\\n".join(imported))
"""


def test_domain_and_db_import_without_textual_or_pyserial() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    imported = set(result.stdout.split())
    assert {"duty_console.domain.entries", "duty_console.domain.people"} <= imported
    assert "duty_console.db.feed" in imported


def test_the_probe_does_refuse_textual() -> None:
    probe = PROBE.replace('("duty_console.domain", "duty_console.db")', '("duty_console.tui",)')
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode != 0
    assert "textual" in result.stderr


def test_the_entry_log_reads_without_textual() -> None:
    """Reading and searching the log's pages is apart from rendering them (tui.log_source)."""
    probe = PROBE.split("imported = []")[0] + (
        "import duty_console.tui.log_source, duty_console.tui.text\nprint('ok')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
