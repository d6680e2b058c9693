"""Who runs this process, from the kernel's answer, never from the environment.

``$USER`` and ``$LOGNAME`` are whatever the caller typed; the uid is not. ``SUDO_USER`` is set
by sudo (and by anyone in their own shell): it marks a run through sudo, which narrows what the
run may do (DESIGN §5), and names the person only where :mod:`duty_console.runtime` trusts it.
"""

from __future__ import annotations

import os
import pwd
from collections.abc import Mapping


def unix_user() -> str:
    """The account of this process's real uid."""
    uid = os.getuid()
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


def sudo_user(environ: Mapping[str, str] | None = None) -> str | None:
    """The account that ran this through sudo, or None. root's own sudo is the installer's."""
    env = os.environ if environ is None else environ
    name = env.get("SUDO_USER", "")
    return name if name and name != "root" else None


def under_sudo(environ: Mapping[str, str] | None = None) -> bool:
    return sudo_user(environ) is not None
