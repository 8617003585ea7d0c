"""`kaoping year …` and `kaoping yearend` against a real server: a clean year (every month
100 for everybody) leaves 100 officials tied for the last 19 优秀 places, which the sample's
tie-break cannot separate; the office sees the open tie, approval without the meeting's
decision is refused in Chinese, and approval with the officials named (by name, as staff
type them) and the minutes goes through and stays on the year's record."""
from __future__ import annotations

from datetime import date

import pytest

from kaoping.v1 import facts_pb2 as fx
from kaoping.v1 import registry_pb2 as rg
from kaoping.v1 import workflow_pb2 as wf
from tests.support.cli import run
from tests.support.facts import fact
from tests.support.workflow import Clock

pytestmark = pytest.mark.usefixtures("grpc_server")
YEAR = 2026


@pytest.fixture(scope="module")
def aggregated(grpc_servicer, stubs, grpc_addr, tokens):
    clock = Clock(date(YEAR + 1, 1, 4))
    grpc_servicer.today = clock
    for m in range(1, 13):
        stubs.workflow.Aggregate(wf.MonthRequest(month=f"{YEAR}-{m:02d}"))
        stubs.workflow.Approve(wf.ApproveRequest(month=f"{YEAR}-{m:02d}"))
    stubs.facts.SubmitFact(fx.SubmitFactRequest(fact=fact(official="v02-1", month="2026-12", category="inspection",
                                                          kind="site_outstanding")))
    stubs.facts.SubmitFact(fx.SubmitFactRequest(fact=fact(official="v01-1", month="2026-12", category="inspection",
                                                          kind="records_missing")))
    clock.set(date(YEAR + 1, 1, 12))
    result = run(grpc_addr, tokens["admin"], "year", "aggregate", "--year", str(YEAR))
    assert result.exit_code == 0, result.output
    return clock


def test_the_meeting_settles_an_open_tie_by_name(aggregated, grpc_addr, tokens, stubs):
    admin = tokens["admin"]
    shown = run(grpc_addr, admin, "yearend", "--year", str(YEAR))
    assert shown.exit_code == 0 and "并列待会议决定" in shown.output and "共 100 人争剩余 19 个优秀名额" in shown.output
    assert "暂定" in shown.output
    refused = run(grpc_addr, admin, "year", "approve", "--year", str(YEAR))
    assert refused.exit_code == 1 and "并列未决" in refused.stderr and "kaoping year state" not in refused.stdout
    tied = list(stubs.workflow.GetYearEnd(wf.GetYearEndRequest(year=YEAR)).tied)
    names = {o.id: o.name for o in stubs.registry.ListOfficials(rg.ListOfficialsRequest()).officials}
    chosen = [o for o in tied if list(names.values()).count(names[o]) == 1][:19]    # names that are unique
    grants = [a for o in chosen for a in ("--grant", names[o])]
    wrong = run(grpc_addr, admin, "year", "approve", "--year", str(YEAR), *grants[:-2], "--minutes", "纪要")
    assert wrong.exit_code == 1 and "恰好选出 19 人" in wrong.stderr
    unknown = run(grpc_addr, admin, "year", "approve", "--year", str(YEAR), "--grant", "查无此人", "--minutes", "纪要")
    assert unknown.exit_code == 2, unknown.output
    approved = run(grpc_addr, admin, "year", "approve", "--year", str(YEAR), *grants,
                   "--minutes", "党委会议纪要〔2027〕1号", "--note", "1月12日镇党委会审定")
    assert approved.exit_code == 0, approved.output
    assert "已审定" in approved.output and "党委会议纪要〔2027〕1号" in approved.output
    state = run(grpc_addr, admin, "year", "state", "--year", str(YEAR))
    assert "并列名额会议决定" in state.output and "会议审定" in state.output
    after = stubs.workflow.GetYearEnd(wf.GetYearEndRequest(year=YEAR))
    assert {o.official_id for o in after.officials if o.grade == "优秀"} == set(chosen) | {"v02-1"}
