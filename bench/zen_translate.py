"""kaoping's parsed rule model (kaoping.rules.model.RuleSet) -> a GoRules zen-engine
decision graph (JDM), for the peer comparison of bench/zen.py.

The graph, per official:

  input {facts: [{k, q, l, d}], vfacts: [...], base}   (bench.zen.contexts builds it)
  -> decision table "fact rules" (hit policy collect, loop over `facts`): one row per
     (fact rule, effect), the kind, quantity range and level tested in its cells, the
     effect's name and requested amount (points or yuan × quantity, or once) as outputs
  -> the same table over the village's facts `vfacts` (village-scope categories)
  -> expression node "requests": per (rule, effect) the sum of what its hits ask for,
     cut at the rule's cap; the count and streak rules' values
  -> expression node "categories": each category clamped (separate: deductions stop at
     the floor, additions at bonus_cap; net: clamped once), the total, vetoes, grade caps,
     money, forfeits
  -> decision table "grade bands" (hit policy first) on the total
  -> expression node "result": grade after caps and veto, pay by the pay form, rounded.

Only totals, grades and pay are translated (not line items: their order and wording are
kaoping's own), and only the constructs the sample rule sets use, exactly as
kaoping.rules.score and period_values define them. Anything else is refused by name
(Untranslatable) so that the peer never scores a month differently without saying so.
"""
from __future__ import annotations

import json
from decimal import Decimal

from kaoping.rules.model import MONEY_EFFECTS, Rule, RuleSet

# a streak rule is unrolled into `length` index tests; past this it is not worth it
MAX_STREAK = 20
_HANDLED_EFFECTS = ("deduct", "add") + MONEY_EFFECTS + ("veto", "grade_at_most", "forfeit_pay")


class Untranslatable(Exception):
    """A construct of the rule set the translation does not cover (named in the message)."""


def _num(d: Decimal) -> str:
    return format(d.normalize(), "f")


def _str(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)


def refusals(ruleset: RuleSet) -> list[str]:
    """Every construct of `ruleset` the translation cannot express (empty: translatable)."""
    out = []
    if ruleset.period != "month":
        out.append(f"period {ruleset.period}")
    if ruleset.components:
        out.append("components")
    if ruleset.groups:
        out.append(f"groups ({', '.join(ruleset.groups)})")
    if ruleset.pay.position_ratio:
        out.append("pay.position_ratio")
    if ruleset.pay.form not in ("threshold", "proportional", "percent_per_point"):
        out.append(f"pay form {ruleset.pay.form}")
    for c in ruleset.categories.values():
        if c.subitems:
            out.append(f"category {c.id}: subitems")
        if c.position_weights:
            out.append(f"category {c.id}: position_weights")
    for r in ruleset.rules.values():
        w = r.when
        for name, present in (("date window", w.date_from or w.date_before),
                              ("occurrence", w.occurrence_at_least is not None
                               or w.occurrence_below is not None),
                              ("official/village attribute tests", w.tests),
                              ("priority", r.priority), ("step", r.step is not None)):
            if present:
                out.append(f"rule {r.id}: {name}")
        for e in r.effects:
            if e.kind not in _HANDLED_EFFECTS:
                out.append(f"rule {r.id}: effect {e.kind}")
        scope = ruleset.categories[r.category].scope
        if r.is_period:
            if scope == "village":
                out.append(f"rule {r.id}: period rule in a village-scope category")
            if r.subject == "aggregate":
                if r.aggregate.over != "period":
                    out.append(f"rule {r.id}: aggregate over {r.aggregate.over}")
                if r.aggregate.form not in ("count", "sum"):
                    out.append(f"rule {r.id}: aggregate {r.aggregate.form}")
                if r.per not in ("fact", "shortfall", "excess"):
                    out.append(f"rule {r.id}: aggregate per {r.per}")
            elif r.subject == "streak":
                if r.streak.consecutive_days:
                    out.append(f"rule {r.id}: streak consecutive_days")
                if r.streak.length > MAX_STREAK:
                    out.append(f"rule {r.id}: streak longer than {MAX_STREAK}")
            else:
                out.append(f"rule {r.id}: subject {r.subject}")
        elif r.per not in ("unit", "fact"):
            out.append(f"rule {r.id}: per {r.per}")
    return out


def _fact_rows(ruleset: RuleSet) -> list[dict]:
    rows = []
    for r in ruleset.rules.values():
        if r.is_period:
            continue
        w = r.when
        kinds = ", ".join(_str(k) for k in r.kinds)
        quantity = []
        if w.at_least is not None:
            quantity.append(f"$ >= {_num(w.at_least)}")
        if w.below is not None:
            quantity.append(f"$ < {_num(w.below)}")
        level = ", ".join(_str(x) for x in w.levels)
        if w.level_at_least:       # the kind's levels from that one up (they are ordered)
            levels = ruleset.kind(r.kinds[0]).levels
            at = levels.index(w.level_at_least)
            level = ", ".join(_str(x) for x in levels[at:] if not w.levels or x in w.levels)
        for e in r.effects:
            amount = "0"
            if e.kind in ("deduct", "add") + MONEY_EFFECTS:
                amount = f"q * {_num(e.amount)}" if r.per == "unit" else _num(e.amount)
            rows.append({"_id": f"{r.id}/{e.kind}", "_description": r.reason,
                         "ik": kinds, "iq": " and ".join(quantity), "il": level,
                         "or": _str(r.id), "oe": _str(e.kind), "oa": amount})
    return rows


def _fact_table(ruleset: RuleSet, field: str, out: str) -> dict:
    return {"hitPolicy": "collect", "inputField": field, "outputPath": out,
            "executionMode": "loop", "passThrough": True,
            "inputs": [{"id": "ik", "name": "kind", "field": "k"},
                       {"id": "iq", "name": "quantity", "field": "q"},
                       {"id": "il", "name": "level", "field": "l"}],
            "outputs": [{"id": "or", "name": "rule", "field": "r"},
                        {"id": "oe", "name": "effect", "field": "e"},
                        {"id": "oa", "name": "amount", "field": "a"}],
            "rules": _fact_rows(ruleset)}


def _var(rule_id: str, effect: str) -> str:
    return "x_" + "".join(ch if ch.isalnum() else "_" for ch in f"{rule_id}__{effect}")


def _period_value(r: Rule) -> str:
    """A period rule's value over the official's own facts `facts` (date-ordered)."""
    if r.subject == "aggregate":
        test = " or ".join(f"#.k == {_str(k)}" for k in r.aggregate.kinds)
        if r.aggregate.form == "count":
            return f"count(facts, {test})"
        return f"sum(map(filter(facts, {test}), #.q))"
    s = r.streak
    relevant = " or ".join(f"#.k == {_str(k)}" for k in (s.kind, *s.broken_by))
    run = " and ".join(f"$.s_{_var(r.id, '')}[# + {i}].k == {_str(s.kind)}" for i in range(s.length))
    # 1 when some window of `length` consecutive relevant dated facts is all the kind:
    # the longest run reaches the length exactly then
    return (f"len($.s_{_var(r.id, '')}) < {s.length} ? 0 : "
            f"(some([0..len($.s_{_var(r.id, '')}) - {s.length}], {run}) ? {s.length} : 0)"), \
        f"filter(facts, #.d != '' and ({relevant}))"


def _period_hit(r: Rule, value: str) -> tuple[str, str]:
    """(matches, factor) expressions for a period rule whose value is `value`."""
    if r.subject == "streak":
        return f"{value} >= {r.streak.length}", "1"
    tests = []
    if r.at_least is not None:
        tests.append(f"{value} >= {_num(r.at_least)}")
    if r.below is not None:
        tests.append(f"{value} < {_num(r.below)}")
    match = " and ".join(tests) or "true"
    if r.per == "shortfall":
        return match, f"max([{_num(r.below)} - {value}, 0])"
    if r.per == "excess":
        return match, f"max([{value} - {_num(r.at_least)}, 0])"
    return match, "1"


def translate(ruleset: RuleSet) -> dict:
    """The JDM graph of `ruleset` (a dict: json.dumps it for zen.ZenEngine.create_decision).
    Raises Untranslatable naming every construct it does not cover."""
    refused = refusals(ruleset)
    if refused:
        raise Untranslatable("; ".join(refused))
    # a kind belongs to one category: village-scope rules see only the village's facts' hits
    req: list[tuple[str, str]] = [("own", "flatMap(hits, #)"), ("vil", "flatMap(vhits, #)")]
    lines: dict[str, list[tuple[str, str]]] = {}    # category -> [(effect, granted expr)]
    for r in ruleset.rules.values():
        for e in r.effects:
            v = _var(r.id, e.kind)
            if r.is_period:
                if r.subject == "streak":
                    value, prepared = _period_value(r)
                    req.append((f"s_{_var(r.id, '')}", prepared))
                else:
                    value = _period_value(r)
                req.append((f"v_{v}", value))
                match, factor = _period_hit(r, f"$.v_{v}")
                amount = _num(e.amount) if e.kind in ("deduct", "add") + MONEY_EFFECTS else "0"
                req.append((f"n_{v}", f"({match}) ? 1 : 0"))
                requested = f"($.n_{v} == 1 ? {amount} * {factor} : 0)"
            else:
                pool = "$.vil" if ruleset.categories[r.category].scope == "village" else "$.own"
                hits = f"filter({pool}, #.r == {_str(r.id)} and #.e == {_str(e.kind)})"
                req.append((f"n_{v}", f"len({hits})"))
                requested = f"sum(map({hits}, #.a))"
            if r.cap is not None and e.kind in ("deduct", "add") + MONEY_EFFECTS:
                requested = f"min([{_num(r.cap)}, {requested}])"
            req.append((v, requested))
            lines.setdefault(r.category, []).append((e.kind, v))
    cats: list[tuple[str, str]] = []
    monthly_total, vetoes, caps, money, forfeits = [], [], [], [], []
    worst = {b.grade: i for i, b in enumerate(ruleset.grades)}
    for cid, c in ruleset.categories.items():
        mine = lines.get(cid, [])
        ded = " + ".join(v for k, v in mine if k == "deduct") or "0"
        add = " + ".join(v for k, v in mine if k == "add") or "0"
        mx, fl, bonus = _num(c.max), _num(c.floor), _num(c.bonus_cap)
        if c.clamp == "separate":
            score = (f"{mx} - min([{ded}, {_num(c.max - c.floor)}])"
                     f" + min([{add}, {bonus}])")
        else:
            score = f"max([{fl}, min([{_num(c.max + c.bonus_cap)}, {mx} + ({add}) - ({ded})])])"
        cats.append((f"c_{cid}", score))
        if c.timing != "month":
            continue
        monthly_total.append(f"$.c_{cid}")
        rules = {v: k for k, v in mine}
        for v, k in rules.items():
            rid = next(r for r in ruleset.rules.values() if any(_var(r.id, e.kind) == v for e in r.effects))
            if k == "veto":
                vetoes.append(f"n_{v}")
            elif k == "grade_at_most":
                caps.append((f"n_{v}", worst[rid.effect("grade_at_most").target]))
            elif k == "forfeit_pay":
                forfeits.append(f"n_{v}")
            elif k in MONEY_EFFECTS:
                money.append(f"{'+' if k == 'add_yuan' else '-'} {v}")
    cats.append(("total", " + ".join(monthly_total) or "0"))
    cats.append(("vetoed", " or ".join(f"{n} > 0" for n in vetoes) or "false"))
    cats.append(("forfeited", " or ".join(f"{n} > 0" for n in forfeits) or "false"))
    cats.append(("yuan", f"0 {' '.join(money)}"))
    cats.append(("gcap", "max([" + ", ".join([*(f"{n} > 0 ? {rank} : 0" for n, rank in caps), "0"])
                 + "])"))
    bands = {"hitPolicy": "first", "passThrough": True,
             "inputs": [{"id": "it", "name": "total", "field": "total"}],
             "outputs": [{"id": "og", "name": "band grade", "field": "band"}],
             "rules": [{"_id": f"band{i}", "_description": b.grade,
                        "it": f"$ >= {_num(b.min)}" + (f" and $ < {_num(b.max)}" if b.max is not None else ""),
                        "og": str(i)} for i, b in enumerate(ruleset.grades)]
             + [{"_id": "below", "it": "", "og": str(len(ruleset.grades) - 1)}]}
    names = [b.grade for b in ruleset.grades]
    rank = f"vetoed ? {worst[ruleset.veto_grade]} : max([band, gcap])"
    grade = " : ".join(f"$.rank == {i} ? {_str(g)}" for i, g in enumerate(names[:-1])) + f" : {_str(names[-1])}"
    p = ruleset.pay
    base = _num(p.base) if p.base is not None else "base"
    if p.form == "threshold":
        form = f"max([0, {base} - max([0, {_num(p.params['full_at'])} - total]) * {_num(p.params['per_point'])}])"
    elif p.form == "proportional":
        form = f"min([{base} * total / {_num(ruleset.scale)}, {base} * {_num(p.params['max_ratio'])}])"
    else:
        form = (f"{base} * max([0, 1 - {_num(p.params['percent'])} * "
                f"max([0, {_num(p.params['full_at'])} - total]) / 100])")
    result = [("rank", rank), ("grade", grade),
              ("amount", f"vetoed ? {base} * {_num(p.veto_ratio)} : {form}"),
              ("pay", "forfeited ? 0 : round(max([0, $.amount + yuan]), 2)")]

    def expressions(pairs):
        return {"passThrough": True,
                "expressions": [{"id": f"e{i}", "key": k, "value": v} for i, (k, v) in enumerate(pairs)]}

    nodes = [("input", "inputNode", "request", None),
             ("facts", "decisionTableNode", "fact rules", _fact_table(ruleset, "facts", "hits")),
             ("vfacts", "decisionTableNode", "village fact rules", _fact_table(ruleset, "vfacts", "vhits")),
             ("requests", "expressionNode", "requests", expressions(req)),
             ("categories", "expressionNode", "categories", expressions(cats)),
             ("bands", "decisionTableNode", "grade bands", bands),
             ("result", "expressionNode", "result", expressions(result)),
             ("output", "outputNode", "response", None)]
    graph = {"contentType": "application/vnd.gorules.decision", "nodes": [], "edges": []}
    for i, (nid, ntype, name, content) in enumerate(nodes):
        node = {"id": nid, "type": ntype, "name": name, "position": {"x": 200 * i, "y": 100}}
        if content is not None:
            node["content"] = content
        graph["nodes"].append(node)
        if i:
            graph["edges"].append({"id": f"edge{i}", "sourceId": nodes[i - 1][0], "targetId": nid,
                                   "type": "edge"})
    return graph
