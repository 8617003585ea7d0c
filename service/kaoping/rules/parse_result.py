"""Reading the parts of a rule file that turn scores into a result: the pay form
(with a base and ratios by position), the weighted total of components, and the
ranking policy. Every problem is collected with its place."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from kaoping.domain.ruleset_yaml import shown
from kaoping.rules.model import Category, Component, Pay, Ranking, Roster
from kaoping.rules.parse_base import Collector, choice, decimal, items, keys, line_of, text, text_list, unknown

PAY_FORMS_V1 = ("proportional", "threshold", "grade_tiers")
PAY_FORMS = PAY_FORMS_V1 + ("grade_amounts", "percent_per_point")


def parse_pay(node: Any, grades: list[str], scale: Decimal, out: Collector, v2: bool) -> Pay:
    empty = Pay("proportional", {"max_ratio": Decimal(1)}, Decimal(0))
    forms = PAY_FORMS if v2 else PAY_FORMS_V1
    if not isinstance(node, dict):
        out.add("pay", None, f"must be a mapping with form one of {forms}")
        return empty
    line = line_of(node)
    form = node.get("form")
    veto_ratio = decimal(node.get("veto_ratio", 0), "pay.veto_ratio", line, out,
                         minimum=Decimal(0)) or Decimal(0)
    if veto_ratio > 1:
        out.add("pay.veto_ratio", line, "must be between 0 and 1")
    common = {"form", "veto_ratio"} | ({"base", "position_ratio"} if v2 else set())
    base = decimal(node.get("base"), "pay.base", line, out, minimum=Decimal(0), allow_none=True) if v2 else None
    ratios_by_position: dict[str, Decimal] = {}
    if v2 and node.get("position_ratio") is not None:
        given = node["position_ratio"]
        if not isinstance(given, dict) or not keys(given):
            out.add("pay.position_ratio", line, "must map positions to pay ratios")
        else:
            for position, value in items(given):
                ratio = decimal(value, f"pay.position_ratio.{position}", line, out, minimum=Decimal(0))
                if ratio is not None and ratio > 2:
                    out.add(f"pay.position_ratio.{position}", line, "must be at most 2")
                ratios_by_position[str(position)] = ratio if ratio is not None else Decimal(1)
    params: dict[str, Any] = {}
    if form == "proportional":
        unknown(node, common | {"max_ratio"}, "pay", out)
        ratio = decimal(node.get("max_ratio", 1), "pay.max_ratio", line, out, minimum=Decimal(0))
        if ratio is not None and (ratio == 0 or ratio > 2):
            out.add("pay.max_ratio", line, "must be above 0 and at most 2")
        params["max_ratio"] = ratio or Decimal(1)
    elif form in ("threshold", "percent_per_point"):
        extra = "per_point" if form == "threshold" else "percent"
        unknown(node, common | {"full_at", extra}, "pay", out)
        full_at = decimal(node.get("full_at"), "pay.full_at", line, out, minimum=Decimal(0))
        rate = decimal(node.get(extra), f"pay.{extra}", line, out, minimum=Decimal(0))
        if full_at is not None and full_at > 2 * scale:
            out.add("pay.full_at", line, f"must be at most {2 * scale} points (twice the scale)")
        if form == "percent_per_point" and rate is not None and rate > 100:
            out.add("pay.percent", line, "must be at most 100")
        params.update({"full_at": full_at or Decimal(0), extra: rate or Decimal(0)})
    elif form in ("grade_tiers", "grade_amounts"):
        key = "ratios" if form == "grade_tiers" else "amounts"
        unknown(node, common | {key}, "pay", out)
        given = node.get(key)
        parsed: dict[str, Decimal] = {}
        if not isinstance(given, dict):
            out.add(f"pay.{key}", line, f"must map every grade to a pay {key[:-1]}")
        else:
            for grade in grades:
                if grade not in given:
                    out.add(f"pay.{key}", line, f"no {key[:-1]} for grade {shown(grade)}")
            for grade in keys(given):
                if grade not in grades:
                    out.add(f"pay.{key}", line, f"{shown(grade)} is not a grade")
                value = decimal(given[grade], f"pay.{key}.{grade}", line, out, minimum=Decimal(0))
                if form == "grade_tiers" and value is not None and value > 2:
                    out.add(f"pay.ratios.{grade}", line, "must be at most 2")
                parsed[grade] = value or Decimal(0)
        params[key] = parsed
    else:
        out.add("pay.form", line, f"unknown pay form {shown(form)} (known: {', '.join(forms)})")
    return Pay(str(form), params, veto_ratio, base, ratios_by_position)


def parse_total(node: Any, categories: dict[str, Category], out: Collector) -> tuple[Component, ...]:
    if node is None:
        return ()
    if not isinstance(node, dict) or not isinstance(node.get("components"), list) or not node["components"]:
        out.add("total", line_of(node), "must be {components: [{id, name, categories, weight}, ...]}")
        return ()
    unknown(node, {"components"}, "total", out)
    components, owner = [], {}
    for index, spec in enumerate(node["components"]):
        where = f"total.components[{index}]"
        if not isinstance(spec, dict):
            out.add(where, None, "must be a mapping {id, name, categories, weight}")
            continue
        line = line_of(spec)
        unknown(spec, {"id", "name", "categories", "weight"}, where, out)
        cid = str(spec.get("id") or f"c{index + 1}")
        weight = decimal(spec.get("weight"), f"{where}.weight", line, out, minimum=Decimal(0))
        if weight is not None and not 0 < weight <= 1:
            out.add(f"{where}.weight", line, f"a weight is above 0 and at most 1, got {weight}")
        members = text_list(spec.get("categories"), f"{where}.categories", line, out)
        for member in members:
            if member not in categories:
                out.add(f"{where}.categories", line, f"unknown category {shown(member)}")
            elif categories[member].timing != "month":
                out.add(f"{where}.categories", line, f"{member} is a year-end category")
            elif member in owner:
                out.add(f"{where}.categories", line, f"{member} is already in component {owner[member]}")
            owner.setdefault(member, cid)
        components.append(Component(cid, text(spec.get("name"), f"{where}.name", line, out),
                                    members, weight or Decimal(0)))
    for cid, category in categories.items():
        if category.timing == "month" and cid not in owner:
            out.add("total.components", line_of(node), f"category {cid} is in no component")
    if components and all(c.weight for c in components):
        total = sum((c.weight for c in components), Decimal(0))
        if total != 1:
            out.add("total.components", line_of(node), f"the weights add up to {total}, not 1")
    return tuple(components)


def parse_ranking(node: Any, categories: dict[str, Category], out: Collector) -> Ranking:
    if node is None:
        return Ranking()
    if not isinstance(node, dict):
        out.add("ranking", None, "must be a mapping {vetoed, ties}")
        return Ranking()
    line = line_of(node)
    unknown(node, {"vetoed", "ties"}, "ranking", out)
    vetoed = choice(node, "vetoed", ("last", "by_points"), "ranking", line, out)
    ties = node.get("ties", "shared")
    tie_categories: tuple[str, ...] = ()
    if isinstance(ties, dict):
        unknown(ties, {"by"}, "ranking.ties", out)
        tie_categories = text_list(ties.get("by"), "ranking.ties.by", line, out)
        for cid in tie_categories:
            if cid not in categories:
                out.add("ranking.ties.by", line, f"unknown category {shown(cid)}")
    elif ties != "shared":
        out.add("ranking.ties", line, "must be `shared` or {by: [category ids]}")
    return Ranking(vetoed, tie_categories)


def parse_roster(node: Any, out: Collector) -> Roster:
    """`roster: {positions: [...], official_attributes: [...], village_attributes: [...]}`."""
    if node is None:
        return Roster()
    if not isinstance(node, dict):
        out.add("roster", None, "must be {positions, official_attributes, village_attributes}")
        return Roster()
    line = line_of(node)
    unknown(node, {"positions", "official_attributes", "village_attributes"}, "roster", out)
    found = {}
    for key in ("positions", "official_attributes", "village_attributes"):
        found[key] = text_list(node[key], f"roster.{key}", line, out) if key in node else ()
        if len(set(found[key])) != len(found[key]):
            out.add(f"roster.{key}", line, "a name appears twice")
    return Roster(found["positions"], found["official_attributes"], found["village_attributes"], True)
