"""SubmitFacts streams that used to push the server's memory up or end in a reply
nobody could receive (hardening issue, points 4, 5 and 13): the reply stays bounded,
a stream past a cap ends early with an OK reply that says exactly what was stored,
and empty messages count toward the message cap."""
from __future__ import annotations

import grpc
import pytest

from kaoping.ops.limits import Limits
from kaoping.ops.server import Server
from kaoping.usecases.tokens import Tokens
from kaoping.v1 import facts_pb2 as fx
from kaoping.v1 import facts_pb2_grpc
from tests.support.apps import make_app, new_database_url
from tests.support.calls import stubs_for
from tests.support.calls import violations
from tests.support.facts import fact
from tests.support.processes import RealServer

TIMEOUT = 120
MiB = 1024 * 1024
CLIENT_RECEIVE = 4 * MiB    # gRPC's default receive limit, and the kaoping CLI's
REPLY = 32 * 1024           # the small server's reply budget: 16 KiB of outcomes after the margin


def keyed(prefix: str, n: int, start: int = 0) -> list[fx.Fact]:
    return [fact(key=f"{prefix}-{i:06d}") for i in range(start, start + n)]


def stored_keys(app, prefix: str) -> set[str]:
    return {r.idempotency_key for r in app.store.facts("2026-03") if r.idempotency_key.startswith(prefix)}


def check_reply(result: fx.BatchResult, sent: int) -> None:
    """The contract of a stopped-early reply: one outcome per read fact, in order."""
    assert [o.index for o in result.outcomes] == list(range(result.facts_read))
    assert result.accepted + result.rejected == result.facts_read <= sent


@pytest.fixture
def small(db_url):
    """A real Server with small stream caps, so their edges are cheap to reach."""
    app = make_app(db_url)
    app.limits = Limits(max_batch=10, max_stream_facts=30, max_stream_messages=8,
                        max_reply_bytes=REPLY)
    server = Server(app, "127.0.0.1:0")
    server.start()
    token, _ = Tokens(app.store).create("系统", "admin")
    channel = grpc.insecure_channel(f"127.0.0.1:{server.port}")
    yield stubs_for(channel, token), app
    channel.close()
    server.stop(grace=1)


def test_a_stream_past_the_fact_cap_stops_before_storing_and_says_so(small):
    stubs, app = small
    sent = keyed("cap", 50)
    result = stubs.facts.SubmitFacts(iter([fx.FactBatch(facts=sent[i:i + 10]) for i in range(0, 50, 10)]),
                                     timeout=TIMEOUT)
    check_reply(result, 50)
    assert (result.facts_read, result.accepted, result.messages_read) == (30, 30, 3)
    assert result.stopped_early and "at most 30 facts in one stream" in result.stop_reason
    assert "index 30" in result.stop_reason
    assert stored_keys(app, "cap-") == {f.idempotency_key for f in sent[:30]}
    # The sender resends exactly the unread facts and completes the set.
    rest = stubs.facts.SubmitFacts(iter([fx.FactBatch(facts=sent[30:40]), fx.FactBatch(facts=sent[40:])]),
                                   timeout=TIMEOUT)
    assert (rest.accepted, rest.duplicates, rest.stopped_early) == (20, 0, False)
    assert stored_keys(app, "cap-") == {f.idempotency_key for f in sent}


def test_exactly_at_the_caps_is_a_complete_stream(small):
    stubs, app = small
    sent = keyed("edge", 30)
    batches = [fx.FactBatch(facts=sent[i:i + 10]) for i in range(0, 30, 10)] + [fx.FactBatch()] * 5
    result = stubs.facts.SubmitFacts(iter(batches), timeout=TIMEOUT)
    assert (result.accepted, result.facts_read, result.messages_read) == (30, 30, 8)
    assert not result.stopped_early and result.stop_reason == ""


def test_an_oversized_later_message_keeps_the_receipts_of_the_earlier_ones(small):
    stubs, app = small
    good = keyed("later", 3)
    result = stubs.facts.SubmitFacts(iter([fx.FactBatch(facts=good), fx.FactBatch(facts=keyed("later-x", 11))]),
                                     timeout=TIMEOUT)
    check_reply(result, 14)
    assert result.accepted == 3 and result.stopped_early and "at most 10 in one message" in result.stop_reason
    assert stored_keys(app, "later") == {f.idempotency_key for f in good}


def test_empty_messages_count_toward_the_message_cap(small):
    stubs, app = small
    one = keyed("empty", 1)
    result = stubs.facts.SubmitFacts(iter([fx.FactBatch(facts=one)] + [fx.FactBatch()] * 100), timeout=TIMEOUT)
    assert (result.accepted, result.messages_read, result.stopped_early) == (1, 8, True)
    assert "at most 8 messages" in result.stop_reason
    # Nothing acknowledged yet: nothing to lose, so a plain refusal.
    with pytest.raises(grpc.RpcError) as err:
        stubs.facts.SubmitFacts(iter([fx.FactBatch()] * 9), timeout=TIMEOUT)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "messages" in violations(err.value)["facts"]


def test_the_reply_never_outgrows_its_budget_even_with_the_longest_keys(small):
    """200 four-byte characters per key: each fact may need 2 x 803 bytes of echo."""
    stubs, app = small
    sent = [fact(key=f"{i:04d}" + "𠀀" * 196) for i in range(30)]
    for f in sent[::2]:
        f.quantity = "x" * 5000      # rejected, with a problem of its own
    result = stubs.facts.SubmitFacts(iter([fx.FactBatch(facts=sent[i:i + 5]) for i in range(0, 30, 5)]),
                                     timeout=TIMEOUT)
    check_reply(result, 30)
    assert result.stopped_early and "reply past" in result.stop_reason
    assert 0 < result.facts_read < 30
    assert result.ByteSize() <= REPLY
    assert result.accepted == result.facts_read // 2
    assert len(stored_keys(app, "")) >= result.accepted
    assert {o.idempotency_key for o in result.outcomes if o.accepted} == \
        {k for k in stored_keys(app, "") if "𠀀" in k}
    # One message whose receipts alone could not fit is refused, nothing stored.
    with pytest.raises(grpc.RpcError) as err:
        stubs.facts.SubmitFacts(iter([fx.FactBatch(facts=[fact(key=f"big{i}" + "𠀀" * 190)
                                                          for i in range(10)] * 3)]), timeout=TIMEOUT)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT


def test_a_rejected_fact_with_many_problems_has_a_bounded_outcome(small):
    stubs, _ = small
    bad = fx.Fact(official_id="o" * 5000, month="月" * 5000, category="类" * 5000, kind="k" * 5000,
                  quantity="q" * 5000, note="\x00", scorer_id="s" * 5000, source="x" * 5000,
                  idempotency_key=" ")
    result = stubs.facts.SubmitFacts(iter([fx.FactBatch(facts=[bad])]), timeout=TIMEOUT)
    outcome = result.outcomes[0]
    assert not outcome.accepted and outcome.problems
    assert outcome.ByteSize() < 1024


def test_a_50k_fact_stream_ends_early_with_a_reply_the_default_client_can_receive(tmp_path):
    """Before the caps, a 40k-fact stream's reply passed the clients' 4 MiB receive limit
    and a 50k one the server's 16 MiB send limit, after every fact was committed."""
    app = make_app(new_database_url(tmp_path))
    server = Server(app, "127.0.0.1:0")    # the shipped limits
    server.start()
    token, _ = Tokens(app.store).create("系统", "admin")
    channel = grpc.insecure_channel(f"127.0.0.1:{server.port}",
                                    options=[("grpc.max_receive_message_length", CLIENT_RECEIVE)])
    try:
        stub = stubs_for(channel, token).facts
        sent = [fact(key=f"fifty-{i:06d}-" + "k" * 30, official=f"v{i % 17 + 1:02d}-{i // 17 % 6 + 1}")
                for i in range(50_000)]
        messages = (fx.FactBatch(facts=sent[i:i + 500]) for i in range(0, len(sent), 500))
        result = stub.SubmitFacts(messages, timeout=600)
        check_reply(result, 50_000)
        assert result.stopped_early and result.facts_read == Limits().max_stream_facts
        assert result.accepted == result.facts_read
        assert result.ByteSize() < CLIENT_RECEIVE
        stored = stored_keys(app, "fifty-")
        assert stored == {o.idempotency_key for o in result.outcomes}
        assert stored == {f.idempotency_key for f in sent[:result.facts_read]}
    finally:
        channel.close()
        server.stop(grace=1)
        app.rulesets.close()
        app.store.close()


def test_huge_keys_keep_the_real_servers_reply_and_memory_bounded(tmp_path):
    """24 messages of one 15 MB key each: the keys used to be echoed whole into the
    stream's reply (364 MiB -> 2.1 GiB of server memory for 40 of them), and each refused
    fact was kept alive by its error's traceback until the cyclic GC ran."""
    key_bytes, messages = 15 * MiB, 24
    with RealServer(new_database_url(tmp_path), tmp_path) as server:
        channel = grpc.insecure_channel(server.address, options=[
            ("grpc.max_send_message_length", 32 * MiB), ("grpc.max_receive_message_length", CLIENT_RECEIVE)])
        try:
            stub = facts_pb2_grpc.FactServiceStub(channel)
            rss_before, _ = server.memory_kib()
            batches = (fx.FactBatch(facts=[fact(key=f"{n:02d}" + "k" * key_bytes)]) for n in range(messages))
            result = stub.SubmitFacts(batches, timeout=TIMEOUT, metadata=server.metadata)
            _, peak = server.memory_kib()
        finally:
            channel.close()
    assert (result.rejected, result.accepted, result.facts_read) == (messages, 0, messages)
    assert result.ByteSize() < 16 * 1024
    for outcome in result.outcomes:
        assert outcome.code == grpc.StatusCode.INVALID_ARGUMENT.value[0]
        assert len(outcome.idempotency_key) < 100 and f"({key_bytes + 2} characters)" in outcome.idempotency_key
        assert [p.field for p in outcome.problems] == [f"facts[{outcome.index}].idempotency_key"]
    # Each message is parsed and dropped: the peak grows by the few messages in flight
    # (measured: +160..+270 MiB for 4 to 40 messages), not by all 360 MB of keys.
    print(f"server RSS before {rss_before // 1024} MiB, peak {peak // 1024} MiB")
    assert (peak - rss_before) * 1024 < 320 * MiB, (rss_before, peak)


def test_twenty_thousand_empty_messages_are_refused_at_the_message_cap(stubs):
    """They used to cost 7.4 s of server time (a database read each) and then reply OK."""
    cap = Limits().max_stream_messages
    with pytest.raises(grpc.RpcError) as err:
        stubs.facts.SubmitFacts((fx.FactBatch() for _ in range(20_000)), timeout=TIMEOUT)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert f"at most {cap} messages" in violations(err.value)["facts"]


def test_the_stream_caps_are_kaoping_server_flags(tmp_path):
    with RealServer(new_database_url(tmp_path), tmp_path, "--max-stream-facts", "4",
                    "--max-stream-messages", "3", "--max-reply-kb", "1024") as server:
        channel = grpc.insecure_channel(server.address)
        try:
            stub = facts_pb2_grpc.FactServiceStub(channel)
            submit = lambda batches: stub.SubmitFacts(iter(batches), timeout=TIMEOUT,  # noqa: E731
                                                      metadata=server.metadata)
            by_facts = submit([fx.FactBatch(facts=keyed("flag-f", 3)), fx.FactBatch(facts=keyed("flag-g", 2))])
            by_messages = submit([fx.FactBatch(facts=keyed("flag-m", 1))] + [fx.FactBatch()] * 3)
        finally:
            channel.close()
    assert (by_facts.facts_read, by_facts.stopped_early) == (3, True)
    assert "at most 4 facts" in by_facts.stop_reason
    assert (by_messages.facts_read, by_messages.messages_read, by_messages.stopped_early) == (1, 3, True)
