"""Hostile rule files (hardening issue, point 6): YAML anchors and aliases are refused
while composing, before any structure is built, and every value a problem echoes is
bounded, through the real RuleSetService on loopback."""
from __future__ import annotations

import grpc
import pytest

from kaoping.v1 import rulesets_pb2 as rs
from tests.support.apps import SHIPPED

TIMEOUT = 60
# The bounds kaoping.domain.ruleset_yaml promises (MAX_SHOWN, MAX_PROBLEM), with room for the
# "… (N characters)" suffix.
MAX_SHOWN, MAX_PROBLEM = 120, 400
RULE = "  - id: study.absent\n    category: study\n"


def alias_bomb(depth: int) -> str:
    """The shipped file with nested aliases in the first rule's category: each level
    names the one below nine times, so depth d stands for 9**d copies of the base."""
    levels = ['a0: &a0 ["' + "x" * 47 + '", "' + "x" * 32 + '"]']
    levels += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, depth + 1)]
    text = SHIPPED.read_text(encoding="utf-8")
    assert RULE in text
    return text.replace(RULE, "  - id: study.absent\n    category: {" + ", ".join(levels) + "}\n", 1)


def _report(stubs, text: str) -> rs.ValidationReport:
    return stubs.rulesets.ValidateRuleSet(rs.RuleSetSource(text=text, filename="bomb.yaml"),
                                          timeout=TIMEOUT)


def test_an_alias_bomb_in_a_rule_field_is_refused_with_a_short_problem(stubs):
    text = alias_bomb(6)       # 9**6 = 531441 copies; 53 MB of problem text before the fix
    assert len(text) < 20_000   # the shipped sample plus a few lines
    report = _report(stubs, text)
    assert not report.valid
    assert report.ByteSize() < 2000, report.ByteSize()
    assert len(report.problems) == 1
    problem = report.problems[0]
    assert "aliases" in problem.message and "not allowed" in problem.message
    assert problem.location.startswith("bomb.yaml:")


def test_a_single_alias_or_anchor_is_refused_too(stubs):
    text = SHIPPED.read_text(encoding="utf-8")
    anchored = text.replace("    category: study\n", "    category: &c study\n", 1)
    aliased = anchored.replace("    category: study\n", "    category: *c\n", 1)
    for candidate in (anchored, aliased):
        report = _report(stubs, candidate)
        assert not report.valid
        assert any("aliases" in p.message for p in report.problems)
    upload = stubs.rulesets.UploadRuleSet
    listed = stubs.rulesets.ListRuleSets(rs.ListRuleSetsRequest(), timeout=TIMEOUT)
    with pytest.raises(grpc.RpcError) as refused:
        upload(rs.RuleSetSource(text=aliased, filename="a.yaml"), timeout=TIMEOUT)
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert stubs.rulesets.ListRuleSets(rs.ListRuleSetsRequest(), timeout=TIMEOUT) == listed


def test_every_echoed_value_in_a_problem_is_bounded(stubs):
    text = SHIPPED.read_text(encoding="utf-8")
    huge = "类" * 200_000
    bad = (text.replace("    category: study\n", f"    category: {huge}\n", 1)
           .replace("    kind: study_absent\n", "    kind: [" + ", ".join(["k" * 50] * 5000) + "]\n", 1))
    report = _report(stubs, bad)
    assert not report.valid
    assert report.problems
    for p in report.problems:
        assert len(p.message) <= MAX_PROBLEM + 40 and len(p.location) <= MAX_PROBLEM + 40, p
    cat = [p for p in report.problems if "unknown category" in p.message]
    assert cat and len(cat[0].message) < len("unknown category ") + MAX_SHOWN + 10
