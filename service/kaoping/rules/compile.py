"""A RuleSet's conditions -> engine rules (kaoping.rules.engine), and the facts the
engine sees.

Fact rules become engine rules that join a fact with its official and its village:
quantity, level, date and occurrence tests on the fact, position and attribute tests on
the official, attribute and rank tests on the village. A `derive` effect becomes the
engine's forward chaining. Period rules become `count` rules (at least N facts of some
kinds in the period), `none` rules (absence) or tests on a value kaoping computed
(kaoping.rules.period_values). Salience follows `priority`, then file order.

The engine sees only what some rule tests: an official is {position, a_<attr>, n_<attr>}
for the attributes rules name, so two officials who differ only in what no rule reads
are the same question to the engine, and are asked once (kaoping.rules.evaluate).
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from kaoping.rules.engine import FactRule, PeriodRule, Program, Test
from kaoping.rules.model import AttrTest, Rule, RuleSet
from kaoping.rules.results import OfficialIn, ScoredFact, VillageIn

OFFICIAL, VILLAGE = "o", "v"     # the engine joins on these ids: see `official_dict`


def _day(month_day: str) -> float:
    return float(int(month_day[:2]) * 100 + int(month_day[3:5]))


def _attr_test(test: AttrTest) -> Test:
    if test.attr.startswith("rank:"):
        return Test(f"r_{test.attr[5:]}", test.op, float(test.value))
    if test.attr.startswith("rank_from_bottom:"):
        return Test(f"b_{test.attr[17:]}", test.op, float(test.value))
    if test.attr == "position":
        return Test("position", test.op, test.value)
    if test.op in ("eq", "in"):
        return Test(f"a_{test.attr}", test.op, test.value)
    return Test(f"n_{test.attr}", test.op, float(test.value))


def _tests(rule: Rule, subject: str) -> tuple[Test, ...]:
    return tuple(_attr_test(t) for t in rule.when.tests if t.subject == subject)


def fact_tests(rule: Rule, ruleset: RuleSet) -> tuple[Test, ...]:
    w = rule.when
    tests = []
    if w.at_least is not None:
        tests.append(Test("quantity", "gte", float(w.at_least)))
    if w.below is not None:
        tests.append(Test("quantity", "lt", float(w.below)))
    if w.levels:
        tests.append(Test("level", "in", tuple(w.levels)))
    if w.level_at_least:
        kind = ruleset.kind(rule.kinds[0])
        tests.append(Test("level_rank", "gte", float(kind.level_rank(w.level_at_least))))
    if w.date_from:
        tests.append(Test("day", "gte", _day(w.date_from)))
    if w.date_before:
        tests.append(Test("day", "lt", _day(w.date_before)))
    if w.occurrence_at_least is not None:
        tests.append(Test("n", "gte", float(w.occurrence_at_least)))
    if w.occurrence_below is not None:
        tests.append(Test("n", "lt", float(w.occurrence_below)))
    return tuple(tests)


def engine_counts(rule: Rule) -> bool:
    """A period rule the engine's own `count`/`none` answers (over the period itself)."""
    agg = rule.aggregate
    if agg is None or agg.over != "period":
        return False
    if agg.form == "none":
        return True
    return (agg.form == "count" and rule.below is None and rule.per == "fact"
            and rule.at_least is not None and rule.at_least == int(rule.at_least))


@dataclass
class Compiled:
    """A rule set with its engine program: what kaoping.rules.evaluate runs."""
    ruleset: RuleSet
    program: Program
    official_attrs: frozenset[str]       # attributes some rule tests (a_/n_ fields)
    village_attrs: frozenset[str]
    dated: frozenset[str]                # kinds whose date some rule tests
    numbered: frozenset[str]             # kinds whose occurrence number some rule tests
    counted: frozenset[str]              # kinds the engine's count/none rules count
    count_limit: dict                    # kind -> the most any count rule needs to see
    memoize: bool = True                 # ask each distinct question once per evaluation
    line_items: bool = True              # False: results without line items (a bulk recompute)
    questions: int = 0                   # engine calls made (for the benchmark's report)

    def close(self) -> None:
        self.program.close()


def compile_ruleset(ruleset: RuleSet) -> Compiled:
    # salience: priority first, file order next (the engine fires lower first)
    ranked = sorted(ruleset.rules.values(), key=lambda r: (r.priority, list(ruleset.rules).index(r.id)))
    order = {r.id: i for i, r in enumerate(ranked)}
    fact_rules, period_rules = [], []
    official_attrs, village_attrs, dated, numbered, counted = set(), set(), set(), set(), set()
    count_limit: dict[str, int] = {}
    for rule in ruleset.rules.values():
        for test in rule.when.tests:
            (official_attrs if test.subject == "official" else village_attrs).add(test.attr)
        salience = order[rule.id]
        if rule.subject == "fact":
            if rule.when.date_from or rule.when.date_before:
                dated.update(rule.kinds)
            if rule.when.occurrence_at_least is not None or rule.when.occurrence_below is not None:
                numbered.update(rule.kinds)
            derive = rule.effect("derive")
            fact_rules.append(FactRule(
                rule.id, tuple(rule.kinds), fact_tests(rule, ruleset), _tests(rule, "official"),
                _tests(rule, "village"), salience, derive.target if derive else None,
                bool(derive and derive.unit_quantity)))
        elif engine_counts(rule):
            counted.update(rule.aggregate.kinds)
            for kind in rule.aggregate.kinds:   # none needs one; count needs at_least
                count_limit[kind] = max(count_limit.get(kind, 1), int(rule.at_least or 1))
            form = "none" if rule.aggregate.form == "none" else "count"
            period_rules.append(PeriodRule(rule.id, form, tuple(rule.aggregate.kinds),
                                           int(rule.at_least or 1), official=_tests(rule, "official"),
                                           village=_tests(rule, "village"), priority=salience))
        else:
            period_rules.append(PeriodRule(rule.id, "value", name=rule.id, tests=_value_tests(rule),
                                           official=_tests(rule, "official"),
                                           village=_tests(rule, "village"), priority=salience))
    # a derived fact copies its source's fields: a source kind carries the date or the
    # number whenever a kind derived from it (transitively) needs them
    edges = {}
    for rule in ruleset.rules.values():
        if rule.effect("derive") is not None:
            for kind in rule.kinds:
                edges.setdefault(kind, set()).add(rule.effect("derive").target)
    for needed in (dated, numbered):
        changed = True
        while changed:
            changed = False
            for source, targets in edges.items():
                if source not in needed and targets & needed:
                    needed.add(source)
                    changed = True
    program = Program(fact_rules, period_rules)
    return Compiled(ruleset, program, frozenset(official_attrs), frozenset(village_attrs),
                    frozenset(dated), frozenset(numbered), frozenset(counted), count_limit)


def _value_tests(rule: Rule) -> tuple[Test, ...]:
    if rule.aggregate is not None:
        if rule.aggregate.form == "none":
            return (Test("value", "lt", 1.0),)
        tests = []
        if rule.at_least is not None:
            tests.append(Test("value", "gte", float(rule.at_least)))
        if rule.below is not None:
            tests.append(Test("value", "lt", float(rule.below)))
        return tuple(tests)
    if rule.streak is not None:
        return (Test("value", "gte", float(rule.streak.length)),)
    return (Test("value", "gte", float(rule.history.months)),)


def _number(value) -> float | None:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return float(number) if number.is_finite() else None


def official_dict(compiled: Compiled, official: OfficialIn | None) -> dict:
    """The official as the engine sees him: only what some rule tests. The id is fixed
    ("o") so that equal-looking officials are one question (see the module docstring)."""
    result = {"id": OFFICIAL}
    if official is None:
        return result
    for attr in compiled.official_attrs:
        value = official.position if attr == "position" else official.attributes.get(attr)
        if value is None:
            continue
        if attr == "position":
            result["position"] = str(value)
            continue
        result[f"a_{attr}"] = str(value)
        number = _number(value)
        if number is not None:
            result[f"n_{attr}"] = number
    return result


def village_dict(compiled: Compiled, village: VillageIn | None, ranks: dict[str, float]) -> dict:
    result = {"id": VILLAGE}
    if village is None:
        return result
    for attr in compiled.village_attrs:
        if attr.startswith("rank"):
            continue
        value = village.attributes.get(attr)
        if value is None:
            continue
        result[f"a_{attr}"] = str(value)
        number = _number(value)
        if number is not None:
            result[f"n_{attr}"] = number
    result.update(ranks)
    return result


def fact_key(compiled: Compiled, fact: ScoredFact, number: int) -> tuple:
    """What the engine sees of a fact (fact_dict without its id), as a plain tuple: the
    cache key of the fact's question. Built for every fact, so it is kept cheap."""
    return (fact.category, fact.kind, fact.quantity, fact.level,
            number if fact.kind in compiled.numbered else 0,
            fact.date[5:] if fact.date and fact.kind in compiled.dated else "")


def fact_dict(compiled: Compiled, fact: ScoredFact, number: int) -> dict:
    kind = compiled.ruleset.kind(fact.kind)
    result = {"id": str(fact.id), "official": OFFICIAL, "village": VILLAGE,
              "category": fact.category, "kind": fact.kind, "quantity": float(fact.quantity),
              "level": fact.level, "level_rank": float(kind.level_rank(fact.level)) if kind else 0.0}
    if fact.kind in compiled.numbered:
        result["n"] = float(number)
    if fact.date and fact.kind in compiled.dated:
        result["day"] = _day(fact.date[5:])
    return result
