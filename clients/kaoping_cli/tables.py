"""Tables to export: a neutral table (columns with a kind: text, integer, points,
money) and its writers — Excel (.xlsx), CSV (UTF-8 with a BOM) and JSON.

- xlsx: a header row (bold, frozen, filterable), column widths fitted to the Chinese
  text, money as numbers formatted #,##0.00, a bold totals row, A4 print setup with the
  title and page numbers, and an "说明 info" sheet with the export's meta and notes.
  Numbers are written from the server's decimal text, so Excel shows exactly the
  amounts the server computed.
- csv: the same header, no totals row (so scripts can read it).
- json: {"kind", "title", "meta", "notes", "sheets": [{"name", "columns", "rows",
  "totals"}]}, amounts as decimal text like the API.

An export has a script (zh-Hans or zh-Hant): the xlsx and csv writers convert every
text cell, header and title to it where they write it (`_shown`); JSON, for scripts,
keeps kaoping's stored text like the API.
"""
from __future__ import annotations

import csv
import io
import json
import sys
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import Enum
from pathlib import Path
from typing import Optional

from kaoping.text.script import HANS, to_script
from kaoping_cli.common import display_width, usage_error

TEXT, INT, POINTS, MONEY = "text", "int", "points", "money"
META_LABELS = {"month": "月份 month", "ruleset": "规则集 rule set", "generated": "产生时间 generated",
               "state": "状态 state", "period": "期间 period", "complete": "全部兑现 complete",
               "township_total": "全镇应发 township total", "year": "年度 year",
               "missing_months": "未计入月份 missing months", "unpaid_months": "未兑现月份 unpaid months",
               "formula": "计分公式 formula", "excellent_quota": "优秀名额 excellent quota",
               "pool": "奖励总额 pool", "shared": "已分配 shared", "paid_out": "已兑现 paid out",
               "paid_on": "兑现日期 paid on", "filters": "条件 filters",
               "entries": "条数 entries", "limit": "上限 limit",
               "tie_break": "并列规则 tie-break", "tied": "名额并列 tied"}
MONEY_FORMAT = "#,##0.00"


class Format(str, Enum):
    xlsx = "xlsx"
    csv = "csv"
    json = "json"


@dataclass
class Column:
    key: str
    label: str
    kind: str = TEXT
    total: bool = False          # summed in the totals row
    min_width: int = 0           # xlsx columns: at least this wide (e.g. room to sign)


@dataclass
class Sheet:
    name: str
    columns: list[Column]
    rows: list[dict]
    totals: Optional[dict] = None   # key -> value; the first text column gets the label
    row_height: float = 0           # xlsx points; 0: Excel's default (a pay list leaves room to sign)

    def total_of(self, key: str) -> Decimal:
        return sum((to_decimal(r.get(key)) or Decimal(0) for r in self.rows), Decimal(0))


@dataclass
class Export:
    kind: str
    title: str
    filename: str                # default file name without the extension
    sheets: list[Sheet]
    meta: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    script: str = HANS           # what the xlsx and csv writers print in

    def shown(self, value):
        """A text as this export prints it (other values as they are)."""
        return to_script(value, self.script) if isinstance(value, str) else value


def to_decimal(value) -> Optional[Decimal]:
    if value is None or value == "":
        return None
    if isinstance(value, Decimal):
        return value
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def add_totals(sheet: Sheet, label: str = "合计 total", count_key: str = "", count_unit: str = "") -> Sheet:
    totals: dict = {}
    for c in sheet.columns:
        if c.total:
            totals[c.key] = sheet.total_of(c.key)
    first_text = next((c.key for c in sheet.columns if c.kind == TEXT), sheet.columns[0].key)
    totals[first_text] = label
    if count_key:
        totals[count_key] = f"{len(sheet.rows)} {count_unit}".strip()
    sheet.totals = totals
    return sheet


# writers ------------------------------------------------------------------------------
def _cell_value(column: Column, value):
    if value is None or value == "":
        return None
    if column.kind in (POINTS, MONEY):
        number = to_decimal(value)
        return number if number is not None else str(value)
    if column.kind == INT:
        try:
            return int(value)
        except (TypeError, ValueError):
            return str(value)
    return value if isinstance(value, (int, float, Decimal)) else str(value)


def write_xlsx(export: Export, target) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    book = Workbook()
    book.remove(book.active)
    head_fill = PatternFill("solid", fgColor="DDEBF7")
    total_fill = PatternFill("solid", fgColor="F2F2F2")
    thin = Side(style="thin", color="808080")
    for sheet in export.sheets:
        ws = book.create_sheet(_sheet_name(export.shown(sheet.name)))
        ws.append([export.shown(c.label) for c in sheet.columns])
        for cell in ws[1]:
            cell.font = Font(bold=True)
            cell.fill = head_fill
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        for row in sheet.rows:
            ws.append([export.shown(_cell_value(c, row.get(c.key))) for c in sheet.columns])
            for cell in ws[ws.max_row]:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    cell.data_type = "s"   # text, never a formula
        last_data = ws.max_row
        if sheet.row_height:
            for r in range(2, last_data + 1):
                ws.row_dimensions[r].height = sheet.row_height
        if sheet.totals is not None:
            ws.append([export.shown(_cell_value(c, sheet.totals.get(c.key))) if c.key in sheet.totals else None
                       for c in sheet.columns])
            for cell in ws[ws.max_row]:
                cell.font = Font(bold=True)
                cell.fill = total_fill
                cell.border = Border(top=thin, bottom=Side(style="double", color="808080"))
        for i, c in enumerate(sheet.columns, start=1):
            letter = get_column_letter(i)
            if c.kind == MONEY:
                for (cell,) in ws.iter_rows(min_row=2, min_col=i, max_col=i):
                    cell.number_format = MONEY_FORMAT
            elif c.kind == TEXT:
                for (cell,) in ws.iter_rows(min_row=2, min_col=i, max_col=i):
                    cell.alignment = Alignment(vertical="top", wrap_text=display_width(str(cell.value or "")) > 60)
            values = [c.label] + [str(r.get(c.key, "") or "") for r in sheet.rows]
            if sheet.totals is not None:
                values.append(str(sheet.totals.get(c.key, "") or ""))
            width = max(display_width(v) for v in values) + 2
            if c.kind == MONEY:
                width += 2   # thousands separators
            ws.column_dimensions[letter].width = max(6, c.min_width, min(width, 60))
        ws.freeze_panes = "A2"
        if sheet.rows:
            ws.auto_filter.ref = f"A1:{get_column_letter(len(sheet.columns))}{last_data}"
        ws.print_title_rows = "1:1"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.orientation = "landscape" if len(sheet.columns) > 7 else "portrait"
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.oddHeader.center.text = export.shown(export.title)
        ws.oddFooter.center.text = export.shown("第 &P 页，共 &N 页")
    info = book.create_sheet(export.shown("说明 info"))
    info.append([export.shown("项目 item"), export.shown("内容 value")])
    for cell in info[1]:
        cell.font = Font(bold=True)
        cell.fill = head_fill
    info.append([export.shown("标题 title"), export.shown(export.title)])
    for key, value in export.meta.items():
        shown = ("是 yes" if value else "否 no") if isinstance(value, bool) else "" if value is None else str(value)
        info.append([export.shown(META_LABELS.get(key, key)), export.shown(shown)])
    for note in export.notes:
        info.append([export.shown("说明 note"), export.shown(note)])
    info.column_dimensions["A"].width = 22
    widest = max([display_width(str(c.value or "")) for c in info["B"]] + [20])
    info.column_dimensions["B"].width = min(100, widest + 2)
    book.properties.title = export.shown(export.title)
    book.properties.creator = "kaoping"
    book.save(target)


def _sheet_name(name: str) -> str:
    for ch in "[]:*?/\\":
        name = name.replace(ch, " ")
    return name[:31]


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _csv_text(column: Column, value) -> str:
    """Text that Excel would run as a formula (=, +, -, @) is quoted with an apostrophe;
    numbers, including negative points, are left alone."""
    text = _text(value)
    if column.kind == TEXT and text[:1] in ("=", "+", "-", "@") and to_decimal(text) is None:
        return "'" + text
    return text


def write_csv(export: Export, out) -> None:
    sheet = export.sheets[0]
    writer = csv.writer(out)
    writer.writerow([export.shown(c.label) for c in sheet.columns])
    for row in sheet.rows:
        writer.writerow([export.shown(_csv_text(c, row.get(c.key))) for c in sheet.columns])


def as_json(export: Export) -> dict:
    def plain(value):
        if isinstance(value, Decimal):
            return format(value, "f")
        return value
    return {"kind": export.kind, "title": export.title, "meta": export.meta, "notes": export.notes,
            "sheets": [{"name": s.name,
                        "columns": [{"key": c.key, "label": c.label, "kind": c.kind} for c in s.columns],
                        "rows": [{c.key: plain(r.get(c.key)) for c in s.columns} for r in s.rows],
                        "totals": ({k: plain(v) for k, v in s.totals.items()} if s.totals is not None
                                   else None)}
                       for s in export.sheets]}


def write(export: Export, fmt: Format, file: Optional[Path]) -> str:
    """Writes the export; returns where it went."""
    path = file if file is not None else Path(export.filename)
    to_stdout = str(path) == "-"
    if not to_stdout and not path.suffix:
        path = path.with_name(f"{path.name}.{fmt.value}")      # so Excel opens it with a double click
    if fmt == Format.xlsx:
        if to_stdout:
            if sys.stdout.isatty():
                raise usage_error("an .xlsx file cannot be written to a terminal; give a file name")
            buffer = io.BytesIO()
            write_xlsx(export, buffer)
            sys.stdout.buffer.write(buffer.getvalue())
            sys.stdout.flush()
            return "standard output"
        write_xlsx(export, path)
    elif fmt == Format.csv:
        if to_stdout:
            write_csv(export, sys.stdout)
            return "standard output"
        with open(path, "w", newline="", encoding="utf-8-sig") as out:   # BOM: Excel reads UTF-8
            write_csv(export, out)
    else:
        text = json.dumps(as_json(export), ensure_ascii=False, indent=2) + "\n"
        if to_stdout:
            sys.stdout.write(text)
            return "standard output"
        path.write_text(text, encoding="utf-8")
    return str(path)


def choose_format(fmt: Optional[Format], file: Optional[Path]) -> Format:
    if fmt is not None:
        return fmt
    if file is not None and file.suffix.lower().lstrip(".") in Format.__members__:
        return Format(file.suffix.lower().lstrip("."))
    return Format.xlsx
