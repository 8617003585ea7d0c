"""A period's pay from its total and grade, then what rules did to it. Pure.

Order, the same for everyone: base (the rule set's `pay.base`, or the roster's) × the
position's ratio → the pay form (a veto replaces it with base × veto_ratio) → × every pay
multiplier → − yuan deducted + yuan added → 0 when forfeited → never below 0 → rounded
half-up to the fen.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from kaoping.rules.model import RuleSet

CENT = Decimal("0.01")


def grade_for(ruleset: RuleSet, total: Decimal) -> str:
    for band in ruleset.grades:
        if total >= band.min and (band.max is None or total < band.max):
            return band.grade
    return ruleset.grades[-1].grade  # validation guarantees bands start at 0


def effective_base(ruleset: RuleSet, roster_base: Decimal, position: str) -> Decimal:
    base = ruleset.pay.base if ruleset.pay.base is not None else roster_base
    return base * ruleset.pay.position_ratio.get(position, Decimal(1))


def form_pay(ruleset: RuleSet, base: Decimal, total: Decimal, grade: str, vetoed: bool) -> Decimal:
    pay = ruleset.pay
    if vetoed:
        return base * pay.veto_ratio
    if pay.form == "proportional":
        return min(base * total / ruleset.scale, base * pay.params["max_ratio"])
    if pay.form == "threshold":
        shortfall = max(Decimal(0), pay.params["full_at"] - total)
        return max(Decimal(0), base - shortfall * pay.params["per_point"])
    if pay.form == "percent_per_point":
        shortfall = max(Decimal(0), pay.params["full_at"] - total)
        return base * max(Decimal(0), 1 - pay.params["percent"] * shortfall / 100)
    if pay.form == "grade_amounts":
        return pay.params["amounts"][grade]
    return base * pay.params["ratios"][grade]


def final_pay(amount: Decimal, multiplier: Decimal, yuan: Decimal, forfeited: bool) -> Decimal:
    """`yuan` is the signed sum of the money lines (negative: deducted)."""
    if forfeited:
        return Decimal("0.00")
    return max(Decimal(0), amount * multiplier + yuan).quantize(CENT, rounding=ROUND_HALF_UP)


def pay_for(ruleset: RuleSet, base: Decimal, total: Decimal, grade: str, vetoed: bool) -> Decimal:
    """The version-1 pay (no money lines): kept for callers that price a total."""
    return final_pay(form_pay(ruleset, base, total, grade, vetoed), Decimal(1), Decimal(0), False)
