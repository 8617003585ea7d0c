"""The year-end meeting's documents end to end (issue 20.5), printed with the real `kaoping`
CLI against a real gRPC server (every service, real tokens, a real database): the sample
township's twelve months approved, the year aggregated, approved at the meeting with the
24,700-yuan pool, published and paid through YearEndService; `kaoping print year-report`,
`reward-decision` and `reward-sheet` at each step, read back from the PDF and the XLSX: a
decision refused before the meeting, the report no longer provisional once approved and
listing its village's rectification (RectificationService, 整改要求) and no other's, the
decision naming the rule-set version the meeting bound, the pay sheet's shares adding up to
the pool exactly and 已发放 only after the payout, ID numbers in full to the office and
masked for a village. Waiting for a period to run out is the test moving the server's clock."""
from __future__ import annotations

import io
import random
from datetime import date, timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from kaoping.usecases.tokens import Tokens
from kaoping.v1 import facts_pb2 as fx
from kaoping.v1 import rectification_pb2 as rc
from kaoping.v1 import registry_pb2 as rg
from kaoping.v1 import workflow_pb2 as wf
from kaoping.v1 import yearend_pb2 as ye
from tests.support.calls import list_all
from tests.support.cli import pdf_text, run
from tests.support.facts import fact
from tests.support.workflow import Clock

pytestmark = pytest.mark.usefixtures("grpc_server")
YEAR = 2026
MONTHS = [f"{YEAR}-{m:02d}" for m in range(1, 13)]
ID_NUMBER, ACCOUNT = "620102199003151234", "6228480012345671234"
POOL = Decimal("24700.00")
CENT = Decimal("0.01")


def _flat(path) -> str:
    return "".join(pdf_text(path).split())


def _cells(book) -> list:
    return [c for ws in book.worksheets for row in ws.iter_rows(values_only=True) for c in row if c is not None]


@pytest.fixture(scope="module")
def printed(grpc_servicer, grpc_addr, stubs, tmp_path_factory):
    clock = Clock(date(YEAR, 2, 3))
    grpc_servicer.today = clock
    issue = Tokens(grpc_servicer.store).create
    office, village = issue("镇党政办", "admin")[0], issue("上山村党支部", "village", village_id="v01")[0]
    officials = list_all(stubs.registry.ListOfficials, rg.ListOfficialsRequest(), "officials")
    first = next(o for o in officials if o.id == "v01-1")
    first.id_number, first.bank_account = ID_NUMBER, ACCOUNT
    stubs.registry.PutOfficial(first)
    rng = random.Random(20)
    for month in MONTHS:
        clock.set(date(YEAR + (month == "2026-12"), 1 if month == "2026-12" else int(month[5:]) + 1, 3))
        facts = [fact(o.id, "attendance", "meeting_late", str(rng.randint(1, 3)), month=month,
                      scorer="contact-01", key=f"docs-{month}-{o.id}")
                 for o in officials if rng.random() < 0.4]
        assert stubs.facts.SubmitFacts(iter([fx.FactBatch(facts=facts)])).rejected == 0
        stubs.workflow.Aggregate(wf.MonthRequest(month=month))
        stubs.workflow.Approve(wf.ApproveRequest(month=month))
    out = tmp_path_factory.mktemp("year-documents")

    def cli(*args, token=office):
        return run(grpc_addr, token, "print", *args, "--year", str(YEAR), "--out", str(out))

    found = {"provisional_report": cli("year-report", "--village", "上山村", "--format", "both")}
    found["provisional_pdf"] = _flat(out / f"年度考核结果通报-{YEAR}-v01.pdf")
    clock.set(date(YEAR + 1, 1, 12))                  # December's appeal period is over
    inspection = [fact("v01-2", "inspection", "records_missing", "3", month="2026-12", key="insp-1"),
                  fact("v02-1", "inspection", "site_problem", "1", month="2026-12", key="insp-2"),
                  fact("v03-1", "inspection", "site_outstanding", "2", month="2026-12", key="insp-3")]
    assert stubs.facts.SubmitFacts(iter([fx.FactBatch(facts=inspection)])).rejected == 0
    stubs.rectification.RecordRectification(rc.RecordRectificationRequest(
        village_id="v01", year=YEAR, area="班子自身建设", problem="“三会一课”记录不全",
        demand="补齐会议记录，每月按时召开支部会议", deadline=f"{YEAR + 1}-03-31", responsible="村党支部书记 徐永福"))
    stubs.rectification.RecordRectification(rc.RecordRectificationRequest(
        village_id="v02", year=YEAR, area="镇村中心及重点工作", problem="火石村的问题", demand="按期整改",
        deadline=f"{YEAR + 1}-02-28", responsible="村委会主任"))
    year = ye.YearRequest(year=YEAR)
    stubs.yearend.AggregateYear(year)
    found["decision_before"] = cli("reward-decision")
    found["sheet_before"] = cli("reward-sheet")
    clock.set(date(YEAR + 1, 1, 15))
    found["state"] = stubs.yearend.ApproveYear(ye.ApproveYearRequest(year=YEAR, note="1月15日镇党委会审定"))
    stubs.yearend.PublishYear(year)
    found["report"] = cli("year-report", "--village", "上山村", "--format", "both")
    found["decision"] = cli("reward-decision", "--format", "both")
    found["sheet_published"] = cli("reward-sheet", "--format", "xlsx")
    found["sheet_published_xlsx"] = (out / f"年终奖励发放表-{YEAR}.xlsx").read_bytes()
    clock.set(date.fromisoformat(stubs.yearend.GetYearState(year).notice_ends) + timedelta(days=1))
    found["paid_state"] = stubs.yearend.RecordYearPayout(ye.YearPayoutRequest(year=YEAR, reference="BANK-2027-01-20"))
    found["sheet"] = cli("reward-sheet", "--format", "both")
    found["village_sheet"] = cli("reward-sheet", "--village", "v01", "--format", "xlsx", token=village)
    found["out"] = out
    return found


def test_before_the_meeting_the_report_is_provisional_and_there_is_no_decision_or_pay_sheet(printed):
    assert printed["provisional_report"].exit_code == 0, printed["provisional_report"].output
    assert "暂定（未经会议审定）" in printed["provisional_pdf"]
    for name in ("decision_before", "sheet_before"):
        result = printed[name]
        assert result.exit_code == 1 and result.stdout == "" and "尚未经会议审定" in result.stderr, result.output
        assert "已汇总" in result.stderr


def test_the_approved_report_is_final_for_its_village(printed):
    assert printed["report"].exit_code == 0, printed["report"].output
    flat = _flat(printed["out"] / f"年度考核结果通报-{YEAR}-v01.pdf")
    assert "暂定" not in flat and "上山村2026年度村干部考核结果通报" in flat and "会议审定：2027年1月15日" in flat
    assert "年度综合得分" in flat and "盖章处" in flat and "火石村" not in flat
    assert "“三会一课”记录不全" in flat and "补齐会议记录" in flat and "2027-03-31" in flat and "整改中" in flat
    book = load_workbook(printed["out"] / f"年度考核结果通报-{YEAR}-v01.xlsx")
    assert len(book.worksheets) == 1 and not any("暂定" in str(c) for c in _cells(book))


def test_the_decision_names_the_rule_set_the_meeting_bound_and_the_pool(printed):
    assert printed["decision"].exit_code == 0, printed["decision"].output
    flat = _flat(printed["out"] / f"表彰奖励决定-{YEAR}.pdf")
    ref = printed["state"].ruleset
    assert f"v{ref.id}，内容校验{ref.content_hash[:12]}" in flat
    assert "经2027年1月15日镇考核工作会议审定" in flat and "奖励总额：24,700.00元" in flat and "盖章处" in flat


def _sheet_rows(book):
    rows = []
    for ws in book.worksheets[:-1]:                      # the villages; the last is the summary
        lines = list(ws.iter_rows(values_only=True))
        header = next(r for r in lines if r and r[0] == "序号")
        rows += [dict(zip(header, r)) for r in lines if r and str(r[0]).isdigit()]
    return rows


def test_the_pay_sheet_adds_up_to_the_pool_and_is_paid_only_after_the_payout(printed):
    assert printed["sheet_published"].exit_code == 0, printed["sheet_published"].output
    before = _sheet_rows(load_workbook(io.BytesIO(printed["sheet_published_xlsx"])))
    assert before and {r["发放状态"] for r in before} == {"未发放"}
    assert printed["sheet"].exit_code == 0, printed["sheet"].output
    after = _sheet_rows(load_workbook(printed["out"] / f"年终奖励发放表-{YEAR}.xlsx"))
    assert {r["发放状态"] for r in after} == {"已发放"}
    assert sum(Decimal(str(r["年终奖励"])).quantize(CENT) for r in after) == POOL
    paid = Decimal(printed["paid_state"].paid_out)
    assert sum(Decimal(str(r["应发金额"])).quantize(CENT) for r in after) == paid
    assert ID_NUMBER in [r["身份证号"] for r in after] or not any(r["姓名"] == "v01-1" for r in after)
    flat = _flat(printed["out"] / f"年终奖励发放表-{YEAR}.pdf")
    assert "凭证号BANK-2027-01-20" in flat and "一致" in flat and "不一致" not in flat and "领款人签字" in flat


def test_a_village_gets_its_own_sheet_with_the_numbers_masked(printed):
    assert printed["village_sheet"].exit_code == 0, printed["village_sheet"].output
    book = load_workbook(printed["out"] / f"年终奖励发放表-{YEAR}-v01.xlsx")
    cells = _cells(book)
    assert ID_NUMBER not in cells and ACCOUNT not in cells and not any("火石村" in str(c) for c in cells)
