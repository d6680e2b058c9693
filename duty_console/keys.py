"""The audit chain's key: a 0600 file outside the database (DESIGN §5).

Where: ``[audit] key_file`` in the config (relative to the config's folder), else beside the
config (``/etc/duty-console.toml`` → ``/etc/duty-console.key``), else in the user config dir.
``init`` makes it; a command that finds none makes one too, so a gate never runs unkeyed; only
``audit verify`` insists it exists, since a new key cannot check an old chain.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from duty_console.config import Settings
from duty_console.errors import ConfigError
from duty_console.paths import user_config_file


def audit_key_path(settings: Settings) -> Path:
    source = Path(settings.source) if settings.source else None
    configured = settings.audit.key_file
    if configured:
        path = Path(configured)
        if not path.is_absolute() and source is not None:
            path = source.parent / path
        return path
    if source is not None and source.is_file():
        return source.with_name(source.stem + ".key")
    return user_config_file().with_name("duty-console.key")


def _check_private(path: Path) -> None:
    st = path.stat()
    mode = st.st_mode & 0o777
    if mode & 0o077 or st.st_uid not in (os.getuid(), 0):
        raise ConfigError(
            f"The audit key {path} must be private to the account the console runs as "
            f"(mode 600), not mode {mode:o} owned by uid {st.st_uid}; run `chmod 600 {path}`."
        )


def load_audit_key(path: Path, *, create: bool) -> bytes:
    """The key in ``path``; a new random one written there (0600) when there is none and
    ``create``; ConfigError when it is missing, unreadable or readable by others."""
    if not path.exists():
        if not create:
            raise ConfigError(
                f"There is no audit key at {path}: without the key the chain was made with, "
                "it cannot be checked. Restore the key file from the gate's backup."
            )
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        except FileExistsError:
            pass  # another process made it just now: read theirs
        except OSError as exc:
            raise ConfigError(
                f"Cannot create the audit key {path} ({exc.strerror}); set [audit] key_file "
                "to a place the console's account may write, or create it as root: "
                f"`head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \\n' > {path}`, owned by "
                "that account, mode 600."
            ) from exc
        else:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32) + "\n")
    _check_private(path)
    try:
        text = path.read_text(encoding="ascii").strip()
        key = bytes.fromhex(text)
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise ConfigError(f"The audit key {path} cannot be read ({exc}).") from exc
    if len(key) < 16:
        raise ConfigError(f"The audit key {path} is too short (at least 16 bytes, in hex).")
    return key
