"""Gaps in rule language 2 found while writing rules/examples/ (the corpus files): each
test is the smallest rule file that showed the gap. Sections per helper, so parallel
additions merge."""
from __future__ import annotations

import textwrap

from kaoping.rulesets import validate_text


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
