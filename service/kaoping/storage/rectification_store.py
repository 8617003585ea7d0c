"""Queries and transactions for rectification items (整改, kaoping.usecases.rectifications).
Items are never deleted; a step row is appended for every change, in the same
transaction as the change and its audit entry. Closing is compare-and-set on the
item's state, so two callers cannot both close one item."""
from __future__ import annotations

from typing import Iterable

from sqlalchemy import update
from sqlmodel import select

from kaoping.storage.models import AuditEntry, RectificationRow, RectificationStep
from kaoping.storage.store import Store

OPEN, CLOSED = "open", "closed"


class AlreadyClosed(Exception):
    """The item was closed by someone else between the read and the write."""


class RectificationStore:
    def __init__(self, store: Store):
        self.store = store

    def item(self, item_id: int) -> RectificationRow | None:
        if not 0 < item_id < 2**31:       # ids are 32-bit on every backend
            return None
        return self.store.get(RectificationRow, item_id)

    def steps(self, item_ids: Iterable[int]) -> dict[int, list[RectificationStep]]:
        ids = sorted(set(item_ids))
        found: dict[int, list[RectificationStep]] = {i: [] for i in ids}
        with self.store.session() as s:
            for start in range(0, len(ids), 500):     # bounded IN lists on every backend
                for step in s.exec(select(RectificationStep)
                                   .where(RectificationStep.rectification_id.in_(ids[start:start + 500]))
                                   .order_by(RectificationStep.id)):
                    found[step.rectification_id].append(step)
        return found

    def items(self, township_id: str, village_id: str = "", year: int = 0,
              open_only: bool = False) -> list[RectificationRow]:
        with self.store.session() as s:
            q = (select(RectificationRow).where(RectificationRow.township_id == township_id)
                 .order_by(RectificationRow.id))
            if village_id:
                q = q.where(RectificationRow.village_id == village_id)
            if year:
                q = q.where(RectificationRow.year == year)
            if open_only:
                q = q.where(RectificationRow.state == OPEN)
            return list(s.exec(q))

    def add(self, item: RectificationRow, step: RectificationStep, audit: AuditEntry) -> RectificationRow:
        with self.store.session() as s:
            s.add(item)
            s.flush()
            step.rectification_id = item.id
            audit.target = f"rectification {item.id}"
            s.add_all([step, audit])
            s.commit()
            s.refresh(item)
            return item

    def append(self, step: RectificationStep, audit: AuditEntry) -> None:
        with self.store.session() as s:
            s.add_all([step, audit])
            s.commit()

    def close(self, item_id: int, values: dict, step: RectificationStep, audit: AuditEntry) -> None:
        """Closes an open item; raises AlreadyClosed (nothing written) if it is not open."""
        with self.store.session() as s:
            done = s.execute(update(RectificationRow).where(RectificationRow.id == item_id)
                             .where(RectificationRow.state == OPEN).values(state=CLOSED, **values))
            if done.rowcount != 1:
                s.rollback()
                raise AlreadyClosed(str(item_id))
            s.add_all([step, audit])
            s.commit()
