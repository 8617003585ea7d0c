"""FactService over a real gRPC server on loopback (pytest-grpc): facts in, bad input
out with a precise status, and nothing stored when a fact is refused."""
import grpc
import pytest

from kaoping.v1 import facts_pb2 as fx
from tests.support.calls import violations
from tests.support.facts import fact

MONTH = "2026-04"


def count(stubs, month=MONTH) -> int:
    return len(stubs.facts.ListFacts(fx.ListFactsRequest(month=month)).facts)


def test_submit_is_durable_and_idempotent(stubs, grpc_servicer):
    msg = fact(month=MONTH, key="idem-1", note="10月8日例会缺席")
    first = stubs.facts.SubmitFact(fx.SubmitFactRequest(fact=msg))
    again = stubs.facts.SubmitFact(fx.SubmitFactRequest(fact=msg))
    assert first.fact_id > 0 and not first.duplicate
    assert again.fact_id == first.fact_id and again.duplicate
    # committed before the reply: a separate connection to the database sees it
    from kaoping.storage.store import Store
    other = Store(grpc_servicer.store.url)
    try:
        assert other.fact(first.fact_id).note == "10月8日例会缺席"
    finally:
        other.close()


def test_key_reused_for_a_different_fact_is_refused(stubs):
    stubs.facts.SubmitFact(fx.SubmitFactRequest(fact=fact(month=MONTH, key="idem-2")))
    before = count(stubs)
    with pytest.raises(grpc.RpcError) as err:
        stubs.facts.SubmitFact(fx.SubmitFactRequest(fact=fact(month=MONTH, key="idem-2", quantity="2")))
    assert err.value.code() == grpc.StatusCode.ALREADY_EXISTS
    assert "fact.idempotency_key" in violations(err.value)
    assert count(stubs) == before


BAD = [
    ("unknown official", dict(official="v99-9"), grpc.StatusCode.NOT_FOUND, "fact.official_id"),
    ("unknown scorer", dict(scorer="nobody"), grpc.StatusCode.NOT_FOUND, "fact.scorer_id"),
    ("unknown category", dict(category="sports"), grpc.StatusCode.INVALID_ARGUMENT, "fact.category"),
    ("unknown kind", dict(kind="sleeping"), grpc.StatusCode.INVALID_ARGUMENT, "fact.kind"),
    ("malformed month", dict(month="2026-13"), grpc.StatusCode.INVALID_ARGUMENT, "fact.month"),
    ("month as text", dict(month="March"), grpc.StatusCode.INVALID_ARGUMENT, "fact.month"),
    ("future month", dict(month="2027-01"), grpc.StatusCode.INVALID_ARGUMENT, "fact.month"),
    ("ancient month", dict(month="1999-12"), grpc.StatusCode.INVALID_ARGUMENT, "fact.month"),
    ("future date", dict(month="", date="2026-11-30"), grpc.StatusCode.INVALID_ARGUMENT, "fact.date"),
    ("impossible date", dict(month="", date="2026-02-30"), grpc.StatusCode.INVALID_ARGUMENT, "fact.date"),
    ("no month or date", dict(month=""), grpc.StatusCode.INVALID_ARGUMENT, "fact.month"),
    ("negative quantity", dict(quantity="-1"), grpc.StatusCode.INVALID_ARGUMENT, "fact.quantity"),
    ("zero quantity", dict(quantity="0"), grpc.StatusCode.INVALID_ARGUMENT, "fact.quantity"),
    ("absurd quantity", dict(quantity="100000"), grpc.StatusCode.INVALID_ARGUMENT, "fact.quantity"),
    ("quantity not a number", dict(quantity="lots"), grpc.StatusCode.INVALID_ARGUMENT, "fact.quantity"),
    ("quantity NaN", dict(quantity="NaN"), grpc.StatusCode.INVALID_ARGUMENT, "fact.quantity"),
    ("missing key", dict(key=""), grpc.StatusCode.INVALID_ARGUMENT, "fact.idempotency_key"),
    ("huge note", dict(note="x" * 5000), grpc.StatusCode.INVALID_ARGUMENT, "fact.note"),
    ("station scoring study", dict(category="study", kind="study_absent", scorer="station-01"),
     grpc.StatusCode.PERMISSION_DENIED, "fact.scorer_id"),
    ("resident cadre scoring key tasks", dict(category="key_tasks", kind="task_not_done",
                                              scorer="resident-01"),
     grpc.StatusCode.PERMISSION_DENIED, "fact.scorer_id"),
]


@pytest.mark.parametrize("name,change,code,field", BAD, ids=[b[0] for b in BAD])
def test_bad_fact_gets_clear_status_and_changes_nothing(stubs, name, change, code, field):
    kwargs = dict(month=MONTH)
    kwargs.update(change)
    if kwargs.get("key") == "":
        msg = fact(**{k: v for k, v in kwargs.items() if k != "key"})
        msg.idempotency_key = ""
    else:
        msg = fact(**kwargs)
    before = count(stubs)
    with pytest.raises(grpc.RpcError) as err:
        stubs.facts.SubmitFact(fx.SubmitFactRequest(fact=msg))
    assert err.value.code() == code
    assert field in violations(err.value), violations(err.value)
    assert count(stubs) == before


def test_several_problems_are_all_reported(stubs):
    msg = fact(month="2026-13", category="sports", quantity="-2")
    msg.idempotency_key = ""
    with pytest.raises(grpc.RpcError) as err:
        stubs.facts.SubmitFact(fx.SubmitFactRequest(fact=msg))
    assert set(violations(err.value)) >= {"fact.month", "fact.category", "fact.quantity",
                                          "fact.idempotency_key"}


def test_stream_keeps_good_facts_and_reports_bad_ones(stubs):
    before = count(stubs)
    batches = [fx.FactBatch(facts=[fact(month=MONTH, key="s-1"), fact(month=MONTH, official="nope", key="s-2"),
                                   fact(month=MONTH, key="s-3", quantity="2")]),
               fx.FactBatch(facts=[fact(month=MONTH, key="s-1"),        # resend: duplicate
                                   fact(month=MONTH, key="s-4", category="study", kind="study_absent",
                                        scorer="station-01")])]
    result = stubs.facts.SubmitFacts(iter(batches))
    assert (result.accepted, result.rejected, result.duplicates) == (3, 2, 1)
    by_index = {o.index: o for o in result.outcomes}
    assert by_index[0].accepted and by_index[2].accepted and by_index[3].accepted
    assert by_index[3].receipt.fact_id == by_index[0].receipt.fact_id and by_index[3].receipt.duplicate
    assert not by_index[1].accepted and by_index[1].code == grpc.StatusCode.NOT_FOUND.value[0]
    assert by_index[1].problems[0].field == "facts[1].official_id"
    assert not by_index[4].accepted and by_index[4].code == grpc.StatusCode.PERMISSION_DENIED.value[0]
    assert count(stubs) == before + 2


def test_oversize_batch_is_refused_whole(stubs):
    before = count(stubs)
    batch = fx.FactBatch(facts=[fact(month=MONTH) for _ in range(5001)])
    with pytest.raises(grpc.RpcError) as err:
        stubs.facts.SubmitFacts(iter([batch]))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "facts" in violations(err.value)
    assert count(stubs) == before


def test_correction_voids_by_adding_a_fact(stubs):
    original = stubs.facts.SubmitFact(fx.SubmitFactRequest(fact=fact(month="2026-05", official="v02-1")))
    response = stubs.facts.CorrectFact(fx.CorrectFactRequest(
        fact_id=original.fact_id, reason="he was on approved leave", scorer_id="main-01",
        idempotency_key="fix-1", replacement=fact(month="2026-05", official="v02-1", kind="meeting_late",
                                                  key="fix-1-new")))
    listed = {f.id: f for f in stubs.facts.ListFacts(fx.ListFactsRequest(month="2026-05")).facts}
    assert listed[original.fact_id].voided_by_fact_id == response.correction.fact_id  # still there
    assert listed[response.correction.fact_id].voids_fact_id == original.fact_id
    assert listed[response.replacement.fact_id].fact.kind == "meeting_late"
    with pytest.raises(grpc.RpcError) as err:
        stubs.facts.CorrectFact(fx.CorrectFactRequest(fact_id=original.fact_id, reason="again",
                                                      scorer_id="main-01", idempotency_key="fix-2"))
    assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION   # the fact's state, not the request
    with pytest.raises(grpc.RpcError) as err:
        stubs.facts.CorrectFact(fx.CorrectFactRequest(fact_id=999999, reason="x", scorer_id="main-01",
                                                      idempotency_key="fix-3"))
    assert err.value.code() == grpc.StatusCode.NOT_FOUND
    with pytest.raises(grpc.RpcError) as err:
        stubs.facts.CorrectFact(fx.CorrectFactRequest(fact_id=original.fact_id, reason="",
                                                      scorer_id="main-01", idempotency_key="fix-4"))
    assert "reason" in violations(err.value)
