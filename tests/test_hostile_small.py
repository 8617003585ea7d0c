"""Small hardening points (issue point 13) through the real FactService on loopback:
quantities equal to a value within three decimals are accepted, idempotency keys need a
visible character and no outer whitespace, and a refusal changes nothing."""
from __future__ import annotations

import grpc
import pytest

from kaoping.v1 import facts_pb2 as fx
from tests.support.calls import violations
from tests.support.facts import fact

TIMEOUT = 60


def submit(stubs, **kw):
    return stubs.facts.SubmitFact(fx.SubmitFactRequest(fact=fact(**kw)), timeout=TIMEOUT)


@pytest.mark.parametrize("text, stored", [("1.0000", "1"), ("2.50", "2.5"), ("3.125000", "3.125"),
                                          ("0010.000", "10")])
def test_trailing_zeros_do_not_count_as_decimal_places(stubs, text, stored):
    receipt = submit(stubs, quantity=text, key=f"zeros-{text}")
    listed = stubs.facts.ListFacts(fx.ListFactsRequest(month="2026-03"), timeout=TIMEOUT).facts
    assert [f.fact.quantity for f in listed if f.id == receipt.fact_id] == [stored]
    # Equal quantities are the same fact: a resend written differently is a duplicate.
    assert submit(stubs, quantity=stored, key=f"zeros-{text}").duplicate


@pytest.mark.parametrize("text", ["1.0001", "2.5000001", "0.0005", "1.00000000000000000000000000001"])
def test_more_than_three_real_decimals_are_still_refused(stubs, text):
    with pytest.raises(grpc.RpcError) as err:
        submit(stubs, quantity=text)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "decimal places" in violations(err.value)["fact.quantity"]


@pytest.mark.parametrize("key, why", [
    (" ", "whitespace"), ("\u3000", "whitespace"), (" k1", "whitespace"), ("k1 ", "whitespace"),
    ("k\t1", "control character"), ("\u200b", "visible character"), ("\u200b\u200d", "visible character"),
])
def test_an_idempotency_key_needs_a_visible_character_and_no_outer_whitespace(stubs, key, why):
    before = len(stubs.facts.ListFacts(fx.ListFactsRequest(month="2026-03"), timeout=TIMEOUT).facts)
    with pytest.raises(grpc.RpcError) as err:
        submit(stubs, key=key)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert why in violations(err.value)["fact.idempotency_key"]
    result = stubs.facts.SubmitFacts(iter([fx.FactBatch(facts=[fact(key=key)])]), timeout=TIMEOUT)
    assert result.rejected == 1 and result.outcomes[0].problems[0].field == "facts[0].idempotency_key"
    correction = fx.CorrectFactRequest(fact_id=submit(stubs).fact_id, reason="wrong", scorer_id="main-01",
                                       idempotency_key=key)
    with pytest.raises(grpc.RpcError) as err:
        stubs.facts.CorrectFact(correction, timeout=TIMEOUT)
    assert why in violations(err.value)["idempotency_key"]
    after = len(stubs.facts.ListFacts(fx.ListFactsRequest(month="2026-03"), timeout=TIMEOUT).facts)
    assert after == before + 1     # only the fact submitted to be corrected


@pytest.mark.parametrize("key", ["a b", "键", "🔑\u200d🔑", "k-1"])
def test_keys_with_inner_spaces_or_any_visible_text_are_fine(stubs, key):
    assert submit(stubs, key=key).idempotency_key == key
