"""The 《反馈通知单》, the 公示 and the pay list as documents a township issues (issue 15.5),
built through a real gRPC server and read back from the PDFs: the letterhead (issuer,
number, date, 盖章处, contact); every deduction dated, with its note and scorer, one cut
to 0 by the category's floor marked 扣完为止 with what it asked; an addition; an appeal
upheld and one overturned with their outcomes; the appeal sentence only while an appeal
can be filed; charts placed at their printed size (labels >= 8 pt), the ranking's bars
from 0 and each official's year; `--all` footers per village; the pay list with ID and
bank columns per role and a 领款人签字 column; a zh-Hant township prints 反饋通知單."""
from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from kaoping.usecases.tokens import Tokens
from kaoping.v1 import facts_pb2 as fx
from kaoping.v1 import registry_pb2 as rg
from kaoping.v1 import workflow_pb2 as wf
from kaoping_cli.documents import charts
from tests.support.calls import list_all, stubs_for
from tests.support.cli import has_colour, pdf_fonts, pdf_info, pdf_text, render_png, run
from tests.support.documents import bar_extents, extract_images, flat_text, images, page_text
from tests.support.facts import fact
from tests.support.workflow import Clock

pytestmark = pytest.mark.usefixtures("grpc_server")
MONTH, SCORING = "2026-10", "2026-09"
ISSUER, PREFIX, CONTACT = "中共大河店镇委员会", "大河店考发", "镇党政办 王明 0939-3212345"
ID_NUMBER, ACCOUNT = "620102199003151234", "6228480012345671234"
MAIN, CONTACT_LEADER = "镇党委主要领导（示例）", "包村领导（示例）"
# (official, category, kind, quantity, date, note, scorer): v01-1 reaches 日常学习's floor (10)
# and the third line is cut to 0; v01-2 gets an addition; v01-3 and v01-4 appeal.
LINES = [("v01-1", "study", "study_absent", "6", "2026-10-08", "缺席集中学习6次", "main-01"),
         ("v01-1", "study", "study_notes_missing", "8", "2026-10-15", "抽查笔记缺8篇", "main-01"),
         ("v01-1", "study", "study_notes_missing", "4", "2026-10-28", "月底再缺4篇", "main-01"),
         ("v01-2", "key_tasks", "task_done_early", "1", "2026-10-20", "秋收提前完成", "contact-01"),
         ("v01-3", "attendance", "meeting_absent", "1", "2026-10-12", "缺席镇例会", "main-01"),
         ("v01-4", "key_tasks", "task_not_done", "1", "2026-10-16", "道路清扫未落实", "contact-01"),
         ("v05-3", "attendance", "meeting_late", "2", "2026-10-09", "例会迟到两次", "main-01")]


def _approve(stubs, clock: Clock, month: str, facts: list) -> dict[str, int]:
    """Facts for the month, then aggregate and approve it on the 3rd of the next month;
    note -> fact id."""
    year, m = int(month[:4]), int(month[5:])
    clock.set(date(year + (m == 12), m % 12 + 1, 3))
    ids = {}
    if facts:
        result = stubs.facts.SubmitFacts(iter([fx.FactBatch(facts=facts)]))
        assert result.rejected == 0, result
        ids = {f.note: o.receipt.fact_id for f, o in zip(facts, result.outcomes)}
    stubs.workflow.Aggregate(wf.MonthRequest(month=month))
    stubs.workflow.Approve(wf.ApproveRequest(month=month))
    return ids


@pytest.fixture(scope="module")
def printed(grpc_servicer, grpc_addr, grpc_channel, stubs, tokens, tmp_path_factory):
    """The month taken through approval, appeals both ways, the deadline and publication,
    printing at each step; the paths of what was printed."""
    out = tmp_path_factory.mktemp("printed")
    clock = Clock(date(2026, 8, 3))
    grpc_servicer.today = clock
    [township] = stubs.registry.ListTownships(rg.ListTownshipsRequest()).townships
    township_id = township.id
    township.issuer, township.doc_prefix, township.contact = ISSUER, PREFIX, CONTACT
    stubs.registry.UpdateTownship(township)
    officials = {o.id: o for o in list_all(stubs.registry.ListOfficials, rg.ListOfficialsRequest(), "officials")}
    officials["v01-1"].id_number, officials["v01-1"].bank_account = ID_NUMBER, ACCOUNT
    stubs.registry.PutOfficial(officials["v01-1"])

    _approve(stubs, clock, "2026-07", [fact("v01-1", "attendance", "meeting_late", "1", month="2026-07")])
    _approve(stubs, clock, "2026-08", [])
    ids = _approve(stubs, clock, MONTH, [fact(o, c, k, q, month=MONTH, date=d, note=n, scorer=s)
                                         for o, c, k, q, d, n, s in LINES])
    village = stubs_for(grpc_channel, tokens["village"])
    upheld = village.workflow.Appeal(wf.AppealRequest(fact_id=ids["缺席镇例会"], reason="当天请假有批条"))
    overturned = village.workflow.Appeal(wf.AppealRequest(fact_id=ids["道路清扫未落实"], reason="已按时清扫完毕"))
    stubs.workflow.ResolveAppeal(wf.ResolveAppealRequest(appeal_id=upheld.id, decision="upheld",
                                                         reason="请假未经批准"))
    stubs.workflow.ResolveAppeal(wf.ResolveAppealRequest(appeal_id=overturned.id, decision="overturned",
                                                         reason="经核实已完成"))

    def cli(name: str, *args: str, token: str = "admin") -> object:
        path = out / name
        result = run(grpc_addr, tokens[token], *args, str(path))
        assert result.exit_code == 0, result.output
        return path

    paths = {"open": cli("open.pdf", "print", "notice", "--village", "上山村", "--month", MONTH),
             "open_html": cli("open.html", "print", "notice", "--village", "上山村", "--month", MONTH),
             "all": cli("all.pdf", "print", "notice", "--all", "--month", MONTH),
             "scoring": cli("scoring.pdf", "print", "notice", "--village", "v01", "--month", SCORING),
             "pay": cli("pay.pdf", "print", "paylist", "--month", MONTH),
             "pay_reader": cli("pay-reader.pdf", "print", "paylist", "--month", MONTH, "--village", "v01",
                               token="reader"),
             "pay_xlsx": cli("pay.xlsx", "export", "pay", "--month", MONTH),
             "pay_reader_xlsx": cli("pay-reader.xlsx", "export", "pay", "--month", MONTH, token="reader")}
    state = stubs.workflow.GetMonthState(wf.MonthRequest(month=MONTH))
    clock.set(date.fromisoformat(state.appeal_deadline) + timedelta(days=1))
    paths["closed"] = cli("closed.pdf", "print", "notice", "--village", "上山村", "--month", MONTH)
    issue = Tokens(grpc_servicer.store).create
    for v in grpc_servicer.store.villages(township_id):
        token = issue(f"{v.name}党支部", "village", village_id=v.id)[0]
        stubs_for(grpc_channel, token).workflow.Confirm(wf.ConfirmRequest(month=MONTH))
    stubs.workflow.Publish(wf.MonthRequest(month=MONTH))
    paths["public"] = cli("public.pdf", "print", "public-notice", "--month", MONTH)

    township.script = "zh-Hant"
    stubs.registry.UpdateTownship(township)
    try:
        paths["hant"] = cli("hant.pdf", "print", "notice", "--village", "上山村", "--month", MONTH)
        paths["hant_html"] = cli("hant.html", "print", "notice", "--village", "上山村", "--month", MONTH)
        paths["hant_xlsx"] = cli("hant.xlsx", "export", "pay", "--month", MONTH)
        paths["hans_asked"] = cli("hans.pdf", "--lang", "zh-Hans", "print", "notice", "--village", "上山村",
                                  "--month", MONTH)
    finally:
        township.script = "zh-Hans"
        stubs.registry.UpdateTownship(township)
    paths["appeal_ids"] = (upheld.id, overturned.id)
    return paths


def test_the_notice_is_an_issued_document(printed, stubs):
    text = pdf_text(printed["open"])
    assert "NotoSansCJKSC" in pdf_fonts(printed["open"])                 # Simplified by default, SC embedded
    for expected in (ISSUER, f"{PREFIX}〔2026〕10-01号", "2026年11月3日", "盖章处", f"联系人及电话：{CONTACT}",
                     "上山村 2026-10 绩效考评《反馈通知单》", "签收"):
        assert expected in text, expected
    page = printed["open_html"].read_text(encoding="utf-8")
    for expected in (ISSUER, f"{PREFIX}〔2026〕10-01号", "2026年11月3日", "盖章处", CONTACT, "扣完为止"):
        assert expected in page, expected
    widths = re.findall(r'<img alt="[^"]*" style="width: ([\d.]+)mm"', page)
    assert [float(w) for w in widths] == [charts.RANKING_WIDTH_MM, charts.TREND_WIDTH_MM]   # printed as drawn
    for o in list_all(stubs.registry.ListOfficials, rg.ListOfficialsRequest(village_id="v01"), "officials"):
        assert re.search(re.escape(o.name) + r"\s+" + re.escape(o.position) + r"\s+\d+", text), o.name


def test_every_deduction_is_dated_with_its_note_and_scorer_and_the_cut_one_is_marked(printed):
    flat = flat_text(printed["open"])
    for official, category, kind, quantity, day, note, scorer in LINES[:5]:
        if kind == "task_done_early":
            continue
        name = MAIN if scorer == "main-01" else CONTACT_LEADER
        assert re.search(re.escape(day) + ".{0,60}?" + re.escape(note) + ".{0,80}?" + re.escape(name), flat), note
    assert "道路清扫未落实" not in flat               # overturned on appeal: voided, shown under the appeals
    # 日常学习 is at its floor after 6 + 4 points: the third line asks 2 and counts 0
    assert re.search(re.escape("月底再缺4篇") + r".{0,40}?日常学习2" + re.escape("0（扣完为止）"), flat), flat[:2000]
    assert "扣完为止" in pdf_text(printed["open"])
    assert re.search(r"抽查笔记缺8篇.{0,40}?日常学习44", flat)          # asked 4, counted 4: not cut


def test_additions_are_listed_with_date_note_and_scorer(printed):
    flat = flat_text(printed["open"])
    assert "三、加分明细" in flat
    assert re.search(r"2026-10-20.{0,60}?秋收提前完成.{0,60}?22" + re.escape(CONTACT_LEADER), flat)
    assert "加分合计：2分" in flat


def test_appeals_with_their_outcomes(printed):
    flat = flat_text(printed["open"])
    assert re.search(r"当天请假有批条驳回，维持扣分请假未经批准维持原结果", flat)
    overturned = re.search(r"已按时清扫完毕成立，撤销扣分经核实已完成处理前：([\d.]+)分(\S+?)\S*?处理后：([\d.]+)分", flat)
    assert overturned and Decimal(overturned.group(3)) - Decimal(overturned.group(1)) == 3   # the 3 points back


def test_the_appeal_sentence_only_while_an_appeal_can_be_filed(printed):
    assert "如对扣分有异议" in pdf_text(printed["open"])
    closed = pdf_text(printed["closed"])
    assert "如对扣分有异议" not in closed and "盖章处" in closed and "申诉驳回" in closed
    assert "如对扣分有异议" not in pdf_text(printed["scoring"])          # scoring: nothing to appeal yet


def test_every_page_of_all_notices_names_its_own_village_in_the_footer(printed, stubs):
    path = printed["all"]
    villages = [v.name for v in list_all(stubs.registry.ListVillages, rg.ListVillagesRequest(), "villages")]
    pages = int(pdf_info(path)["Pages"])
    current, seen = None, []
    for n in range(1, pages + 1):
        text = page_text(path, n)
        title = re.search(r"(\S+村) 2026-10 绩效考评《反馈通知单》", text)
        if title:
            current = title.group(1)
            seen.append(current)
        footer = [line for line in text.splitlines() if line.strip()][-1]
        assert "反馈通知单" in footer and "第" in footer, footer
        named = [v for v in villages if v in footer]
        assert named == [current], (n, footer, current)
    assert seen == villages                                  # every village once, in order


def test_the_charts_are_placed_at_their_drawn_size_so_labels_print_at_8_pt_or_more(printed):
    placed = images(printed["open"])
    assert len(placed) == 2                                  # the ranking and the officials' year
    for image in placed:
        # the figure is drawn at DPI pixels per printed inch; placed at x-ppi, a font of s pt prints at s*DPI/ppi
        scale = charts.DPI / image["x_ppi"]
        assert abs(image["x_ppi"] - image["y_ppi"]) < 1 and charts.MIN_FONT_PT * scale >= 8 - 0.05, image
    ranking = charts.ranking_chart([("上山村", Decimal("99")), ("白水村", Decimal("98"))], "t")
    trend = charts.trend_chart([charts.TrendSeries("张", [wf.TrendPoint(month="2026-01", total="99",
                                                                         status="final")])], "2026")
    assert ranking.min_font_pt >= 8 and trend.min_font_pt >= 8


def test_the_ranking_bars_start_at_zero_so_a_small_gap_stays_small(printed, stubs, tmp_path):
    ytd = stubs.workflow.GetYearToDateRanking(wf.MonthRequest(month=MONTH))
    values = sorted((Decimal(v.average) for v in ytd.villages), reverse=True)
    ranking = extract_images(printed["open"], tmp_path)[0]
    grey = bar_extents(ranking, (0x7F, 0x8C, 0x8D))
    red = bar_extents(ranking, (0xC0, 0x39, 0x2B))
    assert len(red) == 1 and len(grey) == len(values) - 1
    bars = red + grey
    lefts = {b[0] for b in bars}
    assert max(lefts) - min(lefts) <= 2                      # one axis for all
    lengths = [b[1] - b[0] for b in bars]
    # from 0 the shortest bar is to the longest as the lowest average to the highest
    assert min(lengths) / max(lengths) == pytest.approx(float(values[-1] / values[0]), abs=0.02)


def test_each_officials_year_shows_final_missing_and_provisional_months(printed, tmp_path):
    (tmp_path / "a").mkdir()
    approved = extract_images(printed["open"], tmp_path / "a")[1]
    assert has_colour(approved.read_bytes(), (0x1F, 0x4E, 0x79), 10)         # approved months joined by a line
    assert has_colour(approved.read_bytes(), (0xEE, 0xEE, 0xEE), 2)          # months without an approved total
    assert not has_colour(approved.read_bytes(), (0xC0, 0x39, 0x2B), 10)     # nothing provisional in an approved month
    (tmp_path / "s").mkdir()
    scoring = extract_images(printed["scoring"], tmp_path / "s")[1]
    assert has_colour(scoring.read_bytes(), (0xC0, 0x39, 0x2B), 10)          # this month's provisional total
    assert "纵轴为" in pdf_text(printed["open"])                              # the axis says where it starts


def test_the_public_notice_carries_issuer_number_stamp_and_contact(printed):
    text = pdf_text(printed["public"])
    for expected in (ISSUER, f"{PREFIX}〔2026〕10号", "盖章处", CONTACT, "公示期"):
        assert expected in text, expected


def test_the_printed_pay_list_has_id_bank_and_signature_columns_per_role(printed, stubs):
    path = printed["pay"]
    text = pdf_text(path)
    assert "领款人签字" in text and "身份证号" in text and "银行账号" in text
    assert ID_NUMBER in text and ACCOUNT in text                              # an admin pays: in full
    assert ISSUER in text and "盖章处" in text and "全镇合计" in text
    pages = int(pdf_info(path)["Pages"])
    villages = [v.name for v in list_all(stubs.registry.ListVillages, rg.ListVillagesRequest(), "villages")]
    footers = [[l for l in page_text(path, n).splitlines() if l.strip()][-1] for n in range(1, pages + 1)]
    assert [next(v for v in villages if v in f) for f in footers[:len(villages)]] == villages
    reader = pdf_text(printed["pay_reader"])
    assert ID_NUMBER not in reader and ACCOUNT not in reader
    assert "6201**********1234" in reader and "6228***********1234" in reader and "部分隐去" in reader
    (path.parent / "png").mkdir()
    [page] = render_png(printed["pay_reader"], path.parent / "png", dpi=40)    # one village: one sheet
    assert page.stat().st_size > 3000


def test_the_pay_list_xlsx_has_id_bank_and_signature_columns_per_role(printed):
    def line(path, official):
        rows = list(load_workbook(path).worksheets[0].iter_rows(values_only=True))
        header = rows[0]
        row = next(r for r in rows if r[1] == official)
        return dict(zip(header, row))
    admin = line(printed["pay_xlsx"], "v01-1")
    assert admin["身份证号 ID number"] == ID_NUMBER and admin["银行账号 bank account"] == ACCOUNT
    assert "领款人签字 signature" in admin and admin["领款人签字 signature"] is None
    reader = line(printed["pay_reader_xlsx"], "v01-1")
    assert reader["身份证号 ID number"] == "6201**********1234"
    assert reader["银行账号 bank account"] == "6228***********1234"


def test_a_zh_hant_township_prints_in_traditional_unless_asked_otherwise(printed):
    text = pdf_text(printed["hant"])
    assert "反饋通知單" in text and "蓋章處" in text and "反馈通知单" not in text
    assert "扣完為止" in text and "上山村" in text
    assert "NotoSansCJKTC" in pdf_fonts(printed["hant"]) and "CJKSC" not in pdf_fonts(printed["hant"])
    page = printed["hant_html"].read_text(encoding="utf-8")
    assert 'lang="zh-Hant"' in page and "反饋通知單" in page
    fonts_css = re.search(r"font-family: ([^;]+);", page).group(1)
    assert fonts_css.index("CJK TC") < fonts_css.index("CJK SC")
    book = load_workbook(printed["hant_xlsx"])
    header = [c.value for c in book.worksheets[0][1]]
    assert "領款人簽字 signature" in header and "身份證號 ID number" in header
    asked = pdf_text(printed["hans_asked"])                                   # kaoping --lang zh-Hans
    assert "反馈通知单" in asked and "反饋通知單" not in asked
    assert "NotoSansCJKSC" in pdf_fonts(printed["hans_asked"])
