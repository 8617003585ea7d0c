"""Which village an official belongs to in a given month: the one rule the scores,
fact submission, fact listing, feedback notices and appeals all follow, so that after
an official moves the old village keeps the months before the move and the new
village has the months from it on.

The history is a list of assignments (from_month, village_id): each holds from its
month until the next one. Nothing is overwritten when an official moves; a new
assignment is added (kaoping.usecases.app.Kaoping.put_official).
"""
from __future__ import annotations

from typing import Iterable, NamedTuple


class Assignment(NamedTuple):
    from_month: str   # YYYY-MM, first month in this village
    village_id: str


def village_in_month(assignments: Iterable[Assignment], month: str) -> str | None:
    """The village of the latest assignment starting in or before `month`; None when
    there is no history, or it starts later (callers then use the registry's current
    village)."""
    found = None
    for a in sorted(assignments):
        if a.from_month > month:
            break
        found = a.village_id
    return found
