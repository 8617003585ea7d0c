"""StreamFacts (issue 16, point 3): one FactAck per message, in order, sent once the
message's facts are committed, so a sender that loses the stream knows exactly what is
stored: the acknowledged messages, and perhaps the one whose ack it never saw (a resend
of it comes back as duplicates). The same caps as SubmitFacts; past one, a last ack with
`stopped`, nothing of that message stored, and the stream ends OK. On a real Server
(auth interceptor, admission), on SQLite, and on PostgreSQL with KAOPING_TEST_PG_URL."""
from __future__ import annotations

import threading

import grpc
import pytest

from kaoping.ops.limits import Limits
from kaoping.ops.server import Server
from kaoping.usecases.tokens import Tokens
from kaoping.v1 import facts_pb2 as fx
from tests.support.apps import make_app
from tests.support.calls import stubs_for
from tests.support.facts import fact

TIMEOUT = 120
REPLY = 32 * 1024           # reply budget 32 KiB - 16 KiB margin = 16,384 bytes of outcomes an ack
WAIT = 60                   # seconds a test waits for the server's handler thread, at most


def keyed(prefix: str, n: int, start: int = 0) -> list[fx.Fact]:
    return [fact(key=f"{prefix}-{i:06d}") for i in range(start, start + n)]


def messages(facts: list[fx.Fact], size: int, first_sequence: int = 100) -> list[fx.FactBatch]:
    return [fx.FactBatch(facts=facts[i:i + size], sequence=first_sequence + i // size)
            for i in range(0, len(facts), size)]


def stored(app, prefix: str) -> list[str]:
    """Keys stored with the prefix, one entry per row (a double would show twice)."""
    return sorted(r.idempotency_key for r in app.store.facts("2026-03")
                  if r.idempotency_key.startswith(prefix))


@pytest.fixture
def small(db_url):
    """A real Server with small stream caps, so their edges are cheap to reach."""
    app = make_app(db_url)
    app.limits = Limits(max_batch=10, max_stream_facts=30, max_stream_messages=8,
                        max_reply_bytes=REPLY)
    server = Server(app, "127.0.0.1:0")
    server.start()
    tokens = Tokens(app.store)
    channel = grpc.insecure_channel(f"127.0.0.1:{server.port}")
    yield stubs_for(channel, tokens.create("系统", "admin")[0]), app, lambda *a, **k: stubs_for(
        channel, tokens.create(*a, **k)[0])
    channel.close()
    server.stop(grace=1)
    app.rulesets.close()
    app.store.close()


def test_each_message_gets_one_ack_in_order_once_stored(small):
    stubs, app, _ = small
    sent = keyed("order", 25)
    acks = list(stubs.facts.StreamFacts(iter(messages(sent, 10)), timeout=TIMEOUT))
    assert [(a.sequence, a.message_index, a.first_index) for a in acks] == [
        (100, 0, 0), (101, 1, 10), (102, 2, 20)]
    assert [(a.accepted, a.rejected, a.duplicates, a.stopped) for a in acks] == [
        (10, 0, 0, False), (10, 0, 0, False), (5, 0, 0, False)]
    # outcome indices are stream-wide, each with its receipt
    assert [o.index for a in acks for o in a.outcomes] == list(range(25))
    assert [o.idempotency_key for a in acks for o in a.outcomes] == [f.idempotency_key for f in sent]
    assert all(o.accepted and o.receipt.fact_id and not o.receipt.duplicate for a in acks for o in a.outcomes)
    assert stored(app, "order-") == sorted(f.idempotency_key for f in sent)


def test_an_empty_message_is_acknowledged_too(small):
    stubs, app, _ = small
    acks = list(stubs.facts.StreamFacts(iter([fx.FactBatch(sequence=7), fx.FactBatch(
        facts=keyed("empty", 2), sequence=8)]), timeout=TIMEOUT))
    assert [(a.sequence, a.message_index, a.first_index, a.accepted) for a in acks] == [
        (7, 0, 0, 0), (8, 1, 0, 2)]


def test_bad_facts_are_refused_one_by_one_and_the_good_ones_stored(small):
    stubs, app, _ = small
    good = keyed("mixed", 2)
    bad = fact(key="mixed-bad", category="no_such_category")
    ack, = stubs.facts.StreamFacts(iter([fx.FactBatch(facts=[good[0], bad, good[1]], sequence=1)]),
                                   timeout=TIMEOUT)
    assert (ack.accepted, ack.rejected) == (2, 1)
    refused = ack.outcomes[1]
    assert not refused.accepted and refused.code == grpc.StatusCode.INVALID_ARGUMENT.value[0]
    assert [p.field for p in refused.problems] == ["facts[1].category"]
    assert "unknown category" in refused.problems[0].description
    assert stored(app, "mixed-") == sorted(f.idempotency_key for f in good)


def test_a_resend_of_the_unacknowledged_and_one_acknowledged_message_stores_nothing_twice(small):
    stubs, app, _ = small
    sent = keyed("resend", 30)
    batches = messages(sent, 10)
    first = list(stubs.facts.StreamFacts(iter(batches[:2]), timeout=TIMEOUT))
    assert [a.accepted for a in first] == [10, 10]
    # the sender resends message 1 (its ack "lost") and the never-sent message 2
    again = list(stubs.facts.StreamFacts(iter(batches[1:]), timeout=TIMEOUT))
    assert [(a.sequence, a.accepted, a.duplicates) for a in again] == [(101, 10, 10), (102, 10, 0)]
    assert [o.receipt.fact_id for o in again[0].outcomes] == [o.receipt.fact_id for o in first[1].outcomes]
    assert stored(app, "resend-") == sorted(f.idempotency_key for f in sent)   # each once


def _check_after_cancel(app, batches, acked: int, prefix: str, stubs) -> None:
    """The contract after a sender lost its stream having seen `acked` acks: every
    acknowledged message is stored, each message is stored whole or not at all, and a
    resend of everything unacknowledged plus the last acknowledged message returns
    duplicates for whatever was stored and stores the rest, nothing twice."""
    keys = set(stored(app, prefix))
    for n, batch in enumerate(batches):
        message_keys = {f.idempotency_key for f in batch.facts}
        if n < acked:
            assert message_keys <= keys, f"acknowledged message {n} is not stored"
        else:
            assert message_keys <= keys or not message_keys & keys, f"message {n} stored in part"
    resend = batches[acked - 1:]
    acks = list(stubs.facts.StreamFacts(iter(resend), timeout=TIMEOUT))
    assert len(acks) == len(resend) and not any(a.stopped for a in acks)
    for ack, batch in zip(acks, resend):
        # stored when looked at: duplicates; not yet: either (the server's commit of a
        # message whose ack was lost may still land before the resend), but whole
        was_stored = {f.idempotency_key for f in batch.facts} <= keys
        assert ack.accepted == 10 and ack.duplicates in ((10,) if was_stored else (0, 10)), ack.sequence
    every = sorted(f.idempotency_key for b in batches for f in b.facts)
    assert stored(app, prefix) == every


def test_a_sender_that_cancels_after_k_acks_finds_exactly_the_acked_messages_stored(small):
    stubs, app, _ = small
    batches = messages(keyed("cancel", 30), 10)
    call = stubs.facts.StreamFacts(iter(batches), timeout=TIMEOUT)
    first = next(call)
    assert first.message_index == 0
    call.cancel()
    _check_after_cancel(app, batches, 1, "cancel-", stubs)


def test_a_cancel_racing_a_commit_leaves_a_stored_message_whose_resend_is_duplicates(small):
    """The sender cancels while message 1 is being committed: the commit completes
    (durable), its ack is never seen, and the resend finds it by its keys."""
    stubs, app, _ = small
    batches = messages(keyed("race", 30), 10)
    entered, cancelled, committed = threading.Event(), threading.Event(), threading.Event()
    original, calls = app.store.insert_fact_values, []

    def insert_after_the_cancel(values, audit=None):
        calls.append(len(values))
        if len(calls) == 2:                 # message 1: hold its commit until the cancel
            entered.set()
            assert cancelled.wait(WAIT)
            try:
                return original(values, audit)
            finally:
                committed.set()
        return original(values, audit)

    app.store.insert_fact_values = insert_after_the_cancel
    call = stubs.facts.StreamFacts(iter(batches), timeout=TIMEOUT)
    assert next(call).message_index == 0
    assert entered.wait(WAIT)               # the server is storing message 1
    call.cancel()
    cancelled.set()
    assert committed.wait(WAIT)
    with pytest.raises(grpc.RpcError) as err:
        next(call)
    assert err.value.code() == grpc.StatusCode.CANCELLED
    app.store.insert_fact_values = original
    assert set(stored(app, "race-")) >= {f.idempotency_key for f in batches[1].facts}   # stored, not acked
    _check_after_cancel(app, batches, 1, "race-", stubs)


def test_exactly_at_the_caps_the_stream_is_complete(small):
    stubs, app, _ = small
    batches = messages(keyed("edge", 30), 10) + [fx.FactBatch(sequence=200 + n) for n in range(5)]
    acks = list(stubs.facts.StreamFacts(iter(batches), timeout=TIMEOUT))
    assert len(acks) == 8 and not any(a.stopped for a in acks)
    assert sum(a.accepted for a in acks) == 30


def test_past_the_fact_cap_one_stopped_ack_nothing_of_that_message_stored_and_an_ok_end(small):
    stubs, app, _ = small
    sent = keyed("cap", 40)
    acks = list(stubs.facts.StreamFacts(iter(messages(sent, 10)), timeout=TIMEOUT))   # no error
    assert [a.stopped for a in acks] == [False, False, False, True]
    last = acks[-1]
    assert (last.sequence, last.message_index, last.first_index) == (103, 3, 30)
    assert (last.accepted, last.rejected, len(last.outcomes)) == (0, 0, 0)
    assert "at most 30 facts in one stream" in last.stop_reason and "index 30" in last.stop_reason
    assert stored(app, "cap-") == sorted(f.idempotency_key for f in sent[:30])
    # resent from that message in a new stream, the set is complete
    rest = list(stubs.facts.StreamFacts(iter(messages(sent[30:], 10, 103)), timeout=TIMEOUT))
    assert [(a.sequence, a.accepted) for a in rest] == [(103, 10)]
    assert stored(app, "cap-") == sorted(f.idempotency_key for f in sent)


def test_past_the_message_cap_the_ninth_message_is_stopped(small):
    stubs, app, _ = small
    batches = [fx.FactBatch(sequence=n) for n in range(8)] + [fx.FactBatch(facts=keyed("ninth", 1), sequence=8)]
    acks = list(stubs.facts.StreamFacts(iter(batches), timeout=TIMEOUT))
    assert [a.stopped for a in acks] == [False] * 8 + [True]
    assert "at most 8 messages" in acks[-1].stop_reason and acks[-1].sequence == 8
    assert stored(app, "ninth-") == []


@pytest.mark.parametrize("first", [True, False])
def test_a_message_over_the_per_message_cap_is_stopped_first_or_later(small, first):
    stubs, app, _ = small
    before = [] if first else [fx.FactBatch(facts=keyed(f"big{first}-ok", 10), sequence=1)]
    acks = list(stubs.facts.StreamFacts(iter(before + [fx.FactBatch(facts=keyed(f"big{first}", 11), sequence=2)]),
                                        timeout=TIMEOUT))
    assert [a.stopped for a in acks] == [False] * len(before) + [True]
    assert "has 11 facts; at most 10 in one message" in acks[-1].stop_reason
    assert stored(app, f"big{first}-0") == []


def test_each_ack_stays_within_the_reply_budget_at_its_edge(small):
    """Seven facts with the longest keys (200 characters, nearly all of 4 bytes) fit one ack's
    16,384 bytes (7 x 2,132); eight do not, and are stopped before anything is stored."""
    stubs, app, _ = small
    key = lambda tag, i: (f"{tag}{i}-" + "\U00020000" * 200)[:200]   # noqa: E731  4-byte characters
    seven = [fact(key=key("a", i)) for i in range(7)]
    eight = [fact(key=key("b", i)) for i in range(8)]
    acks = list(stubs.facts.StreamFacts(iter([fx.FactBatch(facts=seven, sequence=1),
                                              fx.FactBatch(facts=eight, sequence=2)]), timeout=TIMEOUT))
    assert [a.stopped for a in acks] == [False, True]
    assert acks[0].accepted == 7 and acks[0].ByteSize() <= REPLY - 16 * 1024
    assert "acknowledgement past 16384 bytes" in acks[1].stop_reason
    assert not any(r.idempotency_key.startswith("b") for r in app.store.facts("2026-03"))


def test_a_village_token_may_not_stream_facts(small):
    stubs, app, token_stubs = small
    village = token_stubs("上山村党支部", "village", village_id="v01")
    with pytest.raises(grpc.RpcError) as err:
        list(village.facts.StreamFacts(iter(messages(keyed("village", 2), 10)), timeout=TIMEOUT))
    assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert stored(app, "village-") == []


def test_submit_facts_is_unchanged_beside_it(small):
    stubs, app, _ = small
    result = stubs.facts.SubmitFacts(iter(messages(keyed("classic", 20), 10)), timeout=TIMEOUT)
    assert (result.accepted, result.facts_read, result.messages_read, result.stopped_early) == (20, 20, 2, False)
