"""Paging of every List* RPC (hardening issue, point 5): a 90k-fact month lists
completely through a client with gRPC's default 4 MiB receive limit, tokens are stable
while facts are inserted between pages, bad tokens and sizes are INVALID_ARGUMENT, and
a page of large rows ends early rather than outgrowing the receive limit."""
from __future__ import annotations

import grpc
import pytest

from kaoping.api.paging import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from kaoping.v1 import audit_pb2 as au
from kaoping.v1 import facts_pb2 as fx
from kaoping.v1 import registry_pb2 as rg
from kaoping.v1 import rulesets_pb2 as rs
from kaoping.v1 import workflow_pb2 as wf
from tests.support.calls import list_all, violations
from tests.support.facts import fact, fact_input

TIMEOUT = 120
RECEIVE = 4 * 1024 * 1024       # the conftest channel's (gRPC's default) receive limit


def store_month(app, month: str, n: int, prefix: str, **kw) -> None:
    """n facts for a month straight through the use case, in stream-sized batches."""
    for start in range(0, n, 5000):
        facts = [fact_input(month=month, key=f"{prefix}-{i:06d}", official=f"v{i % 17 + 1:02d}-{i // 17 % 6 + 1}",
                            **kw) for i in range(start, min(n, start + 5000))]
        outcomes = app.submit_facts(facts)
        assert all(o.error is None for o in outcomes), next(o.error for o in outcomes if o.error)


def test_a_90k_fact_month_lists_completely_by_paging(stubs, grpc_servicer):
    store_month(grpc_servicer, "2026-04", 90_000, "ninety")
    request = fx.ListFactsRequest(month="2026-04")
    first = stubs.facts.ListFacts(request, timeout=TIMEOUT)
    assert len(first.facts) == DEFAULT_PAGE_SIZE and first.next_page_token
    facts = list_all(stubs.facts.ListFacts, fx.ListFactsRequest(month="2026-04", page_size=MAX_PAGE_SIZE),
                     "facts", timeout=TIMEOUT)
    ids = [f.id for f in facts]
    assert len(ids) == 90_000 and ids == sorted(set(ids))
    assert {f.fact.idempotency_key for f in facts} == {f"ninety-{i:06d}" for i in range(90_000)}


def test_tokens_are_stable_while_facts_are_inserted_between_pages(stubs, grpc_servicer):
    store_month(grpc_servicer, "2026-05", 25, "stable")
    request = fx.ListFactsRequest(month="2026-05", page_size=10)
    seen, pages = [], 0
    while True:
        page = stubs.facts.ListFacts(request, timeout=TIMEOUT)
        seen += [f.fact.idempotency_key for f in page.facts]
        pages += 1
        if pages == 1:     # a writer adds facts while the reader is between pages
            store_month(grpc_servicer, "2026-05", 7, "stable-late")
        if not page.next_page_token:
            break
        assert pages < 10
        request.page_token = page.next_page_token
    assert len(seen) == len(set(seen)) == 32
    assert set(seen) == {f"stable-{i:06d}" for i in range(25)} | {f"stable-late-{i:06d}" for i in range(7)}


def test_a_correction_on_a_later_page_still_marks_the_fact_it_voids(stubs):
    first = stubs.facts.SubmitFact(fx.SubmitFactRequest(fact=fact(month="2026-06", key="void-me")))
    correction = stubs.facts.CorrectFact(fx.CorrectFactRequest(
        fact_id=first.fact_id, reason="wrong official", scorer_id="main-01", idempotency_key="void-it"))
    page = stubs.facts.ListFacts(fx.ListFactsRequest(month="2026-06", page_size=1), timeout=TIMEOUT)
    assert [f.id for f in page.facts] == [first.fact_id] and page.next_page_token
    assert page.facts[0].voided_by_fact_id == correction.correction.fact_id


def test_a_page_of_large_facts_ends_early_under_the_receive_limit(stubs, grpc_servicer):
    store_month(grpc_servicer, "2026-07", 700, "big-note", note="𠀀" * 2000)   # 8 KB a note
    request = fx.ListFactsRequest(month="2026-07", page_size=MAX_PAGE_SIZE)
    page = stubs.facts.ListFacts(request, timeout=TIMEOUT)
    assert 0 < len(page.facts) < 700 and page.next_page_token
    assert page.ByteSize() < RECEIVE
    everything = list_all(stubs.facts.ListFacts, request, "facts", timeout=TIMEOUT)
    assert len(everything) == 700


@pytest.mark.parametrize("size, token, field", [
    (-1, "", "page_size"), (MAX_PAGE_SIZE + 1, "", "page_size"), (0, "garbage", "page_token"),
    (0, "W10=", "page_token"), (0, "x" * 1000, "page_token"), (0, "WzEsIjEiLCJ4Il0=", "page_token"),
])
def test_bad_page_sizes_and_tokens_are_invalid_argument(stubs, size, token, field):
    with pytest.raises(grpc.RpcError) as err:
        stubs.facts.ListFacts(fx.ListFactsRequest(month="2026-03", page_size=size, page_token=token),
                              timeout=TIMEOUT)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field in violations(err.value)


def test_a_token_is_refused_by_another_query_or_another_list(stubs, grpc_servicer):
    store_month(grpc_servicer, "2026-08", 3, "other")
    token = stubs.facts.ListFacts(fx.ListFactsRequest(month="2026-08", page_size=1)).next_page_token
    assert token
    for call, request in [(stubs.facts.ListFacts, fx.ListFactsRequest(month="2026-03", page_token=token)),
                          (stubs.audit.ListAuditEntries, au.ListAuditEntriesRequest(page_token=token)),
                          (stubs.registry.ListVillages, rg.ListVillagesRequest(page_token=token))]:
        with pytest.raises(grpc.RpcError) as err:
            call(request, timeout=TIMEOUT)
        assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert "page_token" in violations(err.value)


def test_every_list_rpc_pages(stubs):
    def paged(method, request, field, size):
        request.page_size = size
        first = method(request, timeout=TIMEOUT)
        whole = list_all(method, request, field, timeout=TIMEOUT)
        request.page_size = MAX_PAGE_SIZE if method != stubs.audit.ListAuditEntries else 10_000
        unpaged = getattr(method(request, timeout=TIMEOUT), field)
        assert [x.SerializeToString() for x in whole] == [x.SerializeToString() for x in unpaged]
        return first, whole

    first, villages = paged(stubs.registry.ListVillages, rg.ListVillagesRequest(), "villages", 5)
    assert len(first.villages) == 5 and first.next_page_token and len(villages) == 17
    first, officials = paged(stubs.registry.ListOfficials, rg.ListOfficialsRequest(), "officials", 10)
    assert len(first.officials) == 10 and len(officials) == 17 * 6
    _, scorers = paged(stubs.registry.ListScorers, rg.ListScorersRequest(), "scorers", 1)
    assert len(scorers) >= 2
    _, versions = paged(stubs.rulesets.ListRuleSets, rs.ListRuleSetsRequest(), "versions", 1)
    assert versions
    first, entries = paged(stubs.audit.ListAuditEntries, au.ListAuditEntriesRequest(), "entries", 2)
    assert len(first.entries) == 2 and len(entries) > 2
    assert [e.id for e in entries] == sorted({e.id for e in entries})
    _, appeals = paged(stubs.workflow.ListAppeals, wf.ListAppealsRequest(), "appeals", 1)
    assert appeals == []
    # The old `limit` of ListAuditEntries is the page size when page_size is not given.
    old = stubs.audit.ListAuditEntries(au.ListAuditEntriesRequest(limit=1), timeout=TIMEOUT)
    assert len(old.entries) == 1 and old.next_page_token
