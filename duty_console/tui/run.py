"""Running the console from the command line (``duty-console tui`` / ``duty-console demo``)."""

from __future__ import annotations

import sys
from typing import Any, TextIO

from duty_console.domain.actors import Actor
from duty_console.i18n import resolve_language
from duty_console.runtime import Runtime


class _TerminalFile:
    """The terminal Textual writes to, minus the errors once the terminal has gone.

    When an SSH session drops, writing to its terminal fails (EIO). Textual's output thread
    dies on the first such error and the event loop then blocks for ever on the full output
    queue, so neither SIGHUP nor the terminal watchdog could end the console. Swallowing the
    error keeps the loop alive to notice and exit.
    """

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self.gone = False

    def write(self, text: str) -> int:
        if self.gone:
            return len(text)
        try:
            return self._stream.write(text)
        except OSError:
            self.gone = True
            return len(text)

    def flush(self) -> None:
        if self.gone:
            return
        try:
            self._stream.flush()
        except OSError:
            self.gone = True

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def run_console(rt: Runtime, actor: Actor | None, *, lang: str | None, mouse: bool = True) -> int:
    """Run the console in this terminal until the user quits; returns the exit code.

    ``lang``: ``--lang`` as given (None to use the config's ``site.locale``, then ``$LANG``).
    ``actor`` None shows the sign-in screen (staff number + PIN). Signing out (Ctrl+Q at the gate
    for anyone but an admin, or an idle console) starts the console again at the sign-in
    screen, never returning to the shell. A vanished terminal (SIGHUP, or an SSH session that
    dropped) or SIGTERM ends the console cleanly with 0.
    """
    from duty_console.tui.app import DutyConsoleApp, check_keymap

    check_keymap(rt.settings.keys, rt.settings.source or "config")
    language = resolve_language(lang, rt.settings)
    while True:
        app = DutyConsoleApp(rt, actor, lang=language)
        code = _run_once(app, mouse)
        if app.signed_out and not app.hung_up:
            actor = None  # signed out or idle: the next person signs in afresh
            continue
        return code


def _run_once(app: Any, mouse: bool) -> int:
    app.watch_terminal = True
    terminal = sys.__stderr__
    guarded = _TerminalFile(terminal) if terminal is not None else None
    if guarded is not None:
        sys.__stderr__ = guarded  # type: ignore[assignment,misc]  # Textual's driver writes here
    try:
        app.run(mouse=mouse)
    except OSError:
        # Restoring a terminal that has gone away fails; there is nobody left to tell.
        if not (app.hung_up or (guarded is not None and guarded.gone)):
            raise
    finally:
        app.stop_live_feed()
        if guarded is not None:
            sys.__stderr__ = terminal  # type: ignore[misc]
    if guarded is not None and guarded.gone:
        app.hung_up = True
    if app.hung_up:
        return 0
    if app.return_code not in (None, 0):
        print("The console stopped because of an error (shown above).", file=sys.stderr)
    return int(app.return_code or 0)
