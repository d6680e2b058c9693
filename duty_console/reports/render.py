"""The daily report written out: Markdown (pastes cleanly into a messaging app: headings and
short "label: value" lines, no tables), CSV (one row per field), xlsx (a sheet per section, for
a district clerk) and JSON. Chinese by default, English with ``lang="en"``.
"""

from __future__ import annotations

import csv
import gettext
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from duty_console.i18n import DOMAIN, LOCALE_DIR, N_, normalise

Translate = Callable[[str], str]

# (section id, title, [(report key, label)]): the order every format follows.
SECTIONS: tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...] = (
    (
        "summary",
        N_("Summary"),
        (
            ("date", N_("Date")),
            ("school", N_("School")),
            ("reporter", N_("Reporter")),
            ("made_at", N_("Time of report")),
            ("version", N_("Version")),
            ("submitted_by", N_("Submitted by")),
            ("submitted_at", N_("Submitted at")),
            ("zero_report", N_("Zero report")),
        ),
    ),
    (
        "gate",
        N_("Gate screening"),
        (
            ("entries", N_("Entries at the gate")),
            ("normal", N_("Normal")),
            ("fever", N_("Abnormal temperatures")),
            ("recheck_normal", N_("Normal on recheck")),
            ("fever_confirmed", N_("Confirmed by recheck")),
            ("invalid", N_("Invalid readings")),
            ("denied", N_("Refused entries")),
            ("denied_fever", N_("Refused for fever")),
            ("visitors", N_("Visitors logged")),
        ),
    ),
    (
        "isolation",
        N_("Isolation and incidents"),
        (
            ("isolation_now", N_("In the isolation room now")),
            ("sent_home", N_("Sent home")),
            ("sent_to_hospital", N_("Sent to hospital")),
            ("incidents_opened", N_("Incidents opened")),
            ("incidents_open", N_("Incidents open")),
            ("incident_steps_overdue", N_("Overdue incident steps")),
        ),
    ),
    (
        "people",
        N_("Absences and checks"),
        (
            ("absent_sick", N_("New sick absences (fever or respiratory)")),
            ("class_checks_done", N_("Class checks done")),
            ("class_checks_due", N_("Class checks due")),
            ("watch_now", N_("People under daily watch")),
        ),
    ),
    (
        "hygiene",
        N_("Disinfection and ventilation"),
        (
            ("disinfection_done", N_("Disinfections done")),
            ("disinfection_due", N_("Disinfections due")),
            ("disinfection_compliance", N_("Disinfection compliance")),
            ("ventilation_done", N_("Ventilation sessions done")),
            ("ventilation_due", N_("Ventilation sessions due")),
            ("ventilation_compliance", N_("Ventilation compliance")),
        ),
    ),
    (
        "supplies",
        N_("Supplies"),
        (("supplies_low", N_("Below reorder level")),),
    ),
)

CLASS_COLUMNS = (("class", N_("Class")), ("size", N_("Size")), ("arrived", N_("Arrived")))
SUPPLY_COLUMNS = (
    ("name", N_("Item")),
    ("on_hand", N_("On hand")),
    ("unit", N_("Unit")),
    ("reorder_level", N_("Reorder level")),
    ("low", N_("Reorder")),
)


def translator(lang: str) -> Translate:
    """A translation function for ``lang`` that leaves the console's active language alone."""
    name = normalise(lang) or "zh_CN"
    catalog = gettext.translation(DOMAIN, LOCALE_DIR, languages=[name], fallback=True)
    return catalog.gettext


def _zh(tr: Translate) -> bool:
    return tr("Zero report") != "Zero report"


def value_text(key: str, value: Any, tr: Translate) -> str:
    """One field as a reader sees it: yes/no, a percentage, the names of low supplies."""
    if isinstance(value, bool):
        return tr("Yes") if value else tr("No")
    if key.endswith("_compliance"):
        return f"{round(float(value) * 100)}%"
    if key == "supplies_low":
        if not value:
            return tr("None")
        zh = _zh(tr)
        return (tr(", ")).join(
            f"{s['name_zh'] if zh else s['name']} {s['on_hand']}/{s['reorder_level']}"
            for s in value
        )
    if value is None or value == "":
        return "-"
    if key.endswith("_at") and isinstance(value, str):
        return value.replace("T", " ")[:16]
    return str(value)


def headline(report: dict[str, Any], tr: Translate) -> str:
    if report["zero_report"]:
        return tr("Zero report: nothing abnormal today.")
    return tr("Not a zero report: something abnormal happened; see the counts below.")


def supply_cells(row: dict[str, Any], tr: Translate) -> list[Any]:
    zh = _zh(tr)
    return [
        row["name_zh"] if zh else row["name"],
        row["on_hand"],
        row["unit_zh"] if zh else row["unit"],
        row["reorder_level"],
        tr("Order more") if row["low"] else "",
    ]


def to_markdown(report: dict[str, Any], tr: Translate) -> str:
    title = tr("Daily report")
    school = report.get("school") or ""
    lines = [f"# {school} {title} {report['date']}".replace("  ", " ").strip()]
    lines += ["", f"**{headline(report, tr)}**"]
    if report.get("amends_submitted"):
        lines += ["", tr("Amended report (version {version}).").format(version=report["version"])]
    # Chinese punctuation in Chinese: "入校测温人次：9", "人数 33，到校 11".
    colon, also = tr(": "), tr("; ")
    for _sid, section, fields in SECTIONS:
        lines += ["", f"## {tr(section)}"]
        for key, label in fields:
            if key in report:
                lines.append(f"- {tr(label)}{colon}{value_text(key, report[key], tr)}")
    classes = report.get("classes") or []
    if classes:
        lines += ["", f"## {tr('Classes')}"]
        for row in classes:
            lines.append(
                f"- {row['class']}{colon}{tr('Size')} {row['size']}{also}"
                f"{tr('Arrived')} {row['arrived']}"
            )
    lines += ["", f"## {tr('Supplies on hand')}"]
    for row in report.get("supplies") or []:
        name, on_hand, unit, level, flag = supply_cells(row, tr)
        mark = f"{also}{flag}" if flag else ""
        lines.append(f"- {name}{colon}{on_hand} {unit}{also}{tr('Reorder level')} {level}{mark}")
    return "\n".join(lines) + "\n"


def _rows(report: dict[str, Any], tr: Translate) -> list[tuple[str, str, str, str]]:
    """(section, key, label, value) for every field, then classes and supplies."""
    out = []
    for _sid, section, fields in SECTIONS:
        for key, label in fields:
            if key in report:
                out.append((tr(section), key, tr(label), value_text(key, report[key], tr)))
    for row in report.get("classes") or []:
        out.append((tr("Classes"), row["class"], tr("Size"), str(row["size"])))
        out.append((tr("Classes"), row["class"], tr("Arrived"), str(row["arrived"])))
    for row in report.get("supplies") or []:
        name = supply_cells(row, tr)[0]
        out.append((tr("Supplies on hand"), row["key"], name, str(row["on_hand"])))
    return out


def _safe_cell(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula is kept as text."""
    if isinstance(value, str) and value != "-" and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def to_csv(report: dict[str, Any], tr: Translate) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([tr("Section"), "key", tr("Field"), tr("Value")])
    for row in _rows(report, tr):
        writer.writerow([_safe_cell(c) for c in row])
    return buf.getvalue()


def to_json(report: dict[str, Any]) -> str:
    return json.dumps(report, ensure_ascii=False, indent=2) + "\n"


def to_xlsx(report: dict[str, Any], tr: Translate, path: Path | io.BytesIO) -> None:
    """A workbook a district clerk can open: a sheet per section, a bold frozen header row,
    widths that fit the labels, 零报告 in the first row of the summary."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    bold = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="DDEBF7")
    flag_fill = PatternFill("solid", fgColor="E2EFDA" if report["zero_report"] else "FCE4D6")

    wb = Workbook()
    wb.remove(wb.active)  # type: ignore[arg-type]

    def sheet(title: str, headers: list[str], rows: list[list[Any]], widths: list[int]) -> Any:
        ws = wb.create_sheet(title=title[:31])
        ws.append(headers)
        for cell in ws[1]:
            cell.font = bold
            cell.fill = header_fill
            cell.alignment = Alignment(vertical="center")
        for row in rows:
            ws.append([_safe_cell(c) for c in row])
        for i, width in enumerate(widths):
            ws.column_dimensions[chr(ord("A") + i)].width = width
        ws.freeze_panes = "A2"
        return ws

    def width(texts: list[str], minimum: int = 8) -> int:
        # A CJK character takes two columns in a spreadsheet too.
        def cols(t: str) -> int:
            return sum(2 if ord(ch) > 0x2E80 else 1 for ch in t)

        return max([minimum, *(cols(t) + 2 for t in texts)])

    field, value = tr("Field"), tr("Value")
    for sid, section, fields in SECTIONS:
        rows: list[list[Any]] = []
        if sid == "summary":
            rows.append([tr("Zero report"), headline(report, tr)])
        for key, label in fields:
            if key not in report or key == "zero_report":
                continue
            raw = report[key]
            shown: Any = raw if isinstance(raw, int) and not isinstance(raw, bool) else None
            rows.append([tr(label), shown if shown is not None else value_text(key, raw, tr)])
        ws = sheet(
            tr(section),
            [field, value],
            rows,
            [
                width([field, *(str(r[0]) for r in rows)]),
                width([value, *(str(r[1]) for r in rows)]),
            ],
        )
        for (cell,) in ws.iter_rows(min_row=2, min_col=2, max_col=2):
            cell.alignment = Alignment(horizontal="left")
        if sid == "summary":
            for cell in ws[2]:
                cell.font = Font(bold=True, size=13)
                cell.fill = flag_fill
    classes = report.get("classes") or []
    if classes:
        headers = [tr(label) for _k, label in CLASS_COLUMNS]
        rows = [[row[k] for k, _l in CLASS_COLUMNS] for row in classes]
        sheet(tr("Classes"), headers, rows, [width([headers[0], *(r[0] for r in rows)]), 10, 10])
    headers = [tr(label) for _k, label in SUPPLY_COLUMNS]
    rows = [supply_cells(row, tr) for row in report.get("supplies") or []]
    sheet(
        tr("Supplies on hand"),
        headers,
        rows,
        [width([headers[0], *(str(r[0]) for r in rows)]), 10, 8, width([headers[3]]), 12],
    )
    wb.save(path)


def render(report: dict[str, Any], fmt: str, lang: str = "zh_CN") -> str | bytes:
    """The report as text (md, csv, json) or the bytes of an xlsx workbook."""
    tr = translator(lang)
    if fmt == "md":
        return to_markdown(report, tr)
    if fmt == "csv":
        return to_csv(report, tr)
    if fmt == "json":
        return to_json(report)
    if fmt == "xlsx":
        buf = io.BytesIO()
        to_xlsx(report, tr, buf)
        return buf.getvalue()
    raise ValueError(fmt)
