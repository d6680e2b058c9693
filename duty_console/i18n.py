"""The interface language: gettext catalogs in ``duty_console/locale``, English msgids.

``_()`` translates into the active language and ``set_language()`` switches it; the console does
that once at start with the language from ``--lang``, then the config's ``site.locale``, then
``$LANG`` (see ``resolve_language``). ``N_()`` only marks a string for the catalogs, for text
that is defined before the language is known (binding descriptions) and translated when shown.
"""

from __future__ import annotations

import gettext
import os
import re
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


# The domain's common UserError messages, so a Chinese user reads them in Chinese.
# Each pattern matches the English sentence; its msgid takes the captured fields.
_DOMAIN_ERRORS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"^'(?P<text>.*)' is not a temperature; type it like 36\.8 \(°C\)\.$"),
        N_("'{text}' is not a temperature; type it like 36.8."),
    ),
    (
        re.compile(
            r"^(?P<value>[\d.]+) °C is outside (?P<low>[\d.]+)–(?P<high>[\d.]+) °C; "
            r"measure again\.$"
        ),
        N_("{value}C is outside {low}-{high}C; measure again."),
    ),
    (re.compile(r"^Staff number or PIN is wrong\.$"), N_("Staff number or PIN is wrong.")),
    (
        re.compile(r"^Too many wrong PINs for this staff number; .*$"),
        N_("Too many wrong PINs for this staff number; wait 5 minutes or ask an administrator."),
    ),
    (
        re.compile(r"^Say why in a note when the reason is 'other'\.$"),
        N_("Say why in a note when the reason is 'other'."),
    ),
    (
        re.compile(r"^There is nobody with the id '(?P<id>.*)' in the roster\.$"),
        N_("There is nobody with the id {id} in the roster."),
    ),
    (
        re.compile(r"^Entry (?P<entry>\d+) already belongs to (?P<id>.*)\.$"),
        N_("This entry already belongs to {id}; pick another entry."),
    ),
    (re.compile(r"^There is no entry (?P<entry>\d+)\.$"), N_("That entry no longer exists.")),
    (
        re.compile(r"^.* has the role '(?P<role>\w+)', which may not do '(?P<what>[\w.]+)'.*$"),
        N_("Your role may not do this; ask the safety officer or an administrator."),
    ),
)

_VISITOR_PARTS = {
    "the visitor's name": N_("the visitor's name"),
    "a phone number": N_("a phone number"),
    "the reason for the visit": N_("the reason for the visit"),
    "who they visit": N_("who they visit"),
}
_VISITOR = re.compile(r"^A visitor needs (?P<parts>.*)\.$")


def plain(text: str) -> str:
    """Text without East-Asian ambiguous-width glyphs, which misalign Chinese terminals."""
    return text.replace(" °C", "C").replace("°C", "C").replace("–", "-").replace("…", "...")


def translate_error(message: str) -> str:
    """A domain error message (English) in the active language, when it is a common one."""
    match = _VISITOR.match(message)
    if match:
        parts = [_(_VISITOR_PARTS.get(p, p)) for p in match.group("parts").split(", ")]
        return _("A visitor needs {parts}.").format(parts=_(", ").join(parts))
    for pattern, msgid in _DOMAIN_ERRORS:
        match = pattern.match(message)
        if match:
            return _(msgid).format(**match.groupdict())
    return plain(message)
