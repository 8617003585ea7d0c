"""Hardening point 11: concurrent activations through two replicas on one database.

Two real servers (two apps, two RuleSets, two connection pools) share one database
(a SQLite file, or PostgreSQL when KAOPING_TEST_PG_URL is set). Pairs of activations
and rollbacks are sent to both at the same moment. Afterwards both replicas serve what
the activation log's newest row names, the reply of the activation that committed last
says it is active, every audit entry's before/after matches the log, and a restart
(a fresh app on the same database) serves the same version.
"""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from kaoping.v1 import rulesets_pb2 as rs
from kaoping.v1 import rulesets_pb2_grpc

from tests.support.apps import SHIPPED, make_app, new_database_url
from tests.support.databases import assert_audit_matches_log
from tests.support.rules import rule_variant
from tests.support.servers import LocalServer

PAIRS = 20
TIMEOUT = 60  # seconds per RPC: generous, only there so a hang fails instead of blocking CI


def _pair(calls):
    """Runs the two calls at the same moment (a barrier), returns their replies."""
    barrier = threading.Barrier(len(calls))

    def go(call):
        barrier.wait(TIMEOUT)
        return call()
    with ThreadPoolExecutor(len(calls)) as pool:
        return [f.result(TIMEOUT * 2) for f in [pool.submit(go, c) for c in calls]]


def _served(stubs) -> list[int]:
    return [s.GetActiveRuleSet(rs.GetActiveRuleSetRequest(), timeout=TIMEOUT).ref.id for s in stubs]


def _upload_variants(stub, count: int) -> list[int]:
    """Uploads `count` distinct versions of the shipped rule set; their ids."""
    text = SHIPPED.read_text(encoding="utf-8")
    return [stub.UploadRuleSet(rs.RuleSetSource(text=rule_variant(text, n), filename="v.yaml"),
                               timeout=TIMEOUT).ref.id for n in range(count)]


def _assert_a_restart_serves_the_log_s_newest(url: str, store) -> None:
    fresh = make_app(url, sample=False)
    try:
        newest = store.activations()[-1]
        assert fresh.rulesets.active_row_for(newest.township_id).id == newest.ruleset_id
    finally:
        fresh.rulesets.close()
        fresh.store.close()


@pytest.fixture
def replicas(tmp_path, request):
    """Two real servers on one fresh database; --refresh-interval as parametrized."""
    interval = getattr(request, "param", 0)
    url = new_database_url(tmp_path)
    servers = [LocalServer(make_app(url), refresh_interval=interval),
               LocalServer(make_app(url, sample=False), refresh_interval=interval)]
    yield url, servers
    for server in servers:
        server.stop()


def test_concurrent_activations_leave_both_replicas_on_the_log_s_newest(replicas):
    url, servers = replicas
    stubs = [s.stub(rulesets_pb2_grpc.RuleSetServiceStub) for s in servers]
    versions = _upload_variants(stubs[0], 3)
    store = servers[0].server.app.store
    for i in range(PAIRS):
        mine, theirs = versions[i % 3], versions[(i + 1) % 3]
        before = len(store.activations())
        replies = _pair([
            lambda: stubs[0].ActivateRuleSet(rs.ActivateRuleSetRequest(id=mine), timeout=TIMEOUT),
            lambda: stubs[1].ActivateRuleSet(rs.ActivateRuleSetRequest(id=theirs), timeout=TIMEOUT)])
        log = [a for a in store.activations()[before:] if a.action != "inherit"]
        assert sorted(a.ruleset_id for a in log) == sorted([mine, theirs])
        winner = log[-1].ruleset_id
        assert {r.ref.id: r.active for r in replies}[winner], f"pair {i}: the winner's reply says inactive"
        for r in replies:   # each reply names the version that had won when it was built
            assert r.active == (r.active_version.id == r.ref.id), f"pair {i}: active flag and winner disagree"
            assert r.active_version.id in (mine, theirs)
        assert any(r.active_version.id == winner for r in replies), f"pair {i}: no reply names the winner"
        assert _served(stubs) == [winner, winner], f"pair {i}: a replica serves another version than the log"
    assert_audit_matches_log(store)
    _assert_a_restart_serves_the_log_s_newest(url, store)


def test_concurrent_rollbacks_and_activations_stay_in_step(replicas):
    url, servers = replicas
    stubs = [s.stub(rulesets_pb2_grpc.RuleSetServiceStub) for s in servers]
    versions = _upload_variants(stubs[0], 3)
    stubs[0].ActivateRuleSet(rs.ActivateRuleSetRequest(id=versions[0]), timeout=TIMEOUT)
    store = servers[0].server.app.store
    rollback = rs.RollbackRuleSetRequest()
    for i in range(PAIRS):
        if i % 2:  # both replicas roll back at once: two steps back, not the same step twice
            calls = [lambda: stubs[0].RollbackRuleSet(rollback, timeout=TIMEOUT),
                     lambda: stubs[1].RollbackRuleSet(rollback, timeout=TIMEOUT)]
        else:      # one rolls back while the other activates
            target = versions[(i // 2) % 3]
            calls = [lambda: stubs[0].RollbackRuleSet(rollback, timeout=TIMEOUT),
                     lambda: stubs[1].ActivateRuleSet(rs.ActivateRuleSetRequest(id=target),
                                                      timeout=TIMEOUT)]
        before = len(store.activations())
        _pair(calls)
        log = store.activations()
        assert len(log) == before + 2
        assert _served(stubs) == [log[-1].ruleset_id] * 2, f"pair {i}: a replica is behind the log"
    assert_audit_matches_log(store)
    _assert_a_restart_serves_the_log_s_newest(url, store)


@pytest.mark.parametrize("replicas", [0.05], indirect=True)
def test_polling_replicas_converge_on_the_log_after_concurrent_activations(replicas):
    """With the poller on (the default mode), both replicas reach the log's newest
    version within a few polls of a racing pair, and never fall back from it."""
    import time
    url, servers = replicas
    stubs = [s.stub(rulesets_pb2_grpc.RuleSetServiceStub) for s in servers]
    versions = _upload_variants(stubs[0], 3)
    store = servers[0].server.app.store
    for i in range(PAIRS // 2):
        mine, theirs = versions[i % 3], versions[(i + 1) % 3]
        _pair([lambda: stubs[0].ActivateRuleSet(rs.ActivateRuleSetRequest(id=mine), timeout=TIMEOUT),
               lambda: stubs[1].ActivateRuleSet(rs.ActivateRuleSetRequest(id=theirs), timeout=TIMEOUT)])
        newest = store.activations()[-1]
        for _ in range(100):  # bounded: 100 × 0.05 s
            if _served(stubs) == [newest.ruleset_id] * 2:
                break
            time.sleep(0.05)
        assert _served(stubs) == [newest.ruleset_id] * 2, f"pair {i}: a replica did not follow the log"
    assert_audit_matches_log(store)
