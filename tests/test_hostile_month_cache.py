"""Hardening points 7 and 10: the month cache replaces a month's entry after a write
and is bounded by memory; concurrent readers of a month share one computation, an
abandoned call stops, and the per-caller limit is keyed by token. A real Server on
loopback, a real database (SQLite, or PostgreSQL with KAOPING_TEST_PG_URL)."""
from __future__ import annotations

import gc
import threading
import time
from concurrent import futures

import grpc
import pytest

from kaoping.usecases.scores import MonthScores
from kaoping.ops.limits import Limits
from kaoping.usecases.tokens import Tokens
from kaoping.v1 import evaluation_pb2 as ev
from kaoping.v1 import facts_pb2 as fx
from kaoping.v1 import registry_pb2 as rg
from tests.support.apps import make_app
from tests.support.calls import stubs_for
from tests.support.facts import bulk_facts, fact
from tests.support.servers import running_server

TIMEOUT = 60


def live_month_scores(month: str) -> int:
    """MonthScores objects of `month` still alive in this process (cached or not)."""
    gc.collect()
    return sum(1 for o in gc.get_objects() if isinstance(o, MonthScores) and o.month == month)


def count_computations(app) -> list[int]:
    """Counts full-month computations (from all the month's rows) by wrapping the real one."""
    calls, real = [0], app._kept

    def counted(*args, **kwargs):
        calls[0] += 1
        return real(*args, **kwargs)
    app._kept = counted
    return calls


def test_writes_replace_the_months_entry_instead_of_piling_up_copies(app):
    bulk_facts(app, "2024-02", 600)
    token = Tokens(app.store).create("镇办公室", "admin")[0]
    with running_server(app, workers=8) as (_, channel):
        stubs = stubs_for(channel, token)
        for n in range(64):
            stubs.facts.SubmitFact(fx.SubmitFactRequest(fact=fact(month="2024-02", key=f"pair-{n}")),
                                   timeout=TIMEOUT)
            ranking = stubs.evaluation.GetRanking(ev.GetRankingRequest(month="2024-02"), timeout=TIMEOUT)
            assert len(ranking.officials) == 102
        assert live_month_scores("2024-02") == 1     # before: one stale full copy per write (64)


def test_the_cache_is_bounded_by_estimated_memory_and_by_entries(db_url):
    from kaoping.usecases.month_cache import estimate_bytes
    app = make_app(db_url)
    app.limits = Limits(month_cache_entries=2, month_cache_mb=1)
    app.month_cache.max_entries, app.month_cache.max_bytes = 2, 2**20
    try:
        for month in ("2024-03", "2024-04", "2024-05"):
            bulk_facts(app, month, 300)                 # about 0.2 MiB each when cached
        for month in ("2024-03", "2024-04", "2024-05"):
            app.monthly_scores(month)
        assert len(app.month_cache) == 2                # at the entry bound: oldest out
        assert app.month_cache.bytes <= 2**20
        bulk_facts(app, "2024-06", 2000)                # estimated above the whole bound
        big = app.monthly_scores("2024-06")
        assert estimate_bytes(big) > 2**20 and len(big.scores) == 102
        assert len(app.month_cache) == 2 and app.month_cache.bytes <= 2**20   # served, not kept
        computed = count_computations(app)
        app.monthly_scores("2024-05")
        assert computed[0] == 0                         # still cached: most recently used
    finally:
        app.rulesets.close()
        app.store.close()


def test_cold_readers_with_a_tiny_deadline_compute_once_and_do_not_lock_the_caller_out(app):
    bulk_facts(app, "2024-07", 20_000)      # a month that takes far longer than the deadline
    computed = count_computations(app)
    token = Tokens(app.store).create("排名看板", "reader")[0]
    with running_server(app, workers=16) as (server, channel):
        stubs = stubs_for(channel, token)
        calls = [stubs.evaluation.GetRanking.future(ev.GetRankingRequest(month="2024-07"), timeout=0.3)
                 for _ in range(10)]
        codes = []
        for call in calls:
            try:
                call.result()
                codes.append(grpc.StatusCode.OK)
            except grpc.RpcError as exc:
                codes.append(exc.code())
        assert grpc.StatusCode.DEADLINE_EXCEEDED in codes
        assert computed[0] <= 1             # before: every cold reader computed it (8 at once)
        # the abandoned calls give their slots back: the same caller is served again
        deadline = time.monotonic() + 10
        while True:
            try:
                stubs.registry.ListVillages(rg.ListVillagesRequest(), timeout=TIMEOUT)
                break
            except grpc.RpcError as exc:
                assert exc.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
                assert time.monotonic() < deadline, "the caller is still refused 10 s later"
                time.sleep(0.05)
        ranking = stubs.evaluation.GetRanking(ev.GetRankingRequest(month="2024-07"), timeout=TIMEOUT)
        assert len(ranking.officials) == 102 and computed[0] <= 2


def test_concurrent_readers_share_one_computation(app):
    bulk_facts(app, "2024-08", 3000)
    computed = count_computations(app)
    token = Tokens(app.store).create("排名看板", "reader")[0]
    with running_server(app, workers=16) as (_, channel):
        stubs = stubs_for(channel, token)
        start = threading.Barrier(6)

        def read(_):
            start.wait(TIMEOUT)
            return stubs.evaluation.GetRanking(ev.GetRankingRequest(month="2024-08"), timeout=TIMEOUT)
        with futures.ThreadPoolExecutor(6) as pool:
            answers = list(pool.map(read, range(6)))
    assert computed[0] == 1
    assert len({a.SerializeToString() for a in answers}) == 1


def test_the_per_caller_limit_is_per_token_not_per_name(app):
    app.limits = Limits(max_concurrent_per_caller=1)
    issue = Tokens(app.store).create
    first, second = issue("考勤系统", "admin")[0], issue("考勤系统", "admin")[0]
    with running_server(app, workers=8) as (server, channel):
        release, started = threading.Event(), threading.Event()

        def held_open():
            yield fx.FactBatch(facts=[fact(key="held-open")])
            started.set()
            release.wait(TIMEOUT)

        holder = threading.Thread(target=lambda: stubs_for(channel, first).facts.SubmitFacts(
            held_open(), timeout=TIMEOUT))
        holder.start()
        try:
            assert started.wait(TIMEOUT)
            for _ in range(500):                    # until the server holds the stream's slot
                if server.auth._in_flight:
                    break
                time.sleep(0.01)
            with pytest.raises(grpc.RpcError) as same:
                stubs_for(channel, first).registry.ListVillages(rg.ListVillagesRequest(), timeout=TIMEOUT)
            assert same.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
            # another token issued under the same name is another caller
            assert stubs_for(channel, second).registry.ListVillages(
                rg.ListVillagesRequest(), timeout=TIMEOUT).villages
        finally:
            release.set()
            holder.join(TIMEOUT)


def test_readers_racing_writes_run_one_computation_of_a_month_at_a_time(app):
    """The mixed-load benchmark: every write moves the month's watermark, and each reader
    that came with a new watermark started its own full computation, all at once (each
    holding the month's facts): server memory went 93 -> 632 MiB. Now one computation of
    a month runs at a time and the readers that queued meanwhile share the next one."""
    running, peak, lock = [0], [0], threading.Lock()
    real = app._month_value      # every computation of a cached month, whole or from the kept one

    def tracked(*args, **kwargs):
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        try:
            time.sleep(0.05)             # a month long enough to overlap the next write
            return real(*args, **kwargs)
        finally:
            with lock:
                running[0] -= 1
    app._month_value = tracked
    stop = time.monotonic() + 3

    def write_and_read(n: int):
        reads = 0
        while time.monotonic() < stop:
            app.submit_fact(fact_input_for(n, reads))
            app.monthly_scores("2026-03")
            reads += 1
        return reads

    with futures.ThreadPoolExecutor(6) as pool:
        reads = sum(pool.map(write_and_read, range(6)))
    assert reads >= 6
    assert peak[0] == 1


def fact_input_for(n: int, i: int):
    from tests.support.facts import fact_input
    return fact_input(official=f"v0{1 + n % 6}-1", key=f"race-{n}-{i}")
