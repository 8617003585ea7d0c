"""Rule-file text -> a validated, immutable RuleSet (kaoping.rules.model).

A rule file is data: nothing in it is evaluated as code. `parse` collects every problem
it finds, with the line and the rule id, instead of stopping at the first. A file
without `language: 2` is a version-1 file: the fixed category ids and the version-1 keys
only, scored exactly as before. Schema: rules/README.md.
"""
from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

import yaml

from kaoping.domain.ruleset_yaml import LineLoader, shown
from kaoping.rules.model import (INSPECTION, SCORER_ROLES, V1_CATEGORIES, Category,
                                 GradeBand, Kind, Problem, Ranking, Roster, RuleSet, RuleSetInvalid,
                                 SubItem, content_hash)
from kaoping.rules.parse_base import (ID, Collector, choice, decimal, items, keys, line_of, text,
                                      text_list, unknown)
from kaoping.rules.parse_result import parse_pay, parse_ranking, parse_roster, parse_total

MAX_TEXT_BYTES = 1_000_000
MAX_QUANTITY = 1_000_000_000
TOP_V1 = {"name", "label", "description", "categories", "rules", "grades", "veto_grade", "pay",
          "cases", "appeals", "year_end"}
TOP_V2 = TOP_V1 | {"language", "scale", "period", "total", "groups", "ranking", "year_cases",
                   "roster"}


def load(text_: str, filename: str) -> dict:
    if len(text_.encode("utf-8")) > MAX_TEXT_BYTES:
        raise RuleSetInvalid([Problem(filename, f"file is larger than {MAX_TEXT_BYTES} bytes")])
    if "\x00" in text_:
        raise RuleSetInvalid([Problem(filename, "contains a NUL character")])
    try:
        doc = yaml.load(text_, Loader=LineLoader)  # noqa: S506 - safe loader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{filename}:{mark.line + 1}" if mark else filename
        raise RuleSetInvalid([Problem(where, f"malformed YAML: {getattr(exc, 'problem', exc)}")])
    except RecursionError:
        raise RuleSetInvalid([Problem(filename, "nested too deeply to be a rule set")])
    if not isinstance(doc, dict):
        raise RuleSetInvalid([Problem(filename, "the file must be a mapping with keys "
                                                "name, categories, rules, grades, pay")])
    return doc


def parse(text_: str, filename: str = "<ruleset>", label: str = "") -> RuleSet:
    """Parses and validates completely; raises RuleSetInvalid listing every problem."""
    if "\x00" in label:
        raise RuleSetInvalid([Problem(filename, "contains a NUL character")])
    doc = load(text_, filename)
    out = Collector(filename)
    language = doc.get("language", 1)
    if language not in (1, 2):
        out.add("language", line_of(doc), f"unknown language version {shown(language)} (known: 1, 2)")
        language = 2
    v2 = language == 2
    unknown(doc, TOP_V2 if v2 else TOP_V1, "top level", out)
    name = text(doc.get("name"), "name", line_of(doc), out)
    scale = Decimal(100)
    if v2 and "scale" in doc:
        scale = decimal(doc.get("scale"), "scale", line_of(doc), out, minimum=Decimal(1)) or Decimal(100)
    period = doc.get("period", "month") if v2 else "month"
    if period not in ("month", "quarter"):
        out.add("period", line_of(doc), f"must be month or quarter, got {shown(period)}")
        period = "month"
    categories = parse_categories(doc.get("categories"), out, v2)
    grades = parse_grades(doc.get("grades"), out)
    grade_names = [g.grade for g in grades]
    from kaoping.rules.parse_rules import parse_groups, parse_rules
    rules = parse_rules(doc.get("rules"), categories, grade_names, out, v2)
    groups = parse_groups(doc.get("groups"), rules, out) if v2 else {}
    for group in groups.values():
        for rid in group.rules:
            if rid in rules:
                rules[rid] = replace(rules[rid], group=group.id)
    veto_grade = doc.get("veto_grade", grade_names[-1] if grade_names else "")
    if grade_names and veto_grade not in grade_names:
        out.add("veto_grade", line_of(doc), f"{shown(veto_grade)} is not one of the grades {grade_names}")
    components = parse_total(doc.get("total"), categories, out) if v2 else ()
    if v2 and "scale" not in doc:
        # the scale is what the categories add up to (100, 500, 1000 ...), unless stated
        from kaoping.rules.validate import reach
        full = reach(categories, components)[0]
        scale = full if full > 0 else Decimal(100)
    pay = parse_pay(doc.get("pay"), grade_names, scale, out, v2)
    ranking = parse_ranking(doc.get("ranking"), categories, out) if v2 else Ranking()
    roster = parse_roster(doc.get("roster"), out) if v2 else Roster()
    from kaoping.rules.parse_cases import parse_cases, parse_year_cases
    cases = parse_cases(doc.get("cases"), out, v2)
    year_cases = parse_year_cases(doc.get("year_cases"), out) if v2 else []
    from kaoping.rules.sections import parse_appeals, parse_year_end
    appeals = parse_appeals(doc.get("appeals"), out)
    year_end = parse_year_end(doc.get("year_end"), out, categories, rules, grades, veto_grade, v2)
    label = label or str(doc.get("label") or name)
    if len(label) > 200 or len(name) > 200:
        out.add("label", line_of(doc), "name and label must be at most 200 characters")
    ruleset = RuleSet(name=name, label=label, categories=categories, rules=rules,
                      grades=tuple(grades), veto_grade=veto_grade, pay=pay, cases=tuple(cases),
                      text=text_, content_hash=content_hash(text_), appeals=appeals,
                      year_end=year_end, language=language, scale=scale, period=period,
                      components=components, groups=groups, ranking=ranking,
                      year_cases=tuple(year_cases), roster=roster)
    if year_cases and year_end is None:
        out.add("year_cases", line_of(doc), "year cases need a year_end section")
    if not out.problems:
        from kaoping.rules.validate import validate
        validate(ruleset, out, explicit_scale=v2 and "scale" in doc)
    if out.problems:
        raise RuleSetInvalid(out.problems)
    return ruleset


def parse_categories(node: Any, out: Collector, v2: bool) -> dict[str, Category]:
    result: dict[str, Category] = {}
    if not isinstance(node, dict) or not keys(node):
        out.add("categories", line_of(node), "must be a mapping of category id to its settings")
        return result
    seen_kinds: dict[str, str] = {}
    for cid, spec in items(node):  # file order is display order
        where = f"categories.{cid}"
        if not v2 and cid not in V1_CATEGORIES:
            out.add(where, line_of(node), f"unknown category (known: {', '.join(V1_CATEGORIES)}; "
                                          f"`language: 2` takes any id)")
            continue
        if not isinstance(cid, str) or not ID.fullmatch(cid):
            out.add(where, line_of(node), "a category id is lower-case letters, digits and _ "
                                          "(at most 64), starting with a letter")
            continue
        if not isinstance(spec, dict):
            out.add(where, line_of(node), "must be a mapping")
            continue
        line = line_of(spec)
        allowed = {"name", "max", "floor", "bonus_cap", "scored_by", "kinds", "note"}
        if v2:
            allowed |= {"clamp", "scope", "timing", "position_weights", "subitems"}
        unknown(spec, allowed, where, out)
        cmax = decimal(spec.get("max"), f"{where}.max", line, out, minimum=Decimal(0))
        floor = decimal(spec.get("floor", 0), f"{where}.floor", line, out, minimum=Decimal(0))
        bonus = decimal(spec.get("bonus_cap", 0), f"{where}.bonus_cap", line, out, minimum=Decimal(0))
        if cmax is not None and floor is not None and floor > cmax:
            out.add(f"{where}.floor", line, f"floor {floor} is above max {cmax}")
        roles = spec.get("scored_by")
        if not isinstance(roles, list) or not roles:
            out.add(f"{where}.scored_by", line, f"must list scorer roles from {SCORER_ROLES}")
            roles = []
        for role in roles:
            if role not in SCORER_ROLES:
                out.add(f"{where}.scored_by", line, f"unknown scorer role {shown(role)}")
        kinds = parse_kinds(spec.get("kinds"), where, out, v2)
        for kid in kinds:
            if v2 and kid in seen_kinds:
                out.add(f"{where}.kinds.{kid}", line, f"kind {shown(kid)} is also declared in "
                                                      f"{seen_kinds[kid]}: kind ids are unique in a file")
            seen_kinds.setdefault(kid, cid)
        clamp = choice(spec, "clamp", ("separate", "net"), where, line, out)
        scope = choice(spec, "scope", ("official", "village"), where, line, out)
        default_timing = "year_end" if cid == INSPECTION and not v2 else "month"
        timing = choice(spec, "timing", ("month", "year_end"), where, line, out, default_timing)
        if timing == "year_end" and cid != INSPECTION:
            # the year-end reads its marks, and the month's workflow leaves them open, by
            # this one id (kaoping.workflow, storage.workflow_store)
            out.add(f"{where}.timing", line, f"the year-end inspection category is called "
                                             f"`{INSPECTION}`; rename {cid} to it")
        weights = _position_weights(spec.get("position_weights"), scope, where, line, out)
        subitems = _subitems(spec.get("subitems"), kinds, where, out)
        result[cid] = Category(cid, text(spec.get("name"), f"{where}.name", line, out),
                               cmax or Decimal(0), floor or Decimal(0), bonus or Decimal(0),
                               tuple(r for r in roles if r in SCORER_ROLES), kinds,
                               clamp, scope, timing, weights, subitems)
    return result


def _position_weights(node: Any, scope: str, where: str, line, out: Collector) -> dict[str, Decimal]:
    if node is None:
        return {}
    if scope != "village":
        out.add(f"{where}.position_weights", line, "only a village-scope category shares its "
                                                   "points by position")
        return {}
    if not isinstance(node, dict) or not keys(node):
        out.add(f"{where}.position_weights", line, "must map positions to weights")
        return {}
    weights = {}
    for position, value in items(node):
        weight = decimal(value, f"{where}.position_weights.{position}", line, out, minimum=Decimal(0))
        if weight is not None and weight > 2:
            out.add(f"{where}.position_weights.{position}", line, "must be at most 2")
        weights[str(position)] = weight if weight is not None else Decimal(1)
    return weights


def parse_kinds(node: Any, where: str, out: Collector, v2: bool) -> dict[str, Kind]:
    kinds: dict[str, Kind] = {}
    if not isinstance(node, dict) or not keys(node):
        out.add(f"{where}.kinds", line_of(node), "must map each kind id to its name and unit")
        return kinds
    for kid, spec in items(node):
        kwhere = f"{where}.kinds.{kid}"
        if isinstance(spec, str):
            spec = {"name": spec}
        if not isinstance(spec, dict):
            out.add(kwhere, line_of(node), "must be a name or a mapping with name, unit, max_quantity")
            continue
        if v2 and (not isinstance(kid, str) or not ID.fullmatch(kid)):
            out.add(kwhere, line_of(node), "a kind id is lower-case letters, digits and _ "
                                           "(at most 64), starting with a letter")
            continue
        unknown(spec, {"name", "unit", "max_quantity"} | ({"levels"} if v2 else set()), kwhere, out)
        line = line_of(spec) or line_of(node)
        maxq = decimal(spec.get("max_quantity", 100), f"{kwhere}.max_quantity", line, out,
                       minimum=Decimal(1))
        if maxq is not None and maxq > MAX_QUANTITY:
            # a fact's quantity column holds 11 integer digits; the engine reads floats
            out.add(f"{kwhere}.max_quantity", line, f"must be at most {MAX_QUANTITY:,}")
            maxq = None
        levels: tuple[str, ...] = ()
        if "levels" in spec:
            levels = text_list(spec["levels"], f"{kwhere}.levels", line, out)
            if len(set(levels)) != len(levels):
                out.add(f"{kwhere}.levels", line, "a level appears twice")
            if len(levels) > 16:
                out.add(f"{kwhere}.levels", line, "at most 16 levels")
        kinds[kid] = Kind(kid, text(spec.get("name"), f"{kwhere}.name", line, out),
                          str(spec.get("unit", "次")), maxq or Decimal(1), levels)
    return kinds


def _subitems(node: Any, kinds: dict[str, Kind], where: str, out: Collector) -> dict[str, SubItem]:
    if node is None:
        return {}
    if not isinstance(node, dict) or not keys(node):
        out.add(f"{where}.subitems", line_of(node), "must map sub-item ids to {name, max, floor, kinds}")
        return {}
    result: dict[str, SubItem] = {}
    owner: dict[str, str] = {}
    for sid, spec in items(node):
        swhere = f"{where}.subitems.{sid}"
        if not isinstance(spec, dict):
            out.add(swhere, line_of(node), "must be a mapping {name, max, floor, kinds}")
            continue
        line = line_of(spec)
        unknown(spec, {"name", "max", "floor", "kinds"}, swhere, out)
        smax = decimal(spec.get("max"), f"{swhere}.max", line, out, minimum=Decimal(0)) or Decimal(0)
        floor = decimal(spec.get("floor", 0), f"{swhere}.floor", line, out, minimum=Decimal(0)) or Decimal(0)
        if floor > smax:
            out.add(f"{swhere}.floor", line, f"floor {floor} is above max {smax}")
        members = text_list(spec.get("kinds"), f"{swhere}.kinds", line, out)
        for kid in members:
            if kid not in kinds:
                out.add(f"{swhere}.kinds", line, f"unknown kind {shown(kid)} (declared: {', '.join(kinds)})")
            elif kid in owner:
                out.add(f"{swhere}.kinds", line, f"kind {shown(kid)} is already in sub-item {owner[kid]}")
            owner.setdefault(kid, str(sid))
        result[str(sid)] = SubItem(str(sid), text(spec.get("name"), f"{swhere}.name", line, out),
                                   smax, floor, members)
    return result


def parse_grades(node: Any, out: Collector, name: str = "grades") -> list[GradeBand]:
    bands: list[GradeBand] = []
    if not isinstance(node, list) or not node:
        out.add(name, None, "must list grade bands, each {grade, min, max}")
        return bands
    for index, spec in enumerate(node):
        where = f"{name}[{index}]"
        if not isinstance(spec, dict):
            out.add(where, None, "must be a mapping {grade, min, max}")
            continue
        line = line_of(spec)
        unknown(spec, {"grade", "min", "max"}, where, out)
        grade = text(spec.get("grade"), f"{where}.grade", line, out)
        low = decimal(spec.get("min"), f"{where}.min", line, out)
        high = decimal(spec.get("max"), f"{where}.max", line, out, allow_none=True)
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
