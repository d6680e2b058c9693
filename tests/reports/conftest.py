"""The report tests use the foundation's in-process CLI and isolated environment."""

from tests.foundation.conftest import _isolated_env, cli  # noqa: F401
