"""`kaoping export ...`: the month's score sheet, the pay list, the year-end results and
the audit log as Excel (.xlsx), CSV or JSON.

Every export is built once as a neutral table (kaoping_cli.tables: columns with a kind,
a totals row, the meta and notes for the "说明 info" sheet) and then written in the
chosen format. Pay lists, year-end results and month states come from WorkflowService;
the score sheet from EvaluationService (live while the month is scoring). The pay list
carries the ID number and bank account as the server gives them to the caller (in full
to those who pay, masked for others) and an empty 领款人签字 column to sign in; it is
written in the township's script (or `kaoping --lang`), like the printed documents.
"""
from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Optional

import grpc
import typer

from kaoping.text.script import HANS
from kaoping.v1 import audit_pb2 as au
from kaoping.v1 import audit_pb2_grpc as au_grpc
from kaoping.v1 import evaluation_pb2 as ev
from kaoping.v1 import evaluation_pb2_grpc as ev_grpc
from kaoping.v1 import registry_pb2 as rg
from kaoping.v1 import registry_pb2_grpc as rg_grpc
from kaoping.v1 import workflow_pb2 as wf
from kaoping.v1 import workflow_pb2_grpc as wf_grpc
from kaoping_cli.common import (ROLE_NAMES, STATE_NAMES, YEAR_STATE_NAMES, call, call_pages, chosen_script, console,
                                stub, usage_error)
from kaoping_cli.documents.letterhead import document_script
from kaoping_cli.names import option as named
# the table model and writers; re-exported, since callers and tests know them as exports.*
from kaoping_cli.tables import (INT, MONEY, MONEY_FORMAT, POINTS, TEXT, Column, Export, Format, Sheet,  # noqa: F401
                                add_totals, as_json, choose_format, to_decimal, write, write_csv, write_xlsx)


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
    return Export("scores", f"{month} 村干部绩效月考评得分表", f"绩效考评-{month}{scope}", [sheet], meta, notes,
                  script=chosen_script() or HANS)


def pay_list(month: str = "", year: int = 0, village: str = "") -> Export:
    pay = call(stub(wf_grpc.WorkflowServiceStub).GetPayList,
               wf.GetPayListRequest(month=month, year=year, village_id=village))
    yearly = bool(year)
    columns = [Column("village_name", "村 village"), Column("official_id", "编号 id"),
               Column("official_name", "姓名 name"), Column("score", "得分 score", POINTS),
               Column("grade", "等次 grade"),
               Column("monthly_pay", "月度报酬 monthly pay" if yearly else "绩效报酬 pay", MONEY, total=True)]
    if yearly:   # the year-end money is final only once approved, paid only once recorded
        columns += [Column("reward", "年终奖励 reward", MONEY, total=True),
                    Column("reward_state", "年终奖励状态 reward state")]
    columns += [Column("amount", "应发金额 amount", MONEY, total=True), Column("paid", "已发金额 paid", MONEY, total=True)]
    # as the server gives them to this caller: in full to those who pay, masked for others
    columns += [Column("id_number", "身份证号 ID number"), Column("bank_account", "银行账号 bank account"),
                Column("signature", "领款人签字 signature", min_width=16)]
    rows = [{"village_name": l.village_name, "official_id": l.official_id, "official_name": l.official_name,
             "score": l.score, "grade": l.grade, "monthly_pay": l.monthly_pay, "reward": l.reward,
             "reward_state": REWARD_STATES.get(l.reward_state, l.reward_state), "amount": l.amount,
             "paid": l.paid, "id_number": l.id_number, "bank_account": l.bank_account,
             "signature": ""}
            for l in pay.lines]
    lines = add_totals(Sheet("发放表 pay list", columns, rows, row_height=24), count_key="official_name",
                       count_unit="人")
    villages = add_totals(Sheet("各村合计 villages", [
        Column("village_id", "编号 id"), Column("village_name", "村 village"),
        Column("officials", "人数 officials", INT, total=True), Column("amount", "应发金额 amount", MONEY, total=True)],
        [{"village_id": v.village_id, "village_name": v.village_name, "officials": v.officials,
          "amount": v.amount} for v in pay.villages]), label="全镇合计 township")
    period = pay.period or (month or str(year))
    scope = f"-{village}" if village else ""
    names = YEAR_STATE_NAMES if year else STATE_NAMES
    meta = {"period": period, "state": f"{names.get(pay.state, pay.state)} ({pay.state})",
            "complete": pay.complete,
            "township_total": pay.township_total, "generated": _now()}
    return Export("pay", f"{period} 村干部绩效报酬发放表", f"报酬发放表-{period}{scope}", [lines, villages],
                  meta, list(pay.notes), script=document_script(pay.letterhead))


REWARD_STATES = {"provisional": "暂定（未经会议审定）", "approved": "已审定、未兑现", "paid": "已兑现"}


def year_end(year: int, pool: str = "") -> Export:
    ye = call(stub(wf_grpc.WorkflowServiceStub).GetYearEnd, wf.GetYearEndRequest(year=year, pool=pool))
    columns = [Column("rank", "名次 rank", INT), Column("village_name", "村 village"),
               Column("official_id", "编号 id"), Column("official_name", "姓名 name"),
               Column("months_counted", "计入月数 months", INT),
               Column("monthly_component", "月度得分 monthly", POINTS),
               Column("inspection_score", "年终考核 inspection", POINTS), Column("score", "综合得分 score", POINTS),
               Column("grade", "等次 grade"), Column("quota", "名额调整 quota"), Column("veto", "一票否决 veto"),
               Column("monthly_pay", "月度报酬合计 monthly pay", MONEY, total=True),
               Column("reward", "年终奖励（暂定）reward, provisional" if ye.provisional else "年终奖励 reward",
                      MONEY, total=True),
               Column("amount", "合计 amount", MONEY, total=True),
               Column("reward_paid", "年终奖励已兑现 paid", MONEY, total=True)]
    rows = []
    for o in ye.officials:
        monthly, reward = to_decimal(o.monthly_pay) or Decimal(0), to_decimal(o.year_payout) or Decimal(0)
        rows.append({"rank": o.rank, "village_name": o.village_name, "official_id": o.official_id,
                     "official_name": o.official_name, "months_counted": o.months_counted,
                     "monthly_component": o.monthly_component, "inspection_score": o.inspection_score,
                     "score": o.score, "grade": o.grade,
                     "quota": "；".join(x for x in (
                         f"{o.grade_before_quota} → {o.grade}" if o.quota_cut else "",
                         f"{o.grade_before_quota}名额并列待定" if o.tied else "", o.quota_note) if x),
                     "veto": ("；".join(o.veto_reasons) or "是") if o.vetoed else "",
                     "monthly_pay": o.monthly_pay, "reward": o.year_payout,
                     "amount": format(monthly + reward, ".2f"), "reward_paid": o.reward_paid or None})
    sheet = add_totals(Sheet("年终考评 year-end", columns, rows), label="合计 total",
                       count_key="official_name", count_unit="人")
    meta = {"year": ye.year, "ruleset": f"{ye.ruleset.label} v{ye.ruleset.id}",
            "complete": ye.complete,
            "missing_months": "、".join(ye.missing_months),
            "unpaid_months": "、".join(ye.unpaid_months),
            "formula": ye.formula,
            "excellent_quota": ("不限 no quota" if ye.excellent_limit < 0 else
                                       f"{ye.excellent_granted}/{ye.excellent_limit}（候选 {ye.excellent_candidates}）"),
            "tie_break": ye.tie_break or "仅按得分 score only",
            "tied": (f"{len(ye.tied)} 人争 {ye.places_left} 个名额，待会议决定" if ye.tied else ""),
            "state": YEAR_STATE_NAMES.get(ye.state, ye.state) + f" ({ye.state})",
            "pool": ye.pool, "shared": ye.shared, "paid_out": ye.paid_out,
            "paid_on": ye.paid_on or "未兑现", "generated": _now()}
    return Export("year_end", f"{ye.year} 年度村干部考评结果", f"年终考评-{ye.year}", [sheet], meta, list(ye.notes),
                  script=chosen_script() or HANS)


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
                  meta, notes, script=chosen_script() or HANS)


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
