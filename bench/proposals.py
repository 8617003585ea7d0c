"""Proposed changes to service files, applied as patches for a measurement only.

The benchmark may not edit kaoping's service modules, so each change it proposes
is written here as the replacement code, and `python -m bench --proposals` runs the
whole benchmark with them applied (in the benchmark's server process and in its
own process), next to a run without. docs/benchmarks.md lists each change with
its file, function and measured effect. Once a change is merged, its patch here
becomes a no-op and can be deleted.

P1 kaoping/domain/facts.py  CheckedFact.payload_hash: no dataclasses.asdict (a deep
   copy) and computed once per fact instead of twice (key check, then row).
P2 kaoping/storage/store.py Store.insert_fact_values (new) and kaoping/app.py
   Kaoping._store + _fact_values: the ingest path inserts plain column dicts with
   one executemany (ids read back by key) instead of building a SQLModel FactRow
   per fact (~78 us each) and flushing them one INSERT at a time through the ORM.
P3 kaoping/api/servicers.py FactServicer.SubmitFacts: fills each outcome's receipt
   in place instead of building a FactReceipt and copying it.
P4 kaoping/evaluator.py evaluate: asks the engine once per distinct (category,
   kind, quantity) in the batch (every compiled rule is a stateless single-fact
   test on those three values), instead of once per fact.
P5 kaoping/api/convert.py dec/money cached per value, official_score takes the
   response's RuleSetRef; kaoping/api/servicers.py GetMonthlyScores builds that
   RuleSetRef once instead of once per official.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, fields
from typing import Callable, Sequence

APPLIED: list[str] = []


# P1 ----------------------------------------------------------------------------
def _p1() -> None:
    from kaoping.domain import facts

    hashed = [f.name for f in fields(facts.FactInput) if f.name != "idempotency_key"]

    def payload_hash(self) -> str:
        cached = self.__dict__.get("_payload_hash")
        if cached is None:
            f = self.input
            data = {name: getattr(f, name) for name in hashed}
            data["month"], data["quantity"] = self.month, str(self.quantity.normalize())
            blob = json.dumps(data, sort_keys=True, ensure_ascii=False).encode("utf-8")
            cached = hashlib.sha256(blob).hexdigest()
            object.__setattr__(self, "_payload_hash", cached)  # frozen: cache beside the fields
        return cached

    facts.CheckedFact.payload_hash = payload_hash


# P2 ----------------------------------------------------------------------------
@dataclass(frozen=True)
class StoredKey:
    """What a receipt and the audit entry need of a stored fact."""
    id: int
    idempotency_key: str
    payload_hash: str
    month: str


def _p2() -> None:
    from sqlalchemy import insert, select
    from sqlalchemy.exc import IntegrityError

    from kaoping import app as app_module
    from kaoping import audit
    from kaoping.storage import store as store_module
    from kaoping.storage.models import FactRow

    table = FactRow.__table__
    Inserted, KeyConflict = store_module.Inserted, store_module.KeyConflict

    # --- store.py: Store.insert_fact_values (new) --------------------------------
    def insert_fact_values(self, values: Sequence[dict],
                           audit: Callable[[list[StoredKey]], object] | None = None) -> list:
        """insert_facts for plain column dicts: one executemany and one read of the
        new ids by key, no ORM objects. Same contract: known keys return their first row (duplicate),
        a known key with another payload raises KeyConflict storing nothing, and a
        race on a key falls back to one fact per transaction."""
        with self.session() as s:
            keys = [v["idempotency_key"] for v in values]
            known: dict[str, StoredKey] = {}
            for start in range(0, len(keys), 500):
                for row in s.execute(select(table.c.id, table.c.idempotency_key,
                                            table.c.payload_hash, table.c.month)
                                     .where(table.c.idempotency_key.in_(keys[start:start + 500]))):
                    known[row.idempotency_key] = StoredKey(*row)
            fresh: list[dict] = []
            plan: list[tuple[str, bool]] = []
            pending: dict[str, str] = {}
            for v in values:
                key = v["idempotency_key"]
                first = known[key].payload_hash if key in known else pending.get(key)
                if first is not None:
                    if first != v["payload_hash"]:
                        raise KeyConflict(key)
                    plan.append((key, True))
                    continue
                pending[key] = v["payload_hash"]
                fresh.append(v)
                plan.append((key, False))
            try:
                if fresh:
                    # a plain executemany: with RETURNING in parameter order, SQLite gets
                    # one INSERT statement per row; the ids are read back by key instead
                    s.execute(insert(table), fresh)
                    ids: dict[str, int] = {}
                    fresh_keys = list(pending)
                    for start in range(0, len(fresh_keys), 500):
                        ids.update((k, i) for i, k in s.execute(
                            select(table.c.id, table.c.idempotency_key).where(
                                table.c.idempotency_key.in_(fresh_keys[start:start + 500]))))
                    stored = [StoredKey(ids[v["idempotency_key"]], v["idempotency_key"],
                                        v["payload_hash"], v["month"]) for v in fresh]
                    known.update((k.idempotency_key, k) for k in stored)
                    if audit is not None:
                        s.add(audit(stored))
                s.commit()
            except IntegrityError:
                s.rollback()
                if len(values) == 1:
                    return self.insert_fact_values(values, audit)
                return [item for v in values for item in self.insert_fact_values([v], audit)]
            return [Inserted(known[key], duplicate) for key, duplicate in plan]

    store_module.Store.insert_fact_values = insert_fact_values

    # --- app.py: Kaoping._store and a module function _fact_values -------------
    def _fact_values(checked) -> dict:
        f = checked.input
        return {"idempotency_key": f.idempotency_key, "payload_hash": checked.payload_hash(),
                "official_id": f.official_id, "village_id": checked.village_id,
                "month": checked.month, "date": f.date, "category": f.category, "kind": f.kind,
                "quantity": checked.quantity, "note": f.note, "scorer_id": f.scorer_id,
                "scorer_role": checked.scorer_role, "source": f.source, "voids_fact_id": None,
                "void_reason": ""}

    def _store(self, checked) -> list:
        values = [_fact_values(c) for c in checked]
        try:
            inserted = self.store.insert_fact_values(values, audit=lambda fresh: audit.entry(
                "submit_facts", f"{len(fresh)} facts", after={
                    "fact_ids": audit.id_ranges([r.id for r in fresh]),
                    "months": sorted({r.month for r in fresh})}))
        except KeyConflict as exc:
            raise app_module._key_conflict("fact.idempotency_key", exc.key)
        return [app_module.Receipt(i.row.id, i.duplicate, i.row.idempotency_key) for i in inserted]

    app_module._fact_values = _fact_values
    app_module.Kaoping._store = _store


# P3 ----------------------------------------------------------------------------
def _p3() -> None:
    from kaoping.api import convert as cv
    from kaoping.api import servicers
    from kaoping.api.auth import caller
    from kaoping.api.errors import code_of, translating
    from kaoping.v1 import facts_pb2 as fx

    @translating
    def SubmitFacts(self, request_iterator, context):
        result = fx.BatchResult()
        index = accepted = rejected = duplicates = 0
        who = caller(context)
        outcomes = result.outcomes
        for batch in request_iterator:
            facts = [cv.fact_input(f) for f in batch.facts]
            for outcome in self.app.submit_facts(facts, first_index=index, caller=who):
                msg = outcomes.add(index=outcome.index, idempotency_key=outcome.idempotency_key)
                if outcome.error is None:
                    r = outcome.receipt
                    msg.accepted = True
                    receipt = msg.receipt
                    receipt.fact_id, receipt.idempotency_key = r.fact_id, r.idempotency_key
                    if r.duplicate:
                        receipt.duplicate = True
                        duplicates += 1
                    accepted += 1
                else:
                    msg.code = code_of(outcome.error)
                    msg.problems.extend(fx.FieldProblem(field=v.field, description=v.description)
                                        for v in outcome.error.violations)
                    rejected += 1
            index += len(facts)
        result.accepted, result.rejected, result.duplicates = accepted, rejected, duplicates
        return result

    servicers.FactServicer.SubmitFacts = SubmitFacts


# P4 ----------------------------------------------------------------------------
def _p4() -> None:
    from kaoping import app as app_module
    from kaoping import evaluator
    from kaoping.domain.scoring import score_official
    from kaoping.engine import EngineFact

    def evaluate(compiled, officials):
        # One engine call per distinct (category, kind, quantity): every compiled
        # rule tests one fact on exactly these values and the engine keeps no state
        # between facts (engine.py), so equal triples get equal matches.
        keys: dict[tuple[str, str, float], int] = {}
        for o in officials:
            for f in o.facts:
                keys.setdefault((f.category, f.kind, float(f.quantity)), len(keys))
        rules: list[list[str]] = [[] for _ in keys]
        for index, rule_id in compiled.match([EngineFact(i, c, k, q)
                                              for (c, k, q), i in keys.items()]):
            rules[index].append(rule_id)
        return [score_official(compiled.ruleset, o.official_id, o.base_pay, list(o.facts),
                               [(f.id, rule_id) for f in o.facts
                                for rule_id in rules[keys[(f.category, f.kind, float(f.quantity))]]])
                for o in officials]

    evaluator.evaluate = evaluate
    app_module.evaluate = evaluate   # app.py imported the name


# P5 ----------------------------------------------------------------------------
def _p5() -> None:
    import functools

    from kaoping.api import convert as cv
    from kaoping.api import servicers
    from kaoping.api.auth import caller
    from kaoping.api.errors import translating
    from kaoping.v1 import evaluation_pb2 as ev

    # convert.py: dec/money remember their text per value (a month repeats a few
    # dozen point values thousands of times). Equal Decimals give equal text here
    # (dec normalizes; money quantizes), so a cache keyed by value is exact.
    plain_dec, plain_money = cv.dec, cv.money

    @functools.lru_cache(maxsize=4096)
    def _dec(value):
        return plain_dec(value)

    def dec(value):
        return "" if value is None else _dec(value)

    money = functools.lru_cache(maxsize=4096)(plain_money)

    def line_item(item):
        return ev.LineItem(category=item.category, points=dec(item.points), reason=item.reason,
                           fact_id=item.fact_id, rule_id=item.rule_id,
                           requested_points=dec(item.requested), scorer_id=item.scorer_id,
                           scorer_role=item.scorer_role)

    # convert.py: official_score takes the response's RuleSetRef instead of
    # building one per official from the SQLModel row.
    def official_score(view, ruleset, row, ref=None):
        r = view.result
        return ev.OfficialScore(
            official_id=view.official.id, official_name=view.official.name,
            village_id=view.village.id, village_name=view.village.name, month=view.month,
            categories=[ev.CategoryScore(category=cid, name=ruleset.categories[cid].name,
                                         score=dec(score), max=dec(ruleset.categories[cid].max))
                        for cid, score in r.categories.items()],
            total=dec(r.total), grade=r.grade, vetoed=r.vetoed, veto_reason=r.veto_reason,
            base_pay=money(r.base_pay), pay=money(r.pay), items=[line_item(i) for i in r.items],
            ruleset=ref if ref is not None else cv.ruleset_ref(row))

    cv.dec, cv.money, cv.line_item, cv.official_score = dec, money, line_item, official_score

    # servicers.py: EvaluationServicer.GetMonthlyScores builds the ref once.
    @translating
    def GetMonthlyScores(self, request, context):
        scope = request.WhichOneof("scope")
        scores = self.app.monthly_scores(request.month, caller=caller(context),
                                         **({scope: getattr(request, scope)} if scope else {}))
        ref = cv.ruleset_ref(scores.ruleset)
        return ev.MonthlyScores(month=scores.month, ruleset=ref,
                                scores=[cv.official_score(s, scores.rules, scores.ruleset, ref)
                                        for s in scores.scores])

    servicers.EvaluationServicer.GetMonthlyScores = GetMonthlyScores


PATCHES = {"P1": _p1, "P2": _p2, "P3": _p3, "P4": _p4, "P5": _p5}


def apply(names: Sequence[str] | None = None) -> list[str]:
    for name in names or PATCHES:
        if name not in APPLIED:
            PATCHES[name]()
            APPLIED.append(name)
    return APPLIED
