"""The fact sheet of `kaoping import`: its columns (Chinese and English headers), the
rows read from it, and reading .xlsx and .csv files (also used by the roster sheets,
kaoping_cli.roster_sheets). Split from kaoping_cli.importer, which re-exports these names."""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Iterator, Optional

from kaoping.v1 import facts_pb2 as fx

HEADER_SCAN_ROWS = 10    # the header row is looked for in the first rows of a sheet



@dataclass(frozen=True)
class Column:
    key: str
    label: str
    aliases: tuple[str, ...]
    width: int
    help: str


COLUMNS = (
    Column("month", "月份 month", ("month", "月份", "月", "考评月份", "考评月份"), 12,
           "YYYY-MM，例如 2026-10；有日期时可空"),
    Column("date", "日期 date", ("date", "日期"), 13, "可空；YYYY-MM-DD"),
    Column("village", "村 village", ("village", "village_id", "村", "村名", "村庄", "村庄"), 14,
           "下拉选择，或写编号 v01 / 名称 上山村"),
    Column("official", "村干部 official", ("official", "official_id", "村干部", "村干部", "姓名",
                                         "干部", "干部"), 18, "下拉选择，或写编号 v01-1 / 姓名"),
    Column("category", "考评类别 category", ("category", "类别", "类别", "考评类别", "考评类别"), 26,
           "下拉选择"),
    Column("kind", "事项 kind", ("kind", "事项", "事项", "考评事项", "考评事项"), 34, "下拉选择，须属于该类别"),
    Column("quantity", "数量 quantity", ("quantity", "数量", "数量", "次数", "次数"), 10, "大于 0；空为 1"),
    Column("note", "备注 note", ("note", "备注", "备注", "说明", "说明"), 30, "可空"),
    Column("scorer", "考评人 scorer", ("scorer", "scorer_id", "考评人", "考评人"), 26,
           "下拉选择；空则用 --scorer 或你的令牌"),
)
BY_KEY = {c.key: c for c in COLUMNS}
FIELD_COLUMN = {"official_id": "official", "scorer_id": "scorer", "month": "month", "date": "date",
                "category": "category", "kind": "kind", "quantity": "quantity", "note": "note",
                "idempotency_key": "key", "source": "source"}
TEMPLATE_SHEET, LISTS_SHEET, GUIDE_SHEET = "事实 facts", "选项 lists", "说明 guide"
TEMPLATE_ROWS = 1000


class ImportFileError(Exception):
    """The file cannot be read as a fact sheet (exit 2 with this message)."""


@dataclass
class SheetRow:
    number: int                      # the spreadsheet's row number (the header is row 1 in the template)
    values: dict[str, str]           # column key -> cell text
    fact: Optional[fx.Fact] = None
    problems: list[str] = field(default_factory=list)
    outcome: str = ""                # imported | duplicate | rejected


@dataclass
class Report:
    file: str
    rows: list[SheetRow]
    interrupted: str = ""

    @property
    def imported(self) -> list[SheetRow]:
        return [r for r in self.rows if r.outcome == "imported"]

    @property
    def duplicates(self) -> list[SheetRow]:
        return [r for r in self.rows if r.outcome == "duplicate"]

    @property
    def rejected(self) -> list[SheetRow]:
        return [r for r in self.rows if r.outcome == "rejected"]

    def as_dict(self) -> dict:
        return {"file": self.file, "rows": len(self.rows), "imported": len(self.imported),
                "already_imported": len(self.duplicates), "rejected": len(self.rejected),
                "interrupted": self.interrupted,
                "rejections": [{"row": r.number, "reasons": r.problems, "values": r.values}
                               for r in self.rejected]}


# reading ---------------------------------------------------------------------------
def _norm_header(text: str) -> list[str]:
    parts = re.split(r"[\s()（）/\\:：,，]+", str(text or "").strip().lower())
    return [p for p in parts if p]


def header_map(cells: list) -> dict[int, str]:
    """column index -> column key, for the cells of a candidate header row."""
    found: dict[int, str] = {}
    for i, cell in enumerate(cells):
        tokens = _norm_header(cell)
        whole = str(cell or "").strip().lower()
        for column in COLUMNS:
            if column.key in found.values():
                continue
            if whole in column.aliases or any(t in column.aliases for t in tokens):
                found[i] = column.key
                break
    return found


def cell_text(value, key: str) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.strftime("%Y-%m") if key == "month" else value.isoformat()
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, Decimal):
        return str(value.normalize())
    return str(value).strip()


def _rows_from_grid(grid: Iterator[tuple[int, list]], source: str) -> list[SheetRow]:
    columns: dict[int, str] | None = None
    rows: list[SheetRow] = []
    for number, cells in grid:
        if columns is None:
            candidate = header_map(cells)
            if "official" in candidate.values() and len(candidate) >= 3:
                columns = candidate
            elif number >= HEADER_SCAN_ROWS:
                break
            continue
        values = {key: cell_text(cells[i] if i < len(cells) else None, key) for i, key in columns.items()}
        if any(values.values()):
            rows.append(SheetRow(number, values))
    if columns is None:
        raise ImportFileError(
            f"{source}：前 {HEADER_SCAN_ROWS} 行中没有表头行；至少需要 村干部、考评类别 和 事项 三栏"
            f"（见 kaoping import --template）")
    missing = [BY_KEY[k].label for k in ("official", "category", "kind") if k not in columns.values()]
    if missing:
        raise ImportFileError(f"{source}：缺少栏目 {'、'.join(missing)}")
    return rows


def read_xlsx(path: Path, sheet: str = "") -> list[SheetRow]:
    from openpyxl import load_workbook
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several kinds for a file that is not XLSX
        raise ImportFileError(f"{path}：不是可读的 .xlsx 文件（{exc}）") from exc
    try:
        names = [sheet] if sheet else book.sheetnames
        if sheet and sheet not in book.sheetnames:
            raise ImportFileError(f"{path}：没有工作表 {sheet!r}；现有 {'、'.join(book.sheetnames)}")
        last_error = None
        for name in names:
            grid = ((n, list(r)) for n, r in enumerate(book[name].iter_rows(values_only=True), start=1))
            try:
                return _rows_from_grid(grid, f"{path} [{name}]")
            except ImportFileError as exc:
                last_error = exc
        raise last_error or ImportFileError(f"{path}：没有工作表")
    finally:
        book.close()


def decode_csv(data: bytes, encoding: str = "") -> str:
    """UTF-8 (with or without BOM), else GB18030, which is what Excel on a Chinese
    Windows saves as "CSV"; --encoding overrides (e.g. big5)."""
    if encoding:
        return data.decode(encoding)
    if data.startswith(b"\xef\xbb\xbf"):
        return data.decode("utf-8-sig")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("gb18030")


def csv_lines(path: Path, encoding: str = ""):
    """The CSV file's rows (UTF-8 or GB18030 as decode_csv finds it; comma, semicolon or
    tab as the sniffer finds it): the fact sheet's and the roster's reader."""
    try:
        text = decode_csv(path.read_bytes(), encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        raise ImportFileError(f"{path}：无法解码（{exc}）；请用 --encoding 指定编码，如 --encoding big5") from exc
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return csv.reader(io.StringIO(text), dialect)


def read_csv(path: Path, encoding: str = "") -> list[SheetRow]:
    reader = csv_lines(path, encoding)
    return _rows_from_grid(((n, row) for n, row in enumerate(reader, start=1)), str(path))


def read_rows(path: Path, sheet: str = "", encoding: str = "") -> list[SheetRow]:
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return read_xlsx(path, sheet)
    if suffix in (".csv", ".txt", ".tsv"):
        return read_csv(path, encoding)
    raise ImportFileError(f"{path}：只能汇入 .xlsx 或 .csv 文件")
