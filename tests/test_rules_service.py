"""The version-2 language through the real gRPC server, with the shipped sample: a
village-level fact with a level, money per occurrence, a count and a streak that
forfeits the month's pay reach GetMonthlyScores, ExplainScore and the feedback notice
with their yuan, their village scope and every fact behind them."""
from kaoping.v1 import evaluation_pb2 as ev
from kaoping.v1 import facts_pb2 as fx
from tests.support.facts import fact

MONTH = "2026-08"


def village_fact(key: str, kind: str, level: str = "") -> fx.Fact:
    return fx.Fact(village_id="v05", month=MONTH, category="village_work", kind=kind, quantity="1",
                   scorer_id="main-01", level=level, idempotency_key=key, source="test")


def test_village_results_money_counts_and_streaks_end_to_end(stubs):
    absences = [fact(month=MONTH, official="v05-1", kind="office_absent", key=f"abs{d}")
                for d in (3, 10, 17, 24)]
    for f, day in zip(absences, (3, 10, 17, 24)):
        f.month, f.date = "", f"{MONTH}-{day:02d}"
    leave = fact(month="", official="v05-2", kind="leave_taken", key="leave1")
    leave.date = f"{MONTH}-05"
    result = stubs.facts.SubmitFacts(iter([fx.FactBatch(facts=[
        *absences, leave, village_fact("vil1", "village_commended", "省级"),
        village_fact("vil2", "village_task_missed")])]))
    assert result.accepted == 7, result
    scores = {s.official_id: s for s in stubs.evaluation.GetMonthlyScores(
        ev.GetMonthlyScoresRequest(month=MONTH, village_id="v05")).scores}
    one, two = scores["v05-1"], scores["v05-2"]
    # v05-1: 4 absences in a row: -2 points (count >= 3), +3 -1 village (net +2), pay forfeited
    assert (one.total, one.forfeited, one.pay) == ("100", True, "0.00")
    streak = next(i for i in one.items if i.rule_id == "attendance.office_streak")
    assert streak.effect == "forfeit" and len(streak.fact_ids) == 4 and "事实 #" in streak.detail
    money = [i for i in one.items if i.rule_id == "attendance.office_absent"]
    assert [i.yuan for i in money] == ["-30.00"] * 4 and all(i.points == "0" for i in money)
    village = [i for i in one.items if i.village_level]
    assert sorted((i.rule_id, i.points) for i in village) == [("village.commended", "3"),
                                                              ("village.task_missed", "-1")]
    # v05-2 shares the village's +2 and pays 10 yuan for the leave: 1800 base pay - 10
    assert two.total == "102" and two.pay == f"{float(two.base_pay) - 10:.2f}"
    assert any(i.village_level and i.rule_id == "village.commended" for i in two.items)
    # an official of another village is untouched by v05's village facts
    other = stubs.evaluation.GetMonthlyScores(ev.GetMonthlyScoresRequest(month=MONTH, official_id="v06-1"))
    assert other.scores[0].total == "100" and not any(i.village_level for i in other.scores[0].items)
    # the explanation says what each line does
    explained = stubs.evaluation.ExplainScore(ev.ExplainScoreRequest(month=MONTH, official_id="v05-1"))
    texts = {e.item.rule_id: e.rule_text for c in explained.categories for e in c.items}
    assert "4 office_absent in a row" in texts["attendance.office_streak"]
    assert "deduct 30 yuan" in texts["attendance.office_absent"]
    # the feedback notice lists the money and the forfeit as deductions, the additions not
    notice = stubs.evaluation.GetFeedbackNotice(ev.GetFeedbackNoticeRequest(village_id="v05", month=MONTH))
    lines = {(o.official_id, d.rule_id) for o in notice.officials for d in o.deductions}
    assert ("v05-1", "attendance.office_streak") in lines and ("v05-2", "attendance.leave") in lines
    assert ("v05-1", "village.task_missed") in lines and ("v05-1", "village.commended") not in lines
