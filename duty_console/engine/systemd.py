"""Telling systemd how the engine is (``Type=notify``, ``WatchdogSec=``), without a library.

The service manager passes a unix datagram socket in ``$NOTIFY_SOCKET`` (a path, or ``@name``
for the abstract namespace); each message is newline-separated ``KEY=VALUE`` lines:
``READY=1`` once the engine runs, ``WATCHDOG=1`` at least every half ``$WATCHDOG_USEC``,
``STOPPING=1`` when it drains, ``STATUS=…`` for ``systemctl status``. Outside systemd (no
socket in the environment) every call does nothing and returns False.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Mapping

log = logging.getLogger(__name__)


def _address(environ: Mapping[str, str]) -> str | None:
    path = environ.get("NOTIFY_SOCKET", "")
    if not path or path[0] not in "/@":
        return None
    return "\0" + path[1:] if path[0] == "@" else path


def notify(*states: str, environ: Mapping[str, str] | None = None) -> bool:
    """Send ``states`` (``"READY=1"``, ``"STATUS=…"``) in one datagram; True if it was sent."""
    address = _address(os.environ if environ is None else environ)
    if address is None or not states:
        return False
    message = "\n".join(s.replace("\n", " ") for s in states).encode("utf-8")
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.connect(address)
            sock.sendall(message)
    except OSError as exc:
        log.warning("cannot notify systemd at %s: %s", address.lstrip("\0"), exc)
        return False
    return True


def watchdog_interval_s(environ: Mapping[str, str] | None = None) -> float | None:
    """How often systemd expects ``WATCHDOG=1`` (half its ``WatchdogSec``), or None when no
    watchdog is set for this process."""
    env = os.environ if environ is None else environ
    usec, pid = env.get("WATCHDOG_USEC", ""), env.get("WATCHDOG_PID", "")
    if not usec.isdigit() or int(usec) == 0:
        return None
    if pid and pid.isdigit() and int(pid) != os.getpid():
        return None  # meant for another process (a parent that started us)
    return int(usec) / 2_000_000
