"""Validation of language-2 constructs found wrong while documenting them: each case
is refused (or accepted) with the problem named, all problems at once."""
from decimal import Decimal

import pytest

from kaoping.rules.compile import compile_ruleset
from kaoping.rules.evaluate import evaluate
from kaoping.rules.migrate import migrate
from kaoping.rules.model import RuleSetInvalid
from kaoping.rules.parse import parse
from kaoping.rules.results import OfficialIn, PeriodInput, ScoredFact, VillageIn

BASE = """language: 2
name: t
categories:
  work:
    name: 工作
    max: MAX
    scored_by: [main_leader]
    kinds:
      missed: {name: 未完成, max_quantity: 10}
      absent: {name: 缺席, max_quantity: 1}
  village:
    name: 村级
    max: 0
    bonus_cap: 5
    scope: village
    scored_by: [main_leader]
    kinds:
      honour: {name: 表彰, max_quantity: 3}
rules:
RULES
grades:
GRADES
pay: {form: proportional}
"""
RULE = """  - id: missed
    category: work
    kind: missed
    deduct: 1
    reason: 未完成
"""
GRADES = "  - {grade: 合格, min: 60}\n  - {grade: 不合格, min: 0, max: 60}\n"


def text(rules: str = RULE, top: int = 100, grades: str = GRADES, extra: str = "") -> str:
    return BASE.replace("MAX", str(top)).replace("RULES\n", rules).replace("GRADES\n", grades) + extra


def problems(source: str) -> str:
    with pytest.raises(RuleSetInvalid) as err:
        parse(source)
    return "\n".join(map(str, err.value.problems))


def test_without_scale_the_scale_is_what_the_categories_add_up_to():
    ruleset = parse(text(top=1000, grades="  - {grade: 优, min: 900}\n  - {grade: 差, min: 0, max: 900}\n"))
    assert ruleset.scale == 1000
    compiled = compile_ruleset(ruleset)
    try:
        data = PeriodInput("2026-10", [OfficialIn("o", base_pay=Decimal(1000))], [VillageIn("v1")],
                           [ScoredFact(1, "work", "missed", Decimal(2), official_id="o", village_id="v1",
                                       month="2026-10")])
        (result,) = evaluate(compiled, data)
        assert (result.total, result.grade, result.pay) == (998, "优", Decimal("998.00"))  # 1000 x 998/1000
    finally:
        compiled.close()
    said = problems(text(top=1000, extra="scale: 100\n"))
    assert "add up to 1000, not the scale 100" in said and "E+" not in said


def test_a_period_rule_takes_only_official_and_village_conditions_and_no_kind():
    said = problems(text(RULE + """  - id: often
    category: work
    kind: absent
    aggregate: {count: [absent]}
    at_least: 3
    when: {quantity_at_least: 2, official: {position: 书记}}
    deduct: 2
    reason: 多次缺席
"""))
    assert "unknown key 'quantity_at_least'" in said
    assert "names its kinds inside `aggregate`" in said


def test_a_history_rule_on_a_village_category_is_refused():
    said = problems(text(RULE + """  - id: hist
    category: village
    history: {months: 2, grade: 不合格}
    add: 1
    reason: 历史
"""))
    assert "a village-scope category has none" in said


def test_numeric_attribute_ranges_separate_rules_and_unknown_case_keys_are_refused():
    rules = RULE.replace("  - id: missed\n    category: work\n    kind: missed\n",
                         "  - id: missed\n    category: work\n    kind: missed\n    when: {village: {star: {at_least: 4}}}\n")
    rules += """  - id: missed_low
    category: work
    kind: missed
    when: {village: {star: {below: 4}}}
    deduct: 2
    reason: 未完成（低星村）
"""
    rules = rules.replace("grades:", "grades:")
    roster = "roster: {village_attributes: [star]}\n"
    assert set(parse(text(rules, extra=roster)).rules) == {"missed", "missed_low"}        # no overlap
    overlapping = rules.replace("star: {below: 4}", "star: {below: 5}")
    assert "overlap" in problems(text(overlapping, extra=roster))
    typo = text(extra="cases:\n  - name: c\n    facts: [{category: work, kind: missed, qty: 3}]\n"
                      "    expect: {total: 97}\n")
    assert "unknown key 'qty'" in problems(typo)


def test_a_highest_group_compares_one_unit_and_multiply_by_zero_cancels():
    mixed = RULE + """  - id: missed_yuan
    category: work
    kind: missed
    deduct_yuan: 10
    reason: 未完成扣钱
"""
    said = problems(text(mixed, extra="groups:\n  g: {policy: highest, rules: [missed, missed_yuan]}\n"))
    assert "points and yuan cannot be compared" in said
    cancel = RULE + """  - id: excused
    category: work
    kind: missed
    when: {quantity_at_least: 5}
    multiply: {rule: missed, by: 0}
    reason: 不可抗力，免扣
"""
    compiled = compile_ruleset(parse(text(cancel)))
    try:
        data = PeriodInput("2026-10", [OfficialIn("o")], [VillageIn("v1")],
                           [ScoredFact(1, "work", "missed", Decimal(6), official_id="o", village_id="v1",
                                       month="2026-10"),
                            ScoredFact(2, "work", "missed", Decimal(2), official_id="o", village_id="v1",
                                       month="2026-10")])
        (result,) = evaluate(compiled, data)
        assert result.total == 98                                            # 6 cancelled, 2 counted
    finally:
        compiled.close()


def test_migrate_refuses_an_inspection_category_written_on_one_line():
    v1 = ("name: t\ncategories:\n  study: {name: 学习, max: 100, scored_by: [main_leader], kinds: {a: 缺}}\n"
          "  inspection: {name: 年终, max: 100, scored_by: [main_leader], kinds: {b: 缺}}\n"
          "rules:\n  - {id: a, category: study, kind: a, deduct: 1, reason: r}\n"
          "grades:\n  - {grade: 合格, min: 60}\n  - {grade: 不合格, min: 0, max: 60}\n"
          "pay: {form: proportional}\n")
    with pytest.raises(RuleSetInvalid) as err:
        migrate(v1)
    assert "block mapping" in str(err.value)


def test_the_ranking_policy_places_vetoed_officials_and_breaks_ties_by_category():
    from kaoping.rules.ranking import rank_officials
    from kaoping.rules.results import OfficialResult

    def result(oid, total, work, vetoed=False):
        return OfficialResult(oid, {"work": Decimal(work)}, Decimal(total), "合格", vetoed, "",
                              Decimal(0), Decimal(0))
    results = [result("a", 90, 50), result("b", 90, 60), result("c", 95, 95, vetoed=True), result("d", 80, 80)]
    default = parse(text())
    assert [(r, x.official_id) for r, x in rank_officials(default, results)] == \
        [(1, "a"), (1, "b"), (3, "d"), (4, "c")]                     # vetoed last, ties shared
    policy = parse(text(extra="ranking: {vetoed: by_points, ties: {by: [work]}}\n"))
    assert [(r, x.official_id) for r, x in rank_officials(policy, results)] == \
        [(1, "c"), (2, "b"), (3, "a"), (4, "d")]


def test_positions_and_attributes_the_rules_name_must_be_declared():
    rules = RULE.replace("    kind: missed\n", "    kind: missed\n    when: {official: {position: 书纪}, village: {star: {at_least: 4}}}\n", 1)
    said = problems(text(rules))
    assert "unknown position '书纪'" in said and "unknown village attribute 'star'" in said
    declared = text(rules, extra="roster: {positions: [书记], village_attributes: [star]}\n")
    said = problems(declared)
    assert "unknown position '书纪'" in said and "(declared: 书记)" in said and "star" not in said
    assert parse(declared.replace("书纪", "书记")).roster.positions == ("书记",)
