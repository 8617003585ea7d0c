"""Ranks of officials by a rule set's ranking policy: where a vetoed official ranks
(last by default, or by points) and how ties are broken (shared ranks 1, 1, 3 by
default, or by named category scores first)."""
from __future__ import annotations

from decimal import Decimal
from typing import Callable, Sequence, TypeVar

from kaoping.rules.model import RuleSet

T = TypeVar("T")


def _key(ruleset: RuleSet, result) -> tuple:
    vetoed = result.vetoed if ruleset.ranking.vetoed == "last" else False
    ties = tuple(-result.categories.get(c, Decimal(0)) for c in ruleset.ranking.tie_categories)
    return (vetoed, -result.total) + ties


def rank_items(ruleset: RuleSet, items: Sequence[T], result_of: Callable[[T], object],
               tiebreak: Callable[[T], object]) -> list[tuple[int, T]]:
    """Competition ranks (equal keys share a rank, the next rank skips), ordered by the
    policy and then by `tiebreak` for a stable listing."""
    ordered = sorted(items, key=lambda i: (_key(ruleset, result_of(i)), tiebreak(i)))
    ranked, previous, rank = [], None, 0
    for position, item in enumerate(ordered, start=1):
        key = _key(ruleset, result_of(item))
        if key != previous:
            rank, previous = position, key
        ranked.append((rank, item))
    return ranked


def rank_officials(ruleset: RuleSet, results: list) -> list[tuple[int, object]]:
    return rank_items(ruleset, results, lambda r: r, lambda r: r.official_id)
