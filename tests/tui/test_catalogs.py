"""The interface speaks Chinese and English: complete catalogs, compiled, and aligned glyphs."""

from __future__ import annotations

import ast
import unicodedata
from pathlib import Path

import pytest

from duty_console import i18n
from duty_console.config import parse_settings
from duty_console.domain.actors import Actor
from duty_console.errors import UserError
from duty_console.locale.compile import catalogs, compile_po, parse_po, without_duplicates

PACKAGE = Path(i18n.__file__).parent
LANGUAGES = ("zh_CN", "en")


def used_msgids() -> set[str]:
    """Every literal passed to _() or N_() anywhere in the package (console, domain, i18n)."""
    found: set[str] = set()
    for path in sorted(PACKAGE.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("_", "N_")
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                found.add(node.args[0].value)
    return found


def catalog(lang: str) -> dict[str, str]:
    path = PACKAGE / "locale" / lang / "LC_MESSAGES" / "duty_console.po"
    return parse_po(path.read_text("utf-8"))


def test_both_catalogs_exist_and_the_mo_files_are_compiled_from_them() -> None:
    found = catalogs(PACKAGE / "locale")
    assert sorted(p.parts[-3] for p in found) == sorted(LANGUAGES)
    for po in found:
        assert po.with_suffix(".mo").read_bytes() == compile_po(po), (
            f"{po} changed: run python -m duty_console.locale.compile"
        )


def test_no_message_is_in_a_catalog_twice() -> None:
    """A union merge of two branches' catalogs can repeat a message; ``locale.compile`` removes
    the repeats, keeping the last, which is the one gettext would use."""
    for po in catalogs():
        text = po.read_text("utf-8")
        assert without_duplicates(text)[1] == 0, f"{po}: run python -m duty_console.locale.compile"
    doubled = 'msgid "a"\nmsgstr "1"\n\nmsgid ""\n"a"\nmsgstr "2"\n\nmsgid "b"\nmsgstr "3"\n'
    text, removed = without_duplicates(doubled)
    assert removed == 1 and parse_po(text) == {"a": "2", "b": "3"} == parse_po(doubled)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_message_of_the_console_is_translated(lang: str) -> None:
    messages = catalog(lang)
    missing = sorted(m for m in used_msgids() if m not in messages)
    assert not missing, f"not in the {lang} catalog: {missing}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_ambiguous_width_glyphs_in_the_catalogs(lang: str) -> None:
    for msgid, msgstr in catalog(lang).items():
        ambiguous = {ch for ch in msgstr if unicodedata.east_asian_width(ch) == "A"}
        assert not ambiguous, (msgid, ambiguous)


def test_placeholders_survive_translation() -> None:
    zh = catalog("zh_CN")
    for msgid in used_msgids():
        fields = {part.split("}")[0] for part in msgid.split("{")[1:]}
        for field in fields:
            assert "{" + field + "}" in zh[msgid], (msgid, zh[msgid])


def test_the_language_comes_from_lang_then_config_then_environment() -> None:
    chosen = parse_settings({"site": {"locale": "en"}}, "test")
    default = parse_settings({}, "test")
    assert i18n.resolve_language("zh_CN", chosen, {}) == "zh_CN"
    assert i18n.resolve_language(None, chosen, {"LANG": "zh_CN.UTF-8"}) == "en"
    assert i18n.resolve_language(None, default, {"LANG": "en_US.UTF-8"}) == "en"
    assert i18n.resolve_language(None, default, {"LANG": "zh_TW.UTF-8"}) == "zh_CN"
    assert i18n.resolve_language(None, default, {}) == "zh_CN"


ERRORS = ("UserError", "NotFound", "PermissionDenied", "ConfigError")


def domain_error_calls() -> list[tuple[str, int, ast.Call]]:
    calls = []
    for path in sorted((PACKAGE / "domain").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ERRORS
            ):
                calls.append((path.name, node.lineno, node))
    return calls


def test_every_domain_error_is_a_message_id_with_a_chinese_text() -> None:
    zh = catalog("zh_CN")
    calls = domain_error_calls()
    assert len(calls) > 15
    for name, line, call in calls:
        if not call.args:
            continue
        first = call.args[0]
        if isinstance(first, ast.Name):  # a module constant such as staff.WRONG_PIN
            continue
        assert (
            isinstance(first, ast.Call)
            and isinstance(first.func, ast.Name)
            and first.func.id == "N_"
            and isinstance(first.args[0], ast.Constant)
        ), f"{name}:{line}: raise errors with N_(...) and parameters, not a finished string"
        msgid = first.args[0].value
        assert msgid in zh, f"{name}:{line}: {msgid!r} has no Chinese text"


def test_domain_errors_read_in_chinese_and_print_in_english() -> None:
    from duty_console.domain.entries import parse_temperature, register_visitor
    from duty_console.domain.screening import Rules

    i18n.set_language("zh_CN")
    try:
        with pytest.raises(UserError) as typo:
            parse_temperature("3x", Rules())
        assert str(typo.value) == "'3x' is not a temperature; type it like 36.8."
        assert i18n.translate_error(typo.value) == "「3x」不是体温；请按 36.8 这样输入。"
        with pytest.raises(UserError) as visitor:
            register_visitor(
                None,  # type: ignore[arg-type]
                Actor(staff_id="T1", name="t", role="duty", gate="north", via="console"),
                Rules(),
                name="",
                phone="x",
                reason="visit",
                host="Li",
                temp_c=36.5,
            )
        assert str(visitor.value) == "A visitor needs the visitor's name, a phone number."
        assert i18n.translate_error(visitor.value) == "访客登记还缺：访客姓名、电话号码。"
        # An error without a catalog entry stays English, without glyphs that misalign.
        assert i18n.translate_error(UserError("12 °C is colder than 20–30 °C.")) == (
            "12C is colder than 20-30C."
        )
    finally:
        i18n.set_language("en")


def test_language_comes_from_lang_then_config_then_environment() -> None:
    from duty_console.config import parse_settings
    from duty_console.i18n import resolve_language

    no_locale = parse_settings({}, "t")
    english_site = parse_settings({"site": {"locale": "en"}}, "t")
    assert resolve_language("en", english_site, {"LANG": "zh_CN.UTF-8"}) == "en"
    assert resolve_language(None, english_site, {"LANG": "zh_CN.UTF-8"}) == "en"
    assert resolve_language(None, no_locale, {"LANG": "en_US.UTF-8"}) == "en"
    assert resolve_language(None, no_locale, {"LANG": "zh_TW.UTF-8"}) == "zh_CN"
    # A bare C locale says nothing about the reader: the school's default, Chinese.
    assert resolve_language(None, no_locale, {"LANG": "C.UTF-8"}) == "zh_CN"
    assert resolve_language(None, no_locale, {}) == "zh_CN"
