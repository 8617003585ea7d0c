"""`kaoping year ...`: the year-end workflow (暂定 → 已汇总待审定 → 已审定 → 公示中 → 已兑现 →
已归档) — aggregate for the summary meeting, reopen, approve (with the meeting's decision on
a tie at the excellent quota), publish, record the reward payout, close. The figures
themselves are `kaoping yearend --year Y`; the documents `kaoping print year-report …`."""
from __future__ import annotations

from typing import List

import typer

from kaoping.v1 import yearend_pb2 as ye
from kaoping.v1 import yearend_pb2_grpc as ye_grpc
from kaoping_cli.common import (OUTPUT_OPTION, YEAR_ACTION_NAMES, YEAR_STATE_NAMES, Output, call,
                                console, emit_json, stub)
from kaoping_cli.names import names as lookup
from kaoping_cli.names import option as named
from kaoping_cli.workflow_cmds import trail_table

year_app = typer.Typer(help="年终考核流程：汇总、审定（含并列名额的会议决定）、公示、奖励兑现、归档。\n\n"
                            "示例（Example）：kaoping year state --year 2026", no_args_is_help=True)

YEAR = typer.Option(..., "--year", help="年份，如 2026")
TOWNSHIP = named("township", "", "默认：你的乡镇，或唯一的乡镇")
STATES, ACTIONS = YEAR_STATE_NAMES, YEAR_ACTION_NAMES


def _rpc(name: str, request):
    return call(getattr(stub(ye_grpc.YearEndServiceStub), name), request, timeout=300)


def print_state(s: ye.YearState) -> None:
    version = f"规则集 v{s.ruleset.id} {s.ruleset.content_hash[:12]}" if s.ruleset.id else "未绑定规则集版本"
    console.print(f"[bold]{s.township_id} {s.year} 年终考核：{STATES.get(s.state, s.state)}[/bold] · {version}",
                  highlight=False)
    dates = [(label, value) for label, value in (
        ("汇总于", s.aggregated_on), ("审定于", s.approved_on), ("公示于", s.published_on),
        ("公示截止", s.notice_ends), ("兑现于", s.paid_on), ("归档于", s.closed_on)) if value]
    if dates:
        console.print(" · ".join(f"{label} {value}" for label, value in dates), highlight=False)
    if s.pool:
        console.print(f"奖励金总额 {s.pool} 元" + (f"；已兑现 {s.paid_out} 元，凭证 {s.payout_reference}"
                                               if s.paid_out else ""), highlight=False)
    if s.quota_decision.minutes:
        console.print(f"并列名额会议决定：{'、'.join(s.quota_decision.granted_official_ids)}"
                      f"（{s.quota_decision.minutes}）", markup=False, highlight=False)
    if s.state == "provisional" and s.months_not_approved:
        console.print(f"尚不能年终汇总的月份（{len(s.months_not_approved)}）：" + "；".join(s.months_not_approved),
                      style="yellow", markup=False, highlight=False)
    console.print(f"下一步：{'、'.join(ACTIONS.get(a, a) for a in s.next_actions) or '—'}", highlight=False)
    if s.history:
        console.print(trail_table(s.history, ACTIONS, STATES, "年终考核流程记录"))


def _show(state: ye.YearState, output: Output) -> None:
    if not emit_json(output, state):
        print_state(state)


@year_app.command("state")
def year_state(year: int = YEAR, township: str = TOWNSHIP, output: Output = OUTPUT_OPTION):
    """年终考核处在哪一步、还差什么，以及流程记录。
    示例（Example）：kaoping year state --year 2026"""
    _show(_rpc("GetYearState", ye.YearRequest(year=year, township_id=township)), output)


@year_app.command("aggregate")
def year_aggregate(year: int = YEAR, township: str = TOWNSHIP, note: str = typer.Option("", help="说明"),
                   output: Output = OUTPUT_OPTION):
    """年终汇总：十二个月都审定且申诉期满后，为总结大会冻结年终结果；此后不再接受年终考核事实。
    示例（Example）：kaoping year aggregate --year 2026"""
    _show(_rpc("AggregateYear", ye.YearRequest(year=year, township_id=township, note=note)), output)


@year_app.command("reopen")
def year_reopen(year: int = YEAR, note: str = typer.Option(..., help="原因（必填）"), township: str = TOWNSHIP,
                output: Output = OUTPUT_OPTION):
    """审定前退回重算（会议发现年终考核有误时），须写明原因。
    示例（Example）：kaoping year reopen --year 2026 --note '第三网格年终检查分录错'"""
    _show(_rpc("ReopenYear", ye.YearRequest(year=year, township_id=township, note=note)), output)


@year_app.command("approve")
def year_approve(year: int = YEAR, township: str = TOWNSHIP,
                 version_hash: str = typer.Option("", help="会议审定的规则集哈希"),
                 pool: str = typer.Option("", help="会议确定的奖励金总额（元）；默认用规则集中的"),
                 grant: List[str] = typer.Option([], "--grant", help="并列时会议决定授予优秀的村干部（姓名或编号，可多次给出）"),
                 minutes: str = typer.Option("", help="记录并列名额决定的会议纪要，如 党委会议纪要〔2027〕3号"),
                 note: str = typer.Option("", help="说明"), output: Output = OUTPUT_OPTION):
    """记录总结大会审定：绑定规则集版本，冻结每人的年终结果、名额决定和奖励金总额。
    示例（Example）：kaoping year approve --year 2026 --note '1月10日党委会审定'"""
    decision = None
    if grant or minutes:
        found = lookup()
        decision = ye.QuotaDecision(granted_official_ids=[found.official(g) for g in grant], minutes=minutes)
    _show(_rpc("ApproveYear", ye.ApproveYearRequest(year=year, township_id=township, content_hash=version_hash,
                                                    pool=pool, note=note, quota_decision=decision)), output)


@year_app.command("publish")
def year_publish(year: int = YEAR, township: str = TOWNSHIP, note: str = typer.Option("", help="说明"),
                 output: Output = OUTPUT_OPTION):
    """开始年终考核结果公示（公示期按规则集）。
    示例（Example）：kaoping year publish --year 2026"""
    _show(_rpc("PublishYear", ye.YearRequest(year=year, township_id=township, note=note)), output)


@year_app.command("pay")
def year_pay(year: int = YEAR, reference: str = typer.Option(..., help="兑现凭证号，如银行批次号（必填）"),
             paid_on: str = typer.Option("", help="兑现日期 YYYY-MM-DD（也可写 2027年2月1日）；默认今天"), township: str = TOWNSHIP,
             note: str = typer.Option("", help="说明"), output: Output = OUTPUT_OPTION):
    """公示期满后，登记年终奖励已兑现（每人一笔，合计等于审定的金额）。
    示例（Example）：kaoping year pay --year 2026 --reference BANK-2027-02-01"""
    _show(_rpc("RecordYearPayout", ye.YearPayoutRequest(year=year, township_id=township, reference=reference,
                                                        paid_on=paid_on, note=note)), output)


@year_app.command("close")
def year_close(year: int = YEAR, township: str = TOWNSHIP, note: str = typer.Option("", help="说明"),
               output: Output = OUTPUT_OPTION):
    """年度归档：奖励兑现后结束本年度考评。
    示例（Example）：kaoping year close --year 2026"""
    _show(_rpc("CloseYear", ye.YearRequest(year=year, township_id=township, note=note)), output)


def register(app: typer.Typer) -> None:
    app.add_typer(year_app, name="year")
