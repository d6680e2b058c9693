"""The console fixtures (make_app on the test database) for the fault tests too."""

from tests.tui.conftest import _restore_language, make_app  # noqa: F401
