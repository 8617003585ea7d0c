"""Rule sets: YAML text -> a validated, immutable RuleSet.

A rule file is data. Nothing in it is evaluated as code: conditions are quantity
ranges on a (category, kind) pair and actions come from a fixed vocabulary.
`parse` collects every problem it finds (with the rule id and line) instead of
stopping at the first, so an administrator can fix a file in one pass.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import yaml

from kaoping.domain.ruleset_yaml import (_LINE, LineLoader as _LineLoader,  # noqa: F401 - shown is re-exported
                                         bounded as _bounded, shown)

CATEGORIES = ("study", "service_3plus5", "attendance", "key_tasks", "convenience",
              "team_building", "inspection")
SCORER_ROLES = ("main_leader", "contact_leader", "station", "resident_cadre")
ACTIONS = ("deduct", "add", "veto", "grade_at_most")
PAY_FORMS = ("proportional", "threshold", "grade_tiers")
MAX_TEXT_BYTES = 1_000_000


@dataclass(frozen=True)
class Problem:
    location: str
    message: str

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


class RuleSetInvalid(Exception):
    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(map(str, problems)))
        self.problems = problems


@dataclass(frozen=True)
class Kind:
    id: str
    name: str
    unit: str
    max_quantity: Decimal


@dataclass(frozen=True)
class Category:
    id: str
    name: str
    max: Decimal
    floor: Decimal
    bonus_cap: Decimal
    scored_by: tuple[str, ...]
    kinds: dict[str, Kind]


@dataclass(frozen=True)
class Rule:
    id: str
    category: str
    kind: str
    action: str
    points: Decimal          # per unit or per fact; 0 for veto / grade_at_most
    per: str                 # "unit" (times quantity) or "fact"
    cap: Decimal | None      # most points this rule gives one official in a month
    reason: str
    at_least: Decimal | None
    below: Decimal | None
    grade: str | None        # for grade_at_most
    line: int

    def describe(self) -> str:
        cond = [f"category = {self.category}", f"kind = {self.kind}"]
        if self.at_least is not None:
            cond.append(f"quantity >= {self.at_least}")
        if self.below is not None:
            cond.append(f"quantity < {self.below}")
        if self.action in ("deduct", "add"):
            act = f"{self.action} {self.points} per {self.per}"
            if self.cap is not None:
                act += f", at most {self.cap} a month"
        elif self.action == "veto":
            act = "veto"
        else:
            act = f"grade at most {self.grade}"
        return f"when {' and '.join(cond)} then {act} ({self.reason})"


@dataclass(frozen=True)
class GradeBand:
    grade: str
    min: Decimal
    max: Decimal | None      # exclusive; None is open-ended


@dataclass(frozen=True)
class Pay:
    form: str
    params: dict[str, Any]
    veto_ratio: Decimal


@dataclass(frozen=True)
class Case:
    name: str
    base_pay: Decimal
    facts: tuple[dict, ...]
    expect: dict
    line: int


@dataclass(frozen=True)
class RuleSet:
    name: str
    label: str
    categories: dict[str, Category]
    rules: dict[str, Rule]
    grades: tuple[GradeBand, ...]   # best first
    veto_grade: str
    pay: Pay
    cases: tuple[Case, ...]
    text: str
    content_hash: str = field(default="")
    appeals: "AppealRules" = field(default=None)        # set by parse; defaults if absent
    year_end: "YearEndRules | None" = field(default=None)

    def rules_for(self, category: str, kind: str) -> list[Rule]:
        return [r for r in self.rules.values() if r.category == category and r.kind == kind]

    def grade_rank(self, grade: str) -> int:
        return [b.grade for b in self.grades].index(grade)


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class _Collector:
    def __init__(self, filename: str):
        self.filename = filename
        self.problems: list[Problem] = []

    def add(self, where: str, line: int | None, message: str) -> None:
        loc = f"{self.filename}:{line} {where}" if line else f"{self.filename} {where}"
        self.problems.append(Problem(_bounded(loc.strip()), _bounded(message)))


def _line(node: Any) -> int | None:
    return node.get(_LINE) if isinstance(node, dict) else None


def _keys(node: dict) -> set[str]:
    return {k for k in node if k != _LINE}


def _decimal(value: Any, where: str, line: int | None, out: _Collector, *,
             minimum: Decimal | None = None, allow_none: bool = False) -> Decimal | None:
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        out.add(where, line, f"expected a number, got {type(value).__name__}")
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        out.add(where, line, f"expected a number, got {shown(value)}")
        return None
    if not number.is_finite():
        out.add(where, line, "must be a finite number")
        return None
    if minimum is not None and number < minimum:
        out.add(where, line, f"must be at least {minimum}, got {number}")
        return None
    return number


def _text(value: Any, where: str, line: int | None, out: _Collector, *, required=True) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value.strip():
        out.add(where, line, "must be a non-empty text")
        return ""
    return value


def _unknown(node: dict, allowed: set[str], where: str, out: _Collector) -> None:
    for key in sorted(_keys(node) - allowed, key=str):
        out.add(where, _line(node), f"unknown key {shown(key)} (allowed: {', '.join(sorted(allowed))})")


def parse(text: str, filename: str = "<ruleset>", label: str = "") -> RuleSet:
    """Parses and validates completely; raises RuleSetInvalid listing every problem."""
    out = _Collector(filename)
    if len(text.encode("utf-8")) > MAX_TEXT_BYTES:
        raise RuleSetInvalid([Problem(filename, f"file is larger than {MAX_TEXT_BYTES} bytes")])
    if "\x00" in text + label:
        raise RuleSetInvalid([Problem(filename, "contains a NUL character")])
    try:
        doc = yaml.load(text, Loader=_LineLoader)  # noqa: S506 - safe loader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{filename}:{mark.line + 1}" if mark else filename
        raise RuleSetInvalid([Problem(where, f"malformed YAML: {getattr(exc, 'problem', exc)}")])
    except RecursionError:
        raise RuleSetInvalid([Problem(filename, "nested too deeply to be a rule set")])
    if not isinstance(doc, dict):
        raise RuleSetInvalid([Problem(filename, "the file must be a mapping with keys "
                                                "name, categories, rules, grades, pay")])
    _unknown(doc, {"name", "label", "description", "categories", "rules", "grades",
                   "veto_grade", "pay", "cases", "appeals", "year_end"}, "top level", out)
    name = _text(doc.get("name"), "name", _line(doc), out)
    categories = _parse_categories(doc.get("categories"), out)
    grades = _parse_grades(doc.get("grades"), out)
    grade_names = [g.grade for g in grades]
    rules = _parse_rules(doc.get("rules"), categories, grade_names, out)
    veto_grade = doc.get("veto_grade", grade_names[-1] if grade_names else "")
    if grade_names and veto_grade not in grade_names:
        out.add("veto_grade", _line(doc), f"{shown(veto_grade)} is not one of the grades {grade_names}")
    pay = _parse_pay(doc.get("pay"), grade_names, out)
    cases = _parse_cases(doc.get("cases"), out)
    # The workflow sections, parsed in ruleset_sections (imported here: it uses this module).
    from kaoping.domain.ruleset_sections import parse_appeals, parse_year_end
    appeals = parse_appeals(doc.get("appeals"), out)
    year_end = parse_year_end(doc.get("year_end"), out, categories, rules, grades, veto_grade)
    label = label or str(doc.get("label") or name)
    if len(label) > 200 or len(name) > 200:
        out.add("label", _line(doc), "name and label must be at most 200 characters")
    if out.problems:
        raise RuleSetInvalid(out.problems)
    return RuleSet(name=name, label=label,
                   categories=categories, rules=rules, grades=tuple(grades),
                   veto_grade=veto_grade, pay=pay, cases=tuple(cases), text=text,
                   content_hash=content_hash(text), appeals=appeals, year_end=year_end)


def _parse_categories(node: Any, out: _Collector) -> dict[str, Category]:
    result: dict[str, Category] = {}
    if not isinstance(node, dict) or not _keys(node):
        out.add("categories", _line(node), "must be a mapping of category id to its settings")
        return result
    for cid in [k for k in node if k != _LINE]:  # file order is display order
        spec = node[cid]
        where = f"categories.{cid}"
        if cid not in CATEGORIES:
            out.add(where, _line(node), f"unknown category (known: {', '.join(CATEGORIES)})")
            continue
        if not isinstance(spec, dict):
            out.add(where, _line(node), "must be a mapping")
            continue
        line = _line(spec)
        _unknown(spec, {"name", "max", "floor", "bonus_cap", "scored_by", "kinds", "note"},
                 where, out)
        cmax = _decimal(spec.get("max"), f"{where}.max", line, out, minimum=Decimal(0))
        floor = _decimal(spec.get("floor", 0), f"{where}.floor", line, out, minimum=Decimal(0))
        bonus = _decimal(spec.get("bonus_cap", 0), f"{where}.bonus_cap", line, out,
                         minimum=Decimal(0))
        if cmax is not None and floor is not None and floor > cmax:
            out.add(f"{where}.floor", line, f"floor {floor} is above max {cmax}")
        roles = spec.get("scored_by")
        if not isinstance(roles, list) or not roles:
            out.add(f"{where}.scored_by", line, f"must list scorer roles from {SCORER_ROLES}")
            roles = []
        for role in roles:
            if role not in SCORER_ROLES:
                out.add(f"{where}.scored_by", line, f"unknown scorer role {shown(role)}")
        kinds = _parse_kinds(spec.get("kinds"), where, out)
        result[cid] = Category(cid, _text(spec.get("name"), f"{where}.name", line, out),
                               cmax or Decimal(0), floor or Decimal(0), bonus or Decimal(0),
                               tuple(r for r in roles if r in SCORER_ROLES), kinds)
    return result


def _parse_kinds(node: Any, where: str, out: _Collector) -> dict[str, Kind]:
    kinds: dict[str, Kind] = {}
    if not isinstance(node, dict) or not _keys(node):
        out.add(f"{where}.kinds", _line(node), "must map each kind id to its name and unit")
        return kinds
    for kid in [k for k in node if k != _LINE]:
        spec = node[kid]
        kwhere = f"{where}.kinds.{kid}"
        if isinstance(spec, str):
            spec = {"name": spec}
        if not isinstance(spec, dict):
            out.add(kwhere, _line(node), "must be a name or a mapping with name, unit, max_quantity")
            continue
        _unknown(spec, {"name", "unit", "max_quantity"}, kwhere, out)
        line = _line(spec) or _line(node)
        maxq = _decimal(spec.get("max_quantity", 100), f"{kwhere}.max_quantity", line, out,
                        minimum=Decimal(1))
        kinds[kid] = Kind(kid, _text(spec.get("name"), f"{kwhere}.name", line, out),
                          str(spec.get("unit", "次")), maxq or Decimal(1))
    return kinds


def _parse_rules(node: Any, categories: dict[str, Category], grades: list[str],
                 out: _Collector) -> dict[str, Rule]:
    rules: dict[str, Rule] = {}
    if not isinstance(node, list) or not node:
        out.add("rules", None, "must be a non-empty list of rules")
        return rules
    from kaoping.domain.ruleset_limits import check_engine_limits, check_rule_count
    if check_rule_count(len(node), out):
        return rules
    for index, spec in enumerate(node):
        where = f"rules[{index}]"
        if not isinstance(spec, dict):
            out.add(where, None, "must be a mapping")
            continue
        line = _line(spec)
        rid = spec.get("id")
        if isinstance(rid, str) and rid:
            where = f"rules[{index}] ({rid})"
        else:
            out.add(where, line, "needs an id")
            rid = f"#{index}"
        if rid in rules:
            out.add(where, line, f"duplicate rule id {shown(rid)}")
        _unknown(spec, {"id", "category", "kind", "when", "reason", "per", "cap", *ACTIONS},
                 where, out)
        cat, kind = spec.get("category"), spec.get("kind")
        category = categories.get(cat) if isinstance(cat, str) else None
        if category is None:
            out.add(where, line, f"unknown category {shown(cat)}")
        elif kind not in category.kinds:
            out.add(where, line, f"unknown kind {shown(kind)} for category {shown(cat)} "
                                 f"(declared: {', '.join(category.kinds)})")
        actions = [a for a in ACTIONS if a in spec]
        if len(actions) != 1:
            out.add(where, line, f"needs exactly one action from {ACTIONS}, has {actions or 'none'}")
            continue
        action = actions[0]
        points, grade = Decimal(0), None
        if action in ("deduct", "add"):
            points = _decimal(spec[action], f"{where}.{action}", line, out, minimum=Decimal(0))
            if points is not None and points == 0:
                out.add(f"{where}.{action}", line, "points must be above zero")
            points = points or Decimal(0)
        elif action == "veto" and spec["veto"] is not True:
            out.add(f"{where}.veto", line, "write `veto: true`")
        elif action == "grade_at_most":
            grade = spec["grade_at_most"]
            if grade not in grades:
                out.add(f"{where}.grade_at_most", line, f"{shown(grade)} is not one of the grades {grades}")
        per = spec.get("per", "unit")
        if per not in ("unit", "fact"):
            out.add(f"{where}.per", line, "must be `unit` (times the quantity) or `fact`")
        cap = _decimal(spec.get("cap"), f"{where}.cap", line, out, minimum=Decimal(0),
                       allow_none=True)
        if cap is not None and action not in ("deduct", "add"):
            out.add(f"{where}.cap", line, f"a cap means nothing on a {action} rule")
        when = spec.get("when") or {}
        at_least = below = None
        if not isinstance(when, dict):
            out.add(f"{where}.when", line, "must be a mapping with quantity_at_least / quantity_below")
        else:
            _unknown(when, {"quantity_at_least", "quantity_below"}, f"{where}.when", out)
            at_least = _decimal(when.get("quantity_at_least"), f"{where}.when.quantity_at_least",
                                line, out, allow_none=True)
            below = _decimal(when.get("quantity_below"), f"{where}.when.quantity_below", line,
                             out, allow_none=True)
        reason = _text(spec.get("reason"), f"{where}.reason", line, out)
        rule = Rule(rid, str(cat), str(kind), action, points, str(per), cap, reason,
                    at_least, below, grade, line or 0)
        if category is not None and kind in category.kinds:
            _check_reachable(rule, category, where, out)
        rules[rid] = rule
    crowded = check_engine_limits(categories, rules, out)
    _check_overlaps([r for r in rules.values() if (r.category, r.kind) not in crowded], out)
    return rules


def _check_reachable(rule: Rule, category: Category, where: str, out: _Collector) -> None:
    low = rule.at_least if rule.at_least is not None else Decimal(0)
    high = category.kinds[rule.kind].max_quantity
    if rule.below is not None and rule.below <= low:
        out.add(where, rule.line, f"unreachable: quantity_below {rule.below} <= quantity_at_least {low}")
    elif low > high:
        out.add(where, rule.line, f"unreachable: quantity_at_least {low} is above the kind's "
                                  f"max_quantity {high}")
    if rule.cap is None:
        return
    room = category.max - category.floor if rule.action == "deduct" else category.bonus_cap
    if rule.cap >= room:
        limit = "max - floor" if rule.action == "deduct" else "bonus_cap"
        out.add(f"{where}.cap", rule.line, f"cap {rule.cap} can never bind: the category's "
                                           f"{limit} ({room}) stops it first")


def _check_overlaps(rules: list[Rule], out: _Collector) -> None:
    # An event is consumed by the first rule that matches it, so two rules that can
    # match the same fact would make the score depend on engine internals. Pairs are
    # compared within one (category, kind) only: at most MAX_RULES_PER_KIND there.
    groups: dict[tuple[str, str], list[Rule]] = {}
    for rule in rules:
        groups.setdefault((rule.category, rule.kind), []).append(rule)
    for group in groups.values():
        _check_group_overlaps(group, out)


def _check_group_overlaps(rules: list[Rule], out: _Collector) -> None:
    for i, a in enumerate(rules):
        for b in rules[i + 1:]:
            a_lo = a.at_least if a.at_least is not None else Decimal("-Infinity")
            b_lo = b.at_least if b.at_least is not None else Decimal("-Infinity")
            a_hi = a.below if a.below is not None else Decimal("Infinity")
            b_hi = b.below if b.below is not None else Decimal("Infinity")
            if max(a_lo, b_lo) < min(a_hi, b_hi):
                out.add(f"rules ({a.id}, {b.id})", b.line,
                        f"overlap: both match {a.category}/{a.kind} facts with quantity in "
                        f"[{max(a_lo, b_lo)}, {min(a_hi, b_hi)})")


def _parse_grades(node: Any, out: _Collector, name: str = "grades") -> list[GradeBand]:
    bands: list[GradeBand] = []
    if not isinstance(node, list) or not node:
        out.add(name, None, "must list grade bands, each {grade, min, max}")
        return bands
    for index, spec in enumerate(node):
        where = f"{name}[{index}]"
        if not isinstance(spec, dict):
            out.add(where, None, "must be a mapping {grade, min, max}")
            continue
        line = _line(spec)
        _unknown(spec, {"grade", "min", "max"}, where, out)
        grade = _text(spec.get("grade"), f"{where}.grade", line, out)
        low = _decimal(spec.get("min"), f"{where}.min", line, out)
        high = _decimal(spec.get("max"), f"{where}.max", line, out, allow_none=True)
        if low is not None and high is not None and high <= low:
            out.add(where, line, f"empty band: max {high} <= min {low}")
        if grade and low is not None:
            bands.append(GradeBand(grade, low, high))
    names = [b.grade for b in bands]
    for dup in {n for n in names if names.count(n) > 1}:
        out.add(name, None, f"grade {shown(dup)} appears more than once")
    ordered = sorted(bands, key=lambda b: b.min)
    if ordered and ordered[0].min > 0:
        out.add(name, None, f"gap: no grade covers totals from 0 to {ordered[0].min}")
    for lower, upper in zip(ordered, ordered[1:]):
        if lower.max is None or lower.max > upper.min:
            out.add(name, None, f"overlap: {shown(lower.grade)} and {shown(upper.grade)} both cover {upper.min}")
        elif lower.max < upper.min:
            out.add(name, None, f"gap: no grade covers totals from {lower.max} to {upper.min}")
    if ordered and ordered[-1].max is not None:
        out.add(name, None, f"the top band {shown(ordered[-1].grade)} must have no max")
    return list(reversed(ordered))


def _parse_pay(node: Any, grades: list[str], out: _Collector) -> Pay:
    empty = Pay("proportional", {}, Decimal(0))
    if not isinstance(node, dict):
        out.add("pay", None, f"must be a mapping with form one of {PAY_FORMS}")
        return empty
    line = _line(node)
    form = node.get("form")
    veto_ratio = _decimal(node.get("veto_ratio", 0), "pay.veto_ratio", line, out,
                          minimum=Decimal(0)) or Decimal(0)
    if veto_ratio > 1:
        out.add("pay.veto_ratio", line, "must be between 0 and 1")
    params: dict[str, Any] = {}
    if form == "proportional":
        _unknown(node, {"form", "veto_ratio", "max_ratio"}, "pay", out)
        ratio = _decimal(node.get("max_ratio", 1), "pay.max_ratio", line, out, minimum=Decimal(0))
        if ratio is not None and (ratio == 0 or ratio > 2):
            out.add("pay.max_ratio", line, "must be above 0 and at most 2")
        params["max_ratio"] = ratio or Decimal(1)
    elif form == "threshold":
        _unknown(node, {"form", "veto_ratio", "full_at", "per_point"}, "pay", out)
        full_at = _decimal(node.get("full_at"), "pay.full_at", line, out, minimum=Decimal(0))
        per_point = _decimal(node.get("per_point"), "pay.per_point", line, out, minimum=Decimal(0))
        if full_at is not None and full_at > 200:
            out.add("pay.full_at", line, "must be at most 200 points")
        params.update(full_at=full_at or Decimal(0), per_point=per_point or Decimal(0))
    elif form == "grade_tiers":
        _unknown(node, {"form", "veto_ratio", "ratios"}, "pay", out)
        ratios = node.get("ratios")
        parsed: dict[str, Decimal] = {}
        if not isinstance(ratios, dict):
            out.add("pay.ratios", line, "must map every grade to a pay ratio")
        else:
            for grade in grades:
                if grade not in ratios:
                    out.add("pay.ratios", line, f"no ratio for grade {shown(grade)}")
            for grade in _keys(ratios):
                if grade not in grades:
                    out.add("pay.ratios", line, f"{shown(grade)} is not a grade")
                value = _decimal(ratios[grade], f"pay.ratios.{grade}", line, out, minimum=Decimal(0))
                if value is not None and value > 2:
                    out.add(f"pay.ratios.{grade}", line, "must be at most 2")
                parsed[grade] = value or Decimal(0)
        params["ratios"] = parsed
    else:
        out.add("pay.form", line, f"unknown pay form {shown(form)} (known: {', '.join(PAY_FORMS)})")
    return Pay(str(form), params, veto_ratio)


def _parse_cases(node: Any, out: _Collector) -> list[Case]:
    cases: list[Case] = []
    if node is None:
        return cases
    if not isinstance(node, list):
        out.add("cases", None, "must be a list of example cases")
        return cases
    for index, spec in enumerate(node):
        where = f"cases[{index}]"
        if not isinstance(spec, dict):
            out.add(where, None, "must be a mapping {name, base_pay, facts, expect}")
            continue
        line = _line(spec)
        _unknown(spec, {"name", "base_pay", "facts", "expect"}, where, out)
        base_pay = _decimal(spec.get("base_pay", 1000), f"{where}.base_pay", line, out,
                            minimum=Decimal(0))
        facts = spec.get("facts") or []
        if not isinstance(facts, list) or not all(isinstance(f, dict) for f in facts):
            out.add(f"{where}.facts", line, "must be a list of {category, kind, quantity}")
            facts = []
        expect = spec.get("expect")
        if not isinstance(expect, dict) or not _keys(expect):
            out.add(f"{where}.expect", line, "must give at least one of total, grade, pay, "
                                             "vetoed, categories")
            expect = {}
        else:
            _unknown(expect, {"total", "grade", "pay", "vetoed", "categories"},
                     f"{where}.expect", out)
        cases.append(Case(_text(spec.get("name"), f"{where}.name", line, out),
                          base_pay or Decimal(0),
                          tuple({k: v for k, v in f.items() if k != _LINE} for f in facts),
                          {k: v for k, v in expect.items() if k != _LINE}, line or 0))
    return cases
