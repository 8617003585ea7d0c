"""EvaluationService and RegistryService over a real gRPC server on loopback."""
import grpc
import pytest

from kaoping.v1 import evaluation_pb2 as ev
from kaoping.v1 import facts_pb2 as fx
from kaoping.v1 import registry_pb2 as rg
from tests.support.calls import violations
from tests.support.facts import fact

MONTH = "2026-06"


@pytest.fixture(scope="module", autouse=True)
def month_facts(stubs):
    stubs.facts.SubmitFacts(iter([fx.FactBatch(facts=[
        fact(month=MONTH, official="v03-1", kind="meeting_absent", quantity="2", key="e1"),
        fact(month=MONTH, official="v03-2", category="convenience", kind="services_handled",
             quantity="12", scorer="station-01", key="e2"),
        fact(month=MONTH, official="v03-2", category="key_tasks", kind="task_not_done",
             quantity="4", key="e3"),
    ])]))


def test_scores_by_official_carry_items_version_and_exact_pay(stubs):
    scores = stubs.evaluation.GetMonthlyScores(ev.GetMonthlyScoresRequest(month=MONTH, official_id="v03-1"))
    assert len(scores.scores) == 1
    s = scores.scores[0]
    assert (s.total, s.grade, s.pay, s.base_pay) == ("98", "优秀", "1800.00", "1800.00")
    assert [(i.points, i.rule_id, i.reason) for i in s.items] == [
        ("-2", "attendance.absent", "无故缺席镇会议，每次扣1分")]
    assert s.items[0].fact_id > 0 and s.items[0].scorer_role == "main_leader"
    assert s.ruleset.content_hash and s.ruleset == scores.ruleset
    by_cat = {c.category: (c.score, c.max) for c in s.categories}
    assert by_cat["attendance"] == ("23", "25")


def test_scores_by_village_and_township(stubs):
    village = stubs.evaluation.GetMonthlyScores(ev.GetMonthlyScoresRequest(month=MONTH, village_id="v03"))
    assert len(village.scores) == 6
    v2 = [s for s in village.scores if s.official_id == "v03-2"][0]
    # 12 services +1.2, 4 tasks not done -12: 100 - 12 + 1.2 = 89.2 -> 良好; 1600 - 0.8 x 20 = 1584.00
    assert (v2.total, v2.grade, v2.pay) == ("89.2", "良好", "1584.00")
    township = stubs.evaluation.GetMonthlyScores(ev.GetMonthlyScoresRequest(month=MONTH, township_id="dahedian"))
    assert len(township.scores) == 102


def test_ranking(stubs):
    ranking = stubs.evaluation.GetRanking(ev.GetRankingRequest(month=MONTH))
    assert len(ranking.officials) == 102 and len(ranking.villages) == 17
    assert ranking.officials[-1].official_id == "v03-2" and ranking.officials[-1].rank == 102
    assert ranking.villages[-1].village_id == "v03"
    assert ranking.villages[0].rank == 1 and ranking.villages[0].average == "100.00"


def test_feedback_notice_lists_every_deduction_with_reason(stubs):
    notice = stubs.evaluation.GetFeedbackNotice(ev.GetFeedbackNoticeRequest(village_id="v03", month=MONTH))
    assert notice.village_name == "硬湾村" and "反馈通知单" in notice.title
    assert notice.total_deducted == "14"
    by_official = {o.official_id: o for o in notice.officials}
    assert len(by_official) == 6
    assert [(d.points, d.reason) for d in by_official["v03-2"].deductions] == [
        ("-12", "安排工作不落实，每项扣3分")]
    assert by_official["v03-3"].deductions == []


def test_explain_traces_each_point_to_fact_and_rule(stubs):
    exp = stubs.evaluation.ExplainScore(ev.ExplainScoreRequest(official_id="v03-2", month=MONTH))
    items = [i for c in exp.categories for i in c.items]
    assert {i.item.rule_id for i in items} == {"convenience.handled", "tasks.not_done"}
    assert all("when category =" in i.rule_text for i in items)
    assert exp.score.ruleset.id > 0


@pytest.mark.parametrize("request_, code, field", [
    (ev.GetMonthlyScoresRequest(month="2026/06"), grpc.StatusCode.INVALID_ARGUMENT, "month"),
    (ev.GetMonthlyScoresRequest(month="2030-01"), grpc.StatusCode.INVALID_ARGUMENT, "month"),
    (ev.GetMonthlyScoresRequest(month=MONTH, village_id="v77"), grpc.StatusCode.NOT_FOUND, "village_id"),
    (ev.GetMonthlyScoresRequest(month=MONTH, official_id="zz"), grpc.StatusCode.NOT_FOUND, "official_id"),
    (ev.GetMonthlyScoresRequest(month=MONTH, township_id="elsewhere"), grpc.StatusCode.NOT_FOUND, "township_id"),
])
def test_bad_score_requests(stubs, request_, code, field):
    with pytest.raises(grpc.RpcError) as err:
        stubs.evaluation.GetMonthlyScores(request_)
    assert err.value.code() == code and field in violations(err.value)


def test_notice_needs_a_known_village(stubs):
    with pytest.raises(grpc.RpcError) as err:
        stubs.evaluation.GetFeedbackNotice(ev.GetFeedbackNoticeRequest(village_id="", month=MONTH))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    with pytest.raises(grpc.RpcError) as err:
        stubs.evaluation.GetFeedbackNotice(ev.GetFeedbackNoticeRequest(village_id="v99", month=MONTH))
    assert err.value.code() == grpc.StatusCode.NOT_FOUND


def test_registry(stubs):
    villages = stubs.registry.ListVillages(rg.ListVillagesRequest()).villages
    assert len(villages) == 17 and {"上山村", "火石村", "硬湾村"} <= {v.name for v in villages}
    assert len(stubs.registry.ListOfficials(rg.ListOfficialsRequest(village_id="v01")).officials) == 6
    assert {s.role for s in stubs.registry.ListScorers(rg.ListScorersRequest()).scorers} == {
        "main_leader", "contact_leader", "station", "resident_cadre"}
    stubs.registry.PutOfficial(rg.Official(id="v01-7", village_id="v01", name="新干部", position="文书",
                                           base_pay="900.50"))
    assert "900.50" in [o.base_pay for o in stubs.registry.ListOfficials(
        rg.ListOfficialsRequest(village_id="v01")).officials]
    for bad, code in [(rg.Official(id="x", village_id="v99", name="n", base_pay="1"), grpc.StatusCode.NOT_FOUND),
                      (rg.Official(id="x", village_id="v01", name="n", base_pay="-5"), grpc.StatusCode.INVALID_ARGUMENT),
                      (rg.Official(id="x", village_id="v01", name="", base_pay="5"), grpc.StatusCode.INVALID_ARGUMENT)]:
        with pytest.raises(grpc.RpcError) as err:
            stubs.registry.PutOfficial(bad)
        assert err.value.code() == code
    with pytest.raises(grpc.RpcError) as err:
        stubs.registry.PutScorer(rg.Scorer(id="s", name="n", role="king"))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
