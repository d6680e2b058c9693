"""The CLI run in-process, as in the foundation tests."""

from tests.foundation.conftest import _isolated_env, cli  # noqa: F401
