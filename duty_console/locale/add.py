"""Add messages to both catalogs, then compile them (a developer's tool; no msgmerge here).

    python -m duty_console.locale.add messages.toml

``messages.toml`` maps each English msgid to its Chinese text (``"Fever" = "发烧"``), or to a
table ``{ zh = "…", en = "…" }`` when the English shown differs from the msgid. Messages already
in a catalog keep their text there. Use the same ``{placeholders}`` in every language and no
East-Asian ambiguous-width glyphs (°, –, …) in the Chinese.
"""

from __future__ import annotations

import json
import sys
import tomllib
from pathlib import Path

from duty_console.locale.compile import LOCALE_DIR, compile_po, parse_po


def _quote(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def add(messages: dict[str, str | dict[str, str]], source: str = "") -> dict[str, int]:
    added: dict[str, int] = {}
    for lang in ("zh_CN", "en"):
        po = LOCALE_DIR / lang / "LC_MESSAGES" / "duty_console.po"
        text = po.read_text("utf-8")
        known = parse_po(text)
        chunks = []
        for msgid, value in messages.items():
            if msgid in known:
                continue
            if isinstance(value, dict):
                msgstr = value.get("zh" if lang == "zh_CN" else "en", msgid)
            else:
                msgstr = value if lang == "zh_CN" else msgid
            where = f"#: {source}\n" if source else ""
            chunks.append(f"{where}msgid {_quote(msgid)}\nmsgstr {_quote(msgstr)}\n")
        if chunks:
            po.write_text(text.rstrip("\n") + "\n\n" + "\n".join(chunks), "utf-8")
        po.with_suffix(".mo").write_bytes(compile_po(po))
        added[lang] = len(chunks)
    return added


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    path = Path(argv[0])
    messages = tomllib.loads(path.read_text("utf-8"))
    print(add(messages, path.stem))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
