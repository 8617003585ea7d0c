"""`kaoping import FILE.xlsx|FILE.csv`: a spreadsheet of facts into the server.

Each data row becomes one fact, sent through FactService.SubmitFacts (many facts per
stream message) while a progress bar runs; then a report: rows imported, rows already
imported before, and every rejected row with its row number and reason. A rejected row
never stops the good rows.

Re-running the same file imports nothing twice: each row's idempotency key is made from
its content (the resolved official, month, date, category, kind, quantity, note and
scorer) and from how many identical rows came before it in the file. So a row that is
fixed after a rejection is new and gets imported, the rows that were fine are
recognised as already imported, two identical rows in one file are two facts, and
renaming or re-saving the file (Excel's "Save as") does not import it again.

The columns are found by their header (Chinese or English; the template's headers are
"月份 month", "村幹部 official", ...). A village, official, category, kind or scorer can be
written as its id ("v01-1"), its name ("徐永福", resolved within the row's village) or
both, as the template's dropdowns write them ("v01-1 徐永福").

`kaoping import --template FILE.xlsx` writes an empty template with dropdowns filled
from the server: villages, officials, the active rule set's categories and kinds, and
scorers, with a guide sheet.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Iterator, Optional

import grpc
import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from kaoping.v1 import facts_pb2 as fx
from kaoping.v1 import facts_pb2_grpc as fx_grpc
from kaoping_cli.common import (EXIT_OK, EXIT_REFUSED, EXIT_USAGE, OUTPUT_OPTION, ROLE_NAMES, Catalog,
                                Output, choice_label, console, display_width, fail, load_catalog,
                                print_json, stub, usage_error)
from kaoping_cli.entry import normal_month

SOURCE = "import"
DEFAULT_BATCH = 500      # facts per stream message (the server's limit is 5000 by default)
# Facts per SubmitFacts stream, under the server's default 20000. The server reads a
# message only while the reply stays within its 4 MiB budget, reserving ~650 bytes a fact
# for the importer's 47-character keys (kaoping.api.fact_stream), so 5000 facts (3.2 MB
# reserved, ~0.5 MB used) are one stream. A server that stops a stream earlier says so
# (stopped_early, facts_read) and the importer continues from there in a new stream.
STREAM_FACTS = 5000
HEADER_SCAN_ROWS = 10    # the header row is looked for in the first rows of a sheet
CODE_NAMES = {c.value[0]: c.name for c in grpc.StatusCode}


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    aliases: tuple[str, ...]
    width: int
    help: str


COLUMNS = (
    Column("month", "月份 month", ("month", "月份", "月", "考評月份", "考评月份"), 12,
           "YYYY-MM，例如 2026-10；有日期時可空"),
    Column("date", "日期 date", ("date", "日期"), 13, "可空；YYYY-MM-DD"),
    Column("village", "村 village", ("village", "village_id", "村", "村名", "村莊", "村庄"), 14,
           "下拉選擇，或寫編號 v01 / 名稱 上山村"),
    Column("official", "村幹部 official", ("official", "official_id", "村幹部", "村干部", "姓名",
                                         "幹部", "干部"), 18, "下拉選擇，或寫編號 v01-1 / 姓名"),
    Column("category", "考評類別 category", ("category", "類別", "类别", "考評類別", "考评类别"), 26,
           "下拉選擇"),
    Column("kind", "事項 kind", ("kind", "事項", "事项", "考評事項", "考评事项"), 34, "下拉選擇，須屬於該類別"),
    Column("quantity", "數量 quantity", ("quantity", "數量", "数量", "次數", "次数"), 10, "大於 0；空為 1"),
    Column("note", "備註 note", ("note", "備註", "备注", "說明", "说明"), 30, "可空"),
    Column("scorer", "考評人 scorer", ("scorer", "scorer_id", "考評人", "考评人"), 26,
           "下拉選擇；空則用 --scorer 或你的令牌"),
)
BY_KEY = {c.key: c for c in COLUMNS}
FIELD_COLUMN = {"official_id": "official", "scorer_id": "scorer", "month": "month", "date": "date",
                "category": "category", "kind": "kind", "quantity": "quantity", "note": "note",
                "idempotency_key": "key", "source": "source"}
TEMPLATE_SHEET, LISTS_SHEET, GUIDE_SHEET = "事實 facts", "選項 lists", "說明 guide"
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
            f"{source}: no header row found in the first {HEADER_SCAN_ROWS} rows; it needs at least "
            f"the columns 村幹部 official, 考評類別 category and 事項 kind (see kaoping import --template)")
    missing = [BY_KEY[k].label for k in ("official", "category", "kind") if k not in columns.values()]
    if missing:
        raise ImportFileError(f"{source}: missing column(s) {', '.join(missing)}")
    return rows


def read_xlsx(path: Path, sheet: str = "") -> list[SheetRow]:
    from openpyxl import load_workbook
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several kinds for a file that is not XLSX
        raise ImportFileError(f"{path}: not a readable .xlsx file ({exc})") from exc
    try:
        names = [sheet] if sheet else book.sheetnames
        if sheet and sheet not in book.sheetnames:
            raise ImportFileError(f"{path}: no sheet {sheet!r}; it has {', '.join(book.sheetnames)}")
        last_error = None
        for name in names:
            grid = ((n, list(r)) for n, r in enumerate(book[name].iter_rows(values_only=True), start=1))
            try:
                return _rows_from_grid(grid, f"{path} [{name}]")
            except ImportFileError as exc:
                last_error = exc
        raise last_error or ImportFileError(f"{path}: no sheets")
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


def read_csv(path: Path, encoding: str = "") -> list[SheetRow]:
    try:
        text = decode_csv(path.read_bytes(), encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        raise ImportFileError(f"{path}: cannot decode ({exc}); try --encoding") from exc
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    return _rows_from_grid(((n, row) for n, row in enumerate(reader, start=1)), str(path))


def read_rows(path: Path, sheet: str = "", encoding: str = "") -> list[SheetRow]:
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return read_xlsx(path, sheet)
    if suffix in (".csv", ".txt", ".tsv"):
        return read_csv(path, encoding)
    raise ImportFileError(f"{path}: import reads .xlsx or .csv files")


# resolving names to ids ------------------------------------------------------------------
class Resolver:
    def __init__(self, catalog: Catalog, default_scorer: str = "", default_month: str = ""):
        self.c = catalog
        self.default_scorer = default_scorer
        self.default_month = default_month

    @staticmethod
    def _pick(text: str, items, keys, what: str, scope: str = ""):
        """(item, problem): by id, by name, or "id name"; a problem names the choices."""
        for candidate in (text, text.split()[0] if text.split() else text):
            hits = [i for i in items if candidate in keys(i)]
            if len(hits) == 1:
                return hits[0], ""
            if len(hits) > 1:
                return None, (f"{what}: {len(hits)} match {candidate!r}{scope} "
                              f"({', '.join(keys(h)[0] for h in hits[:5])}); write the id")
        noun = what.split()[-1] if what.split() else "match"
        return None, f"{what}: no {noun} {text!r}{scope}"

    def row(self, r: SheetRow) -> None:
        v = r.values
        village = None
        if v.get("village"):
            village, problem = self._pick(v["village"], self.c.villages, lambda x: (x.id, x.name),
                                          BY_KEY["village"].label)
            if problem:
                r.problems.append(problem)
        official_id = ""
        text = v.get("official", "")
        if not text:
            r.problems.append(f"{BY_KEY['official'].label}: required")
        else:
            pool = self.c.officials_of(village.id) if village else self.c.officials
            scope = f" in {village.name}" if village else ""
            official, problem = self._pick(text, pool, lambda x: (x.id, x.name), BY_KEY["official"].label,
                                           scope)
            if official is None and village is not None:
                elsewhere, _ = self._pick(text, self.c.officials, lambda x: (x.id, x.name), "")
                if elsewhere is not None:
                    home = self.c.village_by_id.get(elsewhere.village_id)
                    problem = (f"{BY_KEY['official'].label}: {elsewhere.id} {elsewhere.name} is in "
                               f"{home.name if home else elsewhere.village_id}, not {village.name}")
            if official is not None:
                official_id = official.id
            elif not village and " match " not in problem and re.fullmatch(r"[A-Za-z0-9_.:-]+", first_word(text)):
                official_id = first_word(text)    # an unknown id: the server says what is wrong
            else:
                r.problems.append(problem)
        category_id = v.get("category", "")
        category = None
        if category_id:
            category, _ = self._pick(category_id, list(self.c.categories.values()),
                                     lambda x: (x.id, x.name), "")
            category_id = category.id if category else first_word(category_id)
        kind_id = v.get("kind", "")
        if kind_id:
            kinds = list(category.kinds.values()) if category else \
                [k for c in self.c.categories.values() for k in c.kinds.values()]
            kind, _ = self._pick(kind_id, kinds, lambda x: (x.id, x.name), "")
            kind_id = kind.id if kind else first_word(kind_id)
        scorer_text = v.get("scorer", "") or self.default_scorer
        scorer_id = ""
        if scorer_text:
            scorer, _ = self._pick(scorer_text, self.c.scorers, lambda x: (x.id, x.name), "")
            scorer_id = scorer.id if scorer else first_word(scorer_text)
        month = v.get("month", "")
        month = normal_month(month) or month
        day = normal_date(v.get("date", ""))
        if not month and not day:
            month = self.default_month
        if r.problems:
            return
        r.fact = fx.Fact(official_id=official_id, month=month, date=day, category=category_id,
                         kind=kind_id, quantity=v.get("quantity", "") or "1", note=v.get("note", ""),
                         scorer_id=scorer_id, source=SOURCE)


def first_word(text: str) -> str:
    return text.split()[0] if text.split() else text


def normal_date(text: str) -> str:
    m = re.fullmatch(r"\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*", text or "")
    if not m:
        return (text or "").strip()
    return f"{m.group(1)}-{int(m.group(2)):02d}-{int(m.group(3)):02d}"


def _quantity_key(text: str) -> str:
    try:
        return str(Decimal(text).normalize())
    except (InvalidOperation, ValueError):
        return text


def assign_keys(rows: list[SheetRow]) -> None:
    """Idempotency keys from row content; the n-th identical row gets its own key."""
    seen: dict[str, int] = {}
    for r in rows:
        if r.fact is None:
            continue
        f = r.fact
        content = json.dumps([f.official_id, f.month, f.date, f.category, f.kind, _quantity_key(f.quantity),
                              f.note, f.scorer_id], ensure_ascii=False)
        seen[content] = seen.get(content, 0) + 1
        digest = hashlib.sha256(f"{content}#{seen[content]}".encode("utf-8")).hexdigest()
        f.idempotency_key = f"import-{digest[:40]}"


# sending ----------------------------------------------------------------------------------
def _reason(problem: fx.FieldProblem) -> str:
    name = problem.field.split(".", 1)[1] if "." in problem.field else problem.field
    column = BY_KEY.get(FIELD_COLUMN.get(name, name))
    return f"{column.label if column else name}: {problem.description}"


def send(rows: list[SheetRow], batch_size: int, show_progress: bool = True,
         stream_facts: int = 0) -> Optional[grpc.RpcError]:
    """Sends the rows' facts in streams of at most stream_facts facts (messages of
    batch_size) and marks each row's outcome; the error if a stream failed (the rows of
    the streams before it keep their outcomes). A stream the server stopped early
    (BatchResult.stopped_early) is continued from its facts_read in the next stream."""
    sendable = [r for r in rows if r.fact is not None]
    stream_facts = stream_facts or STREAM_FACTS
    for r in rows:
        if r.fact is None:
            r.outcome = "rejected"
    if not sendable:
        return None
    progress = Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                        TimeElapsedColumn(), console=console, disable=not show_progress)
    facts = stub(fx_grpc.FactServiceStub)
    with progress:
        task = progress.add_task("匯入 importing", total=len(sendable))
        done = 0
        while done < len(sendable):   # every round stores at least one fact, or stops
            chunk = sendable[done:done + stream_facts]

            def batches(chunk=chunk):
                for start in range(0, len(chunk), batch_size):
                    yield fx.FactBatch(facts=[r.fact for r in chunk[start:start + batch_size]])
                    progress.update(task, completed=done + min(len(chunk), start + batch_size))
            try:
                result = facts.SubmitFacts(batches(), timeout=max(60, len(chunk) / 20))
            except grpc.RpcError as error:
                for r in sendable[done:]:
                    r.outcome = ""
                return error
            _mark(chunk, result)
            read = result.facts_read if result.stopped_early else len(chunk)
            if read <= 0:
                raise RuntimeError(f"the server read none of the stream: {result.stop_reason}")
            done += read
            progress.update(task, completed=done)
    return None


def _mark(chunk: list[SheetRow], result: fx.BatchResult) -> None:
    for outcome in result.outcomes:
        r = chunk[outcome.index]
        if outcome.accepted:
            r.outcome = "duplicate" if outcome.receipt.duplicate else "imported"
        else:
            r.outcome = "rejected"
            code = CODE_NAMES.get(outcome.code, str(outcome.code))
            r.problems = [_reason(p) for p in outcome.problems] or [code]


def run_import(path: Path, scorer: str = "", month: str = "", sheet: str = "", encoding: str = "",
               batch_size: int = DEFAULT_BATCH, show_progress: bool = True) -> Report:
    rows = read_rows(path, sheet, encoding)
    resolver = Resolver(load_catalog(), scorer, normal_month(month) or month)
    for r in rows:
        resolver.row(r)
    assign_keys(rows)
    stopped = send(rows, batch_size, show_progress)
    report = Report(str(path), rows)
    if stopped is not None:
        done = len(report.imported) + len(report.duplicates)
        raise fail(stopped, f"import stopped: {path} ({done} rows were stored or already there "
                            f"before it stopped). Run the same command again: rows already "
                            f"stored are not imported twice.")
    return report


# reporting ------------------------------------------------------------------------------
def show_report(report: Report) -> None:
    if report.rejected:
        table = Table("行 row", "村幹部 official", "事項 kind", title="未匯入的行 rejected rows",
                      title_justify="left")
        table.add_column("原因 reason", overflow="fold")
        for r in report.rejected:
            table.add_row(str(r.number), r.values.get("official", ""), r.values.get("kind", ""),
                          "\n".join(r.problems))
        console.print(table)
    console.print(f"{report.file}: {len(report.rows)} rows — {len(report.imported)} imported, "
                  f"{len(report.duplicates)} already imported, {len(report.rejected)} rejected",
                  highlight=False)
    if report.rejected:
        console.print("Fix the rejected rows in the file and run the same command again: rows already "
                      "imported are skipped, never imported twice.", highlight=False)


def write_rejects(report: Report, path: Path) -> None:
    headers = [c.label for c in COLUMNS] + ["原行 row", "原因 reason"]
    rows = [[r.values.get(c.key, "") for c in COLUMNS] + [r.number, "; ".join(r.problems)]
            for r in report.rejected]
    if path.suffix.lower() == ".csv":
        with open(path, "w", newline="", encoding="utf-8-sig") as out:
            writer = csv.writer(out)
            writer.writerow(headers)
            writer.writerows(rows)
        return
    from openpyxl import Workbook
    from openpyxl.styles import Font
    book = Workbook()
    ws = book.active
    ws.title = TEMPLATE_SHEET
    ws.append(headers)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append(row)
    _set_widths(ws, [c.width for c in COLUMNS] + [8, 60])
    ws.freeze_panes = "A2"
    book.save(path)


# the template ------------------------------------------------------------------------------
def _set_widths(ws, widths: list[int]) -> None:
    from openpyxl.utils import get_column_letter
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w


def write_template(path: Path, catalog: Catalog) -> None:
    if path.suffix.lower() == ".csv":
        with open(path, "w", newline="", encoding="utf-8-sig") as out:
            csv.writer(out).writerow([c.label for c in COLUMNS])
        return
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    ws = book.active
    ws.title = TEMPLATE_SHEET
    ws.append([c.label for c in COLUMNS])
    head_fill = PatternFill("solid", fgColor="DDEBF7")
    for column, cell in zip(COLUMNS, ws[1]):
        cell.font = Font(bold=True)
        cell.fill = head_fill
        cell.alignment = Alignment(horizontal="center")
        cell.comment = Comment(column.help, "kaoping")
    _set_widths(ws, [c.width for c in COLUMNS])
    ws.freeze_panes = "A2"
    for key in ("month", "date", "official", "village", "scorer"):   # keep "2026-10" as typed text
        ws.column_dimensions[get_column_letter(list(BY_KEY).index(key) + 1)].number_format = "@"

    lists = book.create_sheet(LISTS_SHEET)
    sources = {
        "village": [choice_label(v.id, v.name) for v in catalog.villages],
        "official": [choice_label(o.id, o.name) for o in catalog.officials],
        "category": [choice_label(c.id, c.name) for c in catalog.categories.values()],
        "kind": [choice_label(k.id, k.name) for c in catalog.categories.values() for k in c.kinds.values()],
        "scorer": [choice_label(s.id, s.name) for s in catalog.scorers],
    }
    for n, (key, values) in enumerate(sources.items(), start=1):
        letter = get_column_letter(n)
        lists[f"{letter}1"] = BY_KEY[key].label
        lists[f"{letter}1"].font = Font(bold=True)
        for i, value in enumerate(values, start=2):
            lists[f"{letter}{i}"] = value
        lists.column_dimensions[letter].width = max([display_width(x) for x in values] + [12]) + 2
        target = get_column_letter(list(BY_KEY).index(key) + 1)
        if values:
            dv = DataValidation(type="list", formula1=f"='{LISTS_SHEET}'!${letter}$2:${letter}${len(values) + 1}",
                                allow_blank=True, showErrorMessage=True, errorStyle="warning",
                                errorTitle="不在清單中 not in the list",
                                error="請從清單選擇，或寫編號/名稱 (choose from the list, or write an id or name)",
                                showInputMessage=True, promptTitle=BY_KEY[key].label, prompt=BY_KEY[key].help)
            dv.add(f"{target}2:{target}{TEMPLATE_ROWS + 1}")
            ws.add_data_validation(dv)
    month_dv = DataValidation(allow_blank=True, showInputMessage=True,
                              promptTitle=BY_KEY["month"].label, prompt=BY_KEY["month"].help)
    month_dv.add(f"A2:A{TEMPLATE_ROWS + 1}")
    ws.add_data_validation(month_dv)
    quantity = get_column_letter(list(BY_KEY).index("quantity") + 1)
    qty_dv = DataValidation(type="decimal", operator="greaterThan", formula1="0", allow_blank=True,
                            showErrorMessage=True, errorTitle="數量 quantity", error="數量須大於 0 (above zero)")
    qty_dv.add(f"{quantity}2:{quantity}{TEMPLATE_ROWS + 1}")
    ws.add_data_validation(qty_dv)

    guide = book.create_sheet(GUIDE_SHEET)
    guide.append(["如何填寫 How to fill in"])
    guide["A1"].font = Font(bold=True, size=14)
    for line in (
            f"在「{TEMPLATE_SHEET}」表中每行填一條事實；第 1 行是表頭，不要改動。",
            "One fact per row in the first sheet; keep the header row as it is.",
            "村、村幹部、類別、事項、考評人可從下拉清單選擇，也可只寫編號（v01-1）或名稱（寫姓名時請同時填村）。",
            "匯入：kaoping import 本文件.xlsx — 有錯的行會列出行號和原因，其餘行照常匯入。",
            "改正錯行後再次匯入同一文件即可：已匯入的行不會重複匯入。",
            "Fix the rejected rows and import the same file again: rows already imported are skipped.",
            f"規則集 rule set: {catalog.ruleset_label}"):
        guide.append([line])
    guide.append([])
    guide.append(["考評類別 category", "事項 kind", "單位 unit", "上限 max", "誰評 scored by"])
    for cell in guide[guide.max_row]:
        cell.font = Font(bold=True)
    for c in catalog.categories.values():
        for k in c.kinds.values():
            guide.append([choice_label(c.id, c.name), choice_label(k.id, k.name), k.unit, k.max_quantity,
                          "、".join(ROLE_NAMES.get(r, r) for r in c.scored_by)])
    guide.append([])
    guide.append(["村 village", "村幹部 official", "職務 position"])
    for cell in guide[guide.max_row]:
        cell.font = Font(bold=True)
    villages = catalog.village_by_id
    for o in catalog.officials:
        v = villages.get(o.village_id)
        guide.append([choice_label(o.village_id, v.name if v else ""), choice_label(o.id, o.name), o.position])
    _set_widths(guide, [30, 40, 10, 10, 30])
    book.save(path)


# the command ---------------------------------------------------------------------------------
def import_command(
        file: Optional[Path] = typer.Argument(None, help="the .xlsx or .csv file to import",
                                              show_default=False),
        template: Optional[Path] = typer.Option(None, "--template", help=(
            "write an empty template (.xlsx with dropdowns, or .csv) to this file and stop")),
        scorer: str = typer.Option("", help="scorer id for rows whose 考評人 scorer cell is empty"),
        month: str = typer.Option("", help="YYYY-MM for rows with neither month nor date"),
        sheet: str = typer.Option("", help="the sheet to read (default: the first with a fact header)"),
        encoding: str = typer.Option("", help="CSV text encoding (default: UTF-8, else GB18030)"),
        rejects: Optional[Path] = typer.Option(None, help="also write the rejected rows with their "
                                                           "reasons to this .xlsx/.csv"),
        batch_size: int = typer.Option(DEFAULT_BATCH, min=1, max=5000, help="facts per stream message"),
        output: Output = OUTPUT_OPTION):
    """Import a month's facts from an Excel (.xlsx) or CSV sheet.

    A progress bar runs while the rows are sent; then every rejected row is listed with
    its row number and reason. Rejected rows never stop the good ones, and importing the
    same file again imports nothing twice, so: fix the rejected rows, import again. Exit 0
    when every row is in, 1 when some rows were rejected, 2 when the file cannot be read."""
    if template is not None:
        if template.suffix.lower() not in (".xlsx", ".csv"):
            raise usage_error(f"{template}: the template is written as .xlsx or .csv")
        write_template(template, load_catalog())
        console.print(f"template written to {template}", highlight=False)
        return
    if file is None:
        raise usage_error("give the file to import, or --template FILE.xlsx for an empty template")
    if not file.exists():
        raise usage_error(f"{file}: no such file")
    try:
        report = run_import(file, scorer, month, sheet, encoding, batch_size,
                            show_progress=output != Output.json)
    except ImportFileError as exc:
        raise usage_error(str(exc))
    if rejects is not None and report.rejected:
        write_rejects(report, rejects)
    if output == Output.json:
        print_json(report.as_dict())
    else:
        show_report(report)
        if rejects is not None and report.rejected:
            console.print(f"rejected rows written to {rejects}", highlight=False)
    raise typer.Exit(EXIT_REFUSED if report.rejected else EXIT_OK)


__all__ = ["import_command", "run_import", "write_template", "read_rows", "EXIT_USAGE"]
