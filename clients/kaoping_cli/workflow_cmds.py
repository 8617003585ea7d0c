"""`kaoping month ...`, `kaoping appeal ...`, `kaoping yearend`, `kaoping paylist`:
the monthly workflow (scoring → aggregated → approved → published → paid), appeals,
rankings, the year-end evaluation and pay lists. What they print is Chinese (考评中 →
已汇总 → 已审定 → 公示中 → 已兑现); --output json keeps the API's own values."""
from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from kaoping.v1 import workflow_pb2 as wf
from kaoping.v1 import workflow_pb2_grpc as wf_grpc
from kaoping_cli.common import (OUTPUT_OPTION, ROLE_NAMES, STATE_NAMES, YEAR_STATE_NAMES, Output, amount_text, call, console,
                                emit_json, stub)
from kaoping_cli.names import option as named
from kaoping_cli.rectification_text import rectification_rows
from kaoping_cli.rpc import all_pages

month_app = typer.Typer(help="月度流程：状态、汇总、审定、反馈确认、公示、兑现。\n\n"
                             "示例（Example）：kaoping month state --month 2026-10", no_args_is_help=True)
appeal_app = typer.Typer(help="对扣分的申诉：提出、处理、查看。\n\n"
                              "示例（Example）：kaoping appeal list --month 2026-10", no_args_is_help=True)

MONTH = typer.Option(..., "--month", help="月份 YYYY-MM（也可写 2026年10月）")
TOWNSHIP = named("township", "", "默认：你的乡镇，或唯一的乡镇")


def _rpc(name: str, request):
    """One WorkflowService call; refusals are printed on stderr with the CLI's exit codes
    (kaoping_cli.common.call)."""
    return call(getattr(stub(wf_grpc.WorkflowServiceStub), name), request, timeout=120)


def _console() -> Console:
    return console


def _state(value: str) -> str:
    return STATE_NAMES.get(value, value)


ACTIONS = {"aggregate": "汇总", "reopen": "退回考评", "approve": "审定", "confirm": "反馈确认",
           "publish": "公示", "pay": "兑现", "mark_paid": "兑现", "appeal": "申诉", "resolve_appeal": "处理申诉"}
APPEAL_STATES = {"pending": "待处理", "upheld": "维持", "overturned": "撤销扣分"}
CONFIRMATION = {"unconfirmed": "未确认", "confirmed": "已确认", "deemed_confirmed": "逾期视为确认"}


def _print_state(s: wf.MonthState) -> None:
    console = _console()
    version = f"规则集 v{s.ruleset.id} {s.ruleset.content_hash[:12]}" if s.ruleset.id else "未绑定规则集版本"
    console.print(f"[bold]{s.township_id} {s.month}：{_state(s.state)}[/bold] · {version} · 第 {s.revision} 次变更",
                  highlight=False)
    dates = [(label, value) for label, value in (
        ("审定于", s.approved_on), ("申诉截止", s.appeal_deadline), ("公示于", s.published_on),
        ("公示截止", s.notice_ends), ("兑现于", s.paid_on)) if value]
    if dates:
        console.print(" · ".join(f"{label} {value}" for label, value in dates), highlight=False)
    if s.state == "approved":
        confirmed = sum(1 for v in s.villages if v.state != "unconfirmed")
        console.print(f"已确认的村 {confirmed}/{len(s.villages)}；待处理申诉 "
                      f"{s.pending_appeals} 件", highlight=False)
    console.print(f"下一步：{'、'.join(ACTIONS.get(a, a) for a in s.next_actions) or '—'}", highlight=False)
    for line in s.drift:
        console.print(f"注意（规则集变化）：{line}", style="yellow", markup=False, highlight=False)
    if s.history:
        console.print(trail_table(s.history, ACTIONS, STATE_NAMES, "流程记录"))


def trail_table(events, actions: dict, states: dict, title: str) -> Table:
    """A month's or a year's trail: when, what, from which state to which, who, why."""
    table = Table("时间", "操作", "状态", "操作人", "说明", title=title)
    for e in events:
        table.add_row(e.at[:19], actions.get(e.action, e.action),
                      f"{states.get(e.from_state, e.from_state)} → {states.get(e.to_state, e.to_state)}",
                      f"{e.actor}（{ROLE_NAMES.get(e.role, e.role)}）", e.note)
    return table


@month_app.command("state")
def month_state(month: str = MONTH, township: str = TOWNSHIP, output: Output = OUTPUT_OPTION):
    """月份处在流程的哪一步，以及流程记录。
    示例（Example）：kaoping month state --month 2026-10"""
    state = _rpc("GetMonthState", wf.MonthRequest(month=month, township_id=township))
    if not emit_json(output, state):
        _print_state(state)


@month_app.command("aggregate")
def month_aggregate(month: str = MONTH, township: str = TOWNSHIP, note: str = typer.Option("")):
    """统一汇总：为会议冻结本月得分；此后不再接受事实录入。
    示例（Example）：kaoping month aggregate --month 2026-10"""
    _print_state(_rpc("Aggregate", wf.MonthRequest(month=month, township_id=township, note=note)))


@month_app.command("reopen")
def month_reopen(month: str = MONTH, note: str = typer.Option(..., help="原因"), township: str = TOWNSHIP):
    """审定前退回考评（会议发现错误时）。
    示例（Example）：kaoping month reopen --month 2026-10 --note 'v03 facts missing'"""
    _print_state(_rpc("Reopen", wf.MonthRequest(month=month, township_id=township, note=note)))


@month_app.command("approve")
def month_approve(month: str = MONTH, township: str = TOWNSHIP,
                  version_hash: str = typer.Option("", help="会议审定的规则集哈希"),
                  note: str = typer.Option("")):
    """记录会议审定，并绑定规则集版本。
    示例（Example）：kaoping month approve --month 2026-10 --note '11月3日党委会审定'"""
    _print_state(_rpc("Approve", wf.ApproveRequest(month=month, township_id=township,
                                                   content_hash=version_hash, note=note)))


@month_app.command("publish")
def month_publish(month: str = MONTH, township: str = TOWNSHIP, note: str = typer.Option("")):
    """开始公示。
    示例（Example）：kaoping month publish --month 2026-10"""
    _print_state(_rpc("Publish", wf.MonthRequest(month=month, township_id=township, note=note)))


@month_app.command("pay")
def month_pay(month: str = MONTH, township: str = TOWNSHIP,
              reference: str = typer.Option("", help="如银行批次号"),
              note: str = typer.Option("")):
    """公示期满后，记录本月报酬已兑现。
    示例（Example）：kaoping month pay --month 2026-10 --reference BANK-2026-11-15"""
    _print_state(_rpc("MarkPaid", wf.MarkPaidRequest(month=month, township_id=township,
                                                     reference=reference, note=note)))


def _print_feedback(f: wf.VillageFeedback) -> None:
    console = _console()
    console.print(f"[bold]{f.title}[/bold]", highlight=False)
    status = f"月份{_state(f.month_state)}" + ("（仍在考评，结果未定）" if f.provisional else "")
    confirmation = CONFIRMATION.get(f.confirmation.state, f.confirmation.state)
    console.print(f"{status} · 规则集 v{f.ruleset.id} · 反馈确认：{confirmation}"
                  + (f"（{f.confirmation.confirmed_by}）" if f.confirmation.confirmed_by else "")
                  + (f" · 申诉截止 {f.appeal_deadline}" if f.appeal_deadline else "")
                  + f" · 共扣 {f.total_deducted} 分", highlight=False)
    table = Table("村干部", "总分", "等次", "分值", "事实", "考评人", "申诉")
    table.add_column("原因", overflow="fold")
    for o in f.officials:
        if not o.deductions:
            table.add_row(o.official_name, o.total, o.grade, "", "", "", "", "无扣分")
        for i, d in enumerate(o.deductions):
            first = i == 0
            appeal = f"#{d.appeal_id} {APPEAL_STATES.get(d.appeal_state, d.appeal_state)}" if d.appeal_id else ""
            table.add_row(o.official_name if first else "", o.total if first else "",
                          o.grade if first else "", amount_text(d.item),
                          f"#{d.item.fact_id}" if d.item.fact_id > 0 else "整改逾期",
                          ROLE_NAMES.get(d.item.scorer_role, d.item.scorer_role), appeal, d.item.reason)
    console.print(table)
    if f.appeals:
        _print_appeals(list(f.appeals))
    if f.rectifications:
        items = Table("编号", "方面", "存在问题", "整改要求", "整改期限", "责任人", "状态", title="整改事项")
        for r, row in zip(f.rectifications, rectification_rows(f.rectifications)):
            items.add_row(str(r.id), *row, style="red" if r.overdue else None)
        console.print(items)


@month_app.command("feedback")
def month_feedback(village: str = named("village", ...), month: str = MONTH, output: Output = OUTPUT_OPTION):
    """村的《反馈通知单》：每条扣分、对应的申诉和反馈确认情况。
    示例（Example）：kaoping month feedback --village v01 --month 2026-10"""
    feedback = _rpc("GetVillageFeedback", wf.VillageFeedbackRequest(village_id=village, month=month))
    if not emit_json(output, feedback):
        _print_feedback(feedback)


SIGNED_BY = typer.Option("", "--signed-by", help="代为登记：在纸质件上签字的人（镇管理员为村登记时必填）")
ON_BEHALF_REASON = typer.Option("", "--on-behalf-reason", help="代为登记的原因（与 --signed-by 一起填）")


def _on_behalf(signed_by: str, reason: str) -> wf.OnBehalf | None:
    """Either option asks for an entry on the village's behalf; the server refuses a missing part."""
    return wf.OnBehalf(signed_by=signed_by, reason=reason) if signed_by or reason else None


@month_app.command("confirm")
def month_confirm(month: str = MONTH, village: str = named("village", "", "默认：你的村"),
                  note: str = typer.Option(""), township: str = TOWNSHIP,
                  signed_by: str = SIGNED_BY, on_behalf_reason: str = ON_BEHALF_REASON):
    """反馈确认：确认本村的《反馈通知单》；镇办公室为村登记纸质签字的确认时，给出
    --village、--signed-by 和 --on-behalf-reason（代为登记）。
    示例（Example）：kaoping month confirm --month 2026-10 --note '两委会议讨论无异议'"""
    _print_feedback(_rpc("Confirm", wf.ConfirmRequest(month=month, village_id=village, note=note,
                                                      township_id=township,
                                                      on_behalf=_on_behalf(signed_by, on_behalf_reason))))


@month_app.command("public")
def month_public(month: str = MONTH, township: str = TOWNSHIP, output: Output = OUTPUT_OPTION):
    """公示名单：姓名、村、得分、等次和报酬档次。
    示例（Example）：kaoping month public --month 2026-10"""
    n = _rpc("GetPublicNotice", wf.MonthRequest(month=month, township_id=township))
    if emit_json(output, n):
        return
    table = Table("名次", "姓名", "村", "总分", "等次", "报酬档次",
                  title=f"{n.title} ({n.published_on} – {n.notice_ends})")
    for line in n.lines:
        table.add_row(str(line.rank), line.official_name, line.village_name, line.total, line.grade,
                      line.pay_tier)
    _console().print(table)


def _change(value: int) -> str:
    return f"↑{value}" if value > 0 else f"↓{-value}" if value < 0 else "—"


@month_app.command("ranking")
def month_ranking(month: str = MONTH, township: str = TOWNSHIP, top: int = typer.Option(0, help="只列前几名；0 为全部"),
                  output: Output = OUTPUT_OPTION):
    """晒成绩、比作为：本月名次、与上月相比的变化和全年累计。
    示例（Example）：kaoping month ranking --month 2026-10 --top 20"""
    r = _rpc("GetYearToDateRanking", wf.MonthRequest(month=month, township_id=township))
    if emit_json(output, r):
        return
    provisional = [m.month for m in r.months if m.provisional]
    console = _console()
    if provisional:
        console.print(f"仍在考评、结果未定的月份：{'、'.join(provisional)}", style="yellow",
                      highlight=False)
    if r.missing_months:
        console.print(f"全年累计只计已审定的月份；未审定、不计入：{'、'.join(r.missing_months)}",
                      style="yellow", highlight=False)
    villages = Table("名次", "变化", "村", "平均分", "全年平均", "全年名次",
                     title=f"{r.month} 村排名")
    for v in r.villages:
        villages.add_row(str(v.rank), _change(v.rank_change) if v.previous_rank else "新",
                         v.village_name, v.average, v.ytd_average or "—", str(v.ytd_rank or "—"))
    officials = Table("名次", "变化", "村干部", "村", "总分", "分差", "等次",
                      "全年平均", "全年名次", title=f"{r.month} 村干部排名")
    for o in (r.officials[:top] if top else r.officials):
        officials.add_row(str(o.rank), _change(o.rank_change) if o.previous_rank else "新",
                          o.official_name, o.village_name, o.total, o.total_change or "",
                          o.grade + (" (一票否决)" if o.vetoed else ""), o.ytd_average or "—",
                          str(o.ytd_rank or "—"))
    console.print(villages)
    console.print(officials)


# appeals -------------------------------------------------------------------------
def _print_appeals(appeals: list) -> None:
    table = Table("#", "月份", "村干部", "事实", "分值", "状态", "提出人", "处理前 → 处理后", title="申诉")
    table.add_column("理由 / 处理意见", overflow="fold")
    for a in appeals:
        change = (f"{a.before.total} {a.before.grade} {a.before.pay} → {a.after.total} "
                  f"{a.after.grade} {a.after.pay}") if a.before.grade else ""
        text = a.reason + (f" / {a.decision_reason} ({a.resolved_by})" if a.decision_reason else "")
        table.add_row(str(a.id), a.month, a.official_name or a.official_id, f"#{a.fact_id}", a.points,
                      APPEAL_STATES.get(a.state, a.state), a.submitted_by, change, text)
    _console().print(table)


@appeal_app.command("submit")
def appeal_submit(fact_id: int, reason: str = typer.Option(...),
                  appellant: str = typer.Option("village", help="village（村），或 official（村干部，经由村）"),
                  signed_by: str = SIGNED_BY, on_behalf_reason: str = ON_BEHALF_REASON):
    """对本村的一条扣分提出申诉（按扣分所依据的事实编号）；镇办公室代村登记纸质申诉时，
    给出 --signed-by 和 --on-behalf-reason（代为登记）。
    示例（Example）：kaoping appeal submit 123 --reason '当天请假已批准'"""
    a = _rpc("Appeal", wf.AppealRequest(fact_id=fact_id, reason=reason, appellant=appellant,
                                        on_behalf=_on_behalf(signed_by, on_behalf_reason)))
    _console().print(f"已对事实 #{a.fact_id}（{a.points} {a.rule_id}）提出申诉 #{a.id}，"
                     f"状态：{APPEAL_STATES.get(a.state, a.state)}", highlight=False)


@appeal_app.command("resolve")
def appeal_resolve(appeal_id: int, decision: str = typer.Option(..., help="upheld（维持）或 overturned（撤销扣分）"),
                   reason: str = typer.Option(..., help="处理意见")):
    """处理申诉；撤销扣分会作废该事实并重算本月。
    示例（Example）：kaoping appeal resolve 4 --decision overturned --reason '假条属实'"""
    a = _rpc("ResolveAppeal", wf.ResolveAppealRequest(appeal_id=appeal_id, decision=decision, reason=reason))
    _print_appeals([a])


@appeal_app.command("list")
def appeal_list(month: str = typer.Option(""), year: int = typer.Option(0), village: str = named("village"),
                state: str = typer.Option("", help="pending（待处理）、upheld（维持）或 overturned（撤销扣分）"),
                township: str = TOWNSHIP, output: Output = OUTPUT_OPTION):
    """申诉及其经过（谁、何时、为何、处理前后）。
    示例（Example）：kaoping appeal list --year 2026 --state pending"""
    r = all_pages(lambda req: _rpc("ListAppeals", req), wf.ListAppealsRequest(
        month=month, year=year, village_id=village, state=state, township_id=township), "appeals")
    if not emit_json(output, r):
        _print_appeals(list(r.appeals))


# year-end and pay -------------------------------------------------------------------
def yearend(year: int = typer.Option(...), township: str = TOWNSHIP,
            pool: str = typer.Option("", help="用这笔奖金（元）分配，而不是规则集中的奖金池"),
            output: Output = OUTPUT_OPTION):
    """年终考核：得分、等次（一票否决、优秀名额）和奖励。
    示例（Example）：kaoping yearend --year 2026"""
    y = _rpc("GetYearEnd", wf.GetYearEndRequest(year=year, township_id=township, pool=pool))
    if emit_json(output, y):
        return
    console = _console()
    console.print(f"[bold]{y.township_id} {y.year} 年终考核[/bold] · {YEAR_STATE_NAMES.get(y.state, y.state)} · "
                  f"规则集 v{y.ruleset.id} · {y.formula}", highlight=False)
    if y.provisional:
        console.print("以下为暂定结果：尚未经总结大会审定，可能变动（kaoping year state 查看进度）",
                      style="yellow", highlight=False)
    if not y.complete:
        console.print("尚不完整：" + "；".join(
            ([f"未审定 {'、'.join(y.missing_months)}"] if y.missing_months else []) +
            ([f"未兑现 {'、'.join(y.unpaid_months)}"] if y.unpaid_months else []) +
            ([] if y.paid_on else ["年终奖励尚未兑现"])),
            style="yellow", highlight=False)
    if y.excellent_grade:
        limit = "不限" if y.excellent_limit < 0 else str(y.excellent_limit)
        console.print(f"{y.excellent_grade}：{y.excellent_candidates} 名候选中评定 {y.excellent_granted} 名"
                      f"（名额 {limit}）", highlight=False)
        console.print(f"并列规则：{'得分 → ' + y.tie_break if y.tie_break else '仅按得分（规则集未规定 tie_break）'}",
                      markup=False, highlight=False)
        if y.tied:
            names = {o.official_id: o.official_name for o in y.officials}
            tied = [names.get(oid, oid) for oid in y.tied]
            shown = "、".join(tied) if len(tied) <= 20 else "、".join(tied[:20]) + " 等（见下表“并列待定”）"
            console.print(f"并列待会议决定：{shown}，共 {len(y.tied)} 人争剩余 {y.places_left} 个"
                          f"{y.excellent_grade}名额；决定前暂按下一等次计，会议审定时须写明决定"
                          f"（kaoping year approve --grant … --minutes …）",
                          style="yellow", markup=False, highlight=False)
    console.print(f"奖励金 {y.pool} 元，{'分配' if not y.provisional else '暂定分配'} {y.shared} 元；"
                  + (f"已于 {y.paid_on} 兑现 {y.paid_out} 元（凭证 {y.payout_reference}）" if y.paid_on
                     else "尚未兑现"), highlight=False)
    for note in y.notes:
        console.print(f"说明：{note}", markup=False, highlight=False)
    table = Table("名次", "村干部", "村", "月数", "月度", "年终检查", "得分", "等次",
                  "奖励(元，暂定)" if y.provisional else "奖励(元)", "已兑现(元)", "名额说明")
    for o in y.officials:
        grade = o.grade + ("（并列待定）" if o.tied else "") + ("（限名额）" if o.quota_cut else "") + \
            ("（否决）" if o.vetoed else "")
        table.add_row(str(o.rank), o.official_name, o.village_name, str(o.months_counted),
                      o.monthly_component, o.inspection_score, o.score, grade, o.year_payout,
                      o.reward_paid or "—", o.quota_note)
    console.print(table)


def paylist(month: str = typer.Option("", help="月份 YYYY-MM"), year: int = typer.Option(0, help="年份"),
            village: str = named("village"), township: str = TOWNSHIP, output: Output = OUTPUT_OPTION):
    """某月或全年的报酬名单：得分、等次、金额；按村和全乡镇合计。
    示例（Example）：kaoping paylist --month 2026-10（或 --year 2026）"""
    p = _rpc("GetPayList", wf.GetPayListRequest(month=month, year=year, village_id=village,
                                                township_id=township))
    if emit_json(output, p):
        return
    console = _console()
    for note in p.notes:
        console.print(f"说明：{note}", markup=False, highlight=False)
    state = YEAR_STATE_NAMES.get(p.state, p.state) if year else _state(p.state)
    table = Table("村", "村干部", "得分", "等次", "月度(元)", "奖励(元)", "金额(元)",
                  "已兑现(元)", title=f"{p.township_id} {p.period} 绩效报酬 · {state}")
    for line in p.lines:
        reward = line.reward + ("（暂定）" if line.reward_state == "provisional" else "")
        table.add_row(line.village_name, line.official_name, line.score, line.grade, line.monthly_pay,
                      reward, line.amount, line.paid)
    console.print(table)
    totals = Table("村", "人数", "金额(元)", title="合计")
    for v in p.villages:
        totals.add_row(v.village_name, str(v.officials), v.amount)
    totals.add_row("[bold]全乡镇[/bold]", str(len(p.lines)), f"[bold]{p.township_total}[/bold]")
    console.print(totals)


def register(app: typer.Typer) -> None:
    app.add_typer(month_app, name="month")
    app.add_typer(appeal_app, name="appeal")
    app.command("yearend")(yearend)
    app.command("paylist")(paylist)
