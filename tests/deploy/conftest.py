"""The deployment tests run the CLI in-process like the foundation tests."""

from tests.foundation.conftest import _isolated_env, cli

__all__ = ["_isolated_env", "cli"]
