"""The stored fact rows one township period reads, and the marks that say whether they
changed: kaoping.usecases.scores scores a period from these rows, keeps the result
keyed by their mark, and after new facts reads only the rows past it.

A period's rows are those of its months (the month, and the earlier months of the year
when a rule aggregates over the quarter or the year) stamped with one of the township's
villages, plus the rows of its officials who moved between villages (a fact entered
before a back-dated move carries the village of the time, maybe another township's).

The mark is (count, highest id) of exactly those rows, every category and corrections
included. Rows are never deleted or changed, so a new row moves it. On PostgreSQL a
row may commit after one with a higher id (ids are drawn before commit): `rows_after`
therefore also counts the rows up to the old highest id, and a count that grew means
such a late row exists and the period is read whole again.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from sqlalchemy import func, or_
from sqlmodel import select

from kaoping.storage.models import FactRow


@dataclass(frozen=True)
class PeriodScope:
    months: tuple[str, ...]
    village_ids: tuple[str, ...]
    movers: tuple[str, ...] = ()     # officials read by id too (kaoping.usecases.registry has_moved)


def _where(q, scope: PeriodScope):
    q = q.where(FactRow.month.in_(scope.months))
    if scope.movers:
        return q.where(or_(FactRow.village_id.in_(scope.village_ids),
                           FactRow.official_id.in_(scope.movers)))
    return q.where(FactRow.village_id.in_(scope.village_ids))


def mark(store, scope: PeriodScope) -> tuple[int, int]:
    """(count, highest id) of the period's rows."""
    with store.session() as s:
        count, top = s.exec(_where(select(func.count(FactRow.id), func.max(FactRow.id)), scope)).one()
        return int(count or 0), int(top or 0)


def rows(store, scope: PeriodScope) -> list[FactRow]:
    """Every row of the period, in id order."""
    with store.session() as s:
        return list(s.exec(_where(select(FactRow), scope).order_by(FactRow.id)))


def rows_after(store, scope: PeriodScope, after_id: int) -> tuple[int, Sequence[FactRow]]:
    """(how many of the period's rows have ids up to after_id, the rows past it in id order)."""
    with store.session() as s:
        older = s.exec(_where(select(func.count(FactRow.id)), scope).where(FactRow.id <= after_id)).one()
        newer = list(s.exec(_where(select(FactRow), scope).where(FactRow.id > after_id)
                            .order_by(FactRow.id)))
        return int(older or 0), newer
