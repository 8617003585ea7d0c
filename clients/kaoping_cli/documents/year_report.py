"""The year's results report (年度考核结果通报) the year-end meeting reads, one section
per village: every official's months counted, monthly component, inspection score, year
score, grade and rank in the township (with how the excellent quota settled him), then
the problems the inspection found in the village and what must be put right (整改要求:
area, problem, demand, deadline, who answers for it), and the issuer, date and seal.

Before the meeting approved the year the figures are provisional: every section says
暂定（未经会议审定） in its title, its meta line and a note, so no one takes it for the
result. Data: WorkflowService.GetYearEnd, YearEndService.GetYearState and
RectificationService.ListRectifications (None: a server without rectification)."""
from __future__ import annotations

import grpc

from kaoping.v1 import rectification_pb2 as rc
from kaoping.v1 import rectification_pb2_grpc as rc_grpc
from kaoping.v1 import workflow_pb2 as wf
from kaoping.v1 import workflow_pb2_grpc as wf_grpc
from kaoping.v1 import yearend_pb2 as ye_pb
from kaoping.v1 import yearend_pb2_grpc as ye_grpc
from kaoping_cli.common import call, fail, stub
from kaoping_cli.documents.letterhead import date_text, document_script, issuer_stamp, masthead
from kaoping_cli.documents.model import Block, Document, Page, Para, TableBlock
from kaoping_cli.documents.notice import SIGN_LINE
from kaoping_cli.documents.year_words import (PROVISIONAL_MARK, PROVISIONAL_NOTE, approved_on, excellent_text,
                                              formula_zh, is_final, note_zh, ruleset_text, state_text)

RECTIFICATION_STATES = {"open": "整改中", "closed": "已整改"}


# fetching -----------------------------------------------------------------------------
def fetch_year(year: int) -> tuple[wf.YearEnd, ye_pb.YearState | None]:
    """The year's figures and its workflow state; None for the state from a server
    without the year workflow (its figures are then never final)."""
    year_end = call(stub(wf_grpc.WorkflowServiceStub).GetYearEnd, wf.GetYearEndRequest(year=year))
    try:
        state = stub(ye_grpc.YearEndServiceStub).GetYearState(ye_pb.YearRequest(year=year), timeout=60)
    except grpc.RpcError as error:
        if error.code() != grpc.StatusCode.UNIMPLEMENTED:
            raise fail(error)
        state = None
    return year_end, state


def fetch_rectifications(year: int, village: str = "") -> list[rc.Rectification] | None:
    """The year's rectification items (of one village, or all the caller may read); None
    from a server without RectificationService."""
    try:
        found = stub(rc_grpc.RectificationServiceStub).ListRectifications(
            rc.ListRectificationsRequest(year=year, village_id=village), timeout=60)
    except grpc.RpcError as error:
        if error.code() != grpc.StatusCode.UNIMPLEMENTED:
            raise fail(error)
        return None
    return list(found.rectifications)


def fetched_year_report(year: int, village: str = "") -> Document:
    year_end, state = fetch_year(year)
    return year_report_document(year_end, state, fetch_rectifications(year, village), village)


# the document -----------------------------------------------------------------------------
def villages_of(year_end: wf.YearEnd, village: str = "") -> list[tuple[str, str]]:
    """(id, name) of the villages in the figures, by id; only `village` when given."""
    found: dict[str, str] = {}
    for o in year_end.officials:
        found.setdefault(o.village_id, o.village_name)
    return sorted((v, n) for v, n in found.items() if not village or v == village)


def _results(officials) -> TableBlock:
    rows = []
    for o in officials:
        grade = o.grade + ("（一票否决）" if o.vetoed else "")
        if o.quota_cut:
            grade += f"\n（名额调整：{o.grade_before_quota} → {o.grade}）"
        if o.tied and not o.quota_note:
            grade += "\n（并列，待会议决定）"
        if o.quota_note:
            grade += f"\n（{o.quota_note}）"
        rows.append([str(o.rank) if o.rank else "—", o.official_name, o.position, str(o.months_counted),
                     o.monthly_component, o.inspection_score, o.score, grade])
    return TableBlock(["名次", "姓名", "职务", "计入月数", "月度得分", "年终考核得分", "年度综合得分", "等次"], rows,
                      [7, 12, 18, 12, 12, 16, 16, 24], ["C", "L", "L", "C", "R", "R", "R", "L"])


def _rectification_rows(items) -> list[list[str]]:
    rows = []
    for n, r in enumerate(sorted(items, key=lambda r: (r.deadline, r.id)), start=1):
        state = RECTIFICATION_STATES.get(r.state, r.state)
        if r.state == "open" and r.overdue:
            state = "逾期未整改"
        elif r.state == "closed" and r.closed_on:
            state += f"\n（{r.closed_on}）"
        rows.append([str(n), r.area, r.problem, r.demand, r.deadline, r.responsible, state])
    return rows


def year_report_page(year_end: wf.YearEnd, year_state, village_id: str, village_name: str,
                     rectifications: list | None) -> Page:
    final = is_final(year_end, year_state)
    title = f"{village_name} {year_end.year}年度村干部考核结果通报" + ("" if final else f"　{PROVISIONAL_MARK}")
    meta = [f"年度：{year_end.year}", f"状态：{state_text(year_end, year_state)}"]
    meeting = approved_on(year_end, year_state)
    if final and meeting:
        meta.append(f"会议审定：{date_text(meeting)}")
    blocks: list[Block] = [masthead(year_end.letterhead), Para(title, "title"), Para("　".join(meta), "meta"),
                           Para(f"规则集：{ruleset_text(year_end.ruleset)}", "meta")]
    if not final:
        blocks.append(Para(f"【{PROVISIONAL_MARK}】{PROVISIONAL_NOTE}", "note"))
    officials = [o for o in year_end.officials if o.village_id == village_id]
    blocks.append(Para("一、年度考核结果", "heading"))
    blocks.append(_results(officials))
    rule = [f"计分办法：{formula_zh(year_end.formula)}"] if year_end.formula else []
    if excellent_text(year_end):
        rule.append(f"优秀名额：{excellent_text(year_end)}")
    if year_end.missing_months:
        rule.append(f"未计入月份（未经审定，不按任何分数计）：{'、'.join(year_end.missing_months)}")
    blocks += [Para(line, "small") for line in rule]

    blocks.append(Para("二、存在问题及整改要求", "heading"))
    if rectifications is None:
        blocks.append(Para("（服务器未提供整改记录，本节从略。）", "body"))
    else:
        items = [r for r in rectifications if r.village_id == village_id and r.year == year_end.year]
        rows = _rectification_rows(items)
        if rows:
            blocks.append(TableBlock(["序号", "方面", "存在问题", "整改要求", "整改期限", "责任人", "状态"], rows,
                                     [5, 14, 24, 24, 13, 16, 12], ["C", "L", "L", "L", "C", "L", "C"], font_size=9))
            blocks.append(Para("请按整改要求逐项整改，于期限内将整改情况及佐证材料报镇考核工作机构；"
                               "未整改完成的事项列入此后各月《反馈通知单》，直至整改完毕。", "body"))
        else:
            blocks.append(Para("本年度考核未发现需整改的问题。", "body"))
    notes = [note_zh(n) for n in year_end.notes]
    if notes:
        blocks.append(Para("说明", "heading"))
        blocks += [Para(f"{n}。" if not n.endswith("。") else n, "small") for n in notes]
    blocks.append(issuer_stamp(year_end.letterhead, on=meeting,
                               receipt=[f"村党支部书记（签收）：{SIGN_LINE}", f"签收日期：{SIGN_LINE}"]))
    mark = "" if final else f"　{PROVISIONAL_MARK}"
    return Page(blocks, f"{village_name} {year_end.year}年度考核结果通报{mark}")


def year_report_document(year_end: wf.YearEnd, year_state, rectifications: list | None,
                         village: str = "") -> Document:
    """The report for every village in the figures (or only `village`), each its own section."""
    script = document_script(year_end.letterhead)
    pages = [year_report_page(year_end, year_state, v, name, rectifications)
             for v, name in villages_of(year_end, village)]
    final = is_final(year_end, year_state)
    title = f"{year_end.year}年度村干部考核结果通报" + ("" if final else f"　{PROVISIONAL_MARK}")
    if not pages:
        pages = [Page([masthead(year_end.letterhead), Para(title, "title"),
                       Para("本年度没有可通报的考核结果。", "body")], title)]
    elif len(pages) == 1:
        title = pages[0].blocks[1].text
    return Document(title, pages, script=script)
