"""Reads of village-level facts (FactRow.official_id is None), apart from
kaoping.storage.store for size. Store.facts reads facts by the village stamped on
them or by official; a village's facts by its roster (ListFacts by village) also
take in the facts about the village itself, which name no official."""
from __future__ import annotations

from sqlmodel import select

from kaoping.storage.models import FactRow


def village_level_facts(store, month: str, village_id: str, after_id: int | None = None,
                        limit: int | None = None) -> list[FactRow]:
    """The month's facts about the village itself, in id order (a keyset page)."""
    with store.session() as s:
        q = (select(FactRow).where(FactRow.month == month, FactRow.village_id == village_id,
                                   FactRow.official_id.is_(None)).order_by(FactRow.id))
        if after_id is not None:
            q = q.where(FactRow.id > after_id)
        if limit is not None:
            q = q.limit(limit)
        return list(s.exec(q))


def with_village_level(store, rows: list[FactRow], month: str, village_id: str,
                       after_id: int | None = None, limit: int | None = None) -> list[FactRow]:
    """`rows` (a page of the village's officials' facts) merged with the same page of
    its village-level facts: id order, at most `limit`."""
    merged = sorted({r.id: r for r in rows + village_level_facts(
        store, month, village_id, after_id, limit)}.values(), key=lambda r: r.id)
    return merged if limit is None else merged[:limit]
