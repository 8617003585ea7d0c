"""The year-end meeting's documents (issue 20.5) built from YearEnd, YearState and
Rectification messages made here — the 年度考核结果通报 per village, the 表彰奖励决定 and the
年终奖励发放表 — written as real PDFs read back with pdftotext and real XLSX read back with
openpyxl: provisional figures marked 暂定（未经会议审定）, a decision or pay sheet refused
before approval, 已发放 only once the payout is recorded, the pay sheet's totals adding
up to the pool exactly, the issuer, date and 盖章处 at the foot."""
from __future__ import annotations

from decimal import Decimal

import pytest
from openpyxl import load_workbook

from kaoping.v1 import evaluation_pb2 as ev
from kaoping.v1 import rectification_pb2 as rc
from kaoping.v1 import workflow_pb2 as wf
from kaoping.v1 import yearend_pb2 as ye_pb
from kaoping_cli.documents.pdf_writer import to_pdf
from kaoping_cli.documents.reward_decision import reward_decision_document
from kaoping_cli.documents.reward_sheet import reward_sheet_document
from kaoping_cli.documents.xlsx_writer import to_xlsx
from kaoping_cli.documents.year_report import year_report_document
from kaoping_cli.documents.year_words import NotFinal, formula_zh, note_zh
from tests.support.cli import pdf_info, pdf_text

YEAR = 2026
HASH = "3f9a2c7be1d04e5f8a6b"
ISSUER, NUMBER, CONTACT = "中共大河店镇委员会", "大河店考发〔2027〕1号", "镇党政办 王明 0939-3212345"
POOL = "24700.00"
# (id, name, village, village name, position, rank, score, grade, reward, award, pool share, deducted)
OFFICIALS = [("v01-1", "王建国", "v01", "上山村", "村党支部书记", 1, "96.40", "优秀", "8233.34", "500.00", "0.00", "0.00"),
             ("v01-2", "李秀英", "v01", "上山村", "村委会主任", 3, "94.10", "优秀", "8233.33", "300.00", "0.00", "50.00"),
             ("v01-3", "赵四", "v01", "上山村", "文书", 4, "88.00", "称职", "0.00", "0.00", "0.00", "0.00"),
             ("v02-1", "孙立", "v02", "火石村", "村党支部书记", 2, "95.00", "优秀", "8233.33", "500.00", "120.50", "0.00")]


def _payout(o) -> str:
    return format(sum(Decimal(x) for x in o[8:11]) - Decimal(o[11]), ".2f")


def year_end(state="approved", provisional=False, paid=False, **overrides) -> wf.YearEnd:
    msg = wf.YearEnd(township_id="dahedian", year=YEAR, formula="0.7 × average of monthly totals + 0.3 × inspection score",
                     excellent_grade="优秀", excellent_limit=3, excellent_candidates=4, excellent_granted=3,
                     pool=POOL, shared=POOL, paid_out="0.00", state=state, provisional=provisional, tie_break="年终考核得分 → 优秀月数",
                     approved_on="" if provisional else "2027-01-15",
                     ruleset=ev.RuleSetRef(id=7, content_hash=HASH, label="大河店镇2026年村干部考核细则"),
                     letterhead=wf.Letterhead(township_name="大河店镇", issuer=ISSUER, document_number=NUMBER,
                                              issued_on="2027-01-15", contact=CONTACT),
                     notes=["no inspection marks recorded for 2026: every official has the full inspection score"],
                     **overrides)
    for (oid, name, vid, vname, position, rank, score, grade, reward, award, share, deducted) in OFFICIALS:
        o = msg.officials.add(official_id=oid, official_name=name, village_id=vid, village_name=vname,
                              position=position, rank=rank, score=score, grade=grade, months_counted=12,
                              monthly_component=str(Decimal(score) - 1), inspection_score="98.00",
                              reward=reward, award=award, pool_share=share, deducted=deducted,
                              per_month="0.00", monthly_pay="18000.00")
        o.year_payout = _payout(OFFICIALS[len(msg.officials) - 1])
        if paid and Decimal(o.year_payout) > 0:
            o.reward_paid = o.year_payout
    msg.officials[1].quota_note = "并列：按年终考核得分"
    return msg


def year_state(state="approved", **fields) -> ye_pb.YearState:
    return ye_pb.YearState(township_id="dahedian", year=YEAR, state=state, approved_on="2027-01-15", pool=POOL,
                           ruleset=ev.RuleSetRef(id=7, content_hash=HASH, label="大河店镇2026年村干部考核细则"),
                           quota_decision=ye_pb.QuotaDecision(minutes="党委会议纪要〔2027〕3号"), **fields)


RECTIFICATIONS = [
    rc.Rectification(id=1, village_id="v01", village_name="上山村", year=YEAR, area="班子自身建设",
                     problem="“三会一课”记录不全", demand="补齐会议记录，每月按时召开支部会议", deadline="2027-03-31",
                     responsible="村党支部书记 王建国", state="open"),
    rc.Rectification(id=2, village_id="v01", village_name="上山村", year=YEAR, area="镇村中心及重点工作",
                     problem="人居环境整治进度滞后", demand="年前完成主干道两侧清理", deadline="2027-01-31",
                     responsible="村委会主任 李秀英", state="closed", closed_on="2027-01-20"),
    rc.Rectification(id=3, village_id="v02", village_name="火石村", year=YEAR, area="班子自身建设",
                     problem="村务公开不及时", demand="每季度公开村级财务", deadline="2027-02-28",
                     responsible="村党支部书记 孙立", state="open", overdue=True),
    rc.Rectification(id=4, village_id="v02", village_name="火石村", year=YEAR - 1, area="旧年度",
                     problem="上年度的问题不应出现", demand="—", deadline="2026-03-01", responsible="—", state="closed"),
]
PAY = wf.PayList(period=str(YEAR), lines=[
    wf.PayLine(official_id=o[0], id_number=f"6201{i}**********123{i}", bank_account=f"6228************12{i}4")
    for i, o in enumerate(OFFICIALS)])


def _pdf(doc, tmp_path, name="doc.pdf"):
    path = tmp_path / name
    path.write_bytes(to_pdf(doc))
    return pdf_text(path), pdf_info(path)


def _book(doc, tmp_path, name="doc.xlsx"):
    path = tmp_path / name
    path.write_bytes(to_xlsx(doc))
    return load_workbook(path)


def _cells(ws) -> list:
    return [c for row in ws.iter_rows(values_only=True) for c in row if c is not None]


def _flat(text: str) -> str:
    return "".join(text.split())


# 年度考核结果通报 ------------------------------------------------------------------------------
def test_the_provisional_report_says_so_on_every_village_and_lists_its_problems(tmp_path):
    doc = year_report_document(year_end("provisional", provisional=True), year_state("provisional"), RECTIFICATIONS)
    text, info = _pdf(doc, tmp_path)
    flat = _flat(text)
    assert flat.count("暂定（未经会议审定）") >= 4            # each village's title and note at least
    assert "不作为奖励发放依据" in flat and "会议审定：" not in flat
    for expected in ("上山村2026年度村干部考核结果通报", "火石村2026年度村干部考核结果通报", "王建国", "96.40",
                     "年终考核得分", "计入月数", "“三会一课”记录不全", "补齐会议记录", "2027-03-31",
                     "逾期未整改", "已整改", "盖章处", ISSUER, "2027年1月15日",
                     "年度综合得分=月度得分（各月总分平均）×0.7+年终考核得分×0.3", "每人的年终考核按满分计"):
        assert expected in flat, expected
    assert "上年度的问题不应出现" not in flat and "inspection" not in flat
    assert int(info["Pages"]) >= 2 and "暂定" in info["Title"]
    book = _book(doc, tmp_path)
    assert len(book.worksheets) == 2
    first = _cells(book.worksheets[0])
    assert any("暂定（未经会议审定）" in str(c) for c in first)
    assert "“三会一课”记录不全" in first and "村党支部书记 王建国" in first and "（盖章处）" in first
    assert Decimal("96.40") in [Decimal(str(c)) for c in first if isinstance(c, float)]   # a number, not text
    assert not any("火石村" in str(c) for c in first)                                      # one village a sheet


def test_the_approved_report_of_one_village_is_not_marked_provisional(tmp_path):
    doc = year_report_document(year_end(), year_state(), RECTIFICATIONS, village="v02")
    flat = _flat(_pdf(doc, tmp_path)[0])
    assert "暂定" not in flat and "会议审定：2027年1月15日" in flat and "已审定" in flat
    assert "孙立" in flat and "村务公开不及时" in flat and "王建国" not in flat
    assert "大河店镇2026年村干部考核细则（v7，内容校验3f9a2c7be1d0）" in flat
    assert "（并列：按年终考核得分）" not in flat        # 李秀英 is in 上山村


def test_a_server_without_the_year_workflow_gives_a_provisional_report_without_rectifications(tmp_path):
    figures = year_end(state="", provisional=False)           # an older server: neither field set
    doc = year_report_document(figures, None, None)
    flat = _flat(_pdf(doc, tmp_path)[0])
    assert "暂定（未经会议审定）" in flat and "服务器未提供整改记录" in flat


def test_a_village_with_nothing_found_says_so(tmp_path):
    doc = year_report_document(year_end(), year_state(), [], village="v01")
    assert "本年度考核未发现需整改的问题" in _flat(_pdf(doc, tmp_path)[0])


# 表彰奖励决定 ---------------------------------------------------------------------------------
@pytest.mark.parametrize("state", ["provisional", "aggregated", ""])
def test_no_reward_decision_before_the_meeting_approved_the_year(state):
    with pytest.raises(NotFinal, match="尚未经会议审定") as refused:
        reward_decision_document(year_end(state, provisional=True), year_state(state) if state else None)
    assert "表彰奖励决定" in str(refused.value)
    with pytest.raises(NotFinal):           # approved in YearState but figures still provisional: refused too
        reward_decision_document(year_end("approved", provisional=True), year_state("approved"))


def test_the_reward_decision_names_who_gets_what_and_the_rule_that_gave_it(tmp_path):
    doc = reward_decision_document(year_end(), year_state())
    text, info = _pdf(doc, tmp_path)
    flat = _flat(text)
    for expected in ("关于表彰奖励2026年度优秀村干部的决定", NUMBER, "经2027年1月15日镇考核工作会议审定",
                     "王建国", "上山村", "村党支部书记", "孙立", "火石村", "8,233.34", "8,733.34", "8,483.33",
                     "8,853.83", "120.50", "合计3人", "26,070.50", "奖励总额：24,700.00元", "分配24,700.00元",
                     "大河店镇2026年村干部考核细则（v7，内容校验3f9a2c7be1d0）",
                     "年度综合得分=月度得分（各月总分平均）×0.7+年终考核得分×0.3",
                     "“优秀”名额3个，候选4人，评定3人", "年终考核得分→优秀月数", "党委会议纪要〔2027〕3号",
                     "李秀英（并列：按年终考核得分）", "盖章处", CONTACT.replace(" ", "")):
        assert expected in flat, expected
    assert "赵四" not in flat                 # no money, no honour: not in the decision
    assert "按月计发" not in flat             # a part nobody has is left out
    rows = [r for r in load_workbook_rows(doc, tmp_path) if r and r[0] in ("1", "2", "3", 1, 2, 3)]
    assert [r[1] for r in rows] == ["王建国", "孙立", "李秀英"]    # by rank
    total_row = next(r for r in load_workbook_rows(doc, tmp_path) if r and r[1] == "合计" and r[2] == "3 人")
    assert Decimal(str(total_row[-1])) == Decimal("26070.50")


def load_workbook_rows(doc, tmp_path) -> list[tuple]:
    ws = _book(doc, tmp_path, "rows.xlsx").worksheets[0]
    return [r for r in ws.iter_rows(values_only=True)]


# 年终奖励发放表 -------------------------------------------------------------------------------
def test_no_pay_sheet_before_approval():
    with pytest.raises(NotFinal, match="年终奖励发放表"):
        reward_sheet_document(year_end("aggregated", provisional=True), year_state("aggregated"), PAY)


def test_the_pay_sheet_adds_up_to_the_pool_and_shows_nothing_paid_before_the_payout(tmp_path):
    doc = reward_sheet_document(year_end("published"), year_state("published"), PAY)
    text, info = _pdf(doc, tmp_path)
    flat = _flat(text)
    assert "已发放" not in flat and flat.count("未发放") >= 3 and "尚未发放" in flat
    for expected in ("2026年度村干部年终奖励发放表", "领款人签字", "身份证号", "银行账号", "62010**********1230",
                     "6228************1234", "部分隐去", "制表人", "审核人", "上山村", "火石村",
                     "24,700.00元按规则分配的24,700.00元一致", "盖章处"):
        assert expected in flat, expected
    assert "赵四" not in flat                                     # nothing to pay him
    book = _book(doc, tmp_path)
    assert len(book.worksheets) == 3                               # two villages and the summary
    paid_total = Decimal(0)
    for ws in book.worksheets[:2]:
        rows = list(ws.iter_rows(values_only=True))
        header = next(r for r in rows if r and r[0] == "序号")
        col = header.index("应发金额")
        assert header[-1] == "领款人签字" and "年终奖励" in header
        people = [r for r in rows if r and str(r[0]).isdigit()]
        total_row = next(r for r in rows if r and str(r[1]).startswith("合计"))
        amounts = [Decimal(str(r[col])).quantize(Decimal("0.01")) for r in people]
        assert sum(amounts) == Decimal(str(total_row[col])).quantize(Decimal("0.01"))
        reward_col = header.index("年终奖励")
        paid_total += sum(Decimal(str(r[reward_col])).quantize(Decimal("0.01")) for r in people)
        assert all(r[header.index("发放状态")] == "未发放" for r in people)
    assert paid_total == Decimal(POOL)                              # the pool's shares, to the fen


def test_paid_shows_only_once_the_payout_is_recorded_and_only_for_who_was_paid(tmp_path):
    figures = year_end("paid", paid=True)
    figures.officials[3].reward_paid = ""          # 孙立's share not recorded
    state = year_state("paid", paid_on="2027-02-10", payout_reference="农行批次 20270210-01", paid_out="17216.67")
    flat = _flat(_pdf(reward_sheet_document(figures, state, PAY), tmp_path)[0])
    assert flat.count("已发放") == 2 and flat.count("未发放") == 1 and "不一致" not in flat
    assert "已于2027年2月10日发放，凭证号农行批次20270210-01" in flat
    approved_but_recorded = year_end("approved", paid=True)        # reward_paid without the year paid: not paid
    flat = _flat(_pdf(reward_sheet_document(approved_but_recorded, year_state("approved"), PAY), tmp_path, "b.pdf")[0])
    assert "已发放" not in flat


def test_a_pay_sheet_that_does_not_add_up_says_so(tmp_path):
    figures = year_end()
    figures.shared = "24700.01"
    flat = _flat(_pdf(reward_sheet_document(figures, year_state(), PAY), tmp_path)[0])
    assert "不一致" not in flat and "相差-0.01元" in flat and "请核对后再发放" in flat


# the words and the writer ------------------------------------------------------------------
def test_the_servers_formula_and_notes_in_chinese_and_others_as_sent():
    assert formula_zh("1 × sum of monthly totals + 0 × inspection score") == \
        "年度综合得分 = 月度得分（各月总分之和）× 1 + 年终考核得分 × 0"
    assert formula_zh("另行规定") == "另行规定"
    assert note_zh("approved but not yet paid: 2026-11, 2026-12") == "已审定、尚未兑现的月份：2026-11, 2026-12"
    assert note_zh("已在会上说明") == "已在会上说明"


def test_the_xlsx_writer_keeps_text_text_and_names_sheets_uniquely(tmp_path):
    from kaoping_cli.documents.model import Document, Page, Para, TableBlock
    table = TableBlock(["a", "b"], [["=SUM(A1:A9)", "1,234.50"], ["x", "-7"]], [1, 1], ["L", "R"])
    long = "长" * 40
    doc = Document("t", [Page([Para("标题", "title"), table], long), Page([table], long), Page([table], "")])
    book = _book(doc, tmp_path)
    names = book.sheetnames
    assert len(set(names)) == 3 and all(len(n) <= 31 for n in names) and names[1].endswith("（2）")
    cells = _cells(book.worksheets[0])
    assert "=SUM(A1:A9)" in cells and 1234.5 in cells and -7 in cells
    assert book.worksheets[0]["A3"].data_type == "s"


def test_a_traditional_township_gets_its_documents_in_traditional(tmp_path):
    figures = year_end()
    figures.letterhead.script = "zh-Hant"
    doc = year_report_document(figures, year_state(), RECTIFICATIONS, village="v01")
    assert "年度考核結果通報" in _flat(_pdf(doc, tmp_path)[0])
    cells = _cells(_book(doc, tmp_path).worksheets[0])
    assert any("年度村幹部考核結果通報" in str(c) for c in cells)
    assert not any("考核结果通报" in str(c) for c in cells)
