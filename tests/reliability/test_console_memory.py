"""The console's memory at a busy gate: what the soak found, checked in seconds.

Every reading refreshes the gate's key bindings, and each refresh draws the footer's keys
again; Textual kept every key it had ever drawn (bound to the footer's ``compact``), about
200 MB an hour at a busy gate. The console's footer lets them go.
"""

from __future__ import annotations

import gc
from collections.abc import Callable

from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from duty_console.tui.app import DutyConsoleApp
from tests.tui.conftest import gate_ready


async def test_refreshing_the_bindings_forty_times_keeps_no_old_footer_keys(
    make_app: Callable[..., DutyConsoleApp],
) -> None:
    app = make_app(lang="en")
    async with app.run_test(size=(100, 30)) as pilot:
        await gate_ready(pilot)
        footer = app.screen.query_one(Footer)
        for _ in range(40):
            app.screen.refresh_bindings()
            await pilot.pause()
        await pilot.pause(0.2)
        gc.collect()
        keys = [o for o in gc.get_objects() if isinstance(o, FooterKey)]
        shown = len(footer.query(FooterKey))
        assert shown > 0
        assert len(keys) <= 3 * shown, f"{len(keys)} footer keys alive, {shown} on screen"
