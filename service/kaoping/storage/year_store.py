"""Queries and transactions for the year-end workflow: the year's record moves by
compare-and-set (kaoping.storage.workflow_store.compare_and_set) in the same
transaction as its frozen lines, trail and payments."""
from __future__ import annotations

from typing import Callable, Iterable

from sqlmodel import Session, select

from kaoping.storage.models import YearEvent, YearLine, YearPayment, YearRecord
from kaoping.storage.store import Store
from kaoping.storage.workflow_store import compare_and_set


class YearStore:
    def __init__(self, store: Store):
        self.store = store

    def record(self, township_id: str, year: int) -> YearRecord | None:
        with self.store.session() as s:
            return s.get(YearRecord, (township_id, year))

    def frozen_years(self, township_id: str | None = None) -> dict[tuple[str, int], str]:
        """(township, year) -> state of every year past provisional."""
        with self.store.session() as s:
            q = select(YearRecord).where(YearRecord.state != "provisional")
            if township_id is not None:
                q = q.where(YearRecord.township_id == township_id)
            return {(r.township_id, r.year): r.state for r in s.exec(q)}

    def events(self, township_id: str, year: int) -> list[YearEvent]:
        with self.store.session() as s:
            return list(s.exec(select(YearEvent).where(YearEvent.township_id == township_id)
                               .where(YearEvent.year == year).order_by(YearEvent.id)))

    def lines(self, township_id: str, year: int, revision: int) -> list[YearLine]:
        with self.store.session() as s:
            return list(s.exec(select(YearLine).where(YearLine.township_id == township_id)
                               .where(YearLine.year == year).where(YearLine.revision == revision)
                               .order_by(YearLine.official_id)))

    def payments(self, township_id: str, year: int) -> list[YearPayment]:
        with self.store.session() as s:
            return list(s.exec(select(YearPayment).where(YearPayment.township_id == township_id)
                               .where(YearPayment.year == year).order_by(YearPayment.official_id)))

    def apply(self, township_id: str, year: int, expect: tuple[str, int | None] | None, values: dict,
              rows: Iterable = (), inside: Callable[[Session], list] | None = None) -> YearRecord:
        compare_and_set(self.store, YearRecord, dict(township_id=township_id, year=year),
                        expect, values, rows, inside)
        return self.record(township_id, year)
