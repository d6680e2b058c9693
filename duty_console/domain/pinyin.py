"""Pinyin keys for Chinese names, so ``zsm`` finds 张三明."""

from __future__ import annotations

# Surnames whose reading differs from the character's most common one.
_SURNAME_READINGS = {
    "曾": "zeng",
    "单": "shan",
    "解": "xie",
    "仇": "qiu",
    "区": "ou",
    "查": "zha",
    "朴": "piao",
    "覃": "qin",
    "尉": "yu",
    "乐": "yue",
    "缪": "miao",
    "盖": "ge",
    "员": "yun",
    "翟": "zhai",
    "万": "wan",
}


def name_pinyin(name: str) -> list[str]:
    """Syllables of a name, lower case; non-Chinese parts kept as written."""
    name = name.strip()
    if not name:
        return []
    # Imported here: its phrase dictionary takes a second to load, and a console that never
    # imports a roster never needs it.
    from pypinyin import Style, lazy_pinyin

    head = _SURNAME_READINGS.get(name[0])
    if head is not None:
        rest = lazy_pinyin(name[1:], style=Style.NORMAL, errors="default") if name[1:] else []
        syllables = [head, *rest]
    else:
        syllables = lazy_pinyin(name, style=Style.NORMAL, errors="default")
    return [s.lower() for s in syllables if s.strip()]


def name_keys(name: str) -> tuple[str, str]:
    """(initials, full pinyin): ('zsm', 'zhangsanming') for 张三明."""
    syllables = name_pinyin(name)
    return "".join(s[0] for s in syllables if s), "".join(syllables)


def mask_name(name: str) -> str:
    """张三明 → 张*明, 李华 → 李*, Alice Wong → A*** W***: enough to recognise, not to identify."""
    name = name.strip()
    if not name:
        return ""
    if any("\u4e00" <= ch <= "\u9fff" for ch in name):
        if len(name) == 1:
            return name
        if len(name) == 2:
            return name[0] + "*"
        return name[0] + "*" * (len(name) - 2) + name[-1]
    return " ".join(part[0] + "*" * (len(part) - 1) for part in name.split())
