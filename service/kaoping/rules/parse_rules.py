"""Reading the `rules` and `groups` of a rule file: each rule's subject (a fact, or an
official's period: an aggregate, an absence, a streak, a history), its conditions and its
effects. Cross-rule checks (overlaps, cycles, modifiers' targets) are in
kaoping.rules.validate; engine size limits in kaoping.domain.ruleset_limits."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from kaoping.domain.ruleset_yaml import shown
from kaoping.rules.model import (EFFECTS, GRADE_EFFECTS, MONEY_EFFECTS, POINT_EFFECTS,
                                 YEAR_EFFECTS, AttrTest, Category, Condition, Effect, Rule)
from kaoping.rules.parse_base import (ATTR, MONTH_DAY, Collector, decimal, items, keys, line_of,
                                      text, text_list, unknown, whole)

V1_ACTIONS = ("deduct", "add", "veto", "grade_at_most")
SUBJECTS = ("aggregate", "none", "streak", "history")
WHEN_V1 = {"quantity_at_least", "quantity_below"}
WHEN_V2 = WHEN_V1 | {"level", "level_in", "level_at_least", "date_from", "date_before",
                     "occurrence_at_least", "occurrence_below", "official", "village"}


def parse_rules(node: Any, categories: dict[str, Category], grades: list[str],
                out: Collector, v2: bool) -> dict[str, Rule]:
    rules: dict[str, Rule] = {}
    if not isinstance(node, list) or not node:
        out.add("rules", None, "must be a non-empty list of rules")
        return rules
    from kaoping.domain.ruleset_limits import check_rule_count
    if check_rule_count(len(node), out):
        return rules
    for index, spec in enumerate(node):
        where = f"rules[{index}]"
        if not isinstance(spec, dict):
            out.add(where, None, "must be a mapping")
            continue
        line = line_of(spec)
        rid = spec.get("id")
        if isinstance(rid, str) and rid:
            where = f"rules[{index}] ({rid})"
        else:
            out.add(where, line, "needs an id")
            rid = f"#{index}"
        if rid in rules:
            out.add(where, line, f"duplicate rule id {shown(rid)}")
        rule = (_rule_v2 if v2 else _rule_v1)(spec, rid, where, line, categories, grades, out)
        if rule is not None:
            rules[rid] = rule
    return rules


def _category_and_kinds(spec: dict, where: str, line, categories, out: Collector,
                        required_kind: bool) -> tuple[Category | None, tuple[str, ...]]:
    cat = spec.get("category")
    category = categories.get(cat) if isinstance(cat, str) else None
    if category is None:
        out.add(where, line, f"unknown category {shown(cat)}")
        return None, ()
    if "kind" in spec and "kinds" in spec:
        out.add(where, line, "give kind or kinds, not both")
    given = spec.get("kinds", spec.get("kind"))
    if given is None:
        if required_kind:
            out.add(where, line, "needs a kind (or kinds)")
        return category, ()
    kinds = text_list(given, f"{where}.kind", line, out)
    for kind in kinds:
        if kind not in category.kinds:
            out.add(where, line, f"unknown kind {shown(kind)} for category {shown(cat)} "
                                 f"(declared: {', '.join(category.kinds)})")
    return category, tuple(k for k in kinds if k in category.kinds)


def _rule_v1(spec, rid, where, line, categories, grades, out) -> Rule | None:
    unknown(spec, {"id", "category", "kind", "when", "reason", "per", "cap", *V1_ACTIONS}, where, out)
    category, kinds = _category_and_kinds(spec, where, line, categories, out, True)
    actions = [a for a in V1_ACTIONS if a in spec]
    if len(actions) != 1:
        out.add(where, line, f"needs exactly one action from {V1_ACTIONS}, has {actions or 'none'}")
        return None
    effect = _effect(actions[0], spec[actions[0]], where, line, grades, out)
    per = spec.get("per", "unit")
    if per not in ("unit", "fact"):
        out.add(f"{where}.per", line, "must be `unit` (times the quantity) or `fact`")
    cap = decimal(spec.get("cap"), f"{where}.cap", line, out, minimum=Decimal(0), allow_none=True)
    if cap is not None and effect.kind not in ("deduct", "add"):
        out.add(f"{where}.cap", line, f"a cap means nothing on a {effect.kind} rule")
    when = _condition(spec.get("when"), f"{where}.when", line, category, kinds, out, WHEN_V1)
    return _make(rid, spec, category, kinds, "fact", when, (effect,), str(per), cap, line,
                 out, where)


def _rule_v2(spec, rid, where, line, categories, grades, out) -> Rule | None:
    subjects = [s for s in SUBJECTS if s in spec]
    allowed = {"id", "category", "kind", "kinds", "when", "reason", "per", "step", "cap",
               "priority", "at_least", "below", *EFFECTS, *SUBJECTS}
    unknown(spec, allowed, where, out)
    if len(subjects) > 1:
        out.add(where, line, f"a rule has one subject; this one has {', '.join(subjects)}")
    subject = subjects[0] if subjects else "fact"
    category, kinds = _category_and_kinds(spec, where, line, categories, out, subject == "fact")
    effects = [_effect(k, spec[k], where, line, grades, out) for k in EFFECTS if k in spec]
    if not effects:
        out.add(where, line, f"needs at least one effect from {', '.join(EFFECTS)}")
        return None
    points = [e for e in effects if e.kind in POINT_EFFECTS + MONEY_EFFECTS + ("year_deduct_yuan",)]
    if len([e for e in points if e.kind in POINT_EFFECTS]) > 1:
        out.add(where, line, "at most one of deduct, add, set")
    per = spec.get("per", "unit" if subject == "fact" else "fact")
    step = None
    if isinstance(per, dict):
        unknown(per, {"shortfall", "excess", "step"}, f"{where}.per", out)
        step = decimal(per.get("step"), f"{where}.per.step", line, out, minimum=Decimal(0),
                       allow_none=True)
        if step is not None and step == 0:
            out.add(f"{where}.per.step", line, "a step is above 0")
        per = "shortfall" if per.get("shortfall") else "excess" if per.get("excess") else "?"
    allowed_per = ("unit", "fact") if subject == "fact" else ("fact", "shortfall", "excess")
    if per not in allowed_per:
        out.add(f"{where}.per", line, f"must be one of {', '.join(allowed_per)} for a "
                                      f"{'fact' if subject == 'fact' else 'period'} rule")
    cap = decimal(spec.get("cap"), f"{where}.cap", line, out, minimum=Decimal(0), allow_none=True)
    if cap is not None and not points:
        out.add(f"{where}.cap", line, "a cap needs points or yuan to cut")
    priority = whole(spec.get("priority", 0), f"{where}.priority", line, out, 0, 1000) or 0
    when = _condition(spec.get("when"), f"{where}.when", line, category, kinds, out,
                      WHEN_V2 if subject == "fact" else {"official", "village"})
    if subject != "fact" and ("kind" in spec or "kinds" in spec):
        out.add(where, line, f"a {subject} rule names its kinds inside `{subject}`, not in kind/kinds")
    if subject == "history" and category is not None and category.scope == "village":
        out.add(where, line, "a history rule reads an official's earlier months; a village-scope "
                             "category has none")
    rule = _make(rid, spec, category, kinds, subject, when, tuple(effects), str(per), cap, line,
                 out, where, step=step, priority=priority)
    if rule is None or subject == "fact":
        for key in ("at_least", "below"):
            if key in spec:
                out.add(f"{where}.{key}", line, f"{key} tests a period value; on a fact use "
                                                f"when.quantity_{key}")
        return rule
    from kaoping.rules.parse_period import period_subject
    return period_subject(rule, spec, where, line, categories, grades, out)


def _make(rid, spec, category, kinds, subject, when, effects, per, cap, line, out, where, *,
          step=None, priority=0) -> Rule | None:
    primary = next((e for e in effects if e.kind in POINT_EFFECTS + MONEY_EFFECTS), effects[0])
    reason = text(spec.get("reason"), f"{where}.reason", line, out)
    return Rule(id=rid, category=category.id if category else str(spec.get("category")),
                kind=kinds[0] if kinds else "", action=primary.kind, points=primary.amount,
                per=per, cap=cap, reason=reason, at_least=when.at_least, below=when.below,
                grade=primary.target if primary.kind == "grade_at_most" else None,
                line=line or 0, kinds=kinds, subject=subject, when=when, effects=effects,
                step=step, priority=priority)


def _effect(kind: str, value: Any, where: str, line, grades: list[str], out: Collector) -> Effect:
    ewhere = f"{where}.{kind}"
    if kind in POINT_EFFECTS[:2] + MONEY_EFFECTS + ("year_deduct_yuan",):
        amount = decimal(value, ewhere, line, out, minimum=Decimal(0))
        if amount is not None and amount == 0:
            out.add(ewhere, line, "points must be above zero")
        return Effect(kind, amount or Decimal(0))
    if kind == "set":
        if value != "quantity":
            out.add(ewhere, line, "write `set: quantity` (the mark is the fact's quantity)")
        return Effect(kind)
    if kind in ("veto", "year_veto", "forfeit_pay"):
        if value is not True:
            out.add(ewhere, line, f"write `{kind}: true`")
        return Effect(kind)
    if kind in ("grade_at_most", "year_grade_at_most"):
        if kind == "grade_at_most" and value not in grades:
            out.add(ewhere, line, f"{shown(value)} is not one of the grades {grades}")
        return Effect(kind, target=str(value))      # year grades are checked with year_end
    if kind == "pay_multiplier":
        amount = decimal(value, ewhere, line, out, minimum=Decimal(0))
        if amount is not None and amount > 2:
            out.add(ewhere, line, "a pay multiplier is at most 2")
        return Effect(kind, amount if amount is not None else Decimal(1))
    if kind == "multiply":
        if not isinstance(value, dict):
            out.add(ewhere, line, "write `multiply: {rule: RULE_ID, by: 2}`")
            return Effect(kind, Decimal(1))
        unknown(value, {"rule", "by"}, ewhere, out)
        by = decimal(value.get("by"), f"{ewhere}.by", line, out, minimum=Decimal(0))
        if by is not None and (by == 1 or by > 10):
            out.add(f"{ewhere}.by", line, "a multiplier other than 1, at most 10 (0 cancels the points)")
        return Effect(kind, by if by is not None else Decimal(1), target=str(value.get("rule", "")))
    if kind == "derive":
        if not isinstance(value, dict) or not isinstance(value.get("kind"), str):
            out.add(ewhere, line, "write `derive: {kind: KIND}` (optionally `quantity: 1`)")
            return Effect(kind)
        unknown(value, {"kind", "quantity"}, ewhere, out)
        if value.get("quantity", None) not in (None, 1):
            out.add(f"{ewhere}.quantity", line, "only `quantity: 1` (else the source's quantity)")
        return Effect(kind, target=value["kind"], unit_quantity=value.get("quantity") == 1)
    raise AssertionError(kind)


def _condition(node, where: str, line, category, kinds, out: Collector, allowed: set[str]) -> Condition:
    if node is None:
        return Condition()
    if not isinstance(node, dict):
        out.add(where, line, "must be a mapping of conditions")
        return Condition()
    unknown(node, allowed, where, out)
    line = line_of(node) or line
    at_least = decimal(node.get("quantity_at_least"), f"{where}.quantity_at_least", line, out, allow_none=True)
    below = decimal(node.get("quantity_below"), f"{where}.quantity_below", line, out, allow_none=True)
    levels: tuple[str, ...] = ()
    level_at_least = None
    declared = set()
    for kind in kinds:
        declared |= set(category.kinds[kind].levels)
    for key in ("level", "level_in", "level_at_least"):
        if key not in node:
            continue
        given = text_list(node[key], f"{where}.{key}", line, out)
        if not declared:
            out.add(f"{where}.{key}", line, f"kind {'/'.join(kinds) or '?'} declares no levels")
        for level in given:
            if declared and level not in declared:
                out.add(f"{where}.{key}", line, f"unknown level {shown(level)} (declared: "
                                                f"{', '.join(sorted(declared))})")
        if key == "level_at_least":
            level_at_least = given[0] if given else None
        else:
            levels += given
    dates = {}
    for key in ("date_from", "date_before"):
        value = node.get(key)
        if value is not None and (not isinstance(value, str) or not MONTH_DAY.fullmatch(value)):
            out.add(f"{where}.{key}", line, f"a day of the year as MM-DD, got {shown(value)}")
            value = None
        dates[key] = value
    occurrence = {k: whole(node.get(k), f"{where}.{k}", line, out, 1, 1000)
                  for k in ("occurrence_at_least", "occurrence_below")}
    tests = attr_tests(node.get("official"), "official", f"{where}.official", line, out) + \
        attr_tests(node.get("village"), "village", f"{where}.village", line, out)
    return Condition(at_least, below, levels, level_at_least, dates["date_from"],
                     dates["date_before"], occurrence["occurrence_at_least"],
                     occurrence["occurrence_below"], tests)


def attr_tests(node, subject: str, where: str, line, out: Collector) -> tuple[AttrTest, ...]:
    if node is None:
        return ()
    if not isinstance(node, dict) or not keys(node):
        out.add(where, line, "must map attribute names to a value or {at_least, below, in}")
        return ()
    tests = []
    for attr, value in items(node):
        awhere = f"{where}.{attr}"
        if subject == "official" and attr == "position_in":
            tests.append(AttrTest(subject, "position", "in", text_list(value, awhere, line, out)))
            continue
        if subject == "village" and attr == "rank":
            tests.extend(_rank_tests(value, awhere, line, out))
            continue
        if not isinstance(attr, str) or not ATTR.fullmatch(attr):
            out.add(awhere, line, "an attribute name is letters, digits and _ (at most 64)")
            continue
        if isinstance(value, dict):
            unknown(value, {"at_least", "below", "at_most", "in"}, awhere, out)
            for key, op in (("at_least", "gte"), ("below", "lt"), ("at_most", "lte")):
                if key in value:
                    number = decimal(value[key], f"{awhere}.{key}", line, out)
                    if number is not None:
                        tests.append(AttrTest(subject, attr, op, number))
            if "in" in value:
                tests.append(AttrTest(subject, attr, "in", tuple(str(v) for v in
                                                                  text_list(value["in"], awhere, line, out))))
        elif isinstance(value, (str, int, float)) and not isinstance(value, bool):
            tests.append(AttrTest(subject, attr, "eq", str(value)))
        else:
            out.add(awhere, line, f"expected a value or {{at_least, below, in}}, got {shown(value)}")
    return tuple(tests)


def _rank_tests(value, where: str, line, out: Collector) -> list[AttrTest]:
    if not isinstance(value, dict) or not isinstance(value.get("figure"), str):
        out.add(where, line, "write `rank: {figure: NAME, at_most: 3}` or `from_bottom_at_most`")
        return []
    unknown(value, {"figure", "at_most", "from_bottom_at_most"}, where, out)
    tests = []
    for key, attr in (("at_most", "rank"), ("from_bottom_at_most", "rank_from_bottom")):
        if key in value:
            k = whole(value[key], f"{where}.{key}", line, out, 1, 10000)
            if k is not None:
                tests.append(AttrTest("village", f"{attr}:{value['figure']}", "lte", Decimal(k)))
    if not tests:
        out.add(where, line, "give at_most or from_bottom_at_most")
    return tests


from kaoping.rules.parse_period import parse_groups  # noqa: E402,F401

__all__ = ["parse_rules", "parse_groups", "attr_tests", "GRADE_EFFECTS", "YEAR_EFFECTS"]
