"""What the engine cannot compute, computed here as plain values the engine then
matches: a fact's occurrence number, sums and counts over a period, streaks of dated
facts, runs of earlier months with a grade, and a village's rank on a figure. Each value
keeps the fact ids behind it, so a line item can say which facts made it."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Iterable

from kaoping.rules.model import Rule, RuleSet
from kaoping.rules.results import MonthOutcome, ScoredFact


@dataclass(frozen=True)
class Value:
    name: str                      # the rule id that asked for it
    value: Decimal
    fact_ids: tuple[int, ...]
    detail: str = ""


def fact_order(f: ScoredFact) -> tuple:
    return (f.date or f"{f.month}-00", f.id)


def occurrences(facts: Iterable[ScoredFact]) -> dict[int, int]:
    """fact id -> its number among the same official's (for a village fact: the same
    village's) facts of its kind (1 = first), in date order then entry order; undated
    facts count at the start of their month."""
    counters: dict[tuple[str, str, str], int] = {}
    numbers = {}
    for f in sorted(facts, key=fact_order):
        key = (f.official_id, f.village_id if not f.official_id else "", f.kind)
        counters[key] = counters.get(key, 0) + 1
        numbers[f.id] = counters[key]
    return numbers


def aggregate(rule: Rule, facts: list[ScoredFact]) -> Value:
    chosen = [f for f in facts if f.kind in rule.aggregate.kinds]
    if rule.aggregate.form == "sum":
        value = sum((f.quantity for f in chosen), Decimal(0))
    else:
        value = Decimal(len(chosen))
    ids = tuple(f.id for f in sorted(chosen, key=fact_order))
    return Value(rule.id, value, ids, f"{rule.aggregate.form} {value.normalize()}")


def streak(rule: Rule, facts: list[ScoredFact]) -> Value:
    """The longest run; the facts named are the first run that reached the length
    (or the longest run when none did)."""
    spec = rule.streak
    dated = sorted((f for f in facts if f.date and (f.kind == spec.kind or f.kind in spec.broken_by)),
                   key=fact_order)
    best: list[ScoredFact] = []
    run: list[ScoredFact] = []
    reached: list[ScoredFact] | None = None
    for f in dated:
        if f.kind in spec.broken_by:
            run = []
            continue
        if spec.consecutive_days and run:
            gap = (date.fromisoformat(f.date) - date.fromisoformat(run[-1].date)).days
            if gap == 0:
                continue             # a second fact on the same day is the same day
            if gap != 1:
                run = []
        run = run + [f]
        if len(run) > len(best):
            best = run
        if reached is None and len(run) >= spec.length:
            reached = run[:spec.length]
    shown = reached or best
    return Value(rule.id, Decimal(len(best)), tuple(f.id for f in shown),
                 f"连续{len(shown)}次" if shown else "")


def history_run(rule: Rule, period: str, outcomes: list[MonthOutcome]) -> Value:
    """How many approved months in a row, ending with the month before `period`,
    meet the condition. A month missing from the record breaks the run."""
    spec = rule.history
    by_month = {o.month: o for o in outcomes}
    month, run, named = previous_month(period[:7] if "Q" not in period else quarter_first(period)), 0, []
    while run < spec.months:
        outcome = by_month.get(month)
        if outcome is None:
            break
        ok = outcome.vetoed if spec.vetoed else outcome.grade == spec.grade
        if not ok:
            break
        run += 1
        named.append(month)
        month = previous_month(month)
    return Value(rule.id, Decimal(run), (), "、".join(reversed(named)))


def previous_month(month: str) -> str:
    year, mon = int(month[:4]), int(month[5:7])
    return f"{year - 1}-12" if mon == 1 else f"{year}-{mon - 1:02d}"


def quarter_first(period: str) -> str:
    year, quarter = period.split("-Q")
    return f"{year}-{(int(quarter) - 1) * 3 + 1:02d}"


def village_ranks(ruleset: RuleSet, figures: dict[str, dict[str, Decimal]]) -> dict[str, dict[str, float]]:
    """village -> {"r_<figure>": rank from the top, "b_<figure>": rank from the bottom}.
    Competition ranking: equal figures share a rank (1, 1, 3)."""
    result: dict[str, dict[str, float]] = {v: {} for v in figures}
    names = {name for values in figures.values() for name in values}
    for name in names:
        present = [(v, values[name]) for v, values in figures.items() if name in values]
        for v, value in present:
            result[v][f"r_{name}"] = float(1 + sum(1 for _, other in present if other > value))
            result[v][f"b_{name}"] = float(1 + sum(1 for _, other in present if other < value))
    return result


def rank_figures(ruleset: RuleSet) -> set[str]:
    figures = set()
    for rule in ruleset.rules.values():
        for test in rule.when.tests:
            if test.attr.startswith(("rank:", "rank_from_bottom:")):
                figures.add(test.attr.split(":", 1)[1])
    return figures
