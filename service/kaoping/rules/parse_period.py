"""Reading a period rule's subject: an aggregate (sum or count of kinds over the period,
quarter or year to date), an absence (`none`), a streak of dated facts, or a run of
earlier approved months (`history`), with the condition on its value; and the
hit-policy `groups`."""
from __future__ import annotations

from dataclasses import replace
from typing import Any

from kaoping.domain.ruleset_yaml import shown
from kaoping.rules.model import POLICIES, Aggregate, Group, History, Rule, Streak
from kaoping.rules.parse_base import Collector, decimal, items, line_of, text_list, unknown, whole

MAX_STREAK = 31 * 3
MAX_HISTORY_MONTHS = 36


def period_subject(rule: Rule, spec, where, line, categories, grades, out) -> Rule:
    subject = rule.subject
    node = spec[subject]
    swhere = f"{where}.{subject}"
    all_kinds = {k for c in categories.values() for k in c.kinds}

    def known(kinds: tuple[str, ...], key: str) -> tuple[str, ...]:
        for kind in kinds:
            if kind not in all_kinds:
                out.add(f"{swhere}.{key}", line, f"unknown kind {shown(kind)}")
        return kinds

    at_least = decimal(spec.get("at_least"), f"{where}.at_least", line, out, allow_none=True)
    below = decimal(spec.get("below"), f"{where}.below", line, out, allow_none=True)
    aggregate = streak = history = None
    if subject in ("aggregate", "none"):
        over = "period"
        if subject == "aggregate":
            if not isinstance(node, dict):
                out.add(swhere, line, "write `aggregate: {sum: [kinds]}` or `{count: [kinds]}`")
                return rule
            unknown(node, {"sum", "count", "over"}, swhere, out)
            forms = [f for f in ("sum", "count") if f in node]
            if len(forms) != 1:
                out.add(swhere, line, "give exactly one of sum, count")
                return rule
            form, kinds = forms[0], known(text_list(node[forms[0]], swhere, line, out), forms[0])
            over = node.get("over", "period")
            if at_least is None and below is None:
                out.add(where, line, "an aggregate needs at_least or below (the condition on its value)")
        else:
            form, kinds = "none", known(text_list(node if not isinstance(node, dict) else node.get("kinds"),
                                                  swhere, line, out), "kinds")
            if isinstance(node, dict):
                unknown(node, {"kinds", "over"}, swhere, out)
                over = node.get("over", "period")
        if over not in ("period", "month", "quarter", "year"):
            out.add(f"{swhere}.over", line, f"must be period, quarter or year, got {shown(over)}")
        aggregate = Aggregate(form, kinds, "period" if over == "month" else str(over))
    elif subject == "streak":
        if not isinstance(node, dict):
            out.add(swhere, line, "write `streak: {kind: K, length: 4, broken_by: [K2]}`")
            return rule
        unknown(node, {"kind", "length", "broken_by", "consecutive"}, swhere, out)
        kind = known(text_list(node.get("kind"), swhere, line, out), "kind")
        length = whole(node.get("length"), f"{swhere}.length", line, out, 2, MAX_STREAK)
        if node.get("length") is None:
            out.add(f"{swhere}.length", line, "required: how many in a row")
        broken = known(text_list(node["broken_by"], swhere, line, out), "broken_by") if "broken_by" in node else ()
        days = node.get("consecutive")
        if days not in (None, "days"):
            out.add(f"{swhere}.consecutive", line, "only `consecutive: days`")
        if not broken and days is None:
            out.add(swhere, line, "say what breaks a streak: broken_by kinds, or consecutive: days")
        streak = Streak(kind[0] if kind else "", length or 2, broken, days == "days")
    else:
        if not isinstance(node, dict):
            out.add(swhere, line, "write `history: {months: 3, grade: G}` or `{months: 3, vetoed: true}`")
            return rule
        unknown(node, {"months", "grade", "vetoed"}, swhere, out)
        months = whole(node.get("months"), f"{swhere}.months", line, out, 1, MAX_HISTORY_MONTHS)
        if node.get("months") is None:
            out.add(f"{swhere}.months", line, "required: how many earlier months")
        grade = node.get("grade")
        if grade is not None and grade not in grades:
            out.add(f"{swhere}.grade", line, f"{shown(grade)} is not one of the grades {grades}")
        if (grade is None) == (node.get("vetoed") is not True):
            out.add(swhere, line, "give exactly one condition: grade, or vetoed: true")
        history = History(months or 1, grade, node.get("vetoed") is True)
    if subject != "aggregate" and (at_least is not None or below is not None):
        out.add(where, line, f"at_least/below test an aggregate's value, not a {subject}")
    if rule.per in ("shortfall", "excess") and subject != "aggregate":
        out.add(f"{where}.per", line, f"per {rule.per} needs an aggregate")
    if rule.per == "shortfall" and below is None:
        out.add(f"{where}.per", line, "per shortfall counts up to `below`; give it")
    if rule.per == "excess" and at_least is None:
        out.add(f"{where}.per", line, "per excess counts from `at_least`; give it")
    return replace(rule, aggregate=aggregate, streak=streak, history=history,
                   at_least=at_least, below=below)


def parse_groups(node: Any, rules: dict[str, Rule], out: Collector) -> dict:
    if node is None:
        return {}
    if not isinstance(node, dict):
        out.add("groups", None, "must map group ids to {policy, rules}")
        return {}
    groups, owner = {}, {}
    for gid, spec in items(node):
        where = f"groups.{gid}"
        if not isinstance(spec, dict):
            out.add(where, line_of(node), "must be {policy, rules}")
            continue
        line = line_of(spec)
        unknown(spec, {"policy", "rules"}, where, out)
        policy = spec.get("policy")
        if policy not in POLICIES:
            out.add(f"{where}.policy", line, f"must be one of {', '.join(POLICIES)}, got {shown(policy)}")
        members = text_list(spec.get("rules"), f"{where}.rules", line, out)
        if len(members) < 2:
            out.add(f"{where}.rules", line, "a group holds at least two rules")
        for rid in members:
            if rid not in rules:
                out.add(f"{where}.rules", line, f"unknown rule {shown(rid)}")
            elif rid in owner:
                out.add(f"{where}.rules", line, f"rule {rid} is already in group {owner[rid]}")
            owner.setdefault(rid, str(gid))
        groups[str(gid)] = Group(str(gid), str(policy), members, line or 0)
    return groups
