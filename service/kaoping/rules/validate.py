"""Checks on a rule set as a whole, after every part parsed: rules that can never
match, caps that can never bind, two rules that would both score one fact under
`unique`, modifiers and derivations that point nowhere or in a circle, a scale the
categories do not add up to, grade bands outside it, and the engine's size limits.
Every problem is collected with its line and rule id."""
from __future__ import annotations

from decimal import Decimal

from kaoping.domain.rectification import OVERDUE_KIND
from kaoping.domain.ruleset_limits import check_engine_limits
from kaoping.rules.model import MONEY_EFFECTS, POINT_EFFECTS, Rule, RuleSet
from kaoping.rules.parse_base import Collector

INF = Decimal("Infinity")
MAX_COUNT = 1000          # a count rule's at_least: the engine sees that many facts at most


def validate(ruleset: RuleSet, out: Collector, explicit_scale: bool = False) -> None:
    for rule in ruleset.rules.values():
        _check_reachable(ruleset, rule, out)
    crowded = check_engine_limits(ruleset.categories, ruleset.rules, out)
    candidates = [r for r in ruleset.rules.values() if (r.category, r.kind) not in crowded]
    if ruleset.language == 1:
        _check_overlaps(candidates, out)
        return
    _check_overlaps([r for r in candidates if r.subject == "fact" and r.group is None
                     and _scores(r)], out, ruleset)
    for group in ruleset.groups.values():
        if group.policy == "highest":
            units = {_unit(ruleset.rules[r]) for r in group.rules if r in ruleset.rules}
            if len(units) > 1:
                out.add(f"groups.{group.id}", group.line, "a `highest` group compares amounts of one "
                                                          "unit: points and yuan cannot be compared")
        if group.policy == "unique":
            _check_overlaps([ruleset.rules[r] for r in group.rules if r in ruleset.rules], out, ruleset)
    for rule in ruleset.rules.values():
        _check_rule_v2(ruleset, rule, out)
    _check_derive_cycles(ruleset, out)
    _check_scale(ruleset, out, explicit_scale)
    _check_roster(ruleset, out)
    _check_reserved(ruleset, out)


def _check_reserved(ruleset: RuleSet, out: Collector) -> None:
    """The kind the service derives from overdue rectifications (rules/README.md
    "Rectification facts") is a village's month fact: declared elsewhere it would never come."""
    category = ruleset.category_of_kind(OVERDUE_KIND)
    if category is not None and (category.scope != "village" or category.timing != "month"):
        out.add(f"categories.{category.id}.kinds.{OVERDUE_KIND}", None,
                f"{OVERDUE_KIND} is the service's fact about a village's overdue rectifications: "
                f"declare it in a category with scope: village (and monthly timing)")


def _unit(rule: Rule) -> str:
    effect = rule.points_effect()
    return "none" if effect is None else ("yuan" if effect.kind in MONEY_EFFECTS else "points")


def _scores(rule: Rule) -> bool:
    return any(e.kind in POINT_EFFECTS + MONEY_EFFECTS for e in rule.effects)


def _check_reachable(ruleset: RuleSet, rule: Rule, out: Collector) -> None:
    where = f"rules ({rule.id})"
    category = ruleset.categories.get(rule.category)
    if category is None:
        return
    if rule.subject == "fact" and rule.kinds:
        low = rule.when.at_least if rule.when.at_least is not None else Decimal(0)
        high = max(category.kinds[k].max_quantity for k in rule.kinds)
        if rule.when.below is not None and rule.when.below <= low:
            out.add(where, rule.line, f"unreachable: quantity_below {rule.when.below} <= quantity_at_least {low}")
        elif low > high:
            out.add(where, rule.line, f"unreachable: quantity_at_least {low} is above the kind's "
                                      f"max_quantity {high}")
        o_lo, o_hi = rule.when.occurrence_at_least, rule.when.occurrence_below
        if o_lo is not None and o_hi is not None and o_hi <= o_lo:
            out.add(where, rule.line, f"unreachable: occurrence_below {o_hi} <= occurrence_at_least {o_lo}")
        if rule.when.date_from and rule.when.date_before and rule.when.date_before <= rule.when.date_from:
            out.add(where, rule.line, "unreachable: date_before is not after date_from")
    if rule.cap is None or rule.action not in ("deduct", "add"):
        return
    room = category.max - category.floor if rule.action == "deduct" else category.bonus_cap
    if category.clamp == "net":
        room = category.max - category.floor if rule.action == "deduct" else category.bonus_cap + category.max
    if rule.cap >= room:
        limit = "max - floor" if rule.action == "deduct" else "bonus_cap"
        out.add(f"{where}.cap", rule.line, f"cap {rule.cap} can never bind: the category's "
                                           f"{limit} ({room}) stops it first")


def _interval(lo, hi):
    return (lo if lo is not None else -INF, hi if hi is not None else INF)


def _levels(ruleset: RuleSet | None, rule: Rule) -> set[str] | None:
    """The levels a fact may carry to match `rule` (level/level_in and level_at_least
    together), or None when the rule tests no level."""
    if not rule.when.levels and not rule.when.level_at_least:
        return None
    allowed = set(rule.when.levels) if rule.when.levels else None
    if rule.when.level_at_least and ruleset is not None:
        above = set()
        for kind in rule.kinds:
            order = ruleset.kind(kind).levels
            if rule.when.level_at_least in order:
                above |= set(order[order.index(rule.when.level_at_least):])
        allowed = above if allowed is None else allowed & above
    return allowed


def _disjoint(a: Rule, b: Rule, ruleset: RuleSet | None = None) -> bool:
    """True when no fact can match both (some condition separates them)."""
    if not set(a.kinds) & set(b.kinds):
        return True
    pairs = [(_interval(a.when.at_least, a.when.below), _interval(b.when.at_least, b.when.below)),
             (_interval(a.when.occurrence_at_least, a.when.occurrence_below),
              _interval(b.when.occurrence_at_least, b.when.occurrence_below))]
    if any(max(x[0], y[0]) >= min(x[1], y[1]) for x, y in pairs):
        return True
    la, lb = _levels(ruleset, a), _levels(ruleset, b)
    if la is not None and lb is not None and not la & lb:
        return True
    da = (a.when.date_from or "01-01", a.when.date_before or "12-32")
    db = (b.when.date_from or "01-01", b.when.date_before or "12-32")
    if max(da[0], db[0]) >= min(da[1], db[1]):
        return True
    for ta in a.when.tests:          # the same attribute held to different values
        for tb in b.when.tests:
            if (ta.subject, ta.attr) != (tb.subject, tb.attr):
                continue
            va = set(ta.value) if ta.op == "in" else {ta.value} if ta.op == "eq" else None
            vb = set(tb.value) if tb.op == "in" else {tb.value} if tb.op == "eq" else None
            if va is not None and vb is not None and not va & vb:
                return True
    if _numeric_disjoint(a, b):
        return True
    return False


def _numeric_disjoint(a: Rule, b: Rule) -> bool:
    """Numeric tests on one attribute whose ranges cannot both hold (star >= 4 and star < 4)."""
    def ranges(rule: Rule) -> dict:
        found: dict = {}
        for t in rule.when.tests:
            if t.op not in ("gte", "lt", "lte"):
                continue
            lo, hi, hi_open = found.get((t.subject, t.attr), (-INF, INF, True))
            if t.op == "gte":
                lo = max(lo, t.value)
            elif t.op == "lt" and t.value <= hi:
                hi, hi_open = t.value, True
            elif t.op == "lte" and t.value < hi:
                hi, hi_open = t.value, False
            found[(t.subject, t.attr)] = (lo, hi, hi_open)
        return found
    ra, rb = ranges(a), ranges(b)
    for key in ra.keys() & rb.keys():
        lo = max(ra[key][0], rb[key][0])
        (hi, hi_open) = min((ra[key][1], ra[key][2]), (rb[key][1], rb[key][2]),
                            key=lambda h: (h[0], not h[1]))
        if lo > hi or (lo == hi and hi_open):
            return True
    return False


def _check_overlaps(rules: list[Rule], out: Collector, ruleset: RuleSet | None = None) -> None:
    # Under `unique` two rules that can score the same fact would make the score depend
    # on which the engine tries first. Pairs are compared within one (category, kind):
    # at most MAX_RULES_PER_KIND there.
    groups: dict[tuple[str, str], list[Rule]] = {}
    for rule in rules:
        for kind in rule.kinds or (rule.kind,):
            groups.setdefault((rule.category, kind), []).append(rule)
    seen = set()
    for (category, kind), group in groups.items():
        for i, a in enumerate(group):
            for b in group[i + 1:]:
                if (a.id, b.id) in seen or _disjoint(a, b, ruleset):
                    continue
                seen.add((a.id, b.id))
                lo = max(_interval(a.at_least, a.below)[0], _interval(b.at_least, b.below)[0])
                hi = min(_interval(a.at_least, a.below)[1], _interval(b.at_least, b.below)[1])
                out.add(f"rules ({a.id}, {b.id})", b.line,
                        f"overlap: both match {category}/{kind} facts with quantity in [{lo}, {hi})"
                        + ("" if a.when == b.when or not (a.when.tests or b.when.tests) else
                           " and the same official/village") +
                        "; separate them, or put them in a group with policy first, collect or highest")


def _check_rule_v2(ruleset: RuleSet, rule: Rule, out: Collector) -> None:
    where = f"rules ({rule.id})"
    category = ruleset.categories.get(rule.category)
    if category is None:
        return
    if category.scope == "village" and any(t.subject == "official" for t in rule.when.tests):
        out.add(f"{where}.when.official", rule.line, "a village-scope rule scores a village; it "
                                                     "cannot test an official (use position_weights)")
    if category.timing == "year_end":
        bad = [e.kind for e in rule.effects if e.kind in MONEY_EFFECTS + ("pay_multiplier", "forfeit_pay")]
        if bad:
            out.add(where, rule.line, f"{', '.join(bad)} touch a month's pay; a year-end category never does")
    for effect in rule.effects:
        if effect.kind == "multiply":
            target = ruleset.rules.get(effect.target)
            if target is None:
                out.add(f"{where}.multiply", rule.line, f"unknown rule {effect.target!r}")
            elif target.id == rule.id or target.effect("multiply") is not None:
                out.add(f"{where}.multiply", rule.line, "a modifier multiplies a scoring rule, "
                                                        "not itself or another modifier")
            elif not _scores(target):
                out.add(f"{where}.multiply", rule.line, f"rule {target.id} gives no points or yuan")
            elif rule.subject == "fact" and (target.subject != "fact" or not set(rule.kinds) & set(target.kinds)):
                out.add(f"{where}.multiply", rule.line, f"a fact modifier works on the same fact: "
                                                        f"{target.id} must match one of {', '.join(rule.kinds)}")
        elif effect.kind == "derive":
            into = ruleset.category_of_kind(effect.target)
            if into is None:
                out.add(f"{where}.derive", rule.line, f"unknown kind {effect.target!r}: declare it in a category")
            elif rule.subject != "fact":
                out.add(f"{where}.derive", rule.line, "only a fact rule derives facts")
            elif into.scope != category.scope:
                out.add(f"{where}.derive", rule.line, f"{effect.target} is {into.scope}-scope, "
                                                      f"the source is {category.scope}-scope")
        elif effect.kind == "set":
            if rule.subject != "fact":
                out.add(f"{where}.set", rule.line, "a mark is set from a fact")
    if rule.aggregate is not None:
        agg = rule.aggregate
        kinds = [ruleset.category_of_kind(k) for k in agg.kinds]
        for kind, owner in zip(agg.kinds, kinds):
            if owner is not None and owner.timing == "year_end":
                out.add(where, rule.line, f"{kind} is a year-end kind: it never reaches a month")
            if owner is not None and owner.scope != category.scope:
                out.add(where, rule.line, f"{kind} is {owner.scope}-scope but the rule's category "
                                          f"is {category.scope}-scope")
        if agg.form == "count" and rule.at_least is not None and rule.at_least > MAX_COUNT:
            out.add(where, rule.line, f"a count rule needs at most {MAX_COUNT} facts, not "
                                      f"{rule.at_least.normalize()} (the engine counts them one by one)")
        if rule.below is not None and rule.below <= 0:
            out.add(where, rule.line, f"can never bind: a {agg.form} is never below {rule.below}")
        if rule.at_least is not None and rule.at_least <= 0 and rule.below is None:
            out.add(where, rule.line, f"always binds: a {agg.form} is always at least {rule.at_least}; "
                                      "use a fact rule or drop the condition")
        if agg.over == "quarter" and ruleset.period == "quarter":
            pass  # the same as the period
        if rule.at_least is not None and rule.below is not None and rule.below <= rule.at_least:
            out.add(where, rule.line, "can never bind: below is not above at_least")
    if rule.streak is not None:
        owner = ruleset.category_of_kind(rule.streak.kind)
        if owner is not None and owner.scope != "official":
            out.add(where, rule.line, "a streak counts an official's dated facts")


def _check_derive_cycles(ruleset: RuleSet, out: Collector) -> None:
    edges: dict[str, set[str]] = {}
    for rule in ruleset.rules.values():
        for effect in rule.effects:
            if effect.kind == "derive":
                for kind in rule.kinds:
                    edges.setdefault(kind, set()).add(effect.target)
    state: dict[str, int] = {}

    def visit(kind: str, path: list[str]) -> None:
        state[kind] = 1
        for nxt in sorted(edges.get(kind, ())):
            if state.get(nxt) == 1:
                cycle = path[path.index(nxt):] + [nxt] if nxt in path else [kind, nxt]
                names = [r.id for r in ruleset.rules.values() if r.effect("derive") is not None
                         and r.effect("derive").target in cycle and set(r.kinds) & set(cycle)]
                out.add(f"rules ({', '.join(names)})", None,
                        f"derived facts form a cycle: {' → '.join(cycle)}")
            elif state.get(nxt) is None:
                visit(nxt, path + [nxt])
        state[kind] = 2

    for kind in sorted(edges):
        if state.get(kind) is None:
            visit(kind, [kind])


def reach(categories: dict, components) -> tuple[Decimal, Decimal]:
    """The most a total reaches without bonuses, and the most bonuses add."""
    monthly = {cid: c for cid, c in categories.items() if c.timing == "month"}
    if components:
        full = sum((c.weight * sum((monthly[m].max for m in c.categories if m in monthly), Decimal(0))
                    for c in components), Decimal(0))
        bonus = sum((c.weight * sum((monthly[m].bonus_cap for m in c.categories if m in monthly), Decimal(0))
                     for c in components), Decimal(0))
        return full, bonus
    return (sum((c.max for c in monthly.values()), Decimal(0)),
            sum((c.bonus_cap for c in monthly.values()), Decimal(0)))


def _check_scale(ruleset: RuleSet, out: Collector, explicit: bool) -> None:
    full, bonus = reach(ruleset.categories, ruleset.components)
    if explicit and full != ruleset.scale:
        reach_ = full
        out.add("scale", None, f"the categories' full marks add up to {_n(reach_)}, "
                               f"not the scale {_n(ruleset.scale)}")
    top = ruleset.scale + bonus
    for band in ruleset.grades:
        if band.min > top:
            out.add("grades", None, f"grade {band.grade!r} starts at {band.min}, above the most a "
                                    f"total can reach ({_n(top)})")
    for cid, category in ruleset.categories.items():
        for sub in category.subitems.values():
            if sub.max > category.max:
                out.add(f"categories.{cid}.subitems.{sub.id}", None,
                        f"max {sub.max} is above the category's max {category.max}")


def _n(value: Decimal) -> str:
    """A figure as people write it: 1000, not 1E+3."""
    return format(value.normalize(), "f")


def _roster_references(ruleset: RuleSet) -> list[tuple[str, str, str, int | None]]:
    """(what, name, where, line) for every position and attribute the file names."""
    refs = []
    for rule in ruleset.rules.values():
        for t in rule.when.tests:
            where = f"rules ({rule.id}).when.{t.subject}"
            if t.subject == "official" and t.attr == "position":
                for value in (t.value if isinstance(t.value, tuple) else (t.value,)):
                    refs.append(("position", str(value), where, rule.line))
            elif t.subject == "official":
                refs.append(("official_attribute", t.attr, where, rule.line))
            elif ":" in t.attr:                       # rank:<figure>, rank_from_bottom:<figure>
                figure = t.attr.split(":", 1)[1]
                if ruleset.kind(figure) is None:
                    refs.append(("village_attribute", figure, where, rule.line))
            else:
                refs.append(("village_attribute", t.attr, where, rule.line))
    for cid, category in ruleset.categories.items():
        refs += [("position", p, f"categories.{cid}.position_weights", None) for p in category.position_weights]
    refs += [("position", p, "pay.position_ratio", None) for p in ruleset.pay.position_ratio]
    if ruleset.year_end is not None:
        awards = ruleset.year_end.awards
        for grade, row in awards.table.items():
            refs += [("position", p, f"year_end.awards.table.{grade}", None) for p in row]
        refs += [("position", p, "year_end.awards.position_ratio", None) for p in awards.position_ratio]
        if awards.village_pool is not None and ruleset.kind(awards.village_pool.figure) is None:
            refs.append(("village_attribute", awards.village_pool.figure, "year_end.village_pool.figure", None))
    return refs


def _check_roster(ruleset: RuleSet, out: Collector) -> None:
    """A position or attribute the rules name must be declared under `roster`, so a
    typo (书纪 for 书记) is an error here, not a rule that silently never matches."""
    roster = ruleset.roster
    declared = {"position": roster.positions, "official_attribute": roster.official_attributes,
                "village_attribute": roster.village_attributes}
    key = {"position": "positions", "official_attribute": "official_attributes",
           "village_attribute": "village_attributes"}
    for what, name, where, line in _roster_references(ruleset):
        if name not in declared[what]:
            known = ", ".join(declared[what]) or "none declared"
            out.add(where, line, f"unknown {what.replace('_', ' ')} {name!r}: declare it under "
                                 f"roster.{key[what]} (declared: {known})")
