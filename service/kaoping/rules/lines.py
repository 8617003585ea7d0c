"""What a line item means to the official it belongs to: whether it counts against
him (a deduction the village may appeal and the feedback notice lists) and how its
facts read. One definition for the notice, the appeal and the API."""
from __future__ import annotations

from kaoping.rules.model import RuleSet
from kaoping.rules.results import LineItem


def is_deduction(ruleset: RuleSet, item: LineItem) -> bool:
    """Points or yuan taken (or asked for and cut to nothing by the category's floor,
    扣完为止: the fact still stands against him and counts once another is voided), or an
    effect against the official: a veto, a grade cap, a forfeit, a pay multiplier below 1,
    an effect on his year."""
    rule = ruleset.rules.get(item.rule_id)
    if item.points < 0 or item.yuan < 0 or item.effect in ("veto", "grade", "forfeit", "year"):
        return True
    if item.requested < 0 or item.requested_yuan < 0:
        return True
    if item.effect == "multiplier" and rule is not None:
        effect = rule.effect("pay_multiplier")
        return effect is not None and effect.amount < 1
    return rule is not None and rule.action in ("veto", "grade_at_most")


def is_addition(ruleset: RuleSet, item: LineItem) -> bool:
    """Points or yuan given (or asked for and cut to nothing by a bonus cap)."""
    if is_deduction(ruleset, item):
        return False
    return item.points > 0 or item.yuan > 0 or item.requested > 0 or item.requested_yuan > 0


def was_cut(item: LineItem) -> bool:
    """A floor or cap took part (or all) of what the rule asked: a deduction asked more
    negative than it counts, an addition asked more than it counts."""
    return (abs(item.requested) > abs(item.points) and item.requested * item.points >= 0) or \
        (abs(item.requested_yuan) > abs(item.yuan) and item.requested_yuan * item.yuan >= 0)


def facts_text(item: LineItem) -> str:
    ids = item.fact_ids or ((item.fact_id,) if item.fact_id else ())
    if not ids:
        return "no fact (a period rule that holds without one)"
    return ("fact " if len(ids) == 1 else "facts ") + ", ".join(str(i) for i in ids)
