"""Errors a user can fix. The CLI prints their English text (one or two sentences) and exits 1;
a console shows the same error in its own language.

An error carries a message id (an English sentence marked with ``N_`` so the catalogs list it)
and its parameters, never a finished string::

    raise UserError(N_("'{text}' is not a temperature; type it like 36.8."), text=typed)

``str(error)`` is the English sentence; ``i18n.translate_error(error)`` is the sentence in the
active language. A parameter that is itself words to translate is a ``Term`` (or a list of
them, joined the way the language joins a list).
"""

from __future__ import annotations

from collections.abc import Sequence


class Term(str):
    """A parameter that is a message id too (translated when the error is shown)."""

    __slots__ = ()


Param = object


def _english(value: object) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(_english(v) for v in value)
    return str(value)


class UserError(Exception):
    """Something the user can fix: bad config, bad input, a missing permission."""

    exit_code = 1

    def __init__(self, msgid: str, /, **params: Param) -> None:
        self.msgid = msgid
        self.params: dict[str, Param] = params
        super().__init__(self.english())

    def english(self) -> str:
        if not self.params:
            return self.msgid
        return self.msgid.format(**{k: _english(v) for k, v in self.params.items()})


class ConfigError(UserError):
    """The configuration file is missing a value, has a wrong one, or has an unknown key."""


class PermissionDenied(UserError):
    """The acting staff member's role may not do this."""


class NotFound(UserError):
    """A person, staff member, room or incident that does not exist."""


def terms(values: Sequence[str]) -> list[Term]:
    return [Term(v) for v in values]
