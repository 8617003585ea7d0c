"""The 《反馈通知单》 (feedback notice) of a village for a month, as an issued document:
the township's masthead and document number; every official's results with position;
every deduction with the fact's date, note and scorer — a line the category's floor cut
(扣完为止) shows what was asked and what counts — and every addition; the appeals and how
they were decided; the villages' ranking and each official's year so far as charts; the
sentence on how to appeal only while an appeal can still be filed; the village's receipt
line, the issuer, date, seal and contact. Data from WorkflowService.GetVillageFeedback
(EvaluationService's notice from an older server)."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

import grpc

from kaoping.text.script import HANS
from kaoping.v1 import evaluation_pb2 as ev
from kaoping.v1 import evaluation_pb2_grpc as ev_grpc
from kaoping.v1 import registry_pb2 as rg
from kaoping.v1 import registry_pb2_grpc as rg_grpc
from kaoping.v1 import rulesets_pb2 as rs
from kaoping.v1 import rulesets_pb2_grpc as rs_grpc
from kaoping.v1 import workflow_pb2 as wf
from kaoping.v1 import workflow_pb2_grpc as wf_grpc
from kaoping_cli.common import ROLE_NAMES, STATE_NAMES, amount_text, call, call_pages, err_console, stub
from kaoping_cli.documents.charts import TrendSeries, ranking_chart, trend_chart
from kaoping_cli.documents.letterhead import document_script, issuer_stamp, masthead
from kaoping_cli.documents.model import Block, Document, Page, Para, TableBlock
from kaoping_cli.rectification_text import rectification_rows

APPEAL_NAMES = {"pending": "申诉处理中", "upheld": "申诉驳回", "overturned": "申诉成立"}
DECISION_NAMES = {"pending": "待处理", "upheld": "驳回，维持扣分", "overturned": "成立，撤销扣分"}
SIGN_LINE = "＿＿＿＿＿＿＿＿"
NUMERALS = "一二三四五六七八九十"
CUT_DEDUCTION, CUT_ADDITION = "扣完为止", "加分封顶"


def dec(text: str) -> Decimal:
    try:
        return Decimal(text or "0")
    except InvalidOperation:
        return Decimal(0)


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f") if value == value.to_integral() else format(value, "f")


def village_averages(month: str) -> list[tuple[str, str, Decimal]]:
    """(village id, name, average) best first, from the workflow's ranking (the frozen
    figures once aggregated), else the live ranking. Empty if the caller may not see it."""
    try:
        ytd = stub(wf_grpc.WorkflowServiceStub).GetYearToDateRanking(wf.MonthRequest(month=month), timeout=60)
        rows = [(v.village_id, v.village_name, Decimal(v.average)) for v in ytd.villages]
    except grpc.RpcError as error:
        if error.code() not in (grpc.StatusCode.UNIMPLEMENTED, grpc.StatusCode.PERMISSION_DENIED):
            raise
        try:
            ranking = stub(ev_grpc.EvaluationServiceStub).GetRanking(ev.GetRankingRequest(month=month), timeout=60)
        except grpc.RpcError as error2:
            if error2.code() == grpc.StatusCode.PERMISSION_DENIED:
                return []
            raise
        rows = [(v.village_id, v.village_name, Decimal(v.average)) for v in ranking.villages]
    rows.sort(key=lambda r: (-r[2], r[0]))
    return rows


def feedback(village_id: str, month: str) -> wf.VillageFeedback:
    """The workflow's feedback notice; an older server's EvaluationService notice as the fallback."""
    try:
        return stub(wf_grpc.WorkflowServiceStub).GetVillageFeedback(
            wf.VillageFeedbackRequest(village_id=village_id, month=month), timeout=60)
    except grpc.RpcError as error:
        if error.code() != grpc.StatusCode.UNIMPLEMENTED:
            raise
    notice = call(stub(ev_grpc.EvaluationServiceStub).GetFeedbackNotice,
                  ev.GetFeedbackNoticeRequest(village_id=village_id, month=month))
    fb = wf.VillageFeedback(title=notice.title, village_id=notice.village_id, village_name=notice.village_name,
                            month=notice.month, provisional=True, total_deducted=notice.total_deducted)
    fb.ruleset.CopyFrom(notice.ruleset)
    for o in notice.officials:
        fb.officials.add(official_id=o.official_id, official_name=o.official_name, total=o.total, grade=o.grade,
                         deductions=[wf.FeedbackDeduction(item=d) for d in o.deductions])
    return fb


def _reason(line: wf.FeedbackDeduction) -> str:
    item = line.item
    text = item.reason
    if item.village_level:
        text += "（村级）"
    if item.detail and item.effect != "multiplier":
        text += f"（{item.detail}）"
    if line.fact_note:
        text += f"\n备注：{line.fact_note}"
    ids = [i for i in (list(item.fact_ids) or [item.fact_id]) if i > 0]   # < 0: overdue 整改, no stored fact
    if ids:
        text += "\n事实 " + " ".join(f"#{i}" for i in ids)
    return text


def _scorer(line: wf.FeedbackDeduction) -> str:
    return line.scorer_name or ROLE_NAMES.get(line.item.scorer_role, line.item.scorer_role)


def _asked_and_counted(line: wf.FeedbackDeduction, cut_mark: str) -> tuple[str, str]:
    """What the rule asked and what counts, as unsigned points (yuan, forfeits and
    multipliers as the API words them); a cut line says so."""
    item = line.item
    text = amount_text(item)
    if text != item.points:                    # not a points line
        return text, text
    counted = _plain(abs(dec(item.points)))
    asked = _plain(abs(dec(item.requested_points))) if item.requested_points else counted
    if line.cut:
        return asked, f"{counted}（{cut_mark}）"
    return asked, counted


def _line_rows(fb: wf.VillageFeedback, additions: bool, categories: dict) -> list[list[str]]:
    rows = []
    for o in fb.officials:
        for line in (o.additions if additions else o.deductions):
            asked, counted = _asked_and_counted(line, CUT_ADDITION if additions else CUT_DEDUCTION)
            row = [o.official_name, line.fact_date or "本月", _reason(line),
                   categories.get(line.item.category, line.item.category), asked, counted, _scorer(line)]
            if not additions:
                row.append(APPEAL_NAMES.get(line.appeal_state, line.appeal_state))
            rows.append(row)
    return rows


def _outcome(o: wf.Outcome) -> str:
    if not o.total:
        return "—"
    return f"{o.total}分 {o.grade}" + (f" {o.pay}元" if o.pay else "")


def _appeal_rows(fb: wf.VillageFeedback) -> list[list[str]]:
    rows = []
    for a in fb.appeals:
        points = _plain(abs(dec(a.points))) if a.points else ""
        rows.append([a.official_name or a.official_id,
                     f"{a.deduction_reason}（扣 {points} 分，事实 #{a.fact_id}）" if points else a.deduction_reason,
                     a.reason, DECISION_NAMES.get(a.state, a.state), a.decision_reason or "—",
                     f"处理前：{_outcome(a.before)}\n处理后：{_outcome(a.after)}" if a.state == "overturned" else
                     ("维持原结果" if a.state == "upheld" else "待处理")])
    return rows


def notice_page(fb: wf.VillageFeedback, positions: dict, categories: dict,
                averages: list[tuple[str, str, float]], with_chart: bool) -> Page:
    numbers = iter(NUMERALS)
    heading = lambda text: Para(f"{next(numbers)}、{text}", "heading")   # noqa: E731
    state = STATE_NAMES.get(fb.month_state, fb.month_state) if fb.month_state else ""
    meta = [f"月份：{fb.month}"]
    if state:
        meta.append(f"状态：{state}")
    meta.append(f"规则集：{fb.ruleset.label}（v{fb.ruleset.id}）")
    if fb.confirmation.state:
        meta.append({"confirmed": "本村已确认", "deemed_confirmed": "逾期视为确认",
                     "unconfirmed": "待本村确认"}.get(fb.confirmation.state, fb.confirmation.state))
    blocks: list[Block] = [masthead(fb.letterhead, fallback=fb.letterhead.township_name),
                           Para(fb.title or f"{fb.village_name} {fb.month} 绩效考评《反馈通知单》", "title"),
                           Para("　".join(meta), "meta")]
    if fb.provisional:
        blocks.append(Para("本月尚在考评中，以下为即时数据，以汇总审定后的结果为准。", "note"))

    blocks.append(heading("考评结果"))
    results = []
    for o in fb.officials:
        deducted = sum((-dec(d.item.points) for d in o.deductions if dec(d.item.points) < 0), Decimal(0))
        added = sum((dec(a.item.points) for a in o.additions if dec(a.item.points) > 0), Decimal(0))
        results.append([o.official_name, o.position or positions.get(o.official_id, ""), o.total, o.grade,
                        _plain(deducted), _plain(added), o.pay or ""])
    blocks.append(TableBlock(["姓名", "职务", "总分", "等次", "扣分", "加分", "绩效报酬（元）"], results,
                             [14, 20, 11, 11, 10, 10, 18], ["L", "L", "R", "C", "R", "R", "R"]))

    blocks.append(heading("扣分明细"))
    details = _line_rows(fb, False, categories)
    if details:
        blocks.append(TableBlock(["姓名", "日期", "事由及说明", "类别", "应扣", "实扣", "考评人", "申诉"], details,
                                 [10, 14, 27, 12, 6, 16, 17, 10], ["L", "C", "L", "L", "R", "R", "L", "C"],
                                 font_size=9))
        if any(line.cut for o in fb.officials for line in o.deductions):
            blocks.append(Para(f"注：标“{CUT_DEDUCTION}”的扣分，该类别分数已扣至最低分，"
                               "实扣少于应扣，但仍列出，事实照样记录。", "small"))
    else:
        blocks.append(Para("本月无扣分。", "body"))
    blocks.append(Para(f"扣分合计：{fb.total_deducted or '0'} 分", "body"))

    blocks.append(heading("加分明细"))
    added_rows = _line_rows(fb, True, categories)
    if added_rows:
        blocks.append(TableBlock(["姓名", "日期", "事由及说明", "类别", "应加", "实加", "考评人"], added_rows,
                                 [10, 14, 33, 14, 6, 16, 17], ["L", "C", "L", "L", "R", "R", "L"], font_size=9))
    else:
        blocks.append(Para("本月无加分。", "body"))
    if fb.total_added:
        blocks.append(Para(f"加分合计：{fb.total_added} 分", "body"))

    blocks.append(heading("申诉及处理结果"))
    appeals = _appeal_rows(fb)
    if appeals:
        blocks.append(TableBlock(["姓名", "申诉的扣分", "申诉理由", "结果", "处理意见", "处理前 → 处理后"], appeals,
                                 [10, 21, 15, 12, 14, 28], ["L", "L", "L", "C", "L", "L"], font_size=9))
    else:
        blocks.append(Para("本月无申诉。", "body"))

    if fb.rectifications:   # printed until closed (and in the month it was closed)
        blocks.append(heading("整改事项"))
        blocks.append(TableBlock(["方面", "存在问题", "整改要求", "整改期限", "责任人", "状态"],
                                 rectification_rows(fb.rectifications), [14, 26, 26, 13, 14, 17],
                                 ["L", "L", "L", "C", "L", "L"], font_size=9))
        if any(r.overdue for r in fb.rectifications):
            blocks.append(Para("注：标“逾期”的事项已过整改期限仍未完成，请抓紧整改并报送整改佐证。", "small"))

    if fb.appeal_open and fb.appeal_deadline:
        blocks.append(Para(f"如对扣分有异议，请于 {fb.appeal_deadline} 前提出申诉；逾期未申诉亦未确认的，视为确认。",
                           "note"))
    blocks.append(issuer_stamp(fb.letterhead, fallback=fb.letterhead.township_name,
                               receipt=[f"村党支部书记（签收）：{SIGN_LINE}", f"签收日期：{SIGN_LINE}"]))

    # the charts are the notice's attachments (附件), after the issuer and seal as on any issued document
    attachments = iter(range(1, 10))
    if with_chart and averages:
        rank = next((i for i, a in enumerate(averages, start=1) if a[0] == fb.village_id), None)
        blocks.append(Para(f"附件{next(attachments)}：全镇各村平均分排名", "heading"))
        caption = f"本村排名：第 {rank} 名，共 {len(averages)} 个村" if rank else ""
        blocks.append(ranking_chart([(a[1], a[2]) for a in averages], f"{fb.month} 各村平均分",
                                    highlight=fb.village_name, script=_script(fb), caption=caption))
    series = [TrendSeries(o.official_name, list(o.trend)) for o in fb.officials if o.trend]
    if with_chart and series:
        blocks.append(Para(f"附件{next(attachments)}：本年各月总分走势", "heading"))
        blocks.append(trend_chart(series, fb.month[:4], script=_script(fb)))
    number = f"{fb.letterhead.document_number}　" if fb.letterhead.document_number else ""
    return Page(blocks, f"{number}{fb.village_name} {fb.month} 反馈通知单")


def _script(fb: wf.VillageFeedback) -> str:
    return document_script(fb.letterhead)


def notice_document(villages: list, month: str, with_chart: bool = True) -> Document:
    summary = call(stub(rs_grpc.RuleSetServiceStub).GetActiveRuleSet, rs.GetActiveRuleSetRequest())
    categories = {c.id: c.name for c in summary.categories}
    averages = village_averages(month) if with_chart else []
    if with_chart and not averages:
        err_console.print("（没有排名图：此令牌无权查看全镇排名）", highlight=False)
    pages, script = [], HANS
    for v in villages:
        fb = feedback(v.id, month)
        script = _script(fb)
        positions = {}
        if any(not o.position for o in fb.officials):      # an older server: the roster's positions
            positions = {o.id: o.position for o in call_pages(stub(rg_grpc.RegistryServiceStub).ListOfficials,
                                                              rg.ListOfficialsRequest(village_id=v.id),
                                                              "officials").officials}
        pages.append(notice_page(fb, positions, categories, averages, with_chart))
    title = pages[0].blocks[1].text if len(pages) == 1 else f"{month} 绩效考评《反馈通知单》"
    return Document(title, pages, script=script)
