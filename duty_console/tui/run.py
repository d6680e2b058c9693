"""Running the console from the command line (``duty-console tui`` / ``duty-console demo``)."""

from __future__ import annotations

import sys

from duty_console.domain.actors import Actor
from duty_console.i18n import resolve_language
from duty_console.runtime import Runtime


def run_console(rt: Runtime, actor: Actor | None, *, lang: str | None, mouse: bool = True) -> int:
    """Run the console in this terminal until the user quits; returns the exit code.

    ``lang``: ``--lang`` as given (None to use the config's ``site.locale``, then ``$LANG``).
    ``actor`` None shows the sign-in screen (staff number + PIN). A vanished terminal (SIGHUP,
    or an SSH session that dropped) or SIGTERM ends the console cleanly with 0.
    """
    from duty_console.tui.app import DutyConsoleApp

    app = DutyConsoleApp(rt, actor, lang=resolve_language(lang, rt.settings))
    app.watch_terminal = True
    try:
        app.run(mouse=mouse)
    except OSError:
        # Restoring a terminal that has gone away fails with EIO; there is nobody to tell.
        if app.hung_up:
            return 0
        raise
    if app.hung_up:
        return 0
    if app.return_code not in (None, 0):
        print("The console stopped because of an error (shown above).", file=sys.stderr)
    return app.return_code or 0
