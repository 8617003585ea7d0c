"""The zen-engine peer (bench/zen.py, bench/zen_translate.py): the translated decision
graph gives every official of a small month the same total, grade, veto and pay as
kaoping; a deliberately wrong translation is caught; what cannot be translated is
refused by name."""
from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

pytest.importorskip("zen")

from bench import data, load, zen  # noqa: E402
from bench.zen_translate import Untranslatable, translate  # noqa: E402
from kaoping.rules.parse import parse  # noqa: E402

SEED = 20260301
SMALL = data.PROVINCE.scaled("small", 0.001)        # 100 officials, 3,000 facts


def _periods(mix: str):
    reg = data.registry(SMALL)
    return list(zen.periods(reg, data.month_facts(mix, reg, SMALL.facts, SEED), corrections=True))


@pytest.mark.parametrize("mix,rules", [("rich", load.RULES), ("v1", load.V1_RULES)])
def test_translation_scores_every_official_identically(mix, rules):
    result = zen.compare(mix, rules, _periods(mix))
    assert "mismatches" not in result, result.get("first_mismatches")
    assert result["checked_officials"] == SMALL.officials
    assert result["kaoping_s"] > 0 and result["zen_s"] > 0


def test_the_month_exercises_what_the_translation_must_get_right():
    # else an identical result would prove little: caps, forfeits, money, village points
    from kaoping.rules.compile import compile_ruleset
    from kaoping.rules.evaluate import evaluate
    compiled = compile_ruleset(parse(load.RULES.read_text(encoding="utf-8"), "x"))
    results = [r for p in _periods("rich") for r in evaluate(compiled, p)]
    compiled.close()
    assert len({r.grade for r in results}) >= 3
    assert any(r.forfeited for r in results)
    assert any(r.categories["village_work"] > 0 for r in results)
    assert len({r.pay for r in results}) > 20


def _wrong_cap(ruleset):
    """One rule mistranslated: the study absences' cap of 6 points read as 3."""
    rule = ruleset.rules["study.absent"]
    assert rule.cap == Decimal(6)
    rules = dict(ruleset.rules, **{"study.absent": replace(rule, cap=Decimal(3))})
    return translate(replace(ruleset, rules=rules))


def _wrong_streak(ruleset):
    """One rule mistranslated: four absences in a row read as three."""
    rule = ruleset.rules["attendance.office_streak"]
    rules = dict(ruleset.rules, **{rule.id: replace(rule, streak=replace(rule.streak, length=3))})
    return translate(replace(ruleset, rules=rules))


def _wrong_points(ruleset):
    """One rule mistranslated: an unfinished task costs 2 points, not 3."""
    rule = ruleset.rules["tasks.not_done"]
    effects = (replace(rule.effects[0], amount=Decimal(2)),)
    return translate(replace(ruleset, rules=dict(ruleset.rules, **{rule.id: replace(rule, effects=effects)})))


@pytest.mark.parametrize("wrong", [_wrong_cap, _wrong_streak, _wrong_points])
def test_a_mistranslated_rule_is_caught_before_any_timing(wrong):
    result = zen.compare("rich", load.RULES, _periods("rich"), translator=wrong)
    assert result["mismatches"] > 0
    assert result["first_mismatches"][0]["official"].startswith("t0001-")
    assert "kaoping_s" not in result and "checked_officials" not in result


def test_a_mismatch_fails_the_part(monkeypatch):
    monkeypatch.setattr(zen.compare, "__defaults__", (1, _wrong_points))
    out = zen.run(SEED, data.PROVINCE.scaled("tiny", 0.0002), (), township_repeats=1)
    assert "township month" in out["failed"]
    assert zen.rows(out)[0][4] == "MISSED"


def test_what_cannot_be_translated_is_refused_by_name():
    ruleset = parse(load.RULES.read_text(encoding="utf-8"), "x")
    rule = ruleset.rules["study.notes"]
    odd = replace(rule, when=replace(rule.when, occurrence_at_least=2))
    with pytest.raises(Untranslatable, match=r"rule study\.notes: occurrence"):
        translate(replace(ruleset, rules=dict(ruleset.rules, **{rule.id: odd})))
    streak = ruleset.rules["attendance.office_streak"]
    days = replace(streak, streak=replace(streak.streak, consecutive_days=True))
    with pytest.raises(Untranslatable, match="streak consecutive_days"):
        translate(replace(ruleset, rules=dict(ruleset.rules, **{streak.id: days})))
