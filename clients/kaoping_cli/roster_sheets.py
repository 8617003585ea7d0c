"""The roster workbook: which sheets and columns `kaoping roster import` reads and
`kaoping roster export` / `template` write, and reading them into RosterRow messages.

One workbook (.xlsx) has three sheets, 村 villages, 村干部 officials and 考评人 scorers;
a CSV file holds one of them (the kind is told by --kind, else by its header). Headers
are found by their Chinese or English name (Traditional or Simplified), in any order;
a column "attr.NAME" (or 属性.NAME) holds the attribute NAME the rules may read. The
row numbers reported are the spreadsheet's (the header is row 1).
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from kaoping.v1 import registry_pb2 as rg
from kaoping_cli.common import ROLE_NAMES
from kaoping_cli.fact_sheet import ImportFileError, cell_text, csv_lines

KINDS = ("villages", "officials", "scorers")
KIND_LABELS = {"villages": "村", "officials": "村干部", "scorers": "考评人"}
ENTRY = {"villages": "village", "officials": "official", "scorers": "scorer"}
SHEET_TITLES = {"villages": "村 villages", "officials": "村干部 officials", "scorers": "考评人 scorers"}
SHEET_ALIASES = {"villages": ("村", "villages", "village", "村庄", "村庄"),
                 "officials": ("村干部", "村干部", "officials", "official", "干部", "干部"),
                 "scorers": ("考评人", "考评人", "scorers", "scorer")}
ATTRIBUTE_PREFIXES = ("attr.", "attr:", "属性.", "属性.", "属性:", "属性:")
MAX_ROWS = 5000       # the server's bound for one ImportRoster call


@dataclass(frozen=True)
class Column:
    key: str                    # the message field
    label: str                  # the header written
    aliases: tuple[str, ...]    # headers read (besides key and label)


COLUMNS: dict[str, tuple[Column, ...]] = {
    "villages": (
        Column("id", "编号 id", ("编号", "编号", "村编号", "村编号", "village_id")),
        Column("name", "名称 name", ("名称", "名称", "村名", "村名称", "村名称")),
        Column("township_id", "乡镇 township", ("乡镇", "乡镇", "township", "township_id")),
    ),
    "officials": (
        Column("id", "编号 id", ("编号", "编号", "official_id", "干部编号", "干部编号")),
        Column("village_id", "村 village", ("村", "village", "村编号", "村编号")),
        Column("name", "姓名 name", ("姓名", "名字")),
        Column("position", "职务 position", ("职务", "职务", "岗位", "岗位")),
        Column("base_pay", "基本报酬 base_pay", ("基本报酬", "基本报酬", "基础报酬", "基础报酬", "基本工资",
                                                "基本工资", "base pay")),
        Column("effective_on", "生效日期 effective_on", ("生效日期", "起始日期", "到任日期", "effective on")),
        Column("left_on", "离任日期 left_on", ("离任日期", "离任日期", "结束日期", "结束日期", "left on")),
        Column("id_number", "身份证号 id_number", ("身份证号", "身份证号", "身份证", "身份证", "id number")),
        Column("bank_account", "银行帐号 bank_account", ("银行帐号", "银行账号", "银行账号", "帐号", "账号",
                                                       "bank account")),
    ),
    "scorers": (
        Column("id", "编号 id", ("编号", "编号", "scorer_id")),
        Column("name", "姓名 name", ("姓名", "名称", "名称")),
        Column("role", "角色 role", ("角色", "身份")),
        Column("township_id", "乡镇 township", ("乡镇", "乡镇", "township", "township_id")),
    ),
}
ROLE_BY_NAME = {name: role for role, name in ROLE_NAMES.items()} | {
    "主要领导": "main_leader", "包村领导": "contact_leader", "便民服务站": "station", "驻村干部": "resident_cadre"}


def _norm(text) -> str:
    return re.sub(r"\s+", " ", str(text or "").strip().lower())


def _match(header, column: Column) -> bool:
    whole = _norm(header)
    names = {column.key, _norm(column.label), *(_norm(a) for a in column.aliases)}
    return whole in names or any(part in names for part in re.split(r"[\s()（）/]+", whole) if part)


def attribute_name(header) -> str:
    text = str(header or "").strip()
    for prefix in ATTRIBUTE_PREFIXES:
        if text.lower().startswith(prefix):
            return text[len(prefix):].strip()
    return ""


def header_columns(kind: str, cells: list) -> dict[int, str]:
    """column index -> field (or "attr.NAME") for a header row of `kind`."""
    found: dict[int, str] = {}
    for i, cell in enumerate(cells):
        attr = attribute_name(cell)
        if attr:
            found[i] = "attr." + attr
            continue
        for column in COLUMNS[kind]:
            if column.key not in found.values() and _match(cell, column):
                found[i] = column.key
                break
    return found


def guess_kind(cells: list) -> str:
    """The kind a CSV header is of: officials have a base pay, scorers a role."""
    if "base_pay" in header_columns("officials", cells).values():
        return "officials"
    if "role" in header_columns("scorers", cells).values():
        return "scorers"
    return "villages"


def _entry(kind: str, values: dict[str, str], attributes: dict[str, str]):
    if kind == "scorers":
        role = values.get("role", "")
        values["role"] = ROLE_BY_NAME.get(role, role.split()[0] if role.split() else role)
        return rg.Scorer(**values)
    if kind == "officials":
        values["village_id"] = values.get("village_id", "").split()[0] if values.get("village_id", "").split() else ""
        return rg.Official(**values, attributes=attributes)
    return rg.Village(**values, attributes=attributes)


def rows_of_grid(kind: str, grid, sheet: str) -> list[rg.RosterRow]:
    """The RosterRows of one sheet: its first row is the header."""
    columns = None
    out: list[rg.RosterRow] = []
    for number, cells in grid:
        if columns is None:
            columns = header_columns(kind, list(cells))
            missing = [c.label for c in COLUMNS[kind] if c.key in ("id", "name") and c.key not in columns.values()]
            if missing:
                raise ImportFileError(f"{sheet}：第 {number} 行不是{KIND_LABELS.get(kind, kind)}表头，缺少 "
                                      f"{'、'.join(missing)}（见 kaoping roster template）")
            continue
        values: dict[str, str] = {}
        attributes: dict[str, str] = {}
        for i, key in columns.items():
            text = cell_text(cells[i] if i < len(cells) else None, key)
            if key.startswith("attr."):
                if text:
                    attributes[key[5:]] = text
            elif text:
                values[key] = text
        if not values and not attributes:
            continue      # a blank line
        row = rg.RosterRow(sheet=sheet, row=number)
        getattr(row, ENTRY[kind]).CopyFrom(_entry(kind, values, attributes))
        out.append(row)
    return out


def sheet_kind(name: str) -> str:
    whole = _norm(name)
    for kind, aliases in SHEET_ALIASES.items():
        names = {_norm(a) for a in aliases} | {_norm(SHEET_TITLES[kind])}
        if whole in names or any(part in names for part in whole.split()):
            return kind
    return ""


def read_roster(path: Path, kind: str = "", encoding: str = "") -> list[rg.RosterRow]:
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook
        try:
            book = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises several kinds for a file that is not XLSX
            raise ImportFileError(f"{path}：不是可读的 .xlsx 文件（{exc}）") from exc
        try:
            rows: list[rg.RosterRow] = []
            kinds = {name: sheet_kind(name) for name in book.sheetnames}
            if not any(kinds.values()):
                raise ImportFileError(f"{path}：没有名为 村、村干部 或 考评人 的工作表"
                                      f"（现有 {'、'.join(book.sheetnames)}）")
            for name, found in kinds.items():
                if found and (not kind or found == kind):
                    grid = enumerate(book[name].iter_rows(values_only=True), start=1)
                    rows += rows_of_grid(found, grid, name)
            return rows
        finally:
            book.close()
    if suffix in (".csv", ".txt", ".tsv"):
        lines = list(csv_lines(path, encoding))
        if not lines:
            raise ImportFileError(f"{path}：文件是空的")
        return rows_of_grid(kind or guess_kind(lines[0]), enumerate(lines, start=1), path.name)
    raise ImportFileError(f"{path}：名册只能从 .xlsx 或 .csv 文件读取")


def headers(kind: str, attributes: list[str] = ()) -> list[str]:
    return [c.label for c in COLUMNS[kind]] + [f"attr.{a}" for a in attributes]


def cells(kind: str, entry, attributes: list[str]) -> list[str]:
    """The row written for a Village, Official or Scorer message."""
    values = [getattr(entry, c.key) for c in COLUMNS[kind]]
    own = dict(getattr(entry, "attributes", {}) or {})
    return values + [own.get(a, "") for a in attributes]


def write_roster(path: Path, sheets: dict[str, list], kind: str = "") -> None:
    """The workbook (every kind in `sheets`, a sheet each) or one kind's CSV."""
    def attribute_names(entries) -> list[str]:
        return sorted({k for e in entries for k in getattr(e, "attributes", {})})

    if path.suffix.lower() == ".csv":
        entries = sheets.get(kind, [])
        names = attribute_names(entries)
        with open(path, "w", newline="", encoding="utf-8-sig") as out:   # BOM: Excel reads UTF-8
            writer = csv.writer(out)
            writer.writerow(headers(kind, names))
            writer.writerows(cells(kind, e, names) for e in entries)
        return
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    book = Workbook()
    book.remove(book.active)
    for k in KINDS:
        entries = sheets.get(k, [])
        names = attribute_names(entries)
        ws = book.create_sheet(SHEET_TITLES[k])
        ws.append(headers(k, names))
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for i in range(1, len(headers(k, names)) + 1):
            ws.column_dimensions[get_column_letter(i)].width = 18
            ws.column_dimensions[get_column_letter(i)].number_format = "@"   # ids and dates stay text
        for e in entries:
            ws.append(cells(k, e, names))
        ws.freeze_panes = "A2"
    book.save(path)
