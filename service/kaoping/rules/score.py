"""One official's hits -> line items, category and component scores, total, grade, pay
and year effects. Pure and deterministic; the same order for everyone (一把尺子量到底):

1. Village-level hits are the official's too, their points × the position's weight.
2. Hit policies choose which hits count: `first` (priority, then file order) and
   `highest` (largest amount) keep one per fact (per official for period rules).
3. Each hit asks for its amount: the rule's points or yuan × the quantity (`per: unit`),
   × the shortfall or excess (period rules), or once. A rule's `cap` cuts its requests
   in fact order (earliest entered first). Modifiers then ask for (by − 1) × what their target gave on the
   same fact (after the target's cap).
4. Per category: `separate` stops deductions at the sub-item's and the category's floor and
   additions at the bonus cap; `net` adds everything, clamps once to [floor, max +
   bonus_cap] and takes the excess back from the last items. A mark (`set`) replaces the
   max it starts from; the last mark counts. Each item keeps what it asked for and what it
   got, so a category's items add up to its score minus its max.
5. Total = the sum of monthly categories, or the weighted sum of components; grade = the
   band of the total, lowered by grade_at_most, forced by a veto; pay per kaoping.rules.pay.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import ROUND_FLOOR, Decimal

from kaoping.rules.model import MONEY_EFFECTS, Rule, RuleSet
from kaoping.rules.pay import effective_base, final_pay, form_pay, grade_for
from kaoping.rules.results import LineItem, OfficialIn, OfficialResult, ScoredFact

ZERO = Decimal(0)
_EFFECT_NAMES = {"veto": "veto", "grade_at_most": "grade", "forfeit_pay": "forfeit",
                 "pay_multiplier": "multiplier", "year_veto": "year", "year_grade_at_most": "year",
                 "year_deduct_yuan": "year", "derive": "derive"}


@dataclass
class _Line:
    """A line item being worked out."""
    rule: Rule
    hit: object
    effect: str
    requested: Decimal              # unsigned amount asked for
    granted: Decimal = ZERO
    order: tuple = ()
    of: object = None               # a modifier's line: the target line it multiplies
    note: str = ""                  # what a reducing modifier did to its target


def _factor(rule: Rule, hit) -> Decimal:
    if not rule.is_period:
        return hit.quantity if rule.per == "unit" else Decimal(1)
    if rule.per == "fact":
        return Decimal(1)
    diff = (rule.below - hit.value) if rule.per == "shortfall" else (hit.value - rule.at_least)
    diff = max(diff, ZERO)
    if rule.step is not None:
        diff = (diff / rule.step).to_integral_value(rounding=ROUND_FLOOR)
    return diff


def _select(ruleset: RuleSet, hits: list, order: dict[str, int]) -> list:
    """Applies the groups' hit policies; ungrouped and collect/unique hits all count."""
    kept, contested = [], {}
    for hit in hits:
        rule = ruleset.rules[hit.rule_id]
        group = ruleset.groups.get(rule.group) if rule.group else None
        if group is None or group.policy in ("collect", "unique"):
            kept.append(hit)
        else:
            contested.setdefault((group.id, hit.fact_key or f"period:{hit.village_level}"), []).append(hit)
    for (gid, _), group_hits in contested.items():
        policy = ruleset.groups[gid].policy
        if policy == "first":
            # the engine fired them by salience (priority, then file order): the first wins
            best = group_hits[0]
        else:
            def size(h):
                rule = ruleset.rules[h.rule_id]
                effect = rule.points_effect()
                return (effect.amount * _factor(rule, h) if effect else ZERO, -order[h.rule_id])
            best = max(group_hits, key=size)
        kept.append(best)
    return kept


def _lines(ruleset: RuleSet, hits: list, order: dict[str, int]) -> list[_Line]:
    lines = []
    for hit in hits:
        rule = ruleset.rules[hit.rule_id]
        base_order = (0 if not rule.is_period else 1, hit.fact_id, hit.fact_key)
        for effect in rule.effects:
            if effect.kind == "multiply":
                continue
            amount = ZERO
            if effect.kind in ("deduct", "add") + MONEY_EFFECTS + ("year_deduct_yuan",):
                amount = effect.amount * _factor(rule, hit)
            elif effect.kind == "set":
                amount = hit.quantity
            lines.append(_Line(rule, hit, effect.kind, amount,
                               order=base_order + (order[rule.id], rule.id)))
    by_fact_rule = {(l.hit.fact_key, l.rule.id): l for l in lines if l.effect in ("deduct", "add")}
    for hit in hits:            # modifiers: (by − 1) × what the target gave (after its cap)
        rule = ruleset.rules[hit.rule_id]
        effect = rule.effect("multiply")
        if effect is None:
            continue
        targets = [l for (key, rid), l in by_fact_rule.items() if rid == effect.target
                   and (key == hit.fact_key or rule.is_period)]
        for target in targets:
            lines.append(_Line(rule, target.hit, target.effect, target.requested * (effect.amount - 1),
                               order=target.order[:3] + (order[rule.id], rule.id), of=target))
    lines.sort(key=lambda l: l.order)
    return lines


def _apply_caps(lines: list[_Line]) -> None:
    used: dict[tuple[str, str], Decimal] = {}
    for line in lines:
        line.granted = line.requested
        cap = line.rule.cap
        if line.of is not None:
            continue
        if cap is None or line.effect not in ("deduct", "add") + MONEY_EFFECTS:
            continue
        key = (line.rule.id, line.effect)
        line.granted = min(line.granted, max(ZERO, cap - used.get(key, ZERO)))
        used[key] = used.get(key, ZERO) + line.granted
    for line in lines:          # a modifier multiplies what its target's cap let through
        if line.of is None:
            continue
        by = line.rule.effect("multiply").amount
        if by >= 1:             # the extra points are a line of their own (加倍扣分)
            line.requested = line.granted = line.of.granted * (by - 1)
        else:                   # a reduction cuts the target itself (免扣, 减半): never a give-back
            line.of.granted *= by
            line.requested = line.granted = ZERO
            line.note = f"{line.of.rule.id} × {by.normalize()}"


def _clamp_category(ruleset: RuleSet, cid: str, lines: list[_Line]) -> Decimal:
    """Sets each line's granted points; returns the category's score."""
    category = ruleset.categories[cid]
    start = category.max
    marks = [l for l in lines if l.effect == "set"]
    for mark in marks:
        mark.granted = ZERO
    if marks:
        last = marks[-1]
        value = min(max(last.requested, category.floor), category.max)
        last.granted = value - category.max      # a mark is how far below max it starts
        start = value
    sub_left = {s.id: s.max - s.floor for s in category.subitems.values()}
    points = [l for l in lines if l.effect in ("deduct", "add")]
    if category.clamp == "separate":
        deducted, added = category.max - start, ZERO
        for line in points:
            if line.effect == "deduct":
                granted = min(line.granted, category.max - category.floor - deducted)
                sub = category.subitem_of(_kind(ruleset, line))
                if sub is not None:
                    granted = min(granted, sub_left[sub.id])
                    sub_left[sub.id] -= max(granted, ZERO)
                line.granted = max(granted, ZERO)
                deducted += line.granted
            else:
                line.granted = max(min(line.granted, category.bonus_cap - added), ZERO)
                added += line.granted
        return category.max - deducted + added
    for line in points:            # net: sub-items still stop their own deductions
        if line.effect == "deduct":
            sub = category.subitem_of(_kind(ruleset, line))
            if sub is not None:
                line.granted = max(min(line.granted, sub_left[sub.id]), ZERO)
                sub_left[sub.id] -= line.granted
    raw = start + sum((l.granted if l.effect == "add" else -l.granted for l in points), ZERO)
    score = min(max(raw, category.floor), category.max + category.bonus_cap)
    excess = raw - score          # > 0: too many additions; < 0: too many deductions
    for line in reversed(points):
        if excess == 0:
            break
        if excess > 0 and line.effect == "add":
            take = min(line.granted, excess)
        elif excess < 0 and line.effect == "deduct":
            take = -min(line.granted, -excess)
        else:
            continue
        line.granted -= abs(take)
        excess -= take
    return score


def _kind(ruleset: RuleSet, line: _Line) -> str:
    key = line.hit.fact_key
    return key.rsplit(">", 1)[1] if ">" in key else line.rule.kind


def _item(line: _Line, v1: bool, weight: Decimal) -> LineItem:
    rule, hit = line.rule, line.hit
    sign = -1 if line.effect in ("deduct", "deduct_yuan", "year_deduct_yuan") else 1
    is_money = line.effect in MONEY_EFFECTS + ("year_deduct_yuan",)
    points = sign * line.granted if line.effect in ("deduct", "add", "set") else ZERO
    requested = sign * line.requested if line.effect in ("deduct", "add") else points
    if v1:
        return LineItem(rule.category, points, requested, rule.reason, hit.fact_id, rule.id,
                        hit.scorer_id, hit.scorer_role)
    effect = "yuan" if is_money and line.effect != "year_deduct_yuan" else \
        "mark" if line.effect == "set" else _EFFECT_NAMES.get(line.effect, "")
    detail = line.note or hit.detail
    if line.effect == "pay_multiplier":
        detail = f"报酬 × {rule.effect('pay_multiplier').amount.normalize()}"
    elif hit.value is not None and not detail:
        detail = f"{hit.value.normalize()}"
    if rule.is_period and hit.fact_ids:
        detail = f"{detail}：事实 {' '.join(f'#{i}' for i in hit.fact_ids)}".lstrip("：")
    return LineItem(rule.category, points, requested, rule.reason, hit.fact_id, rule.id,
                    hit.scorer_id, hit.scorer_role,
                    yuan=sign * line.granted if is_money else ZERO,
                    requested_yuan=sign * line.requested if is_money else ZERO,
                    effect=effect, fact_ids=tuple(hit.fact_ids), village_level=hit.village_level,
                    detail=detail)


_ORDERS: dict[int, tuple[RuleSet, dict[str, int]]] = {}


def _order(ruleset: RuleSet) -> dict[str, int]:
    """Each rule's place in the file, computed once per rule set object (not once per
    official: a province month scores 100,000 of them)."""
    entry = _ORDERS.get(id(ruleset))
    if entry is None or entry[0] is not ruleset:
        if len(_ORDERS) > 64:
            _ORDERS.clear()
        entry = _ORDERS[id(ruleset)] = (ruleset, {rid: i for i, rid in enumerate(ruleset.rules)})
    return entry[1]


def score_official(ruleset: RuleSet, official: OfficialIn, facts: dict[int, ScoredFact],
                   hits: list, village_hits: list, line_items: bool = True) -> OfficialResult:
    v1 = ruleset.language == 1
    order = _order(ruleset)
    weight_of = {}
    all_hits = list(hits)
    for hit in village_hits:
        category = ruleset.categories[ruleset.rules[hit.rule_id].category]
        weight_of[id(hit)] = category.position_weights.get(official.position, Decimal(1))
        all_hits.append(hit)
    lines = _lines(ruleset, _select(ruleset, all_hits, order), order)
    for line in lines:
        weight = weight_of.get(id(line.hit))
        if weight is not None and line.effect in ("deduct", "add"):
            line.requested *= weight
    _apply_caps(lines)
    scores: dict[str, Decimal] = {}
    subitems: dict[str, Decimal] = {}
    by_category: dict[str, list[_Line]] = {}
    for line in lines:
        by_category.setdefault(line.rule.category, []).append(line)
    for cid, category in ruleset.categories.items():
        mine = by_category.get(cid, [])
        score = _clamp_category(ruleset, cid, mine)
        if category.timing == "month":
            scores[cid] = score
        for sub in category.subitems.values():
            taken = sum((l.granted for l in mine if l.effect == "deduct"
                         and _kind(ruleset, l) in sub.kinds), ZERO)
            subitems[f"{cid}.{sub.id}"] = sub.max - taken
    components = {}
    if ruleset.components:
        for comp in ruleset.components:
            components[comp.id] = sum((scores[c] for c in comp.categories if c in scores), ZERO)
        total = sum((comp.weight * components[comp.id] for comp in ruleset.components), ZERO)
    else:
        total = sum(scores.values(), ZERO)
    monthly = [l for l in lines if ruleset.categories[l.rule.category].timing == "month"]
    vetoes = [l.rule.reason for l in monthly if l.effect == "veto"]
    grade = grade_for(ruleset, total)
    for line in monthly:
        if line.effect == "grade_at_most":
            capped = line.rule.effect("grade_at_most").target
            if ruleset.grade_rank(capped) > ruleset.grade_rank(grade):
                grade = capped
    vetoed = bool(vetoes)
    if vetoed:
        grade = ruleset.veto_grade
    base = effective_base(ruleset, official.base_pay, official.position)
    multiplier = Decimal(1)
    for line in monthly:
        if line.effect == "pay_multiplier":
            multiplier *= line.rule.effect("pay_multiplier").amount
    yuan = sum((l.granted if l.effect == "add_yuan" else -l.granted
                for l in monthly if l.effect in MONEY_EFFECTS), ZERO)
    forfeited = any(l.effect == "forfeit_pay" for l in monthly)
    pay = final_pay(form_pay(ruleset, base, total, grade, vetoed), multiplier, yuan, forfeited)
    items = [_item(l, v1, weight_of.get(id(l.hit), Decimal(1))) for l in lines] if line_items else []
    return OfficialResult(
        official.id, scores, total, grade, vetoed, "；".join(vetoes), base, pay, items,
        ruleset.content_hash, forfeited=forfeited, pay_multiplier=multiplier, components=components,
        subitems=subitems,
        year_vetoes=tuple(l.rule.reason for l in monthly if l.effect == "year_veto"),
        year_grade_caps=tuple(l.rule.effect("year_grade_at_most").target for l in monthly
                              if l.effect == "year_grade_at_most"),
        year_deduct_yuan=sum((l.granted for l in monthly if l.effect == "year_deduct_yuan"), ZERO))


__all__ = ["score_official", "replace"]
