"""Hardening point 9 on PostgreSQL: the database goes down under a running server.

The cluster is the test's own (initdb + pg_ctl in a temporary directory, on a free
loopback port), never the shared server; the test skips where no PostgreSQL binaries
exist. While it is down every kind of call (unary, client stream, token resolution,
a rule-set activation) answers UNAVAILABLE with a clean message; after it is back the
same calls succeed and nothing from the outage was stored.
"""
from __future__ import annotations

import grpc
import pytest

from kaoping.storage.store import Store
from kaoping.usecases.tokens import PREFIX, Tokens
from kaoping.v1 import facts_pb2 as fx
from kaoping.v1 import facts_pb2_grpc, rulesets_pb2_grpc
from kaoping.v1 import rulesets_pb2 as rs
from kaoping_cli.rpc import _Bearer

from tests.support.apps import app_on
from tests.support.calls import clean_message, status_details
from tests.support.databases import PrivateCluster
from tests.support.facts import fact
from tests.support.servers import LocalServer

pytestmark = pytest.mark.skipif(not PrivateCluster.available(),
                                reason="no PostgreSQL binaries to start a private cluster")
MONTH = "2026-05"
TIMEOUT = 30


@pytest.fixture
def cluster():
    pg = PrivateCluster()
    try:
        pg.start()
        yield pg
    finally:
        pg.destroy()


def _unavailable(call) -> None:
    with pytest.raises(grpc.RpcError) as error:
        call()
    code, message, fields = status_details(error.value)
    assert code == grpc.StatusCode.UNAVAILABLE, f"{code}: {message}"
    assert "database" in fields and clean_message(message) and clean_message(fields["database"]), (
        message, fields)


def test_postgres_down_is_unavailable_and_the_same_calls_succeed_after(cluster):
    store = Store(cluster.url)
    server = LocalServer(app_on(store), insecure_dev=False)
    try:
        token = Tokens(store).create("管理员", "admin")[0]
        channel = grpc.intercept_channel(server.channel, _Bearer(token))
        facts = facts_pb2_grpc.FactServiceStub(channel)
        rulesets = rulesets_pb2_grpc.RuleSetServiceStub(channel)
        version = rulesets.ListRuleSets(rs.ListRuleSetsRequest(), timeout=TIMEOUT).versions[0].ref.id
        assert facts.SubmitFact(fx.SubmitFactRequest(fact=fact(month=MONTH)), timeout=TIMEOUT).fact_id
        one, batch = fact(month=MONTH), [fact(month=MONTH) for _ in range(3)]
        activations = len(store.activations())

        cluster.stop()
        _unavailable(lambda: facts.SubmitFact(fx.SubmitFactRequest(fact=one), timeout=TIMEOUT))
        _unavailable(lambda: facts.SubmitFacts(iter([fx.FactBatch(facts=batch)]), timeout=TIMEOUT))
        _unavailable(lambda: rulesets.ListRuleSets(rs.ListRuleSetsRequest(), timeout=TIMEOUT))
        _unavailable(lambda: rulesets.ActivateRuleSet(rs.ActivateRuleSetRequest(id=version),
                                                      timeout=TIMEOUT))
        stranger = facts_pb2_grpc.FactServiceStub(grpc.intercept_channel(
            server.channel, _Bearer(PREFIX + "x" * 43)))  # unknown: resolving it reads the database
        _unavailable(lambda: stranger.ListFacts(fx.ListFactsRequest(month=MONTH), timeout=TIMEOUT))

        cluster.start()
        keys = [one.idempotency_key, *(f.idempotency_key for f in batch)]
        assert store.facts_by_keys(keys) == {}  # nothing from the outage was stored
        assert len(store.activations()) == activations
        receipt = facts.SubmitFact(fx.SubmitFactRequest(fact=one), timeout=TIMEOUT)
        assert receipt.fact_id and not receipt.duplicate
        assert facts.SubmitFacts(iter([fx.FactBatch(facts=batch)]), timeout=TIMEOUT).accepted == 3
        assert rulesets.ActivateRuleSet(rs.ActivateRuleSetRequest(id=version), timeout=TIMEOUT).active
        with pytest.raises(grpc.RpcError) as unknown:  # the database answers again: a plain refusal
            stranger.ListFacts(fx.ListFactsRequest(month=MONTH), timeout=TIMEOUT)
        assert unknown.value.code() == grpc.StatusCode.UNAUTHENTICATED

        # A restart nobody called through: the pooled connections are dead. At most the
        # first call meets one and answers UNAVAILABLE; the pool is then renewed.
        cluster.stop()
        cluster.start()
        again = fact(month=MONTH)
        for attempt in range(3):
            try:
                assert facts.SubmitFact(fx.SubmitFactRequest(fact=again), timeout=TIMEOUT).fact_id
                break
            except grpc.RpcError as error:
                assert attempt == 0 and error.code() == grpc.StatusCode.UNAVAILABLE, error
        assert len(store.facts_by_keys([again.idempotency_key])) == 1
    finally:
        server.stop()
