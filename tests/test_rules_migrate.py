"""`kaoping rules migrate`: a version-1 file becomes a version-2 file that scores the
benchmark month exactly as the original (totals, grades, pay, categories, every line's
points), and keeps its comments."""
from decimal import Decimal
from pathlib import Path

import pytest

from bench import data
from kaoping.rules.compile import compile_ruleset
from kaoping.rules.evaluate import evaluate
from kaoping.rules.migrate import AlreadyCurrent, migrate
from kaoping.rules.model import RuleSetInvalid
from kaoping.rules.parse import parse
from kaoping.rules.results import OfficialIn, PeriodInput, ScoredFact, VillageIn

# the shipped sample as it was before language 2 (label "sample 2026-1")
SAMPLE = Path(__file__).resolve().parent / "data" / "township-sample-v1.yaml"


def benchmark_month() -> PeriodInput:
    reg = data.registry(data.TOWNSHIP)
    facts = [ScoredFact(i + 1, f.category, f.kind, Decimal(f.quantity), f.scorer_id, f.scorer_role,
                        f.official_id, f.village_id, f.date, "", data.MONTH)
             for i, f in enumerate(data.facts(reg, data.TOWNSHIP.facts, seed=7))]
    return PeriodInput(data.MONTH, [OfficialIn(o[0], o[1], o[3], Decimal(o[4])) for o in reg.officials],
                       [VillageIn(v[0]) for v in reg.villages], facts)


def scored(text: str) -> list[tuple]:
    compiled = compile_ruleset(parse(text))
    try:
        results = evaluate(compiled, benchmark_month())
    finally:
        compiled.close()
    return [(r.official_id, r.total, r.grade, r.vetoed, r.pay, sorted(r.categories.items()),
             [(i.fact_id, i.rule_id, i.points, i.requested) for i in r.items]) for r in results]


def test_the_migrated_sample_scores_the_benchmark_month_identically():
    text = SAMPLE.read_text(encoding="utf-8")
    migrated = migrate(text, SAMPLE.name)
    assert parse(migrated).language == 2 and parse(text).language == 1
    before, after = scored(text), scored(migrated)
    assert len(before) == data.TOWNSHIP.officials
    assert sum(len(b[-1]) for b in before) > 1000       # the month really has line items
    assert before == after
    # comments and layout survive: only two lines are added
    assert len(migrated.splitlines()) == len(text.splitlines()) + 2
    assert "# SAMPLE rule set" in migrated
    assert parse(migrated).categories["inspection"].timing == "year_end"


def test_migrate_refuses_a_current_or_broken_file():
    migrated = migrate(SAMPLE.read_text(encoding="utf-8"))
    with pytest.raises(AlreadyCurrent):
        migrate(migrated)
    with pytest.raises(RuleSetInvalid):
        migrate("name: x\ncategories: {}\n")
