"""What every part of the hostile corpus shares: the request builders, the expected
database changes, the Case record and the CASES list the parts add to (the corpus is
described in tests/support/corpus/__init__.py)."""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any, Callable

import grpc
from kaoping.v1 import facts_pb2 as fx


C = grpc.StatusCode

MONTH = "2026-03"

MiB = 1024 * 1024

SQL = {"drop": "'; DROP TABLE fact;--", "or": "1 OR 1=1"}

WAIT = 15.0          # the longest any case waits for the server to commit something

FACTS = "/kaoping.v1.FactService/"

_keys = itertools.count(1)



def key(tag: str = "k") -> str:
    return f"corpus-{tag}-{next(_keys)}"



def fact(**kw) -> fx.Fact:
    """A valid fact for the sample registry and shipped rule set, changed by kw."""
    values = dict(official_id="v01-1", month=MONTH, date="", category="attendance",
                  kind="meeting_absent", quantity="1", note="", scorer_id="main-01",
                  source="corpus", idempotency_key=None)
    values.update(kw)
    if values["idempotency_key"] is None:
        values["idempotency_key"] = key()
    return fx.Fact(**values)



def submit(**kw) -> fx.SubmitFactRequest:
    return fx.SubmitFactRequest(fact=fact(**kw))



def big(n_bytes: int = 10 * MiB, char: str = "x") -> str:
    return char * n_bytes



class Observed(grpc.RpcError):
    """A status seen on a future (cancelled calls raise no RpcError of their own)."""

    def __init__(self, code: grpc.StatusCode, details: str | None):
        super().__init__(code, details)
        self._code, self._details = code, details

    def code(self):
        return self._code

    def details(self):
        return self._details

    def trailing_metadata(self):
        return ()



# expected database changes ------------------------------------------------------
def nothing(w, added, result) -> None:
    assert not added, f"a refused request changed the database: {summary(added)}"



def summary(added) -> dict:
    return {table: len(rows) for table, rows in added.items()}



# A write is logged in the same transaction (kaoping.usecases.audit): new facts may bring
# audit_log rows with them, and nothing else.
LOG = "audit_log"



def fact_keys(added) -> list[str]:
    allowed = {"fact", LOG} if added.get("fact") else set()
    assert set(added) <= allowed, f"only facts (and their audit entries) may be added, got {summary(added)}"
    return sorted(dict(row)["idempotency_key"] for row in added.get("fact", []))



def stores_fact(**expected) -> Callable:
    """Exactly one new fact row, whose columns equal `expected` (verbatim)."""
    def check(w, added, result):
        rows = added.get("fact", [])
        assert set(added) - {LOG} == {"fact"} and len(rows) == 1, summary(added)
        row = dict(rows[0])
        for column, value in expected.items():
            assert row[column] == value, (column, row[column], value)
    return check



def stores_keys(*keys: str) -> Callable:
    def check(w, added, result):
        assert fact_keys(added) == sorted(keys)
    return check



@dataclass
class Case:
    name: str
    call: Callable[[Any], Any]          # World -> response; raises grpc.RpcError
    code: grpc.StatusCode
    fields: tuple[str, ...] = ()        # BadRequest fields that must be named
    change: Callable = nothing          # (world, added rows by table, response) -> None
    check: Callable | None = None       # (world, response or error) -> None, after `change`
    note: str = ""



CASES: list[Case] = []



def case(name, call, code, fields=(), change=nothing, check=None, note=""):
    CASES.append(Case(name, call, code, tuple(fields), change, check, note))



def _outcome_problem(code: grpc.StatusCode, field_name: str, index: int = 0):
    def check(w, result):
        outcome = {o.index: o for o in result.outcomes}[index]
        assert not outcome.accepted and outcome.code == code.value[0], outcome
        assert field_name in {p.field for p in outcome.problems}, outcome.problems
    return check



def _fail(result):
    raise AssertionError(f"unexpected result: {result}")



def _no_facts(w, result):
    assert len(result.facts) == 0, f"a SQL-ish filter returned {len(result.facts)} facts"
