"""A rule in one sentence, for explanations ("when ... then ...")."""
from __future__ import annotations


def _condition(rule) -> list[str]:
    w = rule.when
    cond = [f"category = {rule.category}"]
    if rule.subject == "fact":
        cond.append(f"kind = {'/'.join(rule.kinds) or rule.kind}")
        if w.at_least is not None:
            cond.append(f"quantity >= {w.at_least}")
        if w.below is not None:
            cond.append(f"quantity < {w.below}")
        if w.levels:
            cond.append(f"level in {'/'.join(w.levels)}")
        if w.level_at_least:
            cond.append(f"level >= {w.level_at_least}")
        if w.date_from:
            cond.append(f"date >= {w.date_from}")
        if w.date_before:
            cond.append(f"date < {w.date_before}")
        if w.occurrence_at_least is not None:
            cond.append(f"occurrence >= {w.occurrence_at_least}")
        if w.occurrence_below is not None:
            cond.append(f"occurrence < {w.occurrence_below}")
    elif rule.aggregate is not None:
        agg = rule.aggregate
        what = f"{agg.form} of {'/'.join(agg.kinds)} over the {agg.over}"
        if agg.form == "none":
            cond.append(f"no {'/'.join(agg.kinds)} in the {agg.over}")
        else:
            if rule.at_least is not None:
                cond.append(f"{what} >= {rule.at_least}")
            if rule.below is not None:
                cond.append(f"{what} < {rule.below}")
    elif rule.streak is not None:
        s = rule.streak
        breaks = f"not broken by {'/'.join(s.broken_by)}" if s.broken_by else "on consecutive days"
        cond.append(f"{s.length} {s.kind} in a row, {breaks}")
    elif rule.history is not None:
        h = rule.history
        cond.append(f"the last {h.months} approved months " + (f"graded {h.grade}" if h.grade else "vetoed"))
    cond += [t.text() for t in w.tests]
    return cond


def _effect(rule, e) -> str:
    if e.kind in ("deduct", "add", "deduct_yuan", "add_yuan", "year_deduct_yuan"):
        unit = " yuan" if "yuan" in e.kind else ""
        act = f"{e.kind.replace('_yuan', '')} {e.amount}{unit} per {rule.per}"
        if rule.step is not None:
            act += f" step {rule.step}"
        if rule.cap is not None:
            act += f", at most {rule.cap} a month"
        return ("year " if e.kind.startswith("year") else "") + act
    if e.kind == "multiply":
        return f"multiply {e.target} by {e.amount}"
    if e.kind == "derive":
        return f"derive {e.target}"
    if e.kind == "pay_multiplier":
        return f"pay × {e.amount}"
    if e.kind in ("grade_at_most", "year_grade_at_most"):
        return f"{'year ' if e.kind.startswith('year') else ''}grade at most {e.target}"
    return e.kind.replace("_", " ")


def describe_rule(rule) -> str:
    effects = ", ".join(_effect(rule, e) for e in rule.effects)
    return f"when {' and '.join(_condition(rule))} then {effects} ({rule.reason})"
