"""What a line item means to the official it belongs to: whether it counts against
him (a deduction the village may appeal and the feedback notice lists) and how its
facts read. One definition for the notice, the appeal and the API."""
from __future__ import annotations

from kaoping.rules.model import RuleSet
from kaoping.rules.results import LineItem


def is_deduction(ruleset: RuleSet, item: LineItem) -> bool:
    """Points or yuan taken, or an effect against the official: a veto, a grade cap,
    a forfeit, a pay multiplier below 1, an effect on his year."""
    rule = ruleset.rules.get(item.rule_id)
    if item.points < 0 or item.yuan < 0 or item.effect in ("veto", "grade", "forfeit", "year"):
        return True
    if item.effect == "multiplier" and rule is not None:
        effect = rule.effect("pay_multiplier")
        return effect is not None and effect.amount < 1
    return rule is not None and rule.action in ("veto", "grade_at_most")


def facts_text(item: LineItem) -> str:
    ids = item.fact_ids or ((item.fact_id,) if item.fact_id else ())
    if not ids:
        return "no fact (a period rule that holds without one)"
    return ("fact " if len(ids) == 1 else "facts ") + ", ".join(str(i) for i in ids)
