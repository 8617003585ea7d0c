"""Gaps in rule language 2 found while writing rules/examples/ (the corpus files): each
test is the smallest rule file that showed the gap. Sections per helper, so parallel
additions merge."""
from __future__ import annotations

import textwrap

from kaoping.usecases.rulesets import validate_text


def checked(text: str):
    return validate_text(textwrap.dedent(text), "test.yaml")


# --- corpusA (R01 R03-R07 R09 R11 R12 R14 R33) ---------------------------------------

LEVELS_FILE = """
    language: 2
    name: 按级别
    scale: 100
    categories:
      jilv:
        name: 纪律
        max: 100
        scored_by: [main_leader]
        kinds:
          criticized: {name: 通报批评, unit: 次, max_quantity: 1, levels: [镇级, 市级, 省级]}
    rules:
      - {id: town, category: jilv, kind: criticized, when: {level: 镇级}, per: fact, deduct_yuan: 100, reason: 镇级}
      - {id: city, category: jilv, kind: criticized, when: {level_at_least: 市级}, per: fact, deduct_yuan: 200, reason: 市级以上}
    grades:
      - {grade: 合格, min: 60}
      - {grade: 不合格, min: 0, max: 60}
    pay: {form: proportional, base: 1000}
    cases:
      - name: 各一次
        facts:
          - {category: jilv, kind: criticized, level: 镇级}
          - {category: jilv, kind: criticized, level: 省级}
        expect: {pay: 700}
"""


def test_level_and_level_at_least_above_it_do_not_overlap():
    # R12: 镇级 100元, 市级以上 200元 — `level: 镇级` and `level_at_least: 市级` can never
    # match one fact, but the unique-overlap check read level_at_least as no condition.
    result = checked(LEVELS_FILE)
    assert not result.problems, result.problems
    assert all(c.passed for c in result.cases)


def test_level_at_least_overlapping_a_level_is_still_an_overlap():
    result = checked(LEVELS_FILE.replace("level: 镇级}", "level: 省级}"))
    assert any("overlap" in str(p) for p in result.problems)


QUARTER_FILE = """
    language: 2
    name: 季度
    scale: 100
    period: quarter
    categories:
      shiji:
        name: 工作实绩
        max: 100
        scored_by: [main_leader]
        kinds:
          task_missed: {name: 任务未完成, unit: 项, max_quantity: 1}
    rules:
      - {id: missed, category: shiji, kind: task_missed, per: fact, deduct: 10, reason: 未完成}
    grades:
      - {grade: 合格, min: 60}
      - {grade: 不合格, min: 0, max: 60}
    pay: {form: proportional, base: 1000}
    cases:
      - name: 本季度一项
        period: 2026-Q4
        facts:
          - {category: shiji, kind: task_missed, date: 2026-12-31}
          - {category: shiji, kind: task_missed, date: DATE}
        expect: {total: 90}
"""


def test_a_case_fact_after_the_period_is_refused_not_scored():
    # R14: a fact dated 2027-01-04 in a 2026-Q4 case was scored as part of the quarter
    # (only facts before the period were set apart), so the total came out 80.
    result = checked(QUARTER_FILE.replace("DATE", "2027-01-04"))
    failures = [f for c in result.cases for f in c.failures]
    assert any("after the period" in f for f in failures), failures
    assert "total: expected 90, got 80" not in failures


def test_a_case_fact_before_the_period_is_the_years_earlier_fact():
    result = checked(QUARTER_FILE.replace("DATE", "2026-09-30"))
    assert not result.problems, result.problems
    assert all(c.passed for c in result.cases)
