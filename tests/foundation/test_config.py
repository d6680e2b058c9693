"""Configuration mistakes are one clear sentence naming the file and the key (DESIGN §3.1, §3.2)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from duty_console.config import load_settings
from tests.foundation.helpers import Result, write_config

Cli = Callable[..., Result]

BASE = '[database]\nurl = "sqlite:///duty.db"\n[site]\ngate = "north"\n'


def _assert_one_short_error(result: Result, *needles: str) -> None:
    assert result.code == 1, result
    assert result.out == ""
    assert "Traceback" not in result.err
    lines = result.err.strip().splitlines()
    assert len(lines) <= 2, result.err
    assert lines[0].startswith("duty-console: ")
    for needle in needles:
        assert needle in result.err, (needle, result.err)


@pytest.mark.parametrize(
    ("body", "needles"),
    [
        pytest.param(
            BASE + "[screening]\nfever_treshold_c = 37.5\n",
            ["[screening] fever_treshold_c", "not a known key", "check the spelling"],
            id="misspelt-key",
        ),
        pytest.param(
            BASE + '[screening]\nfever_threshold_c = "hot"\n',
            ["[screening] fever_threshold_c", "expected a number", "'hot'"],
            id="wrong-type",
        ),
        pytest.param(
            BASE + '[[devices]]\nname = "ir"\nrole = "thermometer"\nport = "loop://"\n'
            'profile = "mlx90615-ascii"\n',
            ["[[devices]] #1 profile", "mlx90614-ascii", "'mlx90615-ascii'"],
            id="unknown-profile",
        ),
        pytest.param(
            BASE + "[screen]\nfever_threshold_c = 37.5\n",
            ["[screen]", "not a known section", "[screening]"],
            id="unknown-section",
        ),
        pytest.param(
            '[database]\nurl = "sqlite:///duty.db"\n[site]\ntimezone = "Asia/Shanghia"\n',
            ["[site] timezone", "Asia/Shanghia", "IANA timezone"],
            id="bad-timezone",
        ),
        pytest.param(
            BASE + "[screening]\nfever_threshold_c = 37.5.1\n",
            ["not valid TOML", "line 6"],
            id="bad-toml",
        ),
    ],
)
def test_config_mistake_is_one_short_sentence_naming_file_and_key(
    cli: Cli, tmp_path: Path, body: str, needles: list[str]
) -> None:
    cfg = tmp_path / "school.toml"
    cfg.write_text(body, encoding="utf-8")
    result = cli("init", "--config", cfg)
    _assert_one_short_error(result, str(cfg), *needles)
    assert not (tmp_path / "duty.db").exists(), "a bad config must not create a database"


def test_config_error_in_a_real_process_has_no_traceback(tmp_path: Path) -> None:
    cfg = tmp_path / "school.toml"
    cfg.write_text(BASE + "[screening]\nfever_treshold_c = 37.5\n", encoding="utf-8")
    env = {**os.environ, "DUTY_CONSOLE_CONFIG": str(cfg)}
    proc = subprocess.run(
        [sys.executable, "-m", "duty_console", "audit", "verify"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip() == (
        f"duty-console: {cfg}: [screening] fever_treshold_c is not a known key "
        "(check the spelling)."
    )


def test_debug_shows_the_traceback(cli: Cli, tmp_path: Path) -> None:
    cfg = tmp_path / "school.toml"
    cfg.write_text(BASE + "[screening]\nfever_treshold_c = 37.5\n", encoding="utf-8")
    result = cli("init", "--config", cfg, "--debug")
    assert result.code == 1
    assert "Traceback (most recent call last)" in result.err
    assert "fever_treshold_c is not a known key" in result.err


def test_debug_before_the_command_shows_the_traceback(cli: Cli, tmp_path: Path) -> None:
    cfg = tmp_path / "school.toml"
    cfg.write_text(BASE + "[screening]\nfever_treshold_c = 37.5\n", encoding="utf-8")
    result = cli("--debug", "init", "--config", cfg)
    assert "Traceback (most recent call last)" in result.err


def test_several_mistakes_report_the_first_and_count_the_rest(cli: Cli, tmp_path: Path) -> None:
    cfg = tmp_path / "school.toml"
    cfg.write_text(
        BASE + '[screening]\nfever_treshold_c = 37.5\nvalid_min_c = "cold"\n', encoding="utf-8"
    )
    result = cli("init", "--config", cfg)
    _assert_one_short_error(result, str(cfg), "1 more problem after this one")


def test_missing_config_file_named_by_option_or_environment(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = cli("init", "--config", tmp_path / "nope.toml")
    _assert_one_short_error(result, "nope.toml", "does not exist", "--config")
    monkeypatch.setenv("DUTY_CONSOLE_CONFIG", str(tmp_path / "gone.toml"))
    result = cli("init")
    _assert_one_short_error(result, "gone.toml", "does not exist", "$DUTY_CONSOLE_CONFIG")


def _three_configs(tmp_path: Path) -> tuple[Path, Path, Path]:
    explicit = write_config(tmp_path / "explicit" / "c.toml", "sqlite:///explicit.db")
    from_env = write_config(tmp_path / "env" / "c.toml", "sqlite:///env.db")
    local = write_config(tmp_path / "duty-console.toml", "sqlite:///local.db")
    return explicit, from_env, local


def test_lookup_order_option_then_environment_then_working_directory(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    explicit, from_env, _local = _three_configs(tmp_path)
    monkeypatch.setenv("DUTY_CONSOLE_CONFIG", str(from_env))

    result = cli("init", "--config", explicit)
    assert result.code == 0, result.err
    assert "explicit.db" in result.out
    assert (tmp_path / "explicit" / "explicit.db").exists()
    assert not (tmp_path / "env" / "env.db").exists()

    result = cli("init")
    assert result.code == 0, result.err
    assert "env.db" in result.out
    assert (tmp_path / "env" / "env.db").exists()
    assert not (tmp_path / "local.db").exists()

    monkeypatch.delenv("DUTY_CONSOLE_CONFIG")
    result = cli("init")
    assert result.code == 0, result.err
    assert "local.db" in result.out
    assert (tmp_path / "local.db").exists()


def test_config_option_before_the_command_is_honoured(cli: Cli, tmp_path: Path) -> None:
    explicit, _from_env, _local = _three_configs(tmp_path)
    result = cli("--config", explicit, "init")
    assert result.code == 0, result.err
    assert (tmp_path / "explicit" / "explicit.db").exists()
    assert "explicit.db" in result.out


def test_unreachable_database_names_the_database(cli: Cli, tmp_path: Path) -> None:
    url = "postgresql+psycopg://nobody@127.0.0.1:1/x"
    cfg = write_config(tmp_path / "c.toml", url)
    result = cli("init", "--config", cfg)
    _assert_one_short_error(result, "[database] url", "cannot reach", url)


def test_unsupported_database_url_is_explained(cli: Cli, tmp_path: Path) -> None:
    cfg = write_config(tmp_path / "c.toml", "mysql://root@localhost/duty")
    result = cli("init", "--config", cfg)
    _assert_one_short_error(result, "[database] url", "'mysql'", "not supported")


def test_relative_sqlite_path_is_relative_to_the_config_file(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = write_config(tmp_path / "etc" / "duty.toml", "sqlite:///data/duty.db")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)

    settings = load_settings(cfg)
    assert settings.database_url == f"sqlite:///{(tmp_path / 'etc' / 'data' / 'duty.db')}"

    result = cli("init", "--config", cfg)
    assert result.code == 0, result.err
    assert (tmp_path / "etc" / "data" / "duty.db").is_file()
    assert not (elsewhere / "data").exists()


def test_a_valid_config_gives_typed_settings(tmp_path: Path) -> None:
    cfg = write_config(
        tmp_path / "c.toml",
        extra='[screening]\nfever_threshold_c = 37.5\n[access]\nunix_users = { officer = "T002" }\n'
        '[[devices]]\nname = "north-ir-1"\nrole = "thermometer"\nport = "loop://"\n'
        'profile = "mlx90614-ascii"\noffset_c = 0.3\n',
    )
    settings = load_settings(cfg)
    assert settings.screening.fever_threshold_c == 37.5
    assert settings.screening.recheck_within_s == 300
    assert settings.access.unix_users == {"officer": "T002"}
    assert settings.devices[0].offset_c == pytest.approx(0.3)
    assert str(settings.site.tz) == "Asia/Shanghai"
    assert settings.source == str(cfg)
