"""Issue 20's "Done when", walked as a new user of the township office would, with the
real `kaoping` CLI against a real gRPC server (real tokens, a real database): the sample
township's 2026 through twelve approved months (the facts sent by the township's other
systems over the API, as integrators do), the year-end inspection's marks entered, the
year aggregated and approved at the summary meeting, published, the 24,700-yuan pool paid
out with shares that add up exactly, the three meeting documents printed, and a village's
open rectification on its next 《反馈通知单》. Waiting for an appeal period or a notice
period to run out is the test moving the server's clock, nothing else."""
from __future__ import annotations

import random
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest

from kaoping.usecases.tokens import Tokens
from kaoping.v1 import facts_pb2 as fx
from kaoping.v1 import workflow_pb2 as wf
from kaoping.v1 import yearend_pb2 as ye
from tests.support.cli import run
from tests.support.documents import flat_text
from tests.support.facts import fact
from tests.support.workflow import Clock

pytestmark = pytest.mark.usefixtures("grpc_server")
YEAR = 2026
MONTHS = [f"{YEAR}-{m:02d}" for m in range(1, 13)]
KINDS = [("attendance", "meeting_absent", "main-01"), ("attendance", "meeting_late", "contact-01"),
         ("study", "study_absent", "resident-01"), ("key_tasks", "task_not_done", "main-01"),
         ("key_tasks", "task_done_early", "contact-01"), ("team_building", "records_incomplete", "contact-01")]


@pytest.fixture(scope="module")
def clock(grpc_servicer):
    clock = Clock(date(YEAR, 2, 3))
    grpc_servicer.today = clock
    return clock


@pytest.fixture(scope="module")
def office(grpc_servicer):
    return Tokens(grpc_servicer.store).create("镇党政办", "admin")[0]


def say(addr, token, *args, code=0):
    result = run(addr, token, *args)
    assert result.exit_code == code, f"kaoping {' '.join(args)}\n{result.output}"
    return result.output


@pytest.fixture(scope="module")
def year(grpc_addr, stubs, clock, office, tmp_path_factory):
    """The year as the office lives it; returns what each step printed."""
    folder = tmp_path_factory.mktemp("office")
    rng = random.Random(2026)
    officials = [o.id for o in stubs.registry.ListOfficials(
        __import__("kaoping.v1.registry_pb2", fromlist=["x"]).ListOfficialsRequest()).officials]
    printed = {}
    for month in MONTHS:
        clock.set(date(YEAR + (month == "2026-12"), 1 if month == "2026-12" else int(month[5:]) + 1, 3))
        facts = [fact(o, c, k, str(rng.randint(1, 3)), month=month, scorer=s, key=f"walk-{month}-{o}-{n}")
                 for o in officials for n in range(rng.choice([0, 0, 1, 2]))
                 for c, k, s in [rng.choice(KINDS)]]
        assert stubs.facts.SubmitFacts(iter([fx.FactBatch(facts=facts)])).rejected == 0
        say(grpc_addr, office, "month", "aggregate", "--month", month)
        say(grpc_addr, office, "month", "approve", "--month", month, "--note", "镇党委会审定")
    printed["state_in_appeal_period"] = say(grpc_addr, office, "year", "state", "--year", str(YEAR))
    printed["aggregate_too_early"] = say(grpc_addr, office, "year", "aggregate", "--year", str(YEAR), code=1)
    clock.set(date(YEAR + 1, 1, 12))                       # December's appeal period is over
    # the year-end inspection (听汇报、查资料、实地看), entered by the office
    for name, kind, quantity in (("张海燕", "查资料：台账资料缺失", "3"), ("徐永福", "实地看：工作成效突出", "2"),
                                 ("v02-1", "实地看：现场问题未整改", "1")):
        say(grpc_addr, office, "fact", "add", "--official", name, "--month", "2026-12", "--category",
            "年终考核（示例）", "--kind", kind, "--quantity", quantity, "--scorer", "镇党委主要领导（示例）",
            "--note", "年终考核")
    printed["provisional"] = say(grpc_addr, office, "yearend", "--year", str(YEAR))
    printed["paylist_provisional"] = say(grpc_addr, office, "paylist", "--year", str(YEAR))
    say(grpc_addr, office, "print", "paylist", "--year", str(YEAR), "--village", "上山村",
        str(folder / "provisional-paylist.pdf"))
    printed["aggregated"] = say(grpc_addr, office, "year", "aggregate", "--year", str(YEAR))
    # the inspection found problems in 上山村: the office records them with their demands
    printed["rectification"] = say(
        grpc_addr, office, "rectification", "record", "--village", "上山村", "--year", str(YEAR),
        "--area", "班子自身建设", "--problem", "“三会一课”记录不全，党员活动室资料未归档",
        "--demand", "补齐2026年会议记录，建立归档台账", "--deadline", "2027年3月31日",
        "--responsible", "村党支部书记 徐永福")
    clock.set(date(YEAR + 1, 1, 15))
    printed["approved"] = say(grpc_addr, office, "year", "approve", "--year", str(YEAR), "--note",
                              "1月15日镇党委会审定")
    printed["published"] = say(grpc_addr, office, "year", "publish", "--year", str(YEAR))
    clock.set(date(YEAR + 1, 1, 20))
    printed["paid"] = say(grpc_addr, office, "year", "pay", "--year", str(YEAR), "--reference", "BANK-2027-01-20")
    printed["final"] = say(grpc_addr, office, "yearend", "--year", str(YEAR))
    # the summary meeting's three documents, as PDF and XLSX
    for document in ("year-report", "reward-decision", "reward-sheet"):
        say(grpc_addr, office, "print", document, "--year", str(YEAR), "--format", "both", "--out", str(folder))
    printed["paylist_paid"] = say(grpc_addr, office, "paylist", "--year", str(YEAR))
    say(grpc_addr, office, "print", "paylist", "--year", str(YEAR), "--village", "上山村",
        str(folder / "paid-paylist.pdf"))
    # the next month's notice for 上山村 lists the open rectification
    clock.set(date(YEAR + 1, 2, 3))
    say(grpc_addr, office, "month", "aggregate", "--month", "2027-01")
    say(grpc_addr, office, "month", "approve", "--month", "2027-01", "--note", "镇党委会审定")
    printed["next_feedback"] = say(grpc_addr, office, "month", "feedback", "--village", "上山村", "--month", "2027-01")
    say(grpc_addr, office, "print", "notice", "--village", "上山村", "--month", "2027-01",
        str(folder / "notice-2027-01.pdf"))
    printed["folder"] = folder
    return printed


def test_twelve_approved_months_to_a_paid_year(year, stubs):
    assert "申诉期" in year["state_in_appeal_period"] and "年终汇总" in year["state_in_appeal_period"]
    assert "还不能年终汇总" in year["aggregate_too_early"]
    assert "暂定" in year["provisional"] and "尚未兑现" in year["provisional"]
    assert "（暂定）" in year["paylist_provisional"] and "不得据此发放" in year["paylist_provisional"]
    assert "已汇总待审定" in year["aggregated"]
    assert "已登记整改事项" in year["rectification"] and "整改期限：2027-03-31" in year["rectification"]
    assert "已审定" in year["approved"] and "24700.00" in year["approved"]
    assert "公示中" in year["published"]
    assert "已兑现" in year["paid"] and "BANK-2027-01-20" in year["paid"]
    figures = stubs.workflow.GetYearEnd(wf.GetYearEndRequest(year=YEAR))
    assert not figures.provisional and figures.paid_out == "24700.00" == figures.pool
    rewards = [Decimal(o.reward) for o in figures.officials if Decimal(o.reward)]
    assert rewards and sum(rewards) == Decimal("24700.00")          # shares add up, to the fen
    assert sum(Decimal(o.reward_paid or "0") for o in figures.officials) == Decimal("24700.00")
    assert "暂定" not in year["final"] and "已于" in year["final"]
    # the printed year pay list says the year-end money is not final, until it is
    before, after = (flat_text(year["folder"] / f) for f in ("provisional-paylist.pdf", "paid-paylist.pdf"))
    assert "（暂定）" in before and "不得据此发放" in before and "暂定（未经会议审定）" in before
    assert "暂定" not in after and "已兑现" in after


def test_the_open_rectification_is_on_the_village_s_next_notice(year):
    feedback = year["next_feedback"]
    assert "整改事项" in feedback and "补齐2026年会议记录" in feedback and "村党支部书记 徐永福" in feedback
    printed = flat_text(year["folder"] / "notice-2027-01.pdf")
    assert "整改事项" in printed and "补齐2026年会议记录，建立归档台账" in printed and "2027-03-31" in printed


def test_the_three_meeting_documents_are_printed_and_add_up(year, stubs):
    folder = year["folder"]
    report, decision, sheet = (flat_text(folder / f"{name}-{YEAR}.pdf")
                               for name in ("年度考核结果通报", "表彰奖励决定", "年终奖励发放表"))
    # the results report: every village, the scores, and 上山村's problem with its demand
    assert "年度考核结果通报" in report and "上山村" in report and "暂定" not in report
    assert "“三会一课”记录不全" in report and "补齐2026年会议记录，建立归档台账" in report
    # the decision: who, grade, amount and the rule that gave it, issued by the township
    figures = stubs.workflow.GetYearEnd(wf.GetYearEndRequest(year=YEAR))
    rewarded = [o for o in figures.officials if Decimal(o.year_payout) > 0]
    assert rewarded and all(o.official_name in decision for o in rewarded)
    assert "关于表彰奖励2026年度优秀村干部的决定" in decision and "大河店镇村干部绩效考评工作领导小组（示例）" in decision
    assert figures.ruleset.content_hash[:12] in decision and "盖章" in decision
    # the pay sheet: a signature column, everyone paid, and the shares add up to the pool exactly
    assert "领款人签字" in sheet and "已发放" in sheet and "24,700.00" in sheet.replace("24700.00", "24,700.00")
    from openpyxl import load_workbook
    book = load_workbook(folder / f"年终奖励发放表-{YEAR}.xlsx")
    shares = [Decimal(str(row[4])) for ws in book.worksheets[:-1] for row in ws.iter_rows(values_only=True)
              if isinstance(row[0], str) and row[0].isdigit()]          # one line per official paid
    assert len(shares) == len(rewarded) and sum(shares) == Decimal("24700.00")
    assert all(share == share.quantize(Decimal("0.01")) for share in shares)
