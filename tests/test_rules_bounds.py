"""Bounds of the rule language at their edges: a count rule's size, and an official
with far more facts of a counted kind than any engine call may hold."""
from decimal import Decimal

import pytest

from kaoping.rules.compile import compile_ruleset
from kaoping.rules.evaluate import evaluate
from kaoping.rules.model import RuleSetInvalid
from kaoping.rules.parse import parse
from kaoping.rules.results import OfficialIn, PeriodInput, ScoredFact, VillageIn

RULES = """language: 2
name: bounds
categories:
  attendance:
    name: 出勤
    max: 100
    scored_by: [main_leader]
    kinds:
      absent: {name: 缺席, max_quantity: 1}
rules:
  - id: absent.often
    category: attendance
    aggregate: {count: [absent]}
    at_least: AT_LEAST
    deduct: 5
    reason: 缺席多次
  - id: absent.never
    category: attendance
    none: [absent]
    add: 1
    reason: 全勤
grades:
  - {grade: 合格, min: 60}
  - {grade: 不合格, min: 0, max: 60}
pay: {form: proportional}
"""


def test_a_count_rule_needs_at_most_1000_facts():
    assert parse(RULES.replace("AT_LEAST", "1000")).rules["absent.often"].at_least == 1000
    with pytest.raises(RuleSetInvalid) as err:
        parse(RULES.replace("AT_LEAST", "1001"))
    assert "at most 1000 facts" in str(err.value)


def test_an_official_with_25000_counted_facts_is_one_small_engine_call():
    compiled = compile_ruleset(parse(RULES.replace("AT_LEAST", "1000")))
    try:
        facts = [ScoredFact(i + 1, "attendance", "absent", Decimal(1), official_id="o1", village_id="v1",
                            month="2026-10") for i in range(25_000)]
        data = PeriodInput("2026-10", [OfficialIn("o1"), OfficialIn("o2")], [VillageIn("v1")], facts)
        busy, idle = evaluate(compiled, data)
        assert [i.rule_id for i in busy.items] == ["absent.often"] and busy.total == 95
        assert len(busy.items[0].fact_ids) == 25_000          # the line still names every fact
        assert [i.rule_id for i in idle.items] == ["absent.never"]
    finally:
        compiled.close()
