"""What the 《反馈通知单》 carries over a real gRPC server (issue 15.5): every deduction
with the fact's date, note and scorer, the lines a floor or cap cut (扣完为止, also
those cut to 0), additions, the position of the month, the year's trend (final /
provisional / missing, never a made-up score), the township's letterhead, and the
appeal sentence's condition; the 公示 and the pay list carry the letterhead too."""
from datetime import date

import grpc
import pytest

from kaoping.usecases.tokens import Tokens
from kaoping.v1 import facts_pb2 as fx
from kaoping.v1 import registry_pb2 as rg
from kaoping.v1 import workflow_pb2 as wf
from tests.support.facts import fact
from tests.support.workflow import Clock

MARCH = "2026-03"


@pytest.fixture(scope="module")
def clock(grpc_servicer):
    clock = Clock(date(2026, 2, 3))
    grpc_servicer.today = clock
    return clock


@pytest.fixture(scope="module")
def village(stubs_as):
    return stubs_as("village").workflow


def _submit(stubs, **kwargs) -> int:
    return stubs.facts.SubmitFact(fx.SubmitFactRequest(fact=fact(**kwargs))).fact_id


@pytest.fixture(scope="module")
def march(stubs, clock):
    """January approved, February never aggregated, March's facts entered."""
    _submit(stubs, official="v01-1", month="2026-01", kind="meeting_absent", key="fb-jan")
    stubs.workflow.Aggregate(wf.MonthRequest(month="2026-01"))
    stubs.workflow.Approve(wf.ApproveRequest(month="2026-01"))
    clock.set(date(2026, 3, 20))
    ids = {
        "notes": _submit(stubs, official="v01-1", category="study", kind="study_notes_missing",
                         quantity="20", key="fb-notes", date="2026-03-12", note="3月学习笔记全缺"),
        "absent": _submit(stubs, official="v01-1", category="study", kind="study_absent",
                          quantity="2", key="fb-absent", note="两次集中学习未到"),
        "early": _submit(stubs, official="v01-1", category="key_tasks", kind="task_done_early",
                         quantity="3", key="fb-early", date="2026-03-05", note="提前完成三项"),
        "handled": _submit(stubs, official="v01-1", category="convenience", kind="services_handled",
                           quantity="5", scorer="station-01", key="fb-handled"),
        "late": _submit(stubs, official="v01-2", kind="meeting_absent", key="fb-late",
                        date="2026-03-02"),
    }
    return ids


def _notice(who, village_id="v01") -> wf.VillageFeedback:
    return who.GetVillageFeedback(wf.VillageFeedbackRequest(village_id=village_id, month=MARCH))


def _official(notice, official_id):
    return next(o for o in notice.officials if o.official_id == official_id)


def test_every_line_with_its_fact_the_cut_ones_and_additions(village, march):
    notice = _notice(village)
    secretary = _official(notice, "v01-1")
    assert secretary.position == "党支部书记"
    lines = {d.item.fact_id: d for d in secretary.deductions}
    assert set(lines) == {march["notes"], march["absent"]}      # the one cut to 0 is listed
    notes, absent = lines[march["notes"]], lines[march["absent"]]
    assert (notes.fact_date, notes.fact_note, notes.scorer_name) == (
        "2026-03-12", "3月学习笔记全缺", "镇党委主要领导（示例）")
    assert (notes.item.points, notes.cut) == ("-10", False)
    # asked -2, the category's floor left nothing: listed, marked cut, counts 0
    assert (absent.item.points, absent.item.requested_points, absent.cut) == ("0", "-2", True)
    assert (absent.fact_date, absent.fact_note) == ("", "两次集中学习未到")   # month only: no date

    added = {d.item.fact_id: d for d in secretary.additions}
    assert set(added) == {march["early"], march["handled"]}
    early, handled = added[march["early"]], added[march["handled"]]
    assert (early.item.points, early.item.requested_points, early.cut) == ("4", "6", True)
    assert (early.fact_date, early.fact_note) == ("2026-03-05", "提前完成三项")
    assert (handled.item.points, handled.cut, handled.scorer_name) == ("0.5", False, "便民服务站（示例）")
    assert not set(added) & set(lines)

    director = _official(notice, "v01-2")
    assert [d.fact_date for d in director.deductions] == ["2026-03-02"] and not director.additions
    # what counts: the cut line adds nothing to the deducted total, the capped addition 4
    assert (notice.total_deducted, notice.total_added) == ("11", "4.5")
    assert secretary.total == "94.5"


def test_trend_is_final_provisional_or_missing_never_made_up(stubs, village, clock, march):
    scoring = _official(_notice(village), "v01-1").trend
    assert [(p.month, p.status) for p in scoring] == [
        ("2026-01", "final"), ("2026-02", "missing"), ("2026-03", "provisional")]
    assert (scoring[0].total, scoring[1].total, scoring[1].grade) == ("99", "", "")
    assert scoring[2].total == "94.5"
    clock.set(date(2026, 4, 3))
    stubs.workflow.Aggregate(wf.MonthRequest(month=MARCH))
    aggregated = _official(_notice(village), "v01-1").trend
    assert aggregated[2].status == "provisional" and aggregated[2].total == "94.5"
    clock.set(date(2026, 4, 4))
    stubs.workflow.Approve(wf.ApproveRequest(month=MARCH))
    approved = _official(_notice(village), "v01-1").trend
    assert [p.status for p in approved] == ["final", "missing", "final"] and approved[2].grade


def test_letterhead_from_the_townships_settings(stubs, village, clock, march):
    township = stubs.registry.GetTownship(rg.GetTownshipRequest(id=_notice(village).township_id))
    # nothing set (the sample township has a letterhead: cleared here): the township's
    # name stands for issuer and prefix
    stubs.registry.UpdateTownship(rg.Township(id=township.id, name=township.name, county=township.county,
                                              script="zh-Hans"))
    notice = _notice(village)        # March approved on 04-04, aggregated on 04-03
    head = notice.letterhead
    assert (head.township_name, head.issuer, head.script) == (township.name, township.name, "zh-Hans")
    assert head.document_number == f"{township.name}〔2026〕03-01号"
    assert head.issued_on == "2026-04-03"
    stubs.registry.UpdateTownship(rg.Township(
        id=township.id, name=township.name, county=township.county, script="zh-Hans",
        issuer="中共大河店镇委员会", contact="党政办 李芳 0931-1234567", doc_prefix="大河店发"))
    head = _notice(village).letterhead
    assert (head.issuer, head.contact) == ("中共大河店镇委员会", "党政办 李芳 0931-1234567")
    assert head.document_number == "大河店发〔2026〕03-01号"
    second = _notice(stubs.workflow, "v02").letterhead        # the village's place by id
    assert second.document_number == "大河店发〔2026〕03-02号"


def test_appeal_sentence_only_while_an_appeal_would_be_accepted(stubs, village, clock, march):
    clock.set(date(2026, 4, 5))
    notice = _notice(village)
    assert notice.appeal_open and notice.appeal_deadline == "2026-04-09"
    # a deduction cut to 0 still stands against him: it may be appealed; an addition not
    appeal = village.Appeal(wf.AppealRequest(fact_id=march["absent"], reason="那两次是请了假的"))
    assert (appeal.state, appeal.points) == ("pending", "0")
    with pytest.raises(grpc.RpcError) as err:
        village.Appeal(wf.AppealRequest(fact_id=march["early"], reason="x"))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    stubs.workflow.ResolveAppeal(wf.ResolveAppealRequest(appeal_id=appeal.id, decision="upheld",
                                                         reason="请假手续不全"))
    listed = {d.item.fact_id: d for d in _official(_notice(village), "v01-1").deductions}
    assert listed[march["absent"]].appeal_state == "upheld"
    village.Confirm(wf.ConfirmRequest(month=MARCH, note="无异议"))
    assert not _notice(village).appeal_open                  # confirmed: no appeal now
    v02 = _notice(stubs.workflow, "v02")
    assert v02.appeal_open                                   # another village still may
    clock.set(date(2026, 4, 10))
    assert not _notice(stubs.workflow, "v02").appeal_open    # the deadline has passed


def test_public_notice_and_pay_list_carry_the_letterhead(stubs, clock, march):
    clock.set(date(2026, 4, 10))
    stubs.workflow.Publish(wf.MonthRequest(month=MARCH))
    public = stubs.workflow.GetPublicNotice(wf.MonthRequest(month=MARCH))
    assert public.letterhead.document_number == "大河店发〔2026〕03号"
    assert public.letterhead.issued_on == public.published_on == "2026-04-10"
    assert public.letterhead.issuer == "中共大河店镇委员会" and public.letterhead.contact
    pay = stubs.workflow.GetPayList(wf.GetPayListRequest(month=MARCH))
    assert (pay.letterhead.issuer, pay.letterhead.issued_on) == ("中共大河店镇委员会", "2026-04-03")
    # a month still scoring is dated today, from the app's clock
    clock.set(date(2026, 5, 6))
    april = stubs.workflow.GetVillageFeedback(wf.VillageFeedbackRequest(village_id="v01", month="2026-04"))
    assert april.provisional and april.letterhead.issued_on == "2026-05-06" and not april.appeal_open
    assert [p.status for p in april.officials[0].trend] == ["final", "missing", "final", "provisional"]


def test_a_village_token_reads_only_its_own_notice(stubs_as, grpc_servicer, march):
    other = stubs_as(Tokens(grpc_servicer.store).create("火石村", "village", village_id="v02")[0]).workflow
    with pytest.raises(grpc.RpcError) as err:
        _notice(other, "v01")
    assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED
