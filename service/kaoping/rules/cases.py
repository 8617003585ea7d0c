"""Running the example cases a rule file carries (facts in, expected results out), and
which rules no case exercises. Used on every validation, by `kaoping rules test`, and by
the test suite for rules/examples/."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from kaoping.domain.facts import parse_quantity
from kaoping.rules.compile import Compiled
from kaoping.rules.evaluate import evaluate
from kaoping.rules.model import Case, RuleSet
from kaoping.rules.results import MonthOutcome, OfficialIn, OfficialResult, PeriodInput, ScoredFact, VillageIn

SAMPLE_MONTH = "2026-10"
CASE_OFFICIAL = "case"


@dataclass(frozen=True)
class CaseOutcome:
    name: str
    failures: tuple[str, ...]
    rules_hit: frozenset[str] = frozenset()

    @property
    def passed(self) -> bool:
        return not self.failures


def case_period(ruleset: RuleSet, case: Case) -> str:
    if case.period:
        return case.period
    return "2026-Q4" if ruleset.period == "quarter" else SAMPLE_MONTH


def case_input(ruleset: RuleSet, case: Case) -> tuple[PeriodInput, list[str]]:
    """The case as evaluation input, and every problem with its facts."""
    problems: list[str] = []
    period = case_period(ruleset, case)
    month = period if "Q" not in period else f"{period[:4]}-{(int(period[-1]) - 1) * 3 + 1:02d}"
    last = period if "Q" not in period else f"{period[:4]}-{int(period[-1]) * 3:02d}"
    villages = [VillageIn(str(vid), {str(k): str(v) for k, v in (spec or {}).items()})
                for vid, spec in case.villages.items()] or [VillageIn("v1")]
    if case.officials:
        officials = []
        for oid, spec in case.officials.items():
            spec = spec or {}
            officials.append(OfficialIn(str(oid), str(spec.get("village", villages[0].id)),
                                        str(spec.get("position", "")),
                                        Decimal(str(spec.get("base_pay", case.base_pay))),
                                        {str(k): str(v) for k, v in (spec.get("attributes") or {}).items()}))
    else:
        officials = [OfficialIn(CASE_OFFICIAL, villages[0].id, "", case.base_pay)]
    known_villages = {v.id for v in villages}
    facts = []
    for i, f in enumerate(case.facts):
        where = f"facts[{i}]"
        category = ruleset.categories.get(f.get("category"))
        kind = category.kinds.get(f.get("kind")) if category else None
        if category is None:
            problems.append(f"{where}: unknown category {f.get('category')!r}")
            continue
        if kind is None:
            problems.append(f"{where}: unknown kind {f.get('kind')!r}")
            continue
        # the same bounds as a submitted fact: the engine probe covered the kind only up
        # to its max_quantity, and 1e300 is an engine error, not a score
        quantity, why = parse_quantity(str(f.get("quantity", 1)))
        if quantity is None:
            problems.append(f"{where}.quantity: {why}")
            continue
        if quantity > kind.max_quantity:
            problems.append(f"{where}.quantity: {quantity} is above the kind's max_quantity {kind.max_quantity}")
            continue
        level = str(f.get("level", ""))
        if kind.levels and level not in kind.levels:
            problems.append(f"{where}.level: {level!r} is not one of {', '.join(kind.levels)}")
            continue
        date = str(f.get("date", ""))
        official = str(f.get("official", "")) if category.scope == "official" else ""
        village = str(f.get("village", "")) if category.scope == "village" else ""
        if category.scope == "official":
            official = official or officials[0].id
            owner = next((o for o in officials if o.id == official), None)
            if owner is None:
                problems.append(f"{where}.official: no official {official!r} in the case")
                continue
            village = owner.village_id
        elif village not in known_villages:
            village = village or villages[0].id
            if village not in known_villages:
                problems.append(f"{where}.village: no village {village!r} in the case")
                continue
        fact_month = str(f.get("month") or (date[:7] if date else month))
        if fact_month > last:
            problems.append(f"{where}: month {fact_month} is after the period {period}")
            continue
        facts.append(ScoredFact(i + 1, category.id, kind.id, quantity, "case", "", official, village,
                                date, level, fact_month))
    history = {str(oid): [MonthOutcome(str(m.get("month")), str(m.get("grade", "")),
                                       Decimal(str(m.get("total", 0))), bool(m.get("vetoed", False)))
                          for m in months or []]
               for oid, months in case.history.items()}
    earlier = [f for f in facts if f.month < month]
    current = [f for f in facts if f.month >= month]
    return PeriodInput(period, officials, villages, current, earlier, history), problems


def run_cases(compiled: Compiled) -> list[CaseOutcome]:
    ruleset = compiled.ruleset
    outcomes = []
    for case in ruleset.cases:
        data, problems = case_input(ruleset, case)
        if problems:
            outcomes.append(CaseOutcome(case.name, tuple(problems)))
            continue
        results = evaluate(compiled, data)
        by_id = {r.official_id: r for r in results}
        failures: list[str] = []
        expect = dict(case.expect)
        per_official = expect.pop("officials", None) or {}
        ranks = expect.pop("ranks", None)
        if expect:
            per_official = {results[0].official_id: expect, **per_official}
        for oid, want in per_official.items():
            result = by_id.get(str(oid))
            if result is None:
                failures.append(f"officials.{oid}: no such official in the case")
                continue
            prefix = f"{oid}: " if len(results) > 1 else ""
            failures += [prefix + f for f in compare(want, result)]
        if ranks:
            from kaoping.rules.ranking import rank_officials
            got = {r.official_id: rank for rank, r in rank_officials(ruleset, results)}
            for oid, want in ranks.items():
                if got.get(str(oid)) != want:
                    failures.append(f"ranks.{oid}: expected {want}, got {got.get(str(oid))}")
        hit = frozenset(i.rule_id for r in results for i in r.items)
        outcomes.append(CaseOutcome(case.name, tuple(failures), hit))
    return outcomes


def unexercised(ruleset: RuleSet, outcomes: list[CaseOutcome]) -> list[str]:
    hit = set().union(*(o.rules_hit for o in outcomes)) if outcomes else set()
    return [rid for rid in ruleset.rules if rid not in hit]


def _dec(value) -> Decimal:
    return Decimal(str(value))


def compare(expect: dict, result: OfficialResult) -> list[str]:
    failures = []

    def check(label: str, want, got) -> None:
        if want != got:
            failures.append(f"{label}: expected {want}, got {got}")

    for key in ("total", "pay"):
        if key in expect:
            check(key, _dec(expect[key]), getattr(result, key))
    if "grade" in expect:
        check("grade", expect["grade"], result.grade)
    for key in ("vetoed", "forfeited"):
        if key in expect:
            check(key, bool(expect[key]), getattr(result, key))
    for group in ("categories", "components", "subitems"):
        for cid, want in (expect.get(group) or {}).items():
            check(f"{group}.{cid}", _dec(want), getattr(result, group).get(cid))
    year = expect.get("year") or {}
    if "vetoed" in year:
        check("year.vetoed", bool(year["vetoed"]), bool(result.year_vetoes))
    if "grade_at_most" in year:
        check("year.grade_at_most", year["grade_at_most"], result.year_grade_caps[0] if result.year_grade_caps else None)
    if "deduct_yuan" in year:
        check("year.deduct_yuan", _dec(year["deduct_yuan"]), result.year_deduct_yuan)
    for i, want in enumerate(expect.get("lines") or []):
        matches = [item for item in result.items if item.rule_id == want.get("rule")
                   and ("facts" not in want or list(item.fact_ids or ((item.fact_id,) if item.fact_id else ())) == list(want["facts"]))
                   and ("points" not in want or item.points == _dec(want["points"]))
                   and ("yuan" not in want or item.yuan == _dec(want["yuan"]))]
        if not matches:
            seen = [(i.rule_id, list(i.fact_ids or (i.fact_id,)), str(i.points), str(i.yuan))
                    for i in result.items]
            failures.append(f"lines[{i}]: no line {want} among {seen}")
    if "lines_count" in expect:
        check("lines_count", expect["lines_count"], len(result.items))
    return failures
