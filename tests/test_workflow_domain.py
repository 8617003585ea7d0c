"""The pure parts of the workflow: the state table, the year-end arithmetic (quota,
pool split to the fen) and the `appeals` / `year_end` sections of a rule file."""
from decimal import Decimal
from pathlib import Path

import pytest

from kaoping.domain import workflow as wf
from kaoping.domain.errors import FailedPrecondition, PermissionDenied
from kaoping.rules.model import RuleSetInvalid
from kaoping.rules.parse import parse
from kaoping.rules.sections import DEFAULT_APPEALS
from kaoping.domain.yearend import (InspectionResult, MonthResult, YearEndLine, evaluate_year,
                                    split_pool, split_reward)

SHIPPED = Path(__file__).resolve().parents[1] / "rules" / "township-sample.yaml"
ROLES = ("admin", "main_leader", "contact_leader", "station", "resident_cadre", "system", "village",
         "reader")


def shipped() -> str:
    return SHIPPED.read_text(encoding="utf-8")


def problems(text: str) -> list[str]:
    with pytest.raises(RuleSetInvalid) as err:
        parse(text, "t.yaml")
    return [str(p) for p in err.value.problems]


# the state table ------------------------------------------------------------------
@pytest.mark.parametrize("action", list(wf.ACTIONS))
def test_every_action_checks_role_then_state(action):
    spec = wf.ACTIONS[action]
    for role in ROLES:
        for state in wf.STATES:
            if role not in spec.roles:
                with pytest.raises(PermissionDenied):
                    wf.require(action, state, role, "t 2025-03")
            elif state not in spec.states:
                with pytest.raises(FailedPrecondition) as err:
                    wf.require(action, state, role, "t 2025-03")
                assert f"is {state}" in err.value.message
                assert err.value.violations[0].description == f"current state: {state}"
            else:
                assert wf.require(action, state, role, "t 2025-03") is spec


def test_the_happy_path_visits_every_state_once():
    state, seen = wf.SCORING, [wf.SCORING]
    for action in ("aggregate", "approve", "publish", "mark_paid"):
        state = wf.require(action, state, "admin", "").target
        seen.append(state)
    assert seen == list(wf.STATES)
    assert wf.next_actions(wf.PAID) == []
    assert set(wf.next_actions(wf.APPROVED)) == {"confirm", "appeal", "resolve_appeal", "publish"}


def test_pay_tier_shows_a_share_not_money():
    assert wf.pay_tier(Decimal("1800.00"), Decimal("1800")) == "100%"
    assert wf.pay_tier(Decimal("1180.00"), Decimal("1300")) == "91%"
    assert wf.pay_tier(Decimal("0.00"), Decimal("1000")) == "0%"


# the pool ---------------------------------------------------------------------------
def test_24700_yuan_split_seven_ways_adds_up_to_the_fen():
    """The source township's 2017 reward total, shared in proportion to awkward scores."""
    weights = [("a", Decimal("96.37")), ("b", Decimal("95.12")), ("c", Decimal("94.5")),
               ("d", Decimal("93.33")), ("e", Decimal("92.01")), ("f", Decimal("91.7")),
               ("g", Decimal("90.05"))]
    shares = split_pool(Decimal("24700"), weights)
    assert sum(shares.values()) == Decimal("24700.00")
    total = sum(w for _, w in weights)
    for key, weight in weights:
        exact = Decimal(24700) * weight / total
        assert abs(shares[key] - exact) < Decimal("0.01"), key
        assert shares[key] == shares[key].quantize(Decimal("0.01"))
    assert shares["a"] > shares["b"] > shares["g"]   # 干好干坏不一样


def test_equal_split_that_does_not_divide_gives_the_odd_fen_deterministically():
    shares = split_pool(Decimal("24700"), [(k, Decimal(1)) for k in "abcdefg"])
    assert sum(shares.values()) == Decimal("24700.00")
    assert sorted(set(shares.values())) == [Decimal("3528.57"), Decimal("3528.58")]
    assert shares == split_pool(Decimal("24700"), [(k, Decimal(1)) for k in "abcdefg"])
    # 24700 / 7 = 3528.571428...: 7 x 3528.57 = 24699.99, one fen left, to the first in order
    assert [k for k, v in shares.items() if v == Decimal("3528.58")] == ["a"]


def test_pool_edge_cases():
    assert split_pool(Decimal("100"), [("a", Decimal(0)), ("b", Decimal(0))]) == \
        {"a": Decimal("0.00"), "b": Decimal("0.00")}
    assert split_pool(Decimal("0.01"), [("a", Decimal(1)), ("b", Decimal(1))]) == \
        {"a": Decimal("0.01"), "b": Decimal("0.00")}
    assert split_pool(Decimal("24700"), [("a", Decimal(2)), ("b", Decimal(1)), ("c", Decimal(0))]) == \
        {"a": Decimal("16466.67"), "b": Decimal("8233.33"), "c": Decimal("0.00")}
    with pytest.raises(ValueError):
        split_pool(Decimal("1.001"), [("a", Decimal(1))])


# year-end arithmetic -----------------------------------------------------------------
def _line(oid, totals, inspection="100", vetoed_months=(), grades=None, caps=(), vetoes=()):
    months = [MonthResult(f"2025-{i + 1:02d}", Decimal(t),
                          (grades or {}).get(i, "优秀" if Decimal(t) >= 90 else "良好"),
                          i in vetoed_months, Decimal(1000)) for i, t in enumerate(totals)]
    return YearEndLine(oid, months, InspectionResult(Decimal(inspection), tuple(vetoes), tuple(caps)))


def test_score_grade_veto_and_quota_with_a_tie_at_the_cut_off():
    rules = parse(shipped()).year_end          # 0.7 x average + 0.3 x inspection, quota 20 %
    lines = [_line(f"o{i}", ["95"] * 12) for i in range(8)]          # 8 tie at 95.00
    lines += [_line("top", ["99"] * 12), _line("second", ["98"] * 6)]  # second: 6 months only
    lines += [_line("veto", ["100"] * 12, vetoed_months=(4,))]
    lines += [_line("capped", ["97"] * 12, caps=("良好",))]
    lines += [_line("failed", ["59"] * 3 + ["95"] * 9, grades={0: "不合格", 1: "不合格", 2: "不合格"})]
    quota = evaluate_year(rules, lines)
    by = {l.official_id: l for l in lines}
    assert by["top"].score == Decimal("99.30")                # 0.7 x 99 + 0.3 x 100
    assert by["second"].score == Decimal("98.60") and len(by["second"].months) == 6
    assert by["veto"].vetoed and by["veto"].grade == "不合格" and "2025-05" in by["veto"].veto_reasons[0]
    assert by["capped"].grade == "良好" and not by["capped"].quota_cut
    assert by["failed"].vetoed and "3 个月" in by["failed"].veto_reasons[0]
    # 13 officials -> at most int(13 x 20 %) = 2 优秀: top and second; the eight at 95 tie
    # for no place and are all cut to 良好
    assert (quota.limit, quota.candidates, quota.granted) == (2, 10, 2)
    assert [l.official_id for l in lines if l.grade == "优秀"] == ["top", "second"]
    assert all(by[f"o{i}"].grade == "良好" and by[f"o{i}"].quota_cut for i in range(8))
    assert by["veto"].rank == len(lines) - 1 or by["veto"].rank > by["o0"].rank


def test_reward_goes_to_the_excellent_only_and_adds_up():
    rules = parse(shipped()).year_end
    lines = [_line(f"o{i:02d}", [str(90 + i % 7)] * 12) for i in range(30)]
    evaluate_year(rules, lines)
    paid = split_reward(rules, lines, rules.pool)
    assert paid == Decimal("24700.00") == sum(l.reward for l in lines)
    assert {l.official_id for l in lines if l.reward} == {l.official_id for l in lines if l.grade == "优秀"}
    assert len([l for l in lines if l.grade == "优秀"]) <= 6


# the rule file's sections -------------------------------------------------------------
def test_shipped_sections_are_samples_with_the_2017_pool():
    rules = parse(shipped())
    assert rules.appeals.deadline_days == 5 and rules.appeals.notice_days == 5
    assert rules.year_end.pool == Decimal("24700")
    assert "inspection" in rules.categories
    assert "SAMPLE" in shipped().split("appeals:")[0].rsplit("\n\n", 1)[-1]


def test_a_file_without_the_sections_gets_default_appeals_and_no_year_end():
    # without year_end, the year cases go too (they need it)
    text = shipped().split("\n# SAMPLE periods")[0] + "\n" + "cases:" + \
        shipped().split("\ncases:")[1].split("\nyear_cases:")[0]
    rules = parse(text)
    assert rules.appeals == DEFAULT_APPEALS and rules.year_end is None


@pytest.mark.parametrize("old,new,message", [
    ("  deadline_days: 5", "  deadline_days: five", "appeals.deadline_days"),
    ("  notice_days: 5", "  notice_days: 0", "must be at least 1"),
    ("  notice_days: 5", "  notice_days: 5\n  grace: 3", "unknown key 'grace'"),
    ("  monthly: average", "  monthly: median", "unknown form 'median'"),
    ("    quota_percent: 20", "    quota_percent: 120", "at most 100"),
    ("    grade: 优秀\n    quota_percent", "    grade: 特优\n    quota_percent", "not one of the year-end grades"),
    ("    pool: 24700", "    pool: 24700.005", "at most 2 decimal places (fen)"),
    ("    split: score", "    split: lottery", "unknown split 'lottery'"),
    ("    grades: [优秀]", "    grades: [优秀, 特优]", "'特优' is not a year-end grade"),
    ("    failed_months: 3", "    failed_months: 13", "a year has 12 months"),
    ("  inspection_weight: 0.3", "  inspection_weight: 0.3\n  bonus: 1", "unknown key 'bonus'"),
    ("    vetoed_months: 1", "    vetoed_months: true", "whole number"),
])
def test_section_defects_are_reported_with_their_place(old, new, message):
    text = shipped()
    assert old in text
    found = problems(text.replace(old, new, 1))
    assert any(message in p for p in found), found
    assert all(":" in p.split(" ")[0] for p in found if "year_end" in p or "appeals" in p)


def test_inspection_weight_needs_the_inspection_category():
    text = shipped()
    start = text.index("  inspection:\n")
    end = text.index("\nrules:")
    text = text[:start] + text[end:]
    text = "\n".join(line for line in text.split("\n"))
    rules_start = text.index("  - id: inspection.report")
    rules_end = text.index("\ngrades:")
    text = text[:rules_start].rstrip("\n") + "\n" + text[rules_end:]
    text = text.replace("      - {category: inspection, kind: records_missing, quantity: 3}\n"
                        "      - {category: inspection, kind: serious_finding, quantity: 1}\n", "")
    found = problems(text)
    assert any("year_end.inspection_weight" in p and "inspection" in p for p in found), found


def test_unknown_top_level_keys_are_still_errors():
    assert any("unknown key 'year_ends'" in p for p in problems(shipped() + "\nyear_ends: {}\n"))
