"""devices/ is the bottom layer: it must work with duty_console absent (DESIGN §1)."""

from __future__ import annotations

import subprocess
import sys


def test_devices_imports_nothing_from_duty_console() -> None:
    code = (
        "import sys; sys.modules['duty_console'] = None\n"
        "import devices, devices.measure, devices.transport, devices.simulator\n"
        "assert not [m for m in sys.modules if m.startswith('duty_console.')]\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
