"""Where the project's files live: shipped data, the user's config and data directories."""

from pathlib import Path

import platformdirs

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent
DATA_DIR = PROJECT_DIR / "data"
DEFAULTS_DIR = DATA_DIR / "defaults"
SAMPLE_DIR = DATA_DIR / "sample"
MIGRATIONS_DIR = PACKAGE_DIR / "db" / "migrations"
LOCALE_DIR = PACKAGE_DIR / "locale"

APP_NAME = "duty-console"


def user_config_file() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME)) / "duty-console.toml"


def user_data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME))
