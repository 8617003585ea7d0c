"""Gaps in rule language 2 found while writing the corpus examples (R15-R35, set B):
each test is a rule a township writes that the language got wrong."""
import pytest

from kaoping.usecases.rulesets import validate_text

HONOURS = """
language: 2
name: 荣誉加分
scale: 100
categories:
  work:
    name: 工作实绩
    max: 100
    bonus_cap: 20
    scored_by: [main_leader]
    kinds:
      honour: {name: 获上级荣誉, unit: 项, max_quantity: 5, levels: [县级, 市级, 省级, 国家级]}
rules:
  - {id: honour.city, category: work, kind: honour, when: {level: %s}, per: fact, add: 5, reason: 获市级荣誉加5分}
  - {id: honour.province, category: work, kind: honour, when: {level_at_least: 省级}, per: fact, add: 10,
     reason: 获省级及以上荣誉加10分}
grades:
  - {grade: 优秀, min: 90}
  - {grade: 不合格, min: 0, max: 90}
pay: {form: proportional}
cases:
  - name: 市级、国家级各一项
    facts:
      - {category: work, kind: honour, level: 市级}
      - {category: work, kind: honour, level: 国家级}
    expect: {total: 115}
"""


def test_level_below_a_level_at_least_is_no_overlap():
    # 市级 lies below 省级 in the kind's order: no fact matches both rules (省级以上加10分)
    checked = validate_text(HONOURS % "市级", "honours.yaml")
    assert not checked.problems, "\n".join(map(str, checked.problems))
    assert all(c.passed for c in checked.cases), [c.failures for c in checked.cases]


def test_level_within_a_level_at_least_is_still_an_overlap():
    checked = validate_text(HONOURS % "国家级", "honours.yaml")
    assert any("overlap" in str(p) for p in checked.problems)


RATE = """
language: 2
name: 符合率
scale: 10
categories:
  population:
    name: 人口计生
    max: 10
    scored_by: [main_leader]
    kinds:
      rate: {name: 出生政策符合率, unit: "%", max_quantity: 100}
rules:
  - {id: rate.low, category: population, aggregate: {sum: [rate]}, below: 87,
     per: {shortfall: true, step: 3}, deduct: 0.5, reason: 每低3个百分点扣0.5分}
grades:
  - {grade: 合格, min: 0}
pay: {form: proportional}
cases:
  - name: 未报符合率：按0计，扣分行项不指向任何事实
    expect: {total: 0, lines: [{rule: rate.low, facts: [], points: -10}]}
"""


def test_a_case_can_expect_a_line_with_no_facts():
    # a period rule fired on no facts at all (nothing entered): its line names no fact,
    # and `facts: []` must match it (it was compared as [0], the "no fact" id)
    checked = validate_text(RATE, "rate.yaml")
    assert not checked.problems, "\n".join(map(str, checked.problems))
    assert all(c.passed for c in checked.cases), [c.failures for c in checked.cases]


DOUBLED = """
language: 2
name: 假公开加倍
scale: 20
categories:
  disclosure:
    name: 村务公开
    max: 20
    scored_by: [main_leader]
    kinds:
      fault: {name: 村务公开不规范, unit: 项, max_quantity: 10, levels: [不及时, 假公开]}
rules:
%s
grades:
  - {grade: 合格, min: 0}
pay: {form: proportional}
cases:
  - name: 三项假公开：本条扣4分封顶，加倍为8分
    facts: [{category: disclosure, kind: fault, level: 假公开, quantity: 3}]
    expect: {total: 12, lines: [{rule: fault.each, points: -4}, {rule: fault.false, points: -4}]}
"""
MODIFIER = """  - {id: fault.false, category: disclosure, kind: fault, when: {level: 假公开},
     multiply: {rule: fault.each, by: 2}, reason: 假公开的，加倍扣分}"""
TARGET = "  - {id: fault.each, category: disclosure, kind: fault, deduct: 2, cap: 4, reason: 每项扣2分，最多扣4分}"


@pytest.mark.parametrize("rules", [MODIFIER + "\n" + TARGET, TARGET + "\n" + MODIFIER],
                         ids=["modifier_first", "target_first"])
def test_a_modifier_doubles_what_its_rule_gave_after_the_rules_cap(rules):
    # fault.each asks 2 x 3 = 6 and its cap gives 4; 加倍 doubles the 4 the rule gave
    # (4 more, 8 in all), not the 6 it asked for (which made 4 + 6 = 10: neither the
    # doubled rule nor its cap)
    checked = validate_text(DOUBLED % rules, "doubled.yaml")
    assert not checked.problems, "\n".join(map(str, checked.problems))
    assert all(c.passed for c in checked.cases), [c.failures for c in checked.cases]
