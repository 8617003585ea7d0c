"""Who or what a fact is about, and its level: the checks kaoping.domain.facts makes
for the rule language's inputs.

A fact is about exactly one official (official_id) or one village (village_id, a
village-level fact: 村级工作以村为单位考核). The rule set's category says which: its
`scope` is "official" (the default) or "village". A kind may declare `levels` (镇级,
市级; 警告, 严重警告): then a fact of that kind gives one of them, and a fact of a kind
without levels gives none. Both attributes are read with getattr, so rule sets whose
Category or Kind objects predate them behave as "official" and "no levels".
"""
from __future__ import annotations

import unicodedata
from typing import Callable

from kaoping.domain.errors import PermissionDenied, Violation
from kaoping.domain.principal import Principal

OFFICIAL_SCOPE = "official"
VILLAGE_SCOPE = "village"


def category_scope(category) -> str:
    return getattr(category, "scope", OFFICIAL_SCOPE) or OFFICIAL_SCOPE


def kind_levels(kind) -> tuple[str, ...]:
    return tuple(getattr(kind, "levels", ()) or ())


def _shown(value: str, limit: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "…'"


def subject_problems(fact, category, f: Callable[[str], str]) -> list[Violation]:
    """Exactly one of official_id and village_id, the one the category's scope takes.
    `f` turns a field name into the field path of the request (fact.official_id)."""
    if fact.official_id and fact.village_id:
        why = "give official_id or village_id, not both"
        return [Violation(f("official_id"), why), Violation(f("village_id"), why)]
    scope = category_scope(category) if category is not None else None
    if not fact.official_id and not fact.village_id:
        if scope == VILLAGE_SCOPE:
            return [Violation(f("village_id"), f"required: {category.id} is scored per village")]
        return [Violation(f("official_id"), "required: the official the fact is about "
                                            "(or village_id for a village-level fact)"),
                Violation(f("village_id"), "give official_id or, for a village-level fact, village_id")]
    if scope == VILLAGE_SCOPE and fact.official_id:
        return [Violation(f("official_id"), f"category {category.id} is scored per village: "
                                            f"give village_id instead")]
    if scope is not None and scope != VILLAGE_SCOPE and fact.village_id:
        return [Violation(f("village_id"), f"category {category.id} is scored per official: give "
                                           f"official_id (village-level facts only in a category "
                                           f"with scope village)")]
    return []


def level_problems(fact, category, f: Callable[[str], str]) -> list[Violation]:
    """The level is free of control characters and fits the kind's declared levels."""
    level = fact.level
    if any(unicodedata.category(c) == "Cc" for c in level):
        return [Violation(f("level"), "contains a control character")]
    if category is None or fact.kind not in category.kinds:
        return []   # the unknown category or kind is reported already
    levels = kind_levels(category.kinds[fact.kind])
    if levels and not level:
        return [Violation(f("level"), f"required: kind {fact.kind} has levels {', '.join(levels)}")]
    if levels and level not in levels:
        return [Violation(f("level"), f"{_shown(level)} is not a level of kind {fact.kind}; "
                                      f"allowed: {', '.join(levels)}")]
    if not levels and level:
        return [Violation(f("level"), f"kind {fact.kind} has no levels; leave level empty")]
    return []


def village_in_scope(village_id: str, caller: Principal, field: str) -> None:
    """A village's token answers only for its own village (as kaoping.usecases.app's _scope
    reads it); every other role is township-wide."""
    if caller.role == "village" and village_id != caller.village_id:
        raise PermissionDenied("a village records and reads only its own village", [Violation(
            field, f"your token is for village {caller.village_id!r}")],
                               zh=f"村级令牌只能录入和查看本村（{caller.village_id}）的记录：请核对村或干部")
