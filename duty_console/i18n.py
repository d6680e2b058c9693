"""The interface language: gettext catalogs in ``duty_console/locale``, English msgids.

``_()`` translates into the active language and ``set_language()`` switches it; the console does
that once at start with the language from ``--lang``, then the config's ``site.locale``, then
``$LANG`` (see ``resolve_language``). ``N_()`` only marks a string for the catalogs, for text
that is defined before the language is known (binding descriptions) and translated when shown.
"""

from __future__ import annotations

import gettext
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from duty_console.config import Settings

DOMAIN = "duty_console"
LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES = ("zh_CN", "en")
DEFAULT_LANGUAGE = "zh_CN"

_catalog: gettext.NullTranslations = gettext.NullTranslations()
_language = "en"


def normalise(value: str | None) -> str | None:
    """'zh_CN.UTF-8', 'zh-cn', 'zh' → 'zh_CN'; 'en_GB.UTF-8' → 'en'; anything else → None.

    'C' and 'POSIX' (what a bare SSH session or a service often has) say nothing about the
    reader, so they fall through to the site default, Chinese.
    """
    if not value:
        return None
    base = value.split(".")[0].split("@")[0].replace("-", "_").lower()
    if base.startswith("zh"):
        return "zh_CN"
    if base.startswith("en"):
        return "en"
    return None


def resolve_language(
    cli_lang: str | None, settings: Settings | None = None, env: Mapping[str, str] | None = None
) -> str:
    """The language to use: ``--lang``, then ``site.locale`` if the config sets it, then ``$LANG``.

    With none of them, the site default (Chinese).
    """
    chosen = normalise(cli_lang)
    if chosen:
        return chosen
    if settings is not None and "locale" in settings.site.model_fields_set:
        return settings.site.locale
    environ = os.environ if env is None else env
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        chosen = normalise(environ.get(name))
        if chosen:
            return chosen
    return DEFAULT_LANGUAGE


def set_language(lang: str) -> str:
    """Make ``lang`` the active language; returns the normalised name."""
    global _catalog, _language
    name = normalise(lang) or DEFAULT_LANGUAGE
    _catalog = gettext.translation(DOMAIN, LOCALE_DIR, languages=[name], fallback=True)
    _language = name
    return name


def language() -> str:
    return _language


def _(message: str) -> str:
    """``message`` (an English msgid) in the active language."""
    return _catalog.gettext(message) if message else message


def N_(message: str) -> str:
    """Mark ``message`` for the catalogs without translating it now."""
    return message


def in_every_language(message: str) -> set[str]:
    """``message`` as each catalog has it (to accept words typed in either language)."""
    return {
        gettext.translation(DOMAIN, LOCALE_DIR, languages=[lang], fallback=True).gettext(message)
        for lang in LANGUAGES
    }


def plain(text: str) -> str:
    """Text without East-Asian ambiguous-width glyphs, which misalign Chinese terminals."""
    return text.replace(" °C", "C").replace("°C", "C").replace("–", "-").replace("…", "...")


def _param(value: object) -> str:
    from duty_console.errors import Term

    if isinstance(value, (list, tuple)):
        return _(", ").join(_param(v) for v in value)
    if isinstance(value, Term):
        return _(str(value))
    return str(value)


def translate_error(error: BaseException) -> str:
    """An error in the active language: a ``UserError`` by its message id, else its text.

    A message id the catalog lacks stays English, without the glyphs that misalign Chinese
    terminals.
    """
    from duty_console.errors import UserError

    if isinstance(error, UserError):
        params = {k: _param(v) for k, v in error.params.items()}
        text = _(error.msgid)
        return plain(text.format(**params) if params else text)
    return plain(str(error))
