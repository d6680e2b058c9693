"""Where the project's files live: shipped data, the user's config and data directories.

Everything the code reads at run time ships inside the package and is found through
``importlib.resources``, so an editable checkout, a wheel and a pipx install behave alike. In a
checkout ``duty_console/data/defaults`` and ``duty_console/data/sample`` are links to the
top-level ``data/`` folders (the place a school edits); the wheel carries copies. An admin's
copied folder is still loaded with ``init --defaults DIR``.
"""

from importlib import resources
from pathlib import Path

import platformdirs


def _shipped(*parts: str) -> Path:
    """A directory shipped in the package, as a path (the package is never zipped)."""
    return Path(str(resources.files("duty_console").joinpath(*parts)))


PACKAGE_DIR = _shipped()
DATA_DIR = _shipped("data")
DEFAULTS_DIR = DATA_DIR / "defaults"
SAMPLE_DIR = DATA_DIR / "sample"
MIGRATIONS_DIR = _shipped("db", "migrations")
LOCALE_DIR = _shipped("locale")

APP_NAME = "duty-console"


def user_config_file() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME)) / "duty-console.toml"


def user_data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME))
