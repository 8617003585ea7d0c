"""WorkflowService over a real gRPC server on loopback, through the production auth
interceptor with real tokens: a month from scoring to paid, wrong roles refused
(PERMISSION_DENIED), wrong states refused (FAILED_PRECONDITION with the current
state in a google.rpc.BadRequest violation), the public notice carrying no ids."""
from datetime import date

import grpc
import pytest

from kaoping.usecases.tokens import Tokens
from kaoping.v1 import facts_pb2 as fx
from kaoping.v1 import workflow_pb2 as wf
from tests.support.calls import refused_with, violations
from tests.support.facts import fact
from tests.support.workflow import Clock

MONTH = "2026-03"


@pytest.fixture(scope="module")
def clock(grpc_servicer):
    clock = Clock(date(2026, 4, 1))
    grpc_servicer.today = clock
    return clock


@pytest.fixture(scope="module")
def v02_token(grpc_servicer):
    return Tokens(grpc_servicer.store).create("火石村党支部", "village", village_id="v02")[0]


refused = refused_with


@pytest.fixture(scope="module")
def month_facts(stubs, clock):
    ids = {}
    for official, kind, qty, key in (("v01-1", "meeting_absent", "1", "ws-1"), ("v01-2", "duty_missed", "2", "ws-2"),
                                     ("v02-1", "meeting_absent", "1", "ws-3")):
        ids[official] = stubs.facts.SubmitFact(fx.SubmitFactRequest(fact=fact(
            official=official, month=MONTH, kind=kind, quantity=qty, key=key))).fact_id
    return ids


def test_a_month_from_scoring_to_paid(stubs, stubs_as, clock, month_facts, v02_token):
    admin, v01, v02, reader = stubs.workflow, stubs_as("village").workflow, stubs_as(v02_token).workflow, \
        stubs_as("reader").workflow
    request = wf.MonthRequest(month=MONTH)
    state = reader.GetMonthState(request)
    assert state.state == "scoring" and list(state.next_actions) == ["aggregate"]

    clock.set(date(2026, 4, 3))
    for who in (v01, reader, stubs_as("main").workflow):
        error = refused(lambda: who.Aggregate(request), grpc.StatusCode.PERMISSION_DENIED)
        assert "may not call" in error.details()
    error = refused(lambda: admin.Publish(request), grpc.StatusCode.FAILED_PRECONDITION)
    assert "is scoring" in error.details() and violations(error) == {"month": "current state: scoring"}

    state = admin.Aggregate(wf.MonthRequest(month=MONTH, note="统一汇总"))
    assert (state.state, state.revision) == ("aggregated", 1) and state.ruleset.content_hash
    late = refused(lambda: stubs.facts.SubmitFact(fx.SubmitFactRequest(fact=fact(
        official="v01-3", month=MONTH, key="ws-late")), timeout=30), grpc.StatusCode.FAILED_PRECONDITION)
    assert "aggregated" in late.details() and "fact.month" in violations(late)
    refused(lambda: admin.Aggregate(request), grpc.StatusCode.FAILED_PRECONDITION)

    clock.set(date(2026, 4, 4))
    refused(lambda: admin.Approve(wf.ApproveRequest(month=MONTH, content_hash="f" * 64)),
            grpc.StatusCode.FAILED_PRECONDITION)
    state = admin.Approve(wf.ApproveRequest(month=MONTH, content_hash=state.ruleset.content_hash))
    assert (state.state, state.approved_on, state.appeal_deadline) == ("approved", "2026-04-04", "2026-04-09")
    assert len(state.villages) == 17 and {v.state for v in state.villages} == {"unconfirmed"}

    # feedback: a village reads its own notice, not another's
    notice = v01.GetVillageFeedback(wf.VillageFeedbackRequest(village_id="v01", month=MONTH))
    assert "反馈通知单" in notice.title and notice.confirmation.state == "unconfirmed"
    deductions = {d.item.fact_id: d for o in notice.officials for d in o.deductions}
    assert set(deductions) == {month_facts["v01-1"], month_facts["v01-2"]}
    assert all(d.item.reason and d.item.scorer_role == "main_leader" for d in deductions.values())
    refused(lambda: v01.GetVillageFeedback(wf.VillageFeedbackRequest(village_id="v02", month=MONTH)),
            grpc.StatusCode.PERMISSION_DENIED)

    # appeals: own deductions only; the admin cannot appeal or confirm for a village
    refused(lambda: v01.Appeal(wf.AppealRequest(fact_id=month_facts["v02-1"], reason="x")),
            grpc.StatusCode.PERMISSION_DENIED)
    refused(lambda: admin.Appeal(wf.AppealRequest(fact_id=month_facts["v01-2"], reason="x")),
            grpc.StatusCode.PERMISSION_DENIED)
    refused(lambda: admin.Confirm(wf.ConfirmRequest(month=MONTH, village_id="v01")),
            grpc.StatusCode.PERMISSION_DENIED)
    appeal = v01.Appeal(wf.AppealRequest(fact_id=month_facts["v01-2"], reason="那两天在镇上开会",
                                         appellant="official"))
    assert (appeal.state, appeal.points, appeal.rule_id) == ("pending", "-4", "attendance.off_post")
    refused(lambda: v01.ResolveAppeal(wf.ResolveAppealRequest(appeal_id=appeal.id, decision="overturned",
                                                              reason="x")), grpc.StatusCode.PERMISSION_DENIED)
    resolved = admin.ResolveAppeal(wf.ResolveAppealRequest(appeal_id=appeal.id, decision="overturned",
                                                           reason="会议签到表属实"))
    assert resolved.state == "overturned" and resolved.correction_fact_id > 0
    assert (resolved.before.total, resolved.after.total) == ("96", "100")
    assert (resolved.before.pay, resolved.after.pay) == ("1600.00", "1600.00")
    assert resolved.official_name and resolved.resolved_by == "管理员"
    confirmed = v01.Confirm(wf.ConfirmRequest(month=MONTH, note="两委会议讨论无异议"))
    assert confirmed.confirmation.state == "confirmed" and [a.state for a in confirmed.appeals] == ["overturned"]
    assert [a.id for a in v02.ListAppeals(wf.ListAppealsRequest(month=MONTH)).appeals] == []
    assert [a.id for a in reader.ListAppeals(wf.ListAppealsRequest(month=MONTH)).appeals] == [appeal.id]

    # publication waits for the appeal deadline (or every village's confirmation)
    error = refused(lambda: admin.Publish(request), grpc.StatusCode.FAILED_PRECONDITION)
    assert "confirmations" in violations(error)
    refused(lambda: reader.GetPublicNotice(request), grpc.StatusCode.FAILED_PRECONDITION)
    clock.set(date(2026, 4, 10))
    state = admin.Publish(request)
    assert (state.state, state.published_on, state.notice_ends) == ("published", "2026-04-10", "2026-04-14")
    assert sum(v.state == "deemed_confirmed" for v in state.villages) == 16

    public = reader.GetPublicNotice(request)
    assert {f.name for f in wf.PublicLine.DESCRIPTOR.fields} == {
        "rank", "official_name", "village_name", "total", "grade", "pay_tier"}   # no ids, no money
    assert len(public.lines) == 102 and public.lines[0].rank == 1 and public.lines[0].pay_tier == "100%"
    assert "公示" in public.title

    error = refused(lambda: admin.MarkPaid(wf.MarkPaidRequest(month=MONTH)), grpc.StatusCode.FAILED_PRECONDITION)
    assert "2026-04-14" in error.details()
    clock.set(date(2026, 4, 15))
    refused(lambda: v01.MarkPaid(wf.MarkPaidRequest(month=MONTH)), grpc.StatusCode.PERMISSION_DENIED)
    state = admin.MarkPaid(wf.MarkPaidRequest(month=MONTH, reference="BANK-0415"))
    assert state.state == "paid" and state.paid_on == "2026-04-15" and list(state.next_actions) == []
    assert [e.action for e in state.history] == ["aggregate", "approve", "appeal", "resolve_appeal",
                                                 "confirm", "publish", "mark_paid"]
    assert all(e.at.endswith("Z") and e.actor for e in state.history)
    for call in (lambda: admin.Approve(wf.ApproveRequest(month=MONTH)), lambda: admin.Publish(request),
                 lambda: admin.MarkPaid(wf.MarkPaidRequest(month=MONTH)), lambda: admin.Reopen(request),
                 lambda: v01.Confirm(wf.ConfirmRequest(month=MONTH))):
        error = refused(call, grpc.StatusCode.FAILED_PRECONDITION)
        assert violations(error)["month"] == "current state: paid"


def test_pay_list_and_rankings_over_the_wire(stubs, stubs_as, clock):
    admin = stubs.workflow
    pay = admin.GetPayList(wf.GetPayListRequest(month=MONTH))
    assert pay.state == "paid" and pay.complete and len(pay.lines) == 102
    cents = lambda text: int(text.replace(".", ""))  # noqa: E731
    assert sum(cents(v.amount) for v in pay.villages) == cents(pay.township_total) == \
        sum(cents(l.amount) for l in pay.lines)
    assert all(l.paid == l.amount for l in pay.lines)
    own = stubs_as("village").workflow.GetPayList(wf.GetPayListRequest(month=MONTH))
    assert {l.village_id for l in own.lines} == {"v01"}
    refused(lambda: stubs_as("village").workflow.GetPayList(wf.GetPayListRequest(month=MONTH, village_id="v02")),
            grpc.StatusCode.PERMISSION_DENIED)
    refused(lambda: admin.GetPayList(wf.GetPayListRequest(month="2026-02")), grpc.StatusCode.FAILED_PRECONDITION)
    refused(lambda: admin.GetPayList(wf.GetPayListRequest()), grpc.StatusCode.INVALID_ARGUMENT)

    ranking = stubs_as("reader").workflow.GetYearToDateRanking(wf.MonthRequest(month=MONTH))
    assert [(m.month, m.provisional) for m in ranking.months] == [
        ("2026-01", True), ("2026-02", True), ("2026-03", False)]
    assert len(ranking.officials) == 102 and ranking.officials[0].rank == 1
    last = ranking.officials[-1]
    assert last.official_id == "v02-1" and last.total == "99" and last.total_change == "-1"
    assert ranking.villages[-1].village_id == "v02"
    # January and February are still scoring (live: everybody 100): missing from the year to
    # date, never counted as a score — the year to date is March's alone
    assert list(ranking.missing_months) == ["2026-01", "2026-02"]
    assert all(o.months_counted == 1 and o.ytd_average == f"{float(o.total):.2f}" for o in ranking.officials)
    assert last.ytd_average == "99.00" and last.ytd_rank == last.rank
    assert {v.ytd_average for v in ranking.villages} == {f"{float(v.average):.2f}" for v in ranking.villages}
    february = stubs_as("reader").workflow.GetYearToDateRanking(wf.MonthRequest(month="2026-02"))
    assert list(february.missing_months) == ["2026-01", "2026-02"] and february.officials
    assert all(o.ytd_average == "" and o.ytd_rank == 0 and o.months_counted == 0 for o in february.officials)
    assert all(v.ytd_average == "" and v.ytd_rank == 0 for v in february.villages)

    year = admin.GetYearEnd(wf.GetYearEndRequest(year=2026))
    assert not year.complete and year.unpaid_months == [] and "2026-04" in year.missing_months
    assert [m.state for m in year.months][:3] == ["scoring", "scoring", "paid"]
    assert year.officials[0].months_counted == 1 and len(year.officials) == 102
    # one month counted: 100 officials tie at 100.00 for 20 优秀 places and the sample's
    # tie-break (inspection score, months graded 优秀) leaves them equal: the tie is open
    # for the meeting — named, with the places left — nobody is 优秀 yet, and the pool
    # is not paid out; both are said, not hidden
    assert (year.excellent_limit, year.excellent_granted, year.places_left) == (20, 0, 20)
    assert year.tie_break == "年终考核得分 → 优秀月数" and len(year.tied) == 100
    tied = [o for o in year.officials if o.tied]
    assert {o.official_id for o in tied} == set(year.tied)
    assert {(o.grade, o.grade_before_quota, o.quota_cut, o.quota_note) for o in tied} == {
        ("良好", "优秀", False, "并列待会议决定（100 人争 20 个名额）")}
    assert any(n.startswith("优秀名额并列未决") for n in year.notes) and any("无人分配" in n for n in year.notes)
    assert year.pool == "24700.00" and year.paid_out == year.shared == "0.00"
    assert year.state == "provisional" and year.provisional
    assert {o.reward for o in year.officials} == {"0.00"}
    refused(lambda: admin.GetYearEnd(wf.GetYearEndRequest(year=1999)), grpc.StatusCode.INVALID_ARGUMENT)
    refused(lambda: admin.GetYearEnd(wf.GetYearEndRequest(year=2026, pool="12.345")),
            grpc.StatusCode.INVALID_ARGUMENT)
