"""Configured limits give clear statuses, never a crash: a real Server with small limits."""

import grpc
import pytest

from kaoping.ops.limits import Limits
from kaoping.ops.server import Server
from kaoping.usecases.tokens import Tokens
from kaoping.v1 import facts_pb2 as fx
from kaoping.v1 import registry_pb2 as rg
from tests.support.apps import make_app
from tests.support.calls import stubs_for
from tests.support.calls import stream_held_open, violations
from tests.support.facts import fact


@pytest.fixture
def small(db_url):
    app = make_app(db_url)
    app.limits = Limits(max_message_bytes=64 * 1024, max_batch=10, max_note=20,
                        max_concurrent_per_caller=1)
    server = Server(app, "127.0.0.1:0")
    server.start()
    token, _ = Tokens(app.store).create("系统", "admin")
    channel = grpc.insecure_channel(f"127.0.0.1:{server.port}")
    yield stubs_for(channel, token), app, server
    channel.close()
    server.stop(grace=1)


def test_batch_note_and_message_limits(small):
    stubs, app, _ = small
    with pytest.raises(grpc.RpcError) as err:
        stubs.facts.SubmitFacts(iter([fx.FactBatch(facts=[fact() for _ in range(11)])]))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT and "facts" in violations(err.value)
    with pytest.raises(grpc.RpcError) as err:
        stubs.facts.SubmitFact(fx.SubmitFactRequest(fact=fact(note="长" * 21)))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT and "fact.note" in violations(err.value)
    with pytest.raises(grpc.RpcError) as err:
        stubs.facts.SubmitFact(fx.SubmitFactRequest(fact=fact(note="x" * 70_000)))
    assert err.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert stubs.facts.SubmitFact(fx.SubmitFactRequest(fact=fact(note="短"))).fact_id
    assert len(app.store.facts("2026-03")) == 1


def test_per_caller_concurrency(small):
    stubs, _, server = small
    with stream_held_open(stubs, server):
        with pytest.raises(grpc.RpcError) as err:
            stubs.registry.ListVillages(rg.ListVillagesRequest(), timeout=10)
        assert err.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert "authorization" in violations(err.value)
    assert stubs.registry.ListVillages(rg.ListVillagesRequest(), timeout=10).villages
