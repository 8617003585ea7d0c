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

from sqlalchemy import or_
from sqlalchemy import bindparam, select, text

from kaoping.storage.models import FactRow


@dataclass(frozen=True)
class PeriodScope:
    months: tuple[str, ...]
    village_ids: tuple[str, ...]
    movers: tuple[str, ...] = ()     # officials read by id too (kaoping.usecases.registry has_moved)


_F = FactRow.__table__.c
# the columns scoring reads (kaoping.usecases.scoring_input.live_facts): read as plain
# rows (attribute access by column name), not ORM objects, which cost ~10x to build
_COLUMNS = (_F.id, _F.official_id, _F.village_id, _F.month, _F.date, _F.category, _F.kind,
            _F.quantity, _F.scorer_id, _F.scorer_role, _F.level, _F.voids_fact_id)


def _where(q, scope: PeriodScope):
    q = q.where(_F.month.in_(scope.months))
    if scope.movers:
        return q.where(or_(_F.village_id.in_(scope.village_ids), _F.official_id.in_(scope.movers)))
    return q.where(_F.village_id.in_(scope.village_ids))


# Every read of a cached month asks this one question: written once, its IN lists
# expanded per call, so a read builds no statement (a select() built per read cost
# ~0.3 ms, a third of the one-official budget; docs/benchmarks.md, issue 16)
_MARK = text("SELECT count(*), max(id) FROM fact WHERE month IN :months AND village_id IN :villages"
             ).bindparams(bindparam("months", expanding=True), bindparam("villages", expanding=True))
_MARK_MOVERS = text("SELECT count(*), max(id) FROM fact WHERE month IN :months "
                    "AND (village_id IN :villages OR official_id IN :movers)").bindparams(
    bindparam("months", expanding=True), bindparam("villages", expanding=True),
    bindparam("movers", expanding=True))


def mark(store, scope: PeriodScope) -> tuple[int, int]:
    """(count, highest id) of the period's rows."""
    params = {"months": scope.months, "villages": scope.village_ids or ("",)}
    if scope.movers:
        params["movers"] = scope.movers
    with store.reads.connect() as conn:
        count, top = conn.execute(_MARK_MOVERS if scope.movers else _MARK, params).one()
        return int(count or 0), int(top or 0)


def rows(store, scope: PeriodScope) -> list:
    """Every row of the period, in id order."""
    with store.engine.connect() as conn:
        return list(conn.execute(_where(select(*_COLUMNS), scope).order_by(_F.id)))


_NAMES = ", ".join(c.name for c in _COLUMNS)


def _text(sql: str, movers: bool):
    names = ("months", "villages", "movers") if movers else ("months", "villages")
    return text(sql.replace("{scope}", "month IN :months AND (village_id IN :villages"
                            + (" OR official_id IN :movers)" if movers else ")"))
                ).bindparams(*(bindparam(n, expanding=True) for n in names))


# rows_after runs right after every new fact, prebuilt for the same reason as _MARK
_OLDER = {m: _text("SELECT count(*) FROM fact WHERE {scope} AND id <= :after", m) for m in (False, True)}
# typed by the table's columns: quantity comes back a Decimal on every backend (SQLite
# keeps NUMERIC as REAL or INTEGER, and Decimal(0.1) of a float is not 0.1)
_NEWER = {m: _text(f"SELECT {_NAMES} FROM fact WHERE {{scope}} AND id > :after ORDER BY id", m)
          .columns(*_COLUMNS) for m in (False, True)}


def rows_after(store, scope: PeriodScope, after_id: int) -> tuple[int, Sequence]:
    """(how many of the period's rows have ids up to after_id, the rows past it in id
    order), read in one transaction (one snapshot on SQLite)."""
    params = {"months": scope.months, "villages": scope.village_ids or ("",), "after": after_id}
    movers = bool(scope.movers)
    if movers:
        params["movers"] = scope.movers
    with store.engine.connect() as conn, conn.begin():
        older = conn.execute(_OLDER[movers], params).scalar()
        newer = list(conn.execute(_NEWER[movers], params))
        return int(older or 0), newer
