"""Bindings in the active language, and the key a binding id is bound to after the keymap."""

from __future__ import annotations

from dataclasses import replace

from textual.binding import Binding, BindingsMap
from textual.dom import DOMNode

from duty_console.errors import ConfigError
from duty_console.i18n import _


def translate_bindings(node: DOMNode) -> None:
    """Show ``node``'s binding descriptions in the active language.

    ``BINDINGS`` are class attributes written with English msgids (``N_``) before any language
    is chosen; each instance gets its own translated copy when it is created.
    """
    translated = {
        key: [_translated(binding) for binding in bindings]
        for key, bindings in node._bindings.key_to_bindings.items()
    }
    node._bindings = BindingsMap.from_keys(translated)


def _translated(binding: Binding) -> Binding:
    return replace(
        binding,
        description=_(binding.description),
        tooltip=_(binding.tooltip) if binding.tooltip else "",
    )


def bound_key(binding: Binding, keymap: dict[str, str]) -> str:
    """The key(s) that trigger ``binding`` once ``keymap`` (binding id → keys) is applied."""
    if binding.id and binding.id in keymap:
        return keymap[binding.id]
    return binding.key


def binding_ids() -> dict[str, str]:
    """Every binding id of the console's classes imported so far → its default key.

    What ``[keys]`` may remap; call it once the app module (every screen and widget) is imported.
    """
    found: dict[str, str] = {}
    pending: list[type] = [DOMNode]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if not cls.__module__.startswith("duty_console.tui"):
            continue
        for binding in getattr(cls, "BINDINGS", []):
            if isinstance(binding, Binding) and binding.id:
                found.setdefault(binding.id, binding.key)
    return found


def check_keymap(keymap: dict[str, str], source: str, known: dict[str, str]) -> None:
    """A misspelt binding id in ``[keys]`` is a config error, not a silently ignored line.

    ``known``: ``binding_ids()`` once every screen is imported (``app.check_keymap``).
    """
    unknown = sorted(set(keymap) - set(known))
    if unknown:
        raise ConfigError(
            f"{source}: [keys] {unknown[0]!r} is not a binding id of the console "
            f"(known: {', '.join(sorted(known))})."
        )
    for binding_id, keys in keymap.items():
        if not keys.strip():
            raise ConfigError(f'{source}: [keys] {binding_id!r} needs a key, such as "x".')
