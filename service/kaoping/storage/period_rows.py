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

from sqlalchemy import bindparam, text

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
_NAMES = ", ".join(c.name for c in _COLUMNS)


def _statements(sql: str, typed: bool = False) -> dict[bool, object]:
    """`sql` with {scope} the period's rows, written once per shape (with movers or
    without), its IN lists expanded per call: a read builds no statement (a select()
    built per read cost ~0.3 ms, a third of the one-official budget; docs/benchmarks.md,
    issue 16). `typed`: rows typed by the table's columns, so quantity comes back a
    Decimal on every backend (SQLite keeps NUMERIC as REAL or INTEGER, and Decimal(0.1)
    of a float is not 0.1)."""
    made = {}
    for movers in (False, True):
        names = ("months", "villages", "movers") if movers else ("months", "villages")
        statement = text(sql.replace("{scope}", "month IN :months AND (village_id IN :villages"
                                     + (" OR official_id IN :movers)" if movers else ")"))
                         ).bindparams(*(bindparam(n, expanding=True) for n in names))
        made[movers] = statement.columns(*_COLUMNS) if typed else statement
    return made


_MARK = _statements("SELECT count(*), max(id) FROM fact WHERE {scope}")
_ROWS = _statements(f"SELECT {_NAMES} FROM fact WHERE {{scope}} ORDER BY id", typed=True)
_OLDER = _statements("SELECT count(*) FROM fact WHERE {scope} AND id <= :after")
_NEWER = _statements(f"SELECT {_NAMES} FROM fact WHERE {{scope}} AND id > :after ORDER BY id", typed=True)


def _params(scope: PeriodScope, **more) -> dict:
    params = {"months": scope.months, "villages": scope.village_ids or ("",), **more}
    if scope.movers:
        params["movers"] = scope.movers
    return params


def mark(store, scope: PeriodScope) -> tuple[int, int]:
    """(count, highest id) of the period's rows; every read of a cached month asks it."""
    with store.reads.connect() as conn:
        count, top = conn.execute(_MARK[bool(scope.movers)], _params(scope)).one()
        return int(count or 0), int(top or 0)


def rows(store, scope: PeriodScope) -> list:
    """Every row of the period, in id order."""
    with store.engine.connect() as conn:
        return list(conn.execute(_ROWS[bool(scope.movers)], _params(scope)))


def rows_after(store, scope: PeriodScope, after_id: int) -> tuple[int, Sequence]:
    """(how many of the period's rows have ids up to after_id, the rows past it in id
    order), read in one transaction (one snapshot on SQLite); runs after every new fact."""
    params, movers = _params(scope, after=after_id), bool(scope.movers)
    with store.engine.connect() as conn, conn.begin():
        older = conn.execute(_OLDER[movers], params).scalar()
        newer = list(conn.execute(_NEWER[movers], params))
        return int(older or 0), newer
