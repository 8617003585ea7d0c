"""The version-2 rules engine's API types and the checks that need no engine: plain
data, so kaoping.rules.engine stays the one module importing durable-rules (it
re-exports everything here)."""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

MAX_MESSAGES = 20000
MAX_KINDS = 400           # distinct kinds in one ruleset: 512 children of a node spin forever
MAX_RULES_PER_KIND = 60   # fact rules on one kind: each join node is pushed on the
                          # 64-slot match stack, 64 fail every such fact (error 303)
_ORDER = {"gte": "$gte", "gt": "$gt", "lte": "$lte", "lt": "$lt"}
_OPS = {"eq", "ne", "in", *_ORDER}


@dataclass(frozen=True)
class Test:
    field: str
    op: str
    value: object


@dataclass(frozen=True)
class FactRule:
    id: str
    kinds: tuple[str, ...]
    fact: tuple[Test, ...] = ()
    official: tuple[Test, ...] = ()
    village: tuple[Test, ...] = ()
    priority: int = 0
    derive: str | None = None
    derive_unit_quantity: bool = False


@dataclass(frozen=True)
class PeriodRule:
    id: str
    form: str
    kinds: tuple[str, ...] = ()
    at_least: int = 1
    name: str = ""
    tests: tuple[Test, ...] = ()
    official: tuple[Test, ...] = ()
    village: tuple[Test, ...] = ()
    priority: int = 0


class EngineRefused(Exception):
    def __init__(self, message: str, rule_ids):
        super().__init__(message)
        self.message = message
        self.rule_ids = tuple(rule_ids)


class EngineError(RuntimeError):
    """The C engine failed a call (e.g. error 303: a message passed too many tests)."""


def _num(value) -> str:
    """A number as the C parser reads it right: positional, with a "." (see docstring)."""
    v = float(value)
    if not math.isfinite(v):
        raise ValueError(f"not a finite number: {value!r}")
    if v.is_integer() and abs(v) < 1e15:
        return f"{int(v)}.0"
    text = format(Decimal(repr(v)), "f")
    return text if "." in text else text + ".0"


def _is_num(v) -> bool:
    return type(v) in (float, int)


def check_rules(fact_rules, period_rules) -> None:
    """Refuses what would break in the engine or in Program, before compiling."""
    ids = [r.id for r in fact_rules + period_rules]
    dup = sorted(i for i, n in Counter(ids).items() if n > 1)
    if dup:
        raise EngineRefused("rule ids must be unique", dup)
    pris = [r.priority for r in fact_rules + period_rules]
    if pris and max(pris) - min(pris) > 65535:   # pri is an unsigned short
        raise EngineRefused("priorities span more than 65535", ids)
    for r in period_rules:
        if r.form not in ("count", "none", "value"):
            raise EngineRefused(f"unknown period rule form {r.form!r}", [r.id])
        if r.form in ("count", "none") and not r.kinds:
            raise EngineRefused("a count or none rule needs kinds", [r.id])
        if r.form == "count" and not 1 <= r.at_least <= 65535:
            raise EngineRefused("at_least must be in 1..65535", [r.id])
    for r in fact_rules:
        if not r.kinds:
            raise EngineRefused("a fact rule needs kinds", [r.id])
    for rules in (fact_rules, period_rules):
        by_kind: dict = {}
        for r in rules:
            for k in dict.fromkeys(r.kinds):
                by_kind.setdefault(k, []).append(r.id)
        if len(by_kind) > MAX_KINDS:
            raise EngineRefused(f"{len(by_kind)} kinds; at most {MAX_KINDS}",
                                [r.id for r in rules])
        if rules is fact_rules:
            for k, crowd in by_kind.items():
                if len(crowd) > MAX_RULES_PER_KIND:
                    raise EngineRefused(f"{len(crowd)} fact rules on kind {k!r}; at most "
                                        f"{MAX_RULES_PER_KIND}", crowd)
    # A derive cycle would chain without end inside one assert: refuse it on kinds.
    edges: dict[str, set] = {}
    for r in fact_rules:
        if r.derive:
            for k in r.kinds:
                edges.setdefault(k, set()).add(r.derive)
    def reach(start):
        seen, todo = set(), [start]
        while todo:
            for nxt in edges.get(todo.pop(), ()):
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return seen
    cyc = [r.id for r in fact_rules if r.derive and set(r.kinds) & reach(r.derive)]
    if cyc:
        raise EngineRefused("derivations form a cycle", cyc)
