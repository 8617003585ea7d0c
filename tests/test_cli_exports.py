"""`kaoping export`: score sheet, pay list, year-end results and audit log as XLSX (read
back with openpyxl), CSV and JSON, checked against the server's own figures."""
from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from kaoping.v1 import audit_pb2 as au
from kaoping.v1 import evaluation_pb2 as ev
from kaoping.v1 import workflow_pb2 as wf
from kaoping_cli import exports
from tests.support.cli import cli_refused, run
from tests.support.facts import fact

pytestmark = pytest.mark.usefixtures("grpc_server")
MONTH, OPEN_MONTH = "2026-10", "2026-09"


@pytest.fixture(scope="module")
def approved_month(stubs):
    """2026-10 with a few facts (a veto among them), aggregated and approved."""
    response = stubs.facts.SubmitFacts(iter([__import__("kaoping.v1.facts_pb2", fromlist=["x"]).FactBatch(facts=[
        fact("v01-1", month=MONTH, note="10月8日例会缺席"),
        fact("v01-2", "key_tasks", "task_not_done", "2", month=MONTH, scorer="contact-01"),
        fact("v02-1", "attendance", "discipline_violation", month=MONTH),
        fact("v03-1", "convenience", "services_handled", "20", month=MONTH, scorer="station-01"),
        fact("v04-1", month=OPEN_MONTH),
    ])]))
    assert response.rejected == 0, response
    stubs.workflow.Aggregate(wf.MonthRequest(month=MONTH))
    stubs.workflow.Approve(wf.ApproveRequest(month=MONTH))
    return MONTH


def _money(value) -> Decimal:
    return Decimal(str(value))


def test_score_sheet_xlsx_has_headers_money_formats_totals_and_chinese(grpc_addr, tokens, stubs, approved_month,
                                                                      tmp_path):
    path = tmp_path / "scores.xlsx"
    result = run(grpc_addr, tokens["admin"], "export", "scores", "--month", MONTH, str(path))
    assert result.exit_code == 0, result.output
    scores = stubs.evaluation.GetMonthlyScores(ev.GetMonthlyScoresRequest(month=MONTH))
    book = load_workbook(path)
    ws = book.worksheets[0]
    header = [c.value for c in ws[1]]
    assert header[:4] == ["村 village", "编号 id", "姓名 name", "职务 position"]
    assert "日常学习（10）" in header and "出勤履职（25）" in header
    assert header[-5:] == ["总分 total", "等次 grade", "一票否决 veto", "基本报酬 base pay", "绩效报酬 pay"]
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=2)]
    data, totals = rows[:-1], rows[-1]
    assert len(data) == len(scores.scores) == 102
    by_id = {r[1]: r for r in data}
    first = by_id["v01-1"]
    assert first[0] == "上山村" and first[2] == scores.scores[0].official_name and first[3] == "党支部书记"
    assert by_id["v02-1"][header.index("一票否决 veto")]            # the veto is shown
    assert totals[0] == "合计 total" and totals[2] == "102 人"
    assert _money(totals[-1]) == sum(Decimal(s.pay) for s in scores.scores)
    assert _money(totals[-2]) == sum(Decimal(s.base_pay) for s in scores.scores)
    pay_col = header.index("绩效报酬 pay") + 1
    assert all(ws.cell(row=r, column=pay_col).number_format == "#,##0.00" for r in range(2, ws.max_row + 1))
    assert ws.cell(row=ws.max_row, column=pay_col).font.b
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == f"A1:{ws.cell(row=1, column=len(header)).column_letter}103"
    assert ws.column_dimensions["C"].width >= 2 * 3 + 2            # three Chinese characters are six columns
    assert str(ws.page_setup.paperSize) == ws.PAPERSIZE_A4 and ws.print_title_rows == "$1:$1"
    info = dict(r for r in book["说明 info"].iter_rows(values_only=True))
    assert info["月份 month"] == MONTH and "approved" in info["状态 state"]


def test_pay_list_xlsx_matches_the_servers_pay_list_with_totals(grpc_addr, tokens, stubs, approved_month, tmp_path):
    path = tmp_path / "pay.xlsx"
    assert run(grpc_addr, tokens["admin"], "export", "pay", "--month", MONTH, str(path)).exit_code == 0
    pay = stubs.workflow.GetPayList(wf.GetPayListRequest(month=MONTH))
    book = load_workbook(path)
    assert book.sheetnames == ["发放表 pay list", "各村合计 villages", "说明 info"]
    ws = book["发放表 pay list"]
    header = [c.value for c in ws[1]]
    assert header == ["村 village", "编号 id", "姓名 name", "得分 score", "等次 grade", "绩效报酬 pay",
                      "应发金额 amount", "已发金额 paid", "身份证号 ID number", "银行账号 bank account",
                      "领款人签字 signature"]
    assert ws.column_dimensions["K"].width >= 16 and ws.row_dimensions[2].height >= 20   # room to sign
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    lines, totals = rows[:-1], rows[-1]
    assert [(r[1], _money(r[6])) for r in lines] == [(l.official_id, Decimal(l.amount)) for l in pay.lines]
    assert [r[2] for r in lines] == [l.official_name for l in pay.lines]     # Chinese names intact
    assert totals[0] == "合计 total" and _money(totals[6]) == Decimal(pay.township_total)
    vetoed = next(r for r in lines if r[1] == "v02-1")
    assert _money(vetoed[6]) == 0                                           # 一票否决: no pay
    villages = list(book["各村合计 villages"].iter_rows(min_row=2, values_only=True))
    assert len(villages) == 18 and villages[0][:2] == ("v01", "上山村")
    assert villages[-1][0] == "全镇合计 township" and villages[-1][2] == 102
    assert _money(villages[-1][3]) == Decimal(pay.township_total)
    assert all(c.number_format == "#,##0.00" for c in book["各村合计 villages"]["D"][1:])


def test_pay_list_for_one_village_and_as_csv_and_json(grpc_addr, tokens, stubs, approved_month, tmp_path):
    path = tmp_path / "v01.csv"
    assert run(grpc_addr, tokens["admin"], "export", "pay", "--month", MONTH, "--village", "v01", str(path)).exit_code == 0
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")                          # BOM: Excel reads the Chinese correctly
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][:3] == ["村 village", "编号 id", "姓名 name"] and len(rows) == 7
    assert {r[0] for r in rows[1:]} == {"上山村"}
    result = run(grpc_addr, tokens["admin"], "export", "pay", "--month", MONTH, "--format", "json", "-")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    pay = stubs.workflow.GetPayList(wf.GetPayListRequest(month=MONTH))
    sheet = data["sheets"][0]
    assert data["kind"] == "pay" and data["meta"]["state"].endswith("(approved)") and data["meta"]["complete"] is False
    assert sheet["totals"]["amount"] == pay.township_total
    assert sheet["rows"][0]["amount"] == pay.lines[0].amount        # decimals stay text, as in the API
    assert [c["key"] for c in sheet["columns"]][:3] == ["village_name", "official_id", "official_name"]


def test_a_month_still_scoring_has_no_pay_list(grpc_addr, tokens, approved_month, tmp_path):
    result = run(grpc_addr, tokens["admin"], "export", "pay", "--month", OPEN_MONTH, str(tmp_path / "x.xlsx"))
    err = cli_refused(result, "FAILED_PRECONDITION")
    assert "scoring" in err or "考评" in err
    assert not (tmp_path / "x.xlsx").exists()
    assert run(grpc_addr, tokens["admin"], "export", "pay", "--month", MONTH, "--year", "2026").exit_code == 2


def test_year_end_xlsx(grpc_addr, tokens, stubs, approved_month, tmp_path):
    path = tmp_path / "ye.xlsx"
    result = run(grpc_addr, tokens["admin"], "export", "year-end", "--year", "2026", str(path))
    assert result.exit_code == 0, result.output
    ye = stubs.workflow.GetYearEnd(wf.GetYearEndRequest(year=2026))
    book = load_workbook(path)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    header, lines, totals = rows[0], rows[1:-1], rows[-1]
    # the year is not approved: its year-end money is marked provisional in the header
    assert ye.provisional and header[0] == "名次 rank" and "年终奖励（暂定）reward, provisional" in header
    assert [(r[0], r[2]) for r in lines] == [(o.rank, o.official_id) for o in ye.officials]
    reward = header.index("年终奖励（暂定）reward, provisional")
    monthly = header.index("月度报酬合计 monthly pay")
    assert _money(totals[reward] or 0) == sum(Decimal(o.year_payout) for o in ye.officials)
    paid = header.index("年终奖励已兑现 paid")
    assert all(r[paid] is None for r in lines)              # nothing recorded as paid
    assert _money(totals[monthly]) == sum(Decimal(o.monthly_pay) for o in ye.officials)
    info = dict(r for r in book["说明 info"].iter_rows(values_only=True))
    assert info["计分公式 formula"] == ye.formula and MONTH not in (info["未计入月份 missing months"] or "")
    # the open tie at the 优秀 quota (one month counted, all equal) travels into the file
    assert info["并列规则 tie-break"] == "年终考核得分 → 优秀月数" and ye.tied
    assert info["名额并列 tied"] == f"{len(ye.tied)} 人争 {ye.places_left} 个名额，待会议决定"
    quota = header.index("名额调整 quota")
    pending = {r[2]: r[quota] for r in lines if r[2] in set(ye.tied)}
    assert pending and all(v.startswith("优秀名额并列待定；并列待会议决定") for v in pending.values()), pending


def test_audit_log_in_three_formats(grpc_addr, tokens, stubs, approved_month, tmp_path):
    entries = stubs.audit.ListAuditEntries(au.ListAuditEntriesRequest(action="submit_facts")).entries
    assert entries
    path = tmp_path / "audit.xlsx"
    assert run(grpc_addr, tokens["admin"], "export", "audit", "--action", "submit_facts", str(path)).exit_code == 0
    rows = list(load_workbook(path).worksheets[0].iter_rows(values_only=True))
    assert rows[0][0] == "序号 id" and len(rows) == len(entries) + 1        # no totals row in a log
    assert [r[0] for r in rows[1:]] == [e.id for e in entries]
    out = run(grpc_addr, tokens["admin"], "export", "audit", "--action", "submit_facts", "--format", "csv", "-")
    assert len(list(csv.reader(io.StringIO(out.stdout)))) == len(entries) + 1
    data = json.loads(run(grpc_addr, tokens["admin"], "export", "audit", "--action", "submit_facts",
                          "--format", "json", "-").stdout)
    assert data["meta"]["entries"] == len(entries) and data["sheets"][0]["totals"] is None
    assert run(grpc_addr, tokens["reader"], "export", "audit", "--format", "json", "-").exit_code == 1


def test_default_file_name_and_format_from_the_extension(grpc_addr, tokens, approved_month, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert run(grpc_addr, tokens["admin"], "export", "pay", "--month", MONTH).exit_code == 0
    assert (tmp_path / "报酬发放表-2026-10.xlsx").is_file()
    assert run(grpc_addr, tokens["admin"], "export", "scores", "--month", MONTH, "s.json").exit_code == 0
    assert json.loads((tmp_path / "s.json").read_text(encoding="utf-8"))["kind"] == "scores"
    assert run(grpc_addr, tokens["admin"], "export", "pay", "--month", MONTH, "--format", "csv", "pay").exit_code == 0
    assert (tmp_path / "pay.csv").is_file()                        # the extension is added
    piped = run(grpc_addr, tokens["admin"], "export", "pay", "--month", MONTH, "-")   # xlsx down a pipe
    assert piped.stdout_bytes.startswith(b"PK")


def test_text_never_becomes_a_formula(tmp_path):
    export = exports.Export("audit", "t", "t", [exports.Sheet("s", [
        exports.Column("note", "备注"), exports.Column("points", "分", exports.POINTS)],
        [{"note": "=HYPERLINK(\"http://x\")", "points": "-1.5"}, {"note": "+SUM(1)", "points": "2"}])])
    path = tmp_path / "t.xlsx"
    exports.write_xlsx(export, path)
    ws = load_workbook(path).worksheets[0]
    assert ws["A2"].value == "=HYPERLINK(\"http://x\")" and ws["A2"].data_type == "s"
    assert ws["B2"].value == -1.5
    out = io.StringIO()
    exports.write_csv(export, out)
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows[1] == ["'=HYPERLINK(\"http://x\")", "-1.5"] and rows[2] == ["'+SUM(1)", "2"]


def test_an_unreachable_server_exits_3(tmp_path):
    result = run("127.0.0.1:9", "x", "export", "pay", "--month", MONTH, str(tmp_path / "p.xlsx"))
    assert result.exit_code == 3 and result.stdout == ""
    assert result.stderr.strip() == ("无法连接 kaoping 服务器 127.0.0.1:9：请确认服务已启动，"
                                     "或用 --server / KAOPING_SERVER 指定地址。")
