"""YearEndService over a real gRPC server on loopback with real tokens: the sample
township's 2026 taken from twelve approved months to a closed year, each wrong move
refused with the status and the field a caller can act on, and every reader seeing the
year's state. The arithmetic is tests/test_workflow_year.py's; this is the wire."""
from datetime import date, timedelta
from decimal import Decimal

import grpc
import pytest

from kaoping.v1 import audit_pb2 as au
from kaoping.v1 import facts_pb2 as fx
from kaoping.v1 import workflow_pb2 as wf
from kaoping.v1 import yearend_pb2 as ye
from tests.support.calls import refused_with as refused
from tests.support.calls import localized, violations
from tests.support.facts import fact
from tests.support.workflow import Clock

YEAR = 2026
MONTHS = [f"{YEAR}-{m:02d}" for m in range(1, 13)]


@pytest.fixture(scope="module")
def clock(grpc_servicer):
    clock = Clock(date(YEAR + 1, 1, 4))
    grpc_servicer.today = clock
    return clock


@pytest.fixture(scope="module")
def approved_year(stubs, clock):
    """Twelve months aggregated and approved (no facts: a clean year), the appeal periods
    run out, and the year-end inspection's marks entered."""
    for month in MONTHS:
        stubs.workflow.Aggregate(wf.MonthRequest(month=month))
        stubs.workflow.Approve(wf.ApproveRequest(month=month, note="党委会审定"))
    for official, kind, quantity in (("v01-1", "records_missing", "2"), ("v02-1", "site_outstanding", "1")):
        stubs.facts.SubmitFact(fx.SubmitFactRequest(fact=fact(official=official, month="2026-12",
                                                              category="inspection", kind=kind,
                                                              quantity=quantity)))
    return clock


def test_the_year_over_the_wire(stubs, stubs_as, approved_year):
    clock, admin, reader, village = approved_year, stubs.yearend, stubs_as("reader").yearend, \
        stubs_as("village").yearend
    request = ye.YearRequest(year=YEAR)
    state = reader.GetYearState(request)
    assert state.state == "provisional" and list(state.next_actions) == ["aggregate"]
    # every month approved, but December's appeal period still runs: not yet
    assert [m[:7] for m in state.months_not_approved] == MONTHS
    error = refused(lambda: admin.AggregateYear(request), grpc.StatusCode.FAILED_PRECONDITION)
    assert set(violations(error)) == {f"months[{m}]" for m in MONTHS}
    for who in (village, reader, stubs_as("main").yearend):
        refused(lambda: who.AggregateYear(request), grpc.StatusCode.PERMISSION_DENIED)
    error = refused(lambda: admin.ApproveYear(ye.ApproveYearRequest(year=YEAR)), grpc.StatusCode.FAILED_PRECONDITION)
    assert violations(error) == {"year": "current state: provisional"}
    refused(lambda: admin.GetYearState(ye.YearRequest(year=1999)), grpc.StatusCode.INVALID_ARGUMENT)

    clock.set(date(YEAR + 1, 1, 12))
    provisional = stubs.workflow.GetYearEnd(wf.GetYearEndRequest(year=YEAR))
    assert provisional.provisional and provisional.state == "provisional" and provisional.paid_out == "0.00"
    state = admin.AggregateYear(ye.YearRequest(year=YEAR, note="提交总结大会"))
    assert (state.state, state.aggregated_on) == ("aggregated", "2027-01-12") and state.ruleset.content_hash
    assert list(state.next_actions) == ["reopen", "approve"]
    late = refused(lambda: stubs.facts.SubmitFact(fx.SubmitFactRequest(fact=fact(
        official="v03-1", month="2026-12", category="inspection", kind="records_missing"))),
        grpc.StatusCode.FAILED_PRECONDITION)
    assert violations(late) == {"fact.month": "year 2026 is aggregated"} and "年终汇总后" in localized(late)
    error = refused(lambda: admin.ReopenYear(request), grpc.StatusCode.INVALID_ARGUMENT)
    assert "note" in violations(error)
    error = refused(lambda: admin.ReopenYear(ye.YearRequest(year=YEAR, note="错" * 2001)),
                    grpc.StatusCode.INVALID_ARGUMENT)
    assert violations(error) == {"note": "longer than 2000 characters"}
    error = refused(lambda: admin.ApproveYear(ye.ApproveYearRequest(year=YEAR, pool="12.345")),
                    grpc.StatusCode.INVALID_ARGUMENT)
    assert "pool" in violations(error)
    error = refused(lambda: admin.ApproveYear(ye.ApproveYearRequest(year=YEAR, content_hash="f" * 64)),
                    grpc.StatusCode.FAILED_PRECONDITION)
    assert "content_hash" in violations(error)
    assert admin.GetYearState(request).state == "aggregated"      # a refusal changes nothing

    clock.set(date(YEAR + 1, 1, 15))
    # a clean year: 100 officials end level at 100 for the last 19 优秀 places, and the sample's
    # tie-break (inspection score, months graded 优秀) cannot separate them — the meeting must
    frozen = stubs.workflow.GetYearEnd(wf.GetYearEndRequest(year=YEAR))
    assert (len(frozen.tied), frozen.places_left) == (100, 19) and frozen.provisional
    error = refused(lambda: admin.ApproveYear(ye.ApproveYearRequest(year=YEAR)), grpc.StatusCode.FAILED_PRECONDITION)
    assert "quota_decision" in violations(error) and "并列未决" in localized(error)
    short = ye.QuotaDecision(granted_official_ids=list(frozen.tied[:18]), minutes="党委会议纪要〔2027〕1号")
    error = refused(lambda: admin.ApproveYear(ye.ApproveYearRequest(year=YEAR, quota_decision=short)),
                    grpc.StatusCode.INVALID_ARGUMENT)
    assert "quota_decision.granted_official_ids" in violations(error)
    unsigned = ye.QuotaDecision(granted_official_ids=list(frozen.tied[:19]), minutes=" ")
    error = refused(lambda: admin.ApproveYear(ye.ApproveYearRequest(year=YEAR, quota_decision=unsigned)),
                    grpc.StatusCode.INVALID_ARGUMENT)
    assert "quota_decision.minutes" in violations(error)
    assert admin.GetYearState(request).state == "aggregated"
    decision = ye.QuotaDecision(granted_official_ids=list(frozen.tied[:19]), minutes="党委会议纪要〔2027〕1号")
    state = admin.ApproveYear(ye.ApproveYearRequest(year=YEAR, content_hash=state.ruleset.content_hash,
                                                    note="1月15日镇党委会审定", quota_decision=decision))
    assert (state.state, state.approved_on, state.pool) == ("approved", "2027-01-15", "24700.00")
    assert list(state.quota_decision.granted_official_ids) == sorted(frozen.tied[:19])
    assert state.quota_decision.minutes == "党委会议纪要〔2027〕1号"
    final = village.GetYearState(request)     # a village reads the state too
    assert final.state == "approved" and final.paid_out == ""
    figures = stubs.workflow.GetYearEnd(wf.GetYearEndRequest(year=YEAR))
    assert not figures.provisional and figures.approved_on == "2027-01-15"
    assert figures.letterhead.document_number.endswith("〔2026〕年终01号") and figures.letterhead.issued_on == "2027-01-15"
    assert {o.reward_paid for o in figures.officials} == {""}
    excellent = {o.official_id for o in figures.officials if o.grade == "优秀"}
    assert excellent == set(frozen.tied[:19]) | {"v02-1"} and not figures.tied     # the decision stands
    assert all("会议决定" in o.quota_note for o in figures.officials if o.official_id in frozen.tied)
    refused(lambda: stubs.workflow.GetYearEnd(wf.GetYearEndRequest(year=YEAR, pool="100")),
            grpc.StatusCode.FAILED_PRECONDITION)

    state = admin.PublishYear(ye.YearRequest(year=YEAR, note="公" * 2000))     # a note at its bound
    assert state.state == "published" and state.notice_ends == "2027-01-19"
    assert state.history[-1].note == "公" * 2000
    error = refused(lambda: admin.RecordYearPayout(ye.YearPayoutRequest(year=YEAR, reference="BANK-1")),
                    grpc.StatusCode.FAILED_PRECONDITION)
    assert "2027-01-19" in error.details()
    clock.set(date(YEAR + 1, 1, 20))
    error = refused(lambda: admin.RecordYearPayout(ye.YearPayoutRequest(year=YEAR)), grpc.StatusCode.INVALID_ARGUMENT)
    assert "reference" in violations(error)
    error = refused(lambda: admin.RecordYearPayout(ye.YearPayoutRequest(year=YEAR, reference="B" * 201)),
                    grpc.StatusCode.INVALID_ARGUMENT)
    assert violations(error) == {"reference": "longer than 200 characters"}
    error = refused(lambda: admin.RecordYearPayout(ye.YearPayoutRequest(year=YEAR, reference="B", paid_on="1月")),
                    grpc.StatusCode.INVALID_ARGUMENT)
    assert "paid_on" in violations(error)
    state = admin.RecordYearPayout(ye.YearPayoutRequest(year=YEAR, reference="BANK-2027-01-20"))
    assert (state.state, state.paid_out, state.payout_reference) == ("paid", "24700.00", "BANK-2027-01-20")
    paid = stubs.workflow.GetYearEnd(wf.GetYearEndRequest(year=YEAR))
    assert paid.paid_out == "24700.00" == paid.shared
    assert sum(Decimal(o.reward_paid or "0") for o in paid.officials) == Decimal("24700.00")
    pay = stubs.workflow.GetPayList(wf.GetPayListRequest(year=YEAR))
    assert pay.state == "paid" and {l.reward_state for l in pay.lines} == {"paid"}

    state = admin.CloseYear(ye.YearRequest(year=YEAR, note="归档"))
    assert state.state == "closed" and state.closed_on == "2027-01-20" and list(state.next_actions) == []
    assert [e.action for e in state.history] == ["aggregate", "approve", "publish", "record_payout", "close"]
    refused(lambda: admin.CloseYear(request), grpc.StatusCode.FAILED_PRECONDITION)
    logged = stubs.audit.ListAuditEntries(au.ListAuditEntriesRequest(target=f"dahedian {YEAR}")).entries
    assert [e.action for e in logged] == ["year_aggregate", "year_approve", "year_publish", "year_record_payout",
                                          "year_close"]
