"""Compile the .po catalogs into .mo files (there is no msgfmt on the gate PCs).

    python -m duty_console.locale.compile          # writes every <lang>/LC_MESSAGES/*.mo

A message repeated in a catalog (a union merge of two branches) is removed first, keeping its
last entry, which is the one the compiled catalog used anyway.

The .mo layout is the one in the GNU gettext manual ("The Format of GNU MO Files"): a header,
two tables of (length, offset) for the sorted msgids and their msgstrs, then the strings.
Fuzzy and untranslated entries are left out, as msgfmt does.
"""

from __future__ import annotations

import ast
import struct
import sys
from pathlib import Path

LOCALE_DIR = Path(__file__).parent
MAGIC = 0x950412DE


def parse_po(text: str) -> dict[str, str]:
    """msgid → msgstr of the translated, non-fuzzy entries (the header is msgid "")."""
    catalog: dict[str, str] = {}
    fields: dict[str, str] = {}
    current = ""
    fuzzy = False

    def finish() -> None:
        nonlocal fuzzy
        if "msgid" in fields and fields.get("msgstr") and not fuzzy:
            catalog[fields["msgid"]] = fields["msgstr"]
        fields.clear()
        fuzzy = False

    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            if line.startswith("#,") and "fuzzy" in line:
                fuzzy = True
            continue
        keyword, _, rest = line.partition(" ")
        if keyword in ("msgid", "msgstr"):
            if keyword == "msgid" and "msgid" in fields:
                finish()
            current, line = keyword, rest.strip()
            fields[current] = ""
        if not (line.startswith('"') and line.endswith('"')):
            raise ValueError(f"line {number}: expected a quoted string: {raw!r}")
        fields[current] += ast.literal_eval(line)
    finish()
    return catalog


def without_duplicates(text: str) -> tuple[str, int]:
    """The catalog with each msgid once, keeping its last entry (the one gettext used): merging
    two branches' catalogs by union can repeat a message both added. Entries are blank-line
    separated blocks, as every catalog here is written."""
    blocks = text.split("\n\n")
    last: dict[str, int] = {}
    for i, block in enumerate(blocks):
        key = _msgid_of(block)
        if key is not None:
            last[key] = i
    kept = [b for i, b in enumerate(blocks) if (k := _msgid_of(b)) is None or last[k] == i]
    return "\n\n".join(kept), len(blocks) - len(kept)


def _msgid_of(block: str) -> str | None:
    lines = [line.strip() for line in block.strip().splitlines()]
    try:
        start = next(i for i, line in enumerate(lines) if line.startswith("msgid "))
    except StopIteration:
        return None
    parts = [lines[start].partition(" ")[2]]
    for line in lines[start + 1 :]:
        if not line.startswith('"'):
            break
        parts.append(line)
    return "".join(ast.literal_eval(p) for p in parts)


def build_mo(catalog: dict[str, str]) -> bytes:
    ids = sorted(catalog, key=lambda s: s.encode("utf-8"))
    originals = [i.encode("utf-8") for i in ids]
    translations = [catalog[i].encode("utf-8") for i in ids]
    count = len(ids)
    header_size = 7 * 4
    strings_start = header_size + 16 * count
    tables: list[int] = []
    blob = b""
    for group in (originals, translations):
        for data in group:
            tables += [len(data), strings_start + len(blob)]
            blob += data + b"\0"
    header = struct.pack("<7I", MAGIC, 0, count, header_size, header_size + 8 * count, 0, 0)
    return header + struct.pack(f"<{len(tables)}I", *tables) + blob


def compile_po(po_path: Path) -> bytes:
    return build_mo(parse_po(po_path.read_text("utf-8")))


def catalogs(locale_dir: Path = LOCALE_DIR) -> list[Path]:
    return sorted(locale_dir.glob("*/LC_MESSAGES/*.po"))


def main() -> int:
    for po in catalogs():
        text, removed = without_duplicates(po.read_text("utf-8"))
        if removed:
            po.write_text(text, "utf-8")
            print(f"{po.relative_to(LOCALE_DIR)}: {removed} repeated messages removed")
        mo = po.with_suffix(".mo")
        mo.write_bytes(compile_po(po))
        print(f"{mo.relative_to(LOCALE_DIR)}: {len(parse_po(po.read_text('utf-8')))} messages")
    return 0


if __name__ == "__main__":
    sys.exit(main())
