"""Bindings in the active language, and the key a binding id is bound to after the keymap."""

from __future__ import annotations

from dataclasses import replace

from textual.binding import Binding, BindingsMap
from textual.dom import DOMNode

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
