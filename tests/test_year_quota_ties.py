"""Ties at the excellent quota (issue 20, point 3): the rule set's declared tie-break
decides; what it leaves equal across the cut-off is an open tie — named, with the places
left, nobody preferred silently, the year not approvable — until the meeting's decision,
which is checked against the tie before it applies."""
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

from kaoping.domain.errors import FailedPrecondition, InvalidArgument
from kaoping.domain.quota import (MAX_MINUTES, QuotaDecision, apply_decision, decision_violations,
                                  describe_tie_break, require_settled)
from kaoping.domain.yearend import InspectionResult, MonthResult, YearEndLine, evaluate_year, split_reward
from kaoping.rules.model import RuleSetInvalid
from kaoping.rules.parse import parse

SHIPPED = Path(__file__).resolve().parents[1] / "rules" / "township-sample.yaml"
IDS, MINUTES = "quota_decision.granted_official_ids", "quota_decision.minutes"


def shipped() -> str:
    return SHIPPED.read_text(encoding="utf-8")


def sample_rules():
    """0.7 x average + 0.3 x inspection, quota 20 %, tie_break inspection_score then
    months_excellent (the sample's)."""
    return parse(shipped()).year_end


def _line(oid, totals, inspection="100"):
    months = [MonthResult(f"2025-{i + 1:02d}", Decimal(t), "优秀" if Decimal(t) >= 90 else "良好",
                          False, Decimal(1000)) for i, t in enumerate(totals)]
    return YearEndLine(oid, months, InspectionResult(Decimal(inspection)))


def _fillers(n):
    return [_line(f"x{i}", ["70"] * 12) for i in range(n)]


def test_the_sample_declares_its_tie_break_and_describes_it_in_chinese():
    rules = sample_rules()
    assert rules.tie_break == ("inspection_score", "months_excellent")
    assert describe_tie_break(rules) == "年终考核得分 → 优秀月数"
    assert describe_tie_break(replace(rules, tie_break=(
        "monthly_score", "lowest_month", "months_counted"))) == "月度平均分 → 最低月度得分 → 计入月数"
    assert describe_tie_break(replace(rules, tie_break=())) == ""


def test_the_inspection_score_settles_a_score_tie_at_the_cut_off():
    # c1: 0.7 x 90 + 0.3 x 100 = 93.00; c2: 0.7 x 93 + 0.3 x 93 = 93.00; 10 officials -> 2 places
    lines = [_line("a", ["99"] * 12), _line("c2", ["93"] * 12, "93"), _line("c1", ["90"] * 12, "100")]
    lines += _fillers(7)
    quota = evaluate_year(sample_rules(), lines)
    by = {l.official_id: l for l in lines}
    assert by["c1"].score == by["c2"].score == Decimal("93.00")
    assert (by["a"].grade, by["c1"].grade, by["c2"].grade) == ("优秀", "优秀", "良好")
    assert by["c2"].quota_cut and not by["c2"].tied and not quota.open and quota.tied == []
    assert by["c1"].quota_note == by["c2"].quota_note == "并列，按年终考核得分 → 优秀月数排定"
    assert by["a"].quota_note == ""
    assert (quota.limit, quota.granted, quota.places_left) == (2, 2, 0)
    assert any("得分 93.00 并列的 2 人按年终考核得分 → 优秀月数排定优秀名额" in n for n in quota.notes)
    require_settled(quota)     # nothing open: approvable


def test_months_graded_excellent_settle_what_the_inspection_leaves_equal():
    # both 96.50 with the full inspection; b1 has 12 months graded 优秀, b2 10 (two at 70)
    lines = [_line("a", ["99"] * 12), _line("b2", ["100"] * 10 + ["70"] * 2), _line("b1", ["95"] * 12)]
    lines += _fillers(7)
    quota = evaluate_year(sample_rules(), lines)
    by = {l.official_id: l for l in lines}
    assert by["b1"].score == by["b2"].score == Decimal("96.50")
    assert by["b1"].grade == "优秀" and by["b2"].grade == "良好" and by["b2"].quota_cut
    assert not quota.open and quota.granted == 2


def test_the_worst_month_and_the_months_counted_can_decide_too():
    rules = replace(sample_rules(), tie_break=("lowest_month", "months_counted"))
    # d1 and d2 average 95 (96.50); d1's worst month is 92, d2's 90
    lines = [_line("a", ["99"] * 12), _line("d2", ["100", "90"] * 6), _line("d1", ["98", "92"] * 6)]
    quota = evaluate_year(rules, lines + _fillers(7))
    assert [l.official_id for l in lines if l.grade == "优秀"] == ["a", "d1"] and not quota.open
    # e1 served 12 months, e2 6, the same average and worst month
    lines = [_line("a", ["99"] * 12), _line("e2", ["95"] * 6), _line("e1", ["95"] * 12)]
    quota = evaluate_year(rules, lines + _fillers(7))
    assert [l.official_id for l in lines if l.grade == "优秀"] == ["a", "e1"] and not quota.open


def _open_tie(rules=None):
    """a at 99, t0..t2 tied at 96.50 for the one place left, 10 officials -> 2 places."""
    lines = [_line("a", ["99"] * 12)] + [_line(f"t{i}", ["95"] * 12) for i in range(3)] + _fillers(6)
    return lines, evaluate_year(rules or replace(sample_rules(), tie_break=()), lines)


def test_without_a_tie_break_an_exact_tie_at_the_cut_off_is_left_open_for_the_meeting():
    lines, quota = _open_tie()
    by = {l.official_id: l for l in lines}
    assert quota.open and quota.tied == ["t0", "t1", "t2"] and quota.places_left == 1
    assert (quota.limit, quota.candidates, quota.granted) == (2, 4, 1)
    # pending: shown at the grade below (the one each has for sure), flagged, not "cut"
    for oid in ("t0", "t1", "t2"):
        line = by[oid]
        assert line.tied and not line.quota_cut and line.grade_before_quota == "优秀"
        assert line.grade == "良好" and line.quota_note == "并列待会议决定（3 人争 1 个名额）"
    note = next(n for n in quota.notes if n.startswith("优秀名额并列未决"))
    assert "t0、t1、t2" in note and "剩余 1 个名额" in note and "规则集未规定并列规则" in note
    # nobody's reward counts a grade not decided: only a shares the pool
    split_reward(replace(sample_rules(), tie_break=()), lines, Decimal("24700"))
    assert by["a"].reward == Decimal("24700.00") and all(by[f"t{i}"].reward == 0 for i in range(3))
    with pytest.raises(FailedPrecondition) as refused:
        require_settled(quota)
    assert "t0、t1、t2" in refused.value.zh and "1 个名额" in refused.value.zh


def test_a_tie_the_declared_criteria_leave_equal_stays_open_too():
    lines, quota = _open_tie(sample_rules())
    assert quota.open and quota.tied == ["t0", "t1", "t2"] and quota.places_left == 1
    assert any("及年终考核得分 → 优秀月数相同" in n for n in quota.notes)


def test_a_tie_group_starting_at_the_cut_off_has_no_place_left_and_is_cut():
    lines = [_line("a", ["99"] * 12), _line("b", ["98"] * 12)] + [_line(f"t{i}", ["95"] * 12) for i in range(3)]
    quota = evaluate_year(sample_rules(), lines + _fillers(5))
    assert not quota.open and quota.tied == [] and quota.granted == 2
    assert all(l.quota_cut and l.grade == "良好" and not l.tied for l in lines[2:])


@pytest.mark.parametrize("granted, minutes, field, says", [
    (("t0", "t1"), "纪要1号", IDS, "exactly 1 of the 3 tied"),              # too many
    ((), "纪要1号", IDS, "exactly 1 of the 3 tied"),                         # none
    (("a",), "纪要1号", IDS, "not among the tied"),                          # already granted
    (("x0",), "纪要1号", IDS, "not among the tied"),                         # an outsider
    (("t0", "t0"), "纪要1号", IDS, "named more than once"),
    (("t1",), "", MINUTES, "required"),
    (("t1",), "   ", MINUTES, "required"),
    (("t1",), "纪" * (MAX_MINUTES + 1), MINUTES, f"at most {MAX_MINUTES} characters"),
])
def test_a_decision_that_does_not_fit_the_tie_is_refused_and_changes_nothing(granted, minutes, field, says):
    lines, quota = _open_tie()
    before = [(l.grade, l.tied, l.quota_cut, l.quota_note) for l in lines]
    problems = apply_decision(replace(sample_rules(), tie_break=()), lines, quota, QuotaDecision(granted, minutes))
    assert any(p.field == field and says in p.description for p in problems), problems
    assert [(l.grade, l.tied, l.quota_cut, l.quota_note) for l in lines] == before and quota.open
    # through evaluate_year: InvalidArgument with the same violations and a Chinese sentence
    lines, _ = _open_tie()
    with pytest.raises(InvalidArgument) as refused:
        evaluate_year(replace(sample_rules(), tie_break=()), lines, QuotaDecision(granted, minutes))
    assert any(v.field == field for v in refused.value.violations) and "会议纪要" in refused.value.zh


def test_every_problem_of_a_decision_is_listed_at_once():
    _, quota = _open_tie()
    problems = decision_violations(quota, QuotaDecision(("t0", "zz"), ""))
    assert {p.field for p in problems} == {IDS, MINUTES} and len(problems) == 3


def test_a_decision_with_no_tie_open_is_refused():
    lines = [_line("a", ["99"] * 12)] + _fillers(9)
    with pytest.raises(InvalidArgument) as refused:
        evaluate_year(sample_rules(), lines, QuotaDecision(("a",), "纪要1号"))
    assert refused.value.violations[0].field == IDS and "nothing to decide" in refused.value.violations[0].description


def test_the_meetings_decision_grants_the_places_left_and_is_recorded_on_each_tied():
    minutes = "党委会议纪要〔2027〕3号" + "纪" * (MAX_MINUTES - 14)     # the longest accepted
    assert len(minutes) == MAX_MINUTES
    lines, quota = _open_tie()
    assert apply_decision(replace(sample_rules(), tie_break=()), lines, quota,
                          QuotaDecision(("t1",), f"  {minutes} ")) == []
    by = {l.official_id: l for l in lines}
    assert by["t1"].grade == "优秀" and not by["t1"].tied and not by["t1"].quota_cut
    assert by["t1"].quota_note == f"会议决定：{minutes}（授予优秀）"
    for oid in ("t0", "t2"):
        assert by[oid].grade == "良好" and by[oid].quota_cut and not by[oid].tied
        assert by[oid].quota_note == f"会议决定：{minutes}（未获优秀名额）"
    assert not quota.open and quota.granted == 2 and quota.decision.minutes == minutes
    assert not any(n.startswith("优秀名额并列未决") for n in quota.notes)
    assert any(n.startswith("优秀名额并列由会议决定") and "授予 t1" in n for n in quota.notes)
    require_settled(quota)
    # deciding twice is refused
    assert decision_violations(quota, QuotaDecision(("t0",), "纪要2号"))[0].description.startswith(
        "the meeting already decided")
    # the same through evaluate_year
    lines, _ = _open_tie()
    quota = evaluate_year(replace(sample_rules(), tie_break=()), lines, QuotaDecision(("t2",), "纪要1号"))
    assert [l.official_id for l in lines if l.grade == "优秀"] == ["a", "t2"] and quota.granted == 2


@pytest.mark.parametrize("tie_break, where, says", [
    ("[inspection_score, seniority]", "year_end.excellent.tie_break[1]", "unknown criterion 'seniority'"),
    ("[inspection_score, inspection_score]", "year_end.excellent.tie_break[1]",
     "'inspection_score' is given more than once"),
    ("inspection_score", "year_end.excellent.tie_break", "must be a list of criteria"),
    ("[]", "year_end.excellent.tie_break", "an empty list"),
    ("[[inspection_score]]", "year_end.excellent.tie_break[0]", "unknown criterion"),
])
def test_a_bad_tie_break_is_reported_with_its_place(tie_break, where, says):
    text = shipped().replace("tie_break: [inspection_score, months_excellent]", f"tie_break: {tie_break}")
    with pytest.raises(RuleSetInvalid) as err:
        parse(text, "t.yaml")
    found = [str(p) for p in err.value.problems]
    assert any(where in p and says in p for p in found), found


def test_every_tie_break_problem_is_listed_with_the_rest():
    text = shipped().replace("tie_break: [inspection_score, months_excellent]",
                             "tie_break: [seniority, months_excellent, months_excellent, age]") \
                    .replace("quota_percent: 20", "quota_percent: 120")
    with pytest.raises(RuleSetInvalid) as err:
        parse(text, "t.yaml")
    joined = "\n".join(str(p) for p in err.value.problems)
    assert "tie_break[0]" in joined and "tie_break[2]" in joined and "tie_break[3]" in joined
    assert "quota_percent" in joined


# year cases: a rule file tests its tie-break -------------------------------------------
def _year_case_outcomes(text):
    from kaoping.rules.year_cases import run_year_cases
    return {o.name: o.failures for o in run_year_cases(parse(text, "t.yaml"))}


def test_the_samples_year_cases_pin_its_tie_break_the_open_tie_and_the_decision():
    outcomes = _year_case_outcomes(shipped())
    assert outcomes["得分相同跨名额线，先比年终考核得分"] == ()
    assert outcomes["并列规则仍分不出的并列待会议决定，决定前按良好计"] == ()
    assert outcomes["会议决定把剩余名额给其中一人"] == ()


def test_a_year_case_whose_tie_expectations_are_wrong_fails_saying_what_it_got():
    text = shipped().replace("      tied: [t1, t2]\n      places_left: 1\n", "      tied: [t1]\n      places_left: 2\n") \
                    .replace("decision: {granted: [t2], minutes", "decision: {granted: [x1], minutes") \
                    .replace("c2: {score: 93, grade: 良好, tied: false}", "c2: {score: 93, grade: 优秀}")
    outcomes = _year_case_outcomes(text)
    assert outcomes["并列规则仍分不出的并列待会议决定，决定前按良好计"] == (
        "tied: expected ['t1'], got ['t1', 't2']", "places_left: expected 2, got 1")
    decided = outcomes["会议决定把剩余名额给其中一人"]
    assert any(f.startswith("decision: quota_decision.granted_official_ids: not among the tied") for f in decided)
    assert "tied: expected [], got ['t1', 't2']" in decided        # the bad decision applied nothing
    assert outcomes["得分相同跨名额线，先比年终考核得分"] == ("c2.grade: expected 优秀, got 良好",)


def test_bad_tie_expectations_in_a_year_case_are_reported():
    text = shipped().replace("      tied: []\n      a: {grade: 优秀, quota_note: \"\"}", "      tied: t1\n      a: {grade: 优秀}") \
                    .replace("      places_left: 1\n", "      places_left: one\n") \
                    .replace("decision: {granted: [t2], minutes", "decision: {granted: t2, minutes") \
                    .replace("      x7: {total: 70, inspection: 100}\n    expect:\n      tied: [t1, t2]",
                             "      tied: {total: 70, inspection: 100}\n    expect:\n      tied: [t1, t2]")
    with pytest.raises(RuleSetInvalid) as err:
        parse(text, "t.yaml")
    joined = "\n".join(str(p) for p in err.value.problems)
    assert "year_cases[0].expect.tied" in joined and "year_cases[1].expect.places_left" in joined
    assert "year_cases[2].decision.granted" in joined
    assert "year_cases[1].officials.tied" in joined and "not an official id" in joined
