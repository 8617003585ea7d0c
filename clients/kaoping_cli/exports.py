"""`kaoping export ...`: the month's score sheet, the pay list, the year-end results and
the audit log as Excel (.xlsx), CSV or JSON.

Every export is built once as a neutral table (columns with a kind: text, integer,
points, money) and then written in the chosen format:

- xlsx: a header row (bold, frozen, filterable), column widths fitted to the Chinese
  text, money as numbers formatted #,##0.00, a bold totals row, A4 print setup with the
  title and page numbers, and an "说明 info" sheet with the period, state, rule set and
  the server's notes. Numbers are written from the server's decimal text, so Excel
  shows exactly the amounts the server computed.
- csv: UTF-8 with a byte-order mark (Excel opens it correctly), the same header, no
  totals row (so scripts can read it).
- json: {"kind", "title", "meta", "notes", "sheets": [{"name", "columns", "rows",
  "totals"}]}, amounts as decimal text like the API.

Pay lists, year-end results and month states come from WorkflowService; the score
sheet from EvaluationService (live while the month is scoring).
"""
from __future__ import annotations

import csv
import io
import json
import sys
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from enum import Enum
from pathlib import Path
from typing import Optional

import grpc
import typer

from kaoping.v1 import audit_pb2 as au
from kaoping.v1 import audit_pb2_grpc as au_grpc
from kaoping.v1 import evaluation_pb2 as ev
from kaoping.v1 import evaluation_pb2_grpc as ev_grpc
from kaoping.v1 import registry_pb2 as rg
from kaoping.v1 import registry_pb2_grpc as rg_grpc
from kaoping.v1 import workflow_pb2 as wf
from kaoping.v1 import workflow_pb2_grpc as wf_grpc
from kaoping_cli.common import (ROLE_NAMES, STATE_NAMES, call, call_pages, console, display_width, stub,
                                usage_error)
from kaoping_cli.names import option as named

TEXT, INT, POINTS, MONEY = "text", "int", "points", "money"
META_LABELS = {"month": "月份 month", "ruleset": "规则集 rule set", "generated": "产生时间 generated",
               "state": "状态 state", "period": "期间 period", "complete": "全部兑现 complete",
               "township_total": "全镇应发 township total", "year": "年度 year",
               "missing_months": "未计入月份 missing months", "unpaid_months": "未兑现月份 unpaid months",
               "formula": "计分公式 formula", "excellent_quota": "优秀名额 excellent quota",
               "pool": "奖励总额 pool", "paid_out": "已分配 paid out", "filters": "条件 filters",
               "entries": "条数 entries", "limit": "上限 limit"}
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


@dataclass
class Sheet:
    name: str
    columns: list[Column]
    rows: list[dict]
    totals: Optional[dict] = None   # key -> value; the first text column gets the label

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
        ws = book.create_sheet(_sheet_name(sheet.name))
        ws.append([c.label for c in sheet.columns])
        for cell in ws[1]:
            cell.font = Font(bold=True)
            cell.fill = head_fill
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        for row in sheet.rows:
            ws.append([_cell_value(c, row.get(c.key)) for c in sheet.columns])
            for cell in ws[ws.max_row]:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    cell.data_type = "s"   # text, never a formula
        last_data = ws.max_row
        if sheet.totals is not None:
            ws.append([_cell_value(c, sheet.totals.get(c.key)) if c.key in sheet.totals else None
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
            ws.column_dimensions[letter].width = max(6, min(width, 60))
        ws.freeze_panes = "A2"
        if sheet.rows:
            ws.auto_filter.ref = f"A1:{get_column_letter(len(sheet.columns))}{last_data}"
        ws.print_title_rows = "1:1"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.orientation = "landscape" if len(sheet.columns) > 7 else "portrait"
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.oddHeader.center.text = export.title
        ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    info = book.create_sheet("说明 info")
    info.append(["项目 item", "内容 value"])
    for cell in info[1]:
        cell.font = Font(bold=True)
        cell.fill = head_fill
    info.append(["标题 title", export.title])
    for key, value in export.meta.items():
        shown = ("是 yes" if value else "否 no") if isinstance(value, bool) else "" if value is None else str(value)
        info.append([META_LABELS.get(key, key), shown])
    for note in export.notes:
        info.append(["说明 note", note])
    info.column_dimensions["A"].width = 22
    widest = max([display_width(str(c.value or "")) for c in info["B"]] + [20])
    info.column_dimensions["B"].width = min(100, widest + 2)
    book.properties.title = export.title
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
    writer.writerow([c.label for c in sheet.columns])
    for row in sheet.rows:
        writer.writerow([_csv_text(c, row.get(c.key)) for c in sheet.columns])


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


def _now() -> str:
    return datetime.now(timezone.utc).astimezone().strftime("%Y-%m-%d %H:%M")


def _month_state(month: str) -> Optional[wf.MonthState]:
    try:
        return stub(wf_grpc.WorkflowServiceStub).GetMonthState(wf.MonthRequest(month=month), timeout=30)
    except grpc.RpcError:
        return None   # an older server, or a caller not allowed: the sheet is still useful


# builders -----------------------------------------------------------------------------------
def score_sheet(month: str, village: str = "", official: str = "") -> Export:
    request = ev.GetMonthlyScoresRequest(month=month)
    if official:
        request.official_id = official
    elif village:
        request.village_id = village
    scores = call(stub(ev_grpc.EvaluationServiceStub).GetMonthlyScores, request)
    positions = {o.id: o.position for o in call_pages(stub(rg_grpc.RegistryServiceStub).ListOfficials,
                                                      rg.ListOfficialsRequest(village_id=village),
                                                      "officials").officials}
    first = scores.scores[0].categories if scores.scores else []
    columns = [Column("village_name", "村 village"), Column("official_id", "编号 id"),
               Column("official_name", "姓名 name"), Column("position", "职务 position")]
    columns += [Column(f"category_{c.category}", f"{c.name}（{c.max}）", POINTS) for c in first]
    columns += [Column("total", "总分 total", POINTS), Column("grade", "等次 grade"),
                Column("veto", "一票否决 veto"), Column("base_pay", "基本报酬 base pay", MONEY, total=True),
                Column("pay", "绩效报酬 pay", MONEY, total=True)]
    rows = []
    for s in scores.scores:
        row = {"village_name": s.village_name, "official_id": s.official_id, "official_name": s.official_name,
               "position": positions.get(s.official_id, ""), "total": s.total, "grade": s.grade,
               "veto": (s.veto_reason or "是") if s.vetoed else "", "base_pay": s.base_pay, "pay": s.pay}
        row.update({f"category_{c.category}": c.score for c in s.categories})
        rows.append(row)
    sheet = add_totals(Sheet("绩效考评 scores", columns, rows), count_key="official_name", count_unit="人")
    state = _month_state(month)
    scope = f"-{official or village}" if (official or village) else ""
    meta = {"month": month, "ruleset": f"{scores.ruleset.label} v{scores.ruleset.id} "
                                                  f"{scores.ruleset.content_hash[:12]}",
            "generated": _now()}
    notes = []
    if state is not None:
        meta["state"] = f"{STATE_NAMES.get(state.state, state.state)} ({state.state})"
        if state.state == "scoring":
            notes.append("本月尚在考评中，以上为即时数据 (still scoring: live figures, may change)")
    return Export("scores", f"{month} 村干部绩效月考评得分表", f"绩效考评-{month}{scope}", [sheet], meta, notes)


def pay_list(month: str = "", year: int = 0, village: str = "") -> Export:
    pay = call(stub(wf_grpc.WorkflowServiceStub).GetPayList,
               wf.GetPayListRequest(month=month, year=year, village_id=village))
    yearly = bool(year)
    columns = [Column("village_name", "村 village"), Column("official_id", "编号 id"),
               Column("official_name", "姓名 name"), Column("score", "得分 score", POINTS),
               Column("grade", "等次 grade"),
               Column("monthly_pay", "月度报酬 monthly pay" if yearly else "绩效报酬 pay", MONEY, total=True)]
    if yearly:
        columns.append(Column("reward", "年终奖励 reward", MONEY, total=True))
    columns += [Column("amount", "应发金额 amount", MONEY, total=True), Column("paid", "已发金额 paid", MONEY, total=True)]
    if any(l.id_number or l.bank_account for l in pay.lines):   # only an admin's pay list has them
        columns += [Column("id_number", "身份证号 ID number"), Column("bank_account", "银行账号 bank account")]
    rows = [{"village_name": l.village_name, "official_id": l.official_id, "official_name": l.official_name,
             "score": l.score, "grade": l.grade, "monthly_pay": l.monthly_pay, "reward": l.reward,
             "amount": l.amount, "paid": l.paid, "id_number": l.id_number, "bank_account": l.bank_account}
            for l in pay.lines]
    lines = add_totals(Sheet("发放表 pay list", columns, rows), count_key="official_name", count_unit="人")
    villages = add_totals(Sheet("各村合计 villages", [
        Column("village_id", "编号 id"), Column("village_name", "村 village"),
        Column("officials", "人数 officials", INT, total=True), Column("amount", "应发金额 amount", MONEY, total=True)],
        [{"village_id": v.village_id, "village_name": v.village_name, "officials": v.officials,
          "amount": v.amount} for v in pay.villages]), label="全镇合计 township")
    period = pay.period or (month or str(year))
    scope = f"-{village}" if village else ""
    meta = {"period": period, "state": f"{STATE_NAMES.get(pay.state, pay.state)} ({pay.state})",
            "complete": pay.complete,
            "township_total": pay.township_total, "generated": _now()}
    return Export("pay", f"{period} 村干部绩效报酬发放表", f"报酬发放表-{period}{scope}", [lines, villages],
                  meta, list(pay.notes))


def year_end(year: int, pool: str = "") -> Export:
    ye = call(stub(wf_grpc.WorkflowServiceStub).GetYearEnd, wf.GetYearEndRequest(year=year, pool=pool))
    columns = [Column("rank", "名次 rank", INT), Column("village_name", "村 village"),
               Column("official_id", "编号 id"), Column("official_name", "姓名 name"),
               Column("months_counted", "计入月数 months", INT),
               Column("monthly_component", "月度得分 monthly", POINTS),
               Column("inspection_score", "年终考核 inspection", POINTS), Column("score", "综合得分 score", POINTS),
               Column("grade", "等次 grade"), Column("quota", "名额调整 quota"), Column("veto", "一票否决 veto"),
               Column("monthly_pay", "月度报酬合计 monthly pay", MONEY, total=True),
               Column("reward", "年终奖励 reward", MONEY, total=True),
               Column("amount", "合计 amount", MONEY, total=True)]
    rows = []
    for o in ye.officials:
        monthly, reward = to_decimal(o.monthly_pay) or Decimal(0), to_decimal(o.reward) or Decimal(0)
        rows.append({"rank": o.rank, "village_name": o.village_name, "official_id": o.official_id,
                     "official_name": o.official_name, "months_counted": o.months_counted,
                     "monthly_component": o.monthly_component, "inspection_score": o.inspection_score,
                     "score": o.score, "grade": o.grade,
                     "quota": f"{o.grade_before_quota} → {o.grade}" if o.quota_cut else "",
                     "veto": ("；".join(o.veto_reasons) or "是") if o.vetoed else "",
                     "monthly_pay": o.monthly_pay, "reward": o.reward,
                     "amount": format(monthly + reward, ".2f")})
    sheet = add_totals(Sheet("年终考评 year-end", columns, rows), label="合计 total",
                       count_key="official_name", count_unit="人")
    meta = {"year": ye.year, "ruleset": f"{ye.ruleset.label} v{ye.ruleset.id}",
            "complete": ye.complete,
            "missing_months": "、".join(ye.missing_months),
            "unpaid_months": "、".join(ye.unpaid_months),
            "formula": ye.formula,
            "excellent_quota": ("不限 no quota" if ye.excellent_limit < 0 else
                                       f"{ye.excellent_granted}/{ye.excellent_limit}（候选 {ye.excellent_candidates}）"),
            "pool": ye.pool, "paid_out": ye.paid_out, "generated": _now()}
    return Export("year_end", f"{ye.year} 年度村干部考评结果", f"年终考评-{ye.year}", [sheet], meta, list(ye.notes))


def audit_log(actor: str = "", action: str = "", target: str = "", since: str = "", until: str = "",
              limit: int = 1000) -> Export:
    response = call_pages(stub(au_grpc.AuditServiceStub).ListAuditEntries, au.ListAuditEntriesRequest(
        actor=actor, action=action, target=target, since=since, until=until,
        limit=max(0, min(limit, 10_000))), "entries", max_items=max(limit, 0))
    columns = [Column("id", "序号 id", INT), Column("at", "时间 at"), Column("actor", "操作人 actor"),
               Column("role", "角色 role"), Column("request_id", "请求号 request id"),
               Column("action", "操作 action"), Column("target", "对象 target"),
               Column("before", "之前 before"), Column("after", "之后 after")]
    rows = [{"id": e.id, "at": e.at, "actor": e.actor, "role": ROLE_NAMES.get(e.role, e.role) + f" ({e.role})"
             if e.role else "", "request_id": e.request_id, "action": e.action, "target": e.target,
             "before": e.before, "after": e.after} for e in response.entries]
    filters = {"actor": actor, "action": action, "target": target, "since": since, "until": until}
    meta = {"filters": ", ".join(f"{k}={v}" for k, v in filters.items() if v) or "全部 all",
            "entries": len(rows), "limit": limit, "generated": _now()}
    notes = [f"只列出前 {limit} 条；请缩小条件 (only the first {limit} entries; narrow the filters)"] \
        if len(rows) >= limit else []
    stamp = datetime.now().strftime("%Y-%m-%d")
    return Export("audit", "审计日志 audit log", f"审计日志-{stamp}", [Sheet("审计日志 audit", columns, rows)],
                  meta, notes)


# commands ----------------------------------------------------------------------------------------
app = typer.Typer(help="Write score sheets, pay lists, year-end results and the audit log as Excel "
                       "(.xlsx), CSV or JSON.", no_args_is_help=True)
FILE = typer.Argument(None, show_default=False, help=(
    "where to write; '-' for standard output; default: a name from the period, in this folder"))
FORMAT = typer.Option(None, "--format", case_sensitive=False,
                      help="xlsx, csv or json (default: from FILE's extension, else xlsx)")


def _done(export: Export, fmt: Format, file: Optional[Path]) -> None:
    where = write(export, fmt, file)
    if where != "standard output":
        rows = len(export.sheets[0].rows)
        console.print(f"{export.title}：已将 {rows} 行写入 {where}", highlight=False)


@app.command("scores")
def export_scores(month: str = typer.Option(..., help="YYYY-MM"),
                  village: str = named("village", "", "只导出这个村"),
                  official: str = named("official", "", "只导出这个人"),
                  file: Optional[Path] = FILE, format: Optional[Format] = FORMAT):
    """The month's score sheet: every official's category scores, total, grade and pay,
    with a totals row."""
    fmt = choose_format(format, file)
    _done(score_sheet(month, village, official), fmt, file)


@app.command("pay")
def export_pay(month: str = typer.Option("", help="YYYY-MM (a month, frozen at aggregation)"),
               year: int = typer.Option(0, help="a year: monthly pay plus the year-end money (reward, awards, pool shares, less year deductions)"),
               village: str = named("village", "", "只导出这个村"),
               file: Optional[Path] = FILE, format: Optional[Format] = FORMAT):
    """The pay list (绩效报酬发放表) of a month or a year, with totals per village and for the
    township. A month has a pay list once it is aggregated."""
    if bool(month) == bool(year):
        raise usage_error("give --month YYYY-MM or --year YYYY")
    fmt = choose_format(format, file)
    _done(pay_list(month, year, village), fmt, file)


@app.command("year-end")
def export_year_end(year: int = typer.Option(..., help="YYYY"),
                    pool: str = typer.Option("", help="yuan to split instead of the rule set's pool"),
                    file: Optional[Path] = FILE, format: Optional[Format] = FORMAT):
    """The year-end results (年终考评): ranks, scores, grades after the excellent quota,
    vetoes, monthly pay and reward per official."""
    fmt = choose_format(format, file)
    _done(year_end(year, pool), fmt, file)


@app.command("audit")
def export_audit(actor: str = named("actor"), action: str = typer.Option("", help="e.g. submit_facts"),
                 target: str = typer.Option(""),
                 since: str = typer.Option("", help="YYYY-MM-DD or RFC 3339, inclusive"),
                 until: str = typer.Option("", help="exclusive"),
                 limit: int = typer.Option(1000, min=1, max=10000),
                 file: Optional[Path] = FILE, format: Optional[Format] = FORMAT):
    """The audit log (administrators): who did what, when, with before and after."""
    fmt = choose_format(format, file)
    _done(audit_log(actor, action, target, since, until, limit), fmt, file)
