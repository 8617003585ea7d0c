"""Runs a compiled rule set over an official's facts and scores the matches."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Callable

from kaoping.cancellation import never
from kaoping.domain.errors import Cancelled

from kaoping.domain.facts import parse_quantity
from kaoping.domain.ruleset import Case
from kaoping.domain.scoring import OfficialResult, ScoredFact, score_official
from kaoping.engine import CompiledRuleSet, EngineFact


@dataclass(frozen=True)
class OfficialInput:
    official_id: str
    base_pay: Decimal
    facts: tuple[ScoredFact, ...]


def evaluate(compiled: CompiledRuleSet, officials: list[OfficialInput],
             cancelled: Callable[[], bool] = never) -> list[OfficialResult]:
    """Scores every official; raises Cancelled between officials once cancelled()."""
    # The engine is asked once per distinct (category, kind, quantity): every compiled
    # rule tests a single fact on exactly those values and keeps no state between facts
    # (kaoping.engine), so equal triples match equal rules. A month repeats few triples
    # many times (docs/benchmarks.md, P4).
    shapes: dict[tuple[str, str, float], int] = {}
    for o in officials:
        for f in o.facts:
            shapes.setdefault((f.category, f.kind, float(f.quantity)), len(shapes))
    rules: list[list[str]] = [[] for _ in shapes]
    for index, rule_id in compiled.match([EngineFact(i, c, k, q) for (c, k, q), i in shapes.items()]):
        rules[index].append(rule_id)
    results = []
    for o in officials:
        if cancelled():
            raise Cancelled("the caller went away; the month was not scored", [])
        results.append(score_official(compiled.ruleset, o.official_id, o.base_pay, list(o.facts),
                                      [(f.id, rule_id) for f in o.facts
                                       for rule_id in rules[shapes[(f.category, f.kind, float(f.quantity))]]]))
    return results


@dataclass(frozen=True)
class CaseOutcome:
    name: str
    failures: tuple[str, ...]

    @property
    def passed(self) -> bool:
        return not self.failures


def run_cases(compiled: CompiledRuleSet) -> list[CaseOutcome]:
    """Runs the example cases a rule file carries (facts in -> expected scores out)."""
    ruleset = compiled.ruleset
    outcomes = []
    for case in ruleset.cases:
        problems = _case_fact_problems(case, ruleset)
        if problems:
            outcomes.append(CaseOutcome(case.name, tuple(problems)))
            continue
        facts = tuple(ScoredFact(i + 1, f["category"], f["kind"], Decimal(str(f.get("quantity", 1))))
                      for i, f in enumerate(case.facts))
        result = evaluate(compiled, [OfficialInput("case", case.base_pay, facts)])[0]
        outcomes.append(CaseOutcome(case.name, tuple(_compare(case.expect, result))))
    return outcomes


def _case_fact_problems(case: Case, ruleset) -> list[str]:
    problems = []
    for i, fact in enumerate(case.facts):
        category = ruleset.categories.get(fact.get("category"))
        if category is None:
            problems.append(f"facts[{i}]: unknown category {fact.get('category')!r}")
        elif fact.get("kind") not in category.kinds:
            problems.append(f"facts[{i}]: unknown kind {fact.get('kind')!r}")
        else:
            # the same bounds as a submitted fact: the engine probe covered the kind
            # only up to its max_quantity, and 1e300 is an engine error, not a score
            quantity, why = parse_quantity(str(fact.get("quantity", 1)))
            limit = category.kinds[fact["kind"]].max_quantity
            if quantity is None:
                problems.append(f"facts[{i}].quantity: {why}")
            elif quantity > limit:
                problems.append(f"facts[{i}].quantity: {quantity} is above the kind's "
                                f"max_quantity {limit}")
    return problems


def _compare(expect: dict, result: OfficialResult) -> list[str]:
    failures = []

    def check(label: str, want, got) -> None:
        if want != got:
            failures.append(f"{label}: expected {want}, got {got}")

    if "total" in expect:
        check("total", Decimal(str(expect["total"])), result.total)
    if "grade" in expect:
        check("grade", expect["grade"], result.grade)
    if "pay" in expect:
        check("pay", Decimal(str(expect["pay"])), result.pay)
    if "vetoed" in expect:
        check("vetoed", bool(expect["vetoed"]), result.vetoed)
    for cid, want in (expect.get("categories") or {}).items():
        if cid == "__line__":
            continue
        check(f"categories.{cid}", Decimal(str(want)), result.categories.get(cid))
    return failures
