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
"月份 month", "村干部 official", ...). A village, official, category, kind or scorer can be
written as its id ("v01-1"), its name ("徐永福", resolved within the row's village) or
both, as the template's dropdowns write them ("v01-1 徐永福").

`kaoping import --template FILE.xlsx` writes an empty template with dropdowns filled
from the server: villages, officials, the active rule set's categories and kinds, and
scorers, with a guide sheet.
"""
from __future__ import annotations

import hashlib
import json
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Optional

import grpc
import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from kaoping.text.ime import date_text, plain
from kaoping.v1 import facts_pb2 as fx
from kaoping.v1 import facts_pb2_grpc as fx_grpc
from kaoping_cli.common import (EXIT_OK, EXIT_REFUSED, EXIT_USAGE, OUTPUT_OPTION, Catalog, Output, console,
                                fail, load_catalog, print_json, stub, usage_error)
from kaoping_cli.entry import normal_month
# the sheet (columns, reading) and the files written, re-exported under their old names
from kaoping_cli.fact_sheet import (BY_KEY, COLUMNS, FIELD_COLUMN, GUIDE_SHEET, HEADER_SCAN_ROWS,  # noqa: F401
                                    LISTS_SHEET, TEMPLATE_ROWS, TEMPLATE_SHEET, Column, ImportFileError,
                                    Report, SheetRow, cell_text, decode_csv, header_map, read_csv,
                                    read_rows, read_xlsx)
from kaoping_cli.import_template import write_rejects, write_template  # noqa: F401
from kaoping_cli.names import Choice, NameProblem, find, option as named

SOURCE = "import"
DEFAULT_BATCH = 500      # facts per stream message (the server's limit is 5000 by default)
# Facts per SubmitFacts stream, under the server's default 20000. The server reads a
# message only while the reply stays within its 4 MiB budget, reserving ~650 bytes a fact
# for the importer's 47-character keys (kaoping.api.fact_stream), so 5000 facts (3.2 MB
# reserved, ~0.5 MB used) are one stream. A server that stops a stream earlier says so
# (stopped_early, facts_read) and the importer continues from there in a new stream.
STREAM_FACTS = 5000
CODE_NAMES = {c.value[0]: c.name for c in grpc.StatusCode}


# resolving names to ids ------------------------------------------------------------------
class Resolver:
    """A row's cells to ids, by kaoping_cli.names (id, "id name" or name, in either
    script or full width); a cell that names nothing, or several, is the row's problem."""

    def __init__(self, catalog: Catalog, default_scorer: str = "", default_month: str = ""):
        self.c = catalog
        self.default_scorer = default_scorer
        self.default_month = default_month
        villages = {v.id: v.name for v in catalog.villages}
        self.villages = [Choice(v.id, v.name, "", v) for v in catalog.villages]
        self.officials = [Choice(o.id, o.name, villages.get(o.village_id, o.village_id), o)
                          for o in catalog.officials]
        self.categories = [Choice(c.id, c.name, "", c) for c in catalog.categories.values()]
        self.scorers = [Choice(s.id, s.name, "", s) for s in catalog.scorers]

    @staticmethod
    def _pick(text: str, choices, what: str, label: str = "", hint: str = ""):
        """(item, problem): the item the cell names, or the problem (with suggestions)."""
        try:
            return find(text, choices, what, hint).item, ""
        except NameProblem as problem:
            return None, f"{label}: {problem.message}" if label else problem.message

    def row(self, r: SheetRow) -> None:
        v = r.values
        village = None
        if v.get("village"):
            village, problem = self._pick(v["village"], self.villages, "village", BY_KEY["village"].label)
            if problem:
                r.problems.append(problem)
        official_id = ""
        text = v.get("official", "")
        label = BY_KEY["official"].label
        if not text:
            r.problems.append(f"{label}: required")
        else:
            pool = [o for o in self.officials if o.item.village_id == village.id] if village else self.officials
            official, problem = self._pick(text, pool, "official", label, f"（在{village.name}）" if village else "")
            if official is None and village is not None:
                elsewhere, _ = self._pick(text, self.officials, "official")
                if elsewhere is not None:
                    home = self.c.village_by_id.get(elsewhere.village_id)
                    problem = (f"{label}: {elsewhere.id} {elsewhere.name} 在"
                               f"{home.name if home else elsewhere.village_id}，不在{village.name}")
            if official is not None:
                official_id = official.id
            elif not village and "不止一个" not in problem and re.fullmatch(r"[A-Za-z0-9_.:-]+", first_word(text)):
                official_id = first_word(text)    # an unknown id: the server says what is wrong
            else:
                r.problems.append(problem)
        category_id = v.get("category", "")
        category = None
        if category_id:
            category, _ = self._pick(category_id, self.categories, "category")
            category_id = category.id if category else first_word(category_id)
        kind_id = v.get("kind", "")
        if kind_id:
            kinds = [Choice(k.id, k.name, c.name, k) for c in self.c.categories.values()
                     if category is None or c is category for k in c.kinds.values()]
            kind, _ = self._pick(kind_id, kinds, "kind")
            kind_id = kind.id if kind else first_word(kind_id)
        scorer_text = v.get("scorer", "") or self.default_scorer
        scorer_id = ""
        if scorer_text:
            scorer, _ = self._pick(scorer_text, self.scorers, "scorer")
            scorer_id = scorer.id if scorer else first_word(scorer_text)
        month = v.get("month", "")
        month = normal_month(month) or month
        day = normal_date(v.get("date", ""))
        if not month and not day:
            month = self.default_month
        if r.problems:
            return
        r.fact = fx.Fact(official_id=official_id, month=month, date=day, category=category_id,
                         kind=kind_id, quantity=plain(v.get("quantity", "")) or "1", note=v.get("note", ""),
                         scorer_id=scorer_id, source=SOURCE)


def first_word(text: str) -> str:
    return text.split()[0] if text.split() else text


def normal_date(text: str) -> str:
    """"2026年10月8日", "２０２６－１０－０８", "2026/10/8" -> "2026-10-08" (kaoping.text.ime);
    anything else as typed, made plain (the server says what is wrong)."""
    return date_text(text or "")


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
        task = progress.add_task("汇入中", total=len(sendable))
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
        raise fail(stopped, f"汇入中断：{path}（中断前已存入或原已存在 {done} 行）。"
                            f"请再运行同一命令：已存入的行不会重复汇入。")
    return report


# reporting ------------------------------------------------------------------------------
def show_report(report: Report) -> None:
    if report.rejected:
        table = Table("行", "村干部", "事项", title="未汇入的行", title_justify="left")
        table.add_column("原因", overflow="fold")
        for r in report.rejected:
            table.add_row(str(r.number), r.values.get("official", ""), r.values.get("kind", ""),
                          "\n".join(r.problems))
        console.print(table)
    console.print(f"{report.file}：共 {len(report.rows)} 行 — 汇入 {len(report.imported)} 行，"
                  f"此前已汇入 {len(report.duplicates)} 行，未汇入 {len(report.rejected)} 行",
                  highlight=False)
    if report.rejected:
        console.print("请在文件中改正未汇入的行，再运行同一命令：已汇入的行会跳过，不会重复汇入。",
                      highlight=False)


# the command ---------------------------------------------------------------------------------
def import_command(
        file: Optional[Path] = typer.Argument(None, help="the .xlsx or .csv file to import",
                                              show_default=False),
        template: Optional[Path] = typer.Option(None, "--template", help=(
            "write an empty template (.xlsx with dropdowns, or .csv) to this file and stop")),
        scorer: str = named("scorer", "", "考评人一栏为空的行用它"),
        month: str = typer.Option("", help="没有月份也没有日期的行用这个月份（YYYY-MM）"),
        sheet: str = typer.Option("", help="the sheet to read (default: the first with a fact header)"),
        encoding: str = typer.Option("", help="CSV text encoding (default: UTF-8, else GB18030)"),
        rejects: Optional[Path] = typer.Option(None, help="also write the rejected rows with their "
                                                           "reasons to this .xlsx/.csv"),
        batch_size: int = typer.Option(DEFAULT_BATCH, min=1, max=5000, help="facts per stream message"),
        output: Output = OUTPUT_OPTION):
    """从 Excel（.xlsx）或 CSV 表汇入一个月的事实。

    发送时显示进度条；之后列出每个未汇入的行及其行号和原因。未汇入的行不影响其他行，
    同一文件再汇入一次也不会重复记录，所以：改正未汇入的行，再汇入一次。全部汇入退出码 0，
    有未汇入的行为 1，文件无法读取为 2。"""
    if template is not None:
        if template.suffix.lower() not in (".xlsx", ".csv"):
            raise usage_error(f"{template}：模板只能写成 .xlsx 或 .csv")
        write_template(template, load_catalog())
        console.print(f"模板已写入 {template}", highlight=False)
        return
    if file is None:
        raise usage_error("请给出要汇入的文件，或用 --template 文件.xlsx 生成空模板")
    if not file.exists():
        raise usage_error(f"{file}：没有这个文件")
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
            console.print(f"未汇入的行已写入 {rejects}", highlight=False)
    raise typer.Exit(EXIT_REFUSED if report.rejected else EXIT_OK)


__all__ = ["import_command", "run_import", "write_template", "read_rows", "EXIT_USAGE"]
