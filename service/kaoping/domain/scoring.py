"""Matches -> points, category scores, total, grade and pay. Pure and deterministic.

Order of application, the same for everyone (一把尺子量到底):
1. Each matched fact asks for points: the rule's points, times the quantity when
   the rule counts per unit.
2. A rule's monthly cap cuts the request (facts in id order, so the earliest facts
   count first).
3. Deductions stop at the category floor (扣完為止); additions stop at the
   category's bonus cap. Every line item records what it asked for and what it got,
   so the line items of a category always add up to its score minus its max.
4. The total is the sum of category scores; the grade is the band holding the total,
   lowered by any grade_at_most rule; a veto forces the veto grade.
5. Pay follows the rule set's pay form, rounded to the fen (0.01 yuan) half-up.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from kaoping.domain.ruleset import RuleSet

CENT = Decimal("0.01")


@dataclass(frozen=True)
class ScoredFact:
    id: int
    category: str
    kind: str
    quantity: Decimal
    scorer_id: str = ""
    scorer_role: str = ""


@dataclass(frozen=True)
class LineItem:
    category: str
    points: Decimal
    requested: Decimal
    reason: str
    fact_id: int
    rule_id: str
    scorer_id: str = ""
    scorer_role: str = ""


@dataclass
class OfficialResult:
    official_id: str
    categories: dict[str, Decimal]
    total: Decimal
    grade: str
    vetoed: bool
    veto_reason: str
    base_pay: Decimal
    pay: Decimal
    items: list[LineItem] = field(default_factory=list)
    ruleset_hash: str = ""

    def comparable(self) -> tuple:
        return (self.official_id, tuple(sorted(self.categories.items())), self.total,
                self.grade, self.vetoed, self.pay, tuple(self.items))


def score_official(ruleset: RuleSet, official_id: str, base_pay: Decimal,
                   facts: list[ScoredFact], matches: list[tuple[int, str]]) -> OfficialResult:
    by_id = {f.id: f for f in facts}
    rule_used: dict[str, Decimal] = {}
    deducted = {c: Decimal(0) for c in ruleset.categories}
    added = {c: Decimal(0) for c in ruleset.categories}
    items: list[LineItem] = []
    vetoes: list[str] = []
    grade_caps: list[str] = []
    for fact_id, rule_id in sorted(matches):
        rule, fact = ruleset.rules[rule_id], by_id[fact_id]
        category = ruleset.categories[rule.category]
        if rule.action in ("veto", "grade_at_most"):
            if rule.category != "inspection":  # year-end marks never touch a month's grade
                (vetoes if rule.action == "veto" else grade_caps).append(
                    rule.reason if rule.action == "veto" else rule.grade)
            items.append(LineItem(rule.category, Decimal(0), Decimal(0), rule.reason, fact_id,
                                  rule_id, fact.scorer_id, fact.scorer_role))
            continue
        requested = rule.points * (fact.quantity if rule.per == "unit" else 1)
        granted = requested
        if rule.cap is not None:
            granted = min(granted, max(Decimal(0), rule.cap - rule_used.get(rule_id, Decimal(0))))
        if rule.action == "deduct":
            granted = min(granted, category.max - category.floor - deducted[rule.category])
            deducted[rule.category] += granted
        else:
            granted = min(granted, category.bonus_cap - added[rule.category])
            added[rule.category] += granted
        rule_used[rule_id] = rule_used.get(rule_id, Decimal(0)) + granted
        sign = -1 if rule.action == "deduct" else 1
        items.append(LineItem(rule.category, sign * granted, sign * requested, rule.reason,
                              fact_id, rule_id, fact.scorer_id, fact.scorer_role))
    scores = {cid: c.max - deducted[cid] + added[cid] for cid, c in ruleset.categories.items()
              if cid != "inspection"}
    total = sum(scores.values(), Decimal(0))
    grade = grade_for(ruleset, total)
    for capped in grade_caps:
        if ruleset.grade_rank(capped) > ruleset.grade_rank(grade):
            grade = capped
    vetoed = bool(vetoes)
    if vetoed:
        grade = ruleset.veto_grade
    pay = pay_for(ruleset, base_pay, total, grade, vetoed)
    return OfficialResult(official_id, scores, total, grade, vetoed, "；".join(vetoes),
                          base_pay, pay, items, ruleset.content_hash)


def grade_for(ruleset: RuleSet, total: Decimal) -> str:
    for band in ruleset.grades:
        if total >= band.min and (band.max is None or total < band.max):
            return band.grade
    return ruleset.grades[-1].grade  # validation guarantees bands start at 0


def pay_for(ruleset: RuleSet, base: Decimal, total: Decimal, grade: str, vetoed: bool) -> Decimal:
    pay = ruleset.pay
    if vetoed:
        amount = base * pay.veto_ratio
    elif pay.form == "proportional":
        amount = min(base * total / 100, base * pay.params["max_ratio"])
    elif pay.form == "threshold":
        shortfall = max(Decimal(0), pay.params["full_at"] - total)
        amount = max(Decimal(0), base - shortfall * pay.params["per_point"])
    else:
        amount = base * pay.params["ratios"][grade]
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)
