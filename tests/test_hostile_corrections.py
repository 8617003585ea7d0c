"""Hardening point 3: of concurrent corrections of one fact exactly one is stored; the
others get FAILED_PRECONDITION naming the winner; a resend of the winner gets its
receipt. Through the real gRPC server (8 server threads), across two app instances on
one database (SQLite file or PostgreSQL), and for databases that already hold
duplicate corrections from before migration 0005."""
from __future__ import annotations

from decimal import Decimal

import grpc
import pytest
from sqlalchemy import create_engine, text

from kaoping.domain.errors import FailedPrecondition
from kaoping.storage.models import FactRow
from kaoping.storage.store import Store
from kaoping.v1 import evaluation_pb2 as ev
from kaoping.v1 import facts_pb2 as fx
from tests.support.apps import make_app
from tests.support.calls import together, violations
from tests.support.databases import schema_with_one_official
from tests.support.facts import fact, fact_input

grpc_max_workers = 8   # pytest-grpc: the server runs the eight calls side by side
RACERS = 8
MONTH = "2026-03"


def total(stubs, official: str) -> Decimal:
    scores = stubs.evaluation.GetMonthlyScores(ev.GetMonthlyScoresRequest(
        month=MONTH, official_id=official), timeout=30)
    return Decimal(scores.scores[0].total)


def correction(fact_id: int, n: int, official: str) -> fx.CorrectFactRequest:
    return fx.CorrectFactRequest(
        fact_id=fact_id, reason=f"racer {n}: wrong count", scorer_id="main-01",
        idempotency_key=f"race-{fact_id}-{n}",
        replacement=fact(official=official, quantity="2", key=f"race-{fact_id}-{n}-new"))


def test_eight_concurrent_corrections_store_exactly_one(stubs):
    official = "v03-1"
    before = total(stubs, official)
    original = stubs.facts.SubmitFact(fx.SubmitFactRequest(fact=fact(official=official, quantity="1")))
    one = before - total(stubs, official)
    assert one > 0
    requests = [correction(original.fact_id, n, official) for n in range(RACERS)]
    results = together([lambda r=r: stubs.facts.CorrectFact(r, timeout=60) for r in requests])
    won = [(r, res) for r, res in zip(requests, results) if not isinstance(res, Exception)]
    lost = [res for res in results if isinstance(res, Exception)]
    assert len(won) == 1, results
    (winner_request, winner), = won
    for error in lost:
        assert isinstance(error, grpc.RpcError), error
        assert error.code() == grpc.StatusCode.FAILED_PRECONDITION, error.details()
        assert f"correction {winner.correction.fact_id}" in violations(error)["fact_id"]
    listed = stubs.facts.ListFacts(fx.ListFactsRequest(month=MONTH, official_id=official)).facts
    corrections = [f for f in listed if f.voids_fact_id == original.fact_id]
    replacements = [f for f in listed if f.fact.idempotency_key.startswith(f"race-{original.fact_id}-")
                    and f.fact.idempotency_key.endswith("-new")]
    assert [f.id for f in corrections] == [winner.correction.fact_id]
    assert [f.id for f in replacements] == [winner.replacement.fact_id]
    assert total(stubs, official) == before - 2 * one   # the one replacement counts, once
    again = stubs.facts.CorrectFact(winner_request, timeout=30)   # idempotent resend
    assert again.correction.fact_id == winner.correction.fact_id and again.correction.duplicate
    assert again.replacement.fact_id == winner.replacement.fact_id and again.replacement.duplicate


def test_correcting_a_voided_fact_is_a_failed_precondition(stubs):
    original = stubs.facts.SubmitFact(fx.SubmitFactRequest(fact=fact(official="v03-2")))
    first = stubs.facts.CorrectFact(fx.CorrectFactRequest(
        fact_id=original.fact_id, reason="wrong", scorer_id="main-01", idempotency_key="late-1"))
    with pytest.raises(grpc.RpcError) as err:
        stubs.facts.CorrectFact(fx.CorrectFactRequest(
            fact_id=original.fact_id, reason="also wrong", scorer_id="main-01", idempotency_key="late-2"))
    assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert f"correction {first.correction.fact_id}" in violations(err.value)["fact_id"]


def test_two_app_instances_on_one_database_store_one_correction(db_url):
    one, two = make_app(db_url), make_app(db_url)
    try:
        original = one.submit_fact(fact_input(official="v02-1"))
        calls = [lambda n=n, app=(one if n % 2 else two): app.correct_fact(
                     original.fact_id, f"replica racer {n}", "main-01", f"replica-{n}",
                     fact_input(official="v02-1", quantity="3", key=f"replica-{n}-new"))
                 for n in range(RACERS)]
        results = together(calls)
        won = [r for r in results if not isinstance(r, Exception)]
        assert len(won) == 1, results
        assert all(isinstance(r, FailedPrecondition) for r in results if isinstance(r, Exception)), results
        stored = [f for f in one.store.facts(MONTH, official_id="v02-1") if f.voids_fact_id]
        assert [f.id for f in stored] == [won[0][0].fact_id]
        replacements = [f for f in one.store.facts(MONTH, official_id="v02-1")
                        if f.idempotency_key.endswith("-new")]
        assert [f.id for f in replacements] == [won[0][1].fact_id]
    finally:
        for app in (one, two):
            app.rulesets.close()
            app.store.close()


def test_migration_keeps_duplicate_corrections_and_closes_the_race(db_url):
    """A database from before 0005 may hold two corrections of one fact: it still
    upgrades, the earliest correction holds the void, nothing is deleted, and a new
    correction of that fact is refused."""
    from kaoping.storage.store import AlreadyVoided   # new in the fix: imported here so the
    engine = create_engine(db_url)                    # other tests run on the code before it
    schema_with_one_official(engine, "0004")
    columns = ("idempotency_key, payload_hash, official_id, village_id, month, date, category, kind, "
               "quantity, note, scorer_id, scorer_role, source, recorded_at, voids_fact_id, void_reason")
    with engine.begin() as conn:
        for key, voids in (("a", None), ("b", None), ("fix-a-1", 1), ("fix-a-2", 1), ("fix-b", 2)):
            conn.execute(text(f"insert into fact ({columns}) values (:k, 'h', 'o1', 'v1', '{MONTH}', '', "
                              "'attendance', :kind, 1, '', 'main-01', 'main_leader', 't', "
                              "CURRENT_TIMESTAMP, :voids, '')"),
                         {"k": key, "kind": "correction" if voids else "meeting_absent", "voids": voids})
    engine.dispose()
    store = Store(db_url)   # upgrades to head, as the server does at start-up
    try:
        rows = {f.idempotency_key: f for f in store.facts(MONTH)}
        assert len(rows) == 5
        assert (rows["fix-a-1"].void_claim, rows["fix-a-2"].void_claim, rows["fix-b"].void_claim) == (1, None, 2)
        assert rows["fix-a-2"].voids_fact_id == 1
        assert store.voiding_fact(1).idempotency_key == "fix-a-1"
        late = FactRow(idempotency_key="fix-a-3", payload_hash="h", official_id="o1", village_id="v1",
                       month=MONTH, category="attendance", kind="correction", quantity=Decimal(0),
                       scorer_id="main-01", scorer_role="main_leader", voids_fact_id=1, void_claim=1)
        with pytest.raises(AlreadyVoided) as err:
            store.insert_facts([late])
        assert err.value.by.idempotency_key == "fix-a-1"
    finally:
        store.close()
