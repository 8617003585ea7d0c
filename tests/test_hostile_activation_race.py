"""Hardening point 11: concurrent activations through two replicas on one database.

Two real servers (two apps, two RuleSets, two connection pools) share one database
(a SQLite file, or PostgreSQL when KAOPING_TEST_PG_URL is set). Pairs of activations
and rollbacks are sent to both at the same moment. Afterwards both replicas serve what
the activation log's newest row names, the reply of the activation that committed last
says it is active, every audit entry's before/after matches the log, and a restart
(a fresh app on the same database) serves the same version.
"""
from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from kaoping.domain.errors import Unavailable
from kaoping.rulesets import ROLLBACK_ATTEMPTS, RuleSets
from kaoping.storage.store import Store
from kaoping.v1 import rulesets_pb2 as rs
from kaoping.v1 import rulesets_pb2_grpc

from tests.conftest import SHIPPED, make_app, new_database_url
from tests.helpers import LocalServer, rule_variant

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


def _assert_audit_matches_log(store) -> None:
    """Each activation's audit entry names the version before it in the log and its own."""
    log = store.activations()
    entries = [e for e in store.audit_entries(limit=100000)
               if e.action in ("activate_ruleset", "rollback_ruleset")]
    assert len(entries) == len(log)
    previous = None
    for row, entry in zip(log, entries):
        assert json.loads(entry.after) == {"active": row.ruleset_id}
        assert json.loads(entry.before) == {"active": previous}, (
            f"activation {row.id} was audited as replacing {entry.before}, but the log had {previous}")
        assert entry.action == f"{row.action}_ruleset"
        previous = row.ruleset_id


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
    text = SHIPPED.read_text(encoding="utf-8")
    versions = [stubs[0].UploadRuleSet(rs.RuleSetSource(text=rule_variant(text, n), filename="v.yaml"),
                                       timeout=TIMEOUT).ref.id for n in range(3)]
    store = servers[0].server.app.store
    for i in range(PAIRS):
        mine, theirs = versions[i % 3], versions[(i + 1) % 3]
        before = len(store.activations())
        replies = _pair([
            lambda: stubs[0].ActivateRuleSet(rs.ActivateRuleSetRequest(id=mine), timeout=TIMEOUT),
            lambda: stubs[1].ActivateRuleSet(rs.ActivateRuleSetRequest(id=theirs), timeout=TIMEOUT)])
        log = store.activations()[before:]
        assert sorted(a.ruleset_id for a in log) == sorted([mine, theirs])
        winner = log[-1].ruleset_id
        assert {r.ref.id: r.active for r in replies}[winner], f"pair {i}: the winner's reply says inactive"
        assert _served(stubs) == [winner, winner], f"pair {i}: a replica serves another version than the log"
    _assert_audit_matches_log(store)
    fresh = make_app(url, sample=False)  # a restart
    try:
        assert fresh.rulesets.active_row.id == store.activations()[-1].ruleset_id
    finally:
        fresh.rulesets.close()
        fresh.store.close()


def test_concurrent_rollbacks_and_activations_stay_in_step(replicas):
    url, servers = replicas
    stubs = [s.stub(rulesets_pb2_grpc.RuleSetServiceStub) for s in servers]
    text = SHIPPED.read_text(encoding="utf-8")
    versions = [stubs[0].UploadRuleSet(rs.RuleSetSource(text=rule_variant(text, n), filename="v.yaml"),
                                       timeout=TIMEOUT).ref.id for n in range(3)]
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
    _assert_audit_matches_log(store)
    fresh = make_app(url, sample=False)
    try:
        assert fresh.rulesets.active_row.id == store.activations()[-1].ruleset_id
    finally:
        fresh.rulesets.close()
        fresh.store.close()


@pytest.mark.parametrize("replicas", [0.05], indirect=True)
def test_polling_replicas_converge_on_the_log_after_concurrent_activations(replicas):
    """With the poller on (the default mode), both replicas reach the log's newest
    version within a few polls of a racing pair, and never fall back from it."""
    import time
    url, servers = replicas
    stubs = [s.stub(rulesets_pb2_grpc.RuleSetServiceStub) for s in servers]
    text = SHIPPED.read_text(encoding="utf-8")
    versions = [stubs[0].UploadRuleSet(rs.RuleSetSource(text=rule_variant(text, n), filename="v.yaml"),
                                       timeout=TIMEOUT).ref.id for n in range(3)]
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
    _assert_audit_matches_log(store)


class _Interfering(Store):
    """Before each rollback lands, another app on the same database activates a version
    (a real write through its own pool), so the rollback's target keeps moving."""
    other = None
    versions: list[int] = []
    moves = 0

    def append_activation(self, choose, by, action, audit=None):
        if action == "rollback" and self.moves:
            self.moves -= 1
            self.other.activate(self.versions[self.moves % 3], "", "interferer")
        return super().append_activation(choose, by, action, audit)


@pytest.mark.parametrize("moves, gives_up", [(ROLLBACK_ATTEMPTS - 1, False), (ROLLBACK_ATTEMPTS, True)])
def test_a_rollback_whose_target_keeps_moving_gives_up_cleanly(tmp_path, moves, gives_up):
    url = new_database_url(tmp_path)
    other = make_app(url)
    store = _Interfering(url)
    mine = RuleSets(store)
    try:
        text = SHIPPED.read_text(encoding="utf-8")
        versions = [other.rulesets.upload(rule_variant(text, n), "v.yaml", "", "test").id for n in range(3)]
        for v in versions:
            other.rulesets.activate(v, "", "test")
        mine.bootstrap(text, SHIPPED.name)
        store.other, store.versions, store.moves = other.rulesets, versions, moves
        before = len(store.activations())
        if gives_up:
            with pytest.raises(Unavailable):
                mine.rollback("test")
            assert [a.action for a in store.activations()[before:]] == ["activate"] * moves
        else:
            row = mine.rollback("test")
            log = store.activations()
            assert log[-1].action == "rollback" and log[-1].ruleset_id == row.id
        mine.refresh()
        assert mine.active_row.id == store.activations()[-1].ruleset_id
        _assert_audit_matches_log(store)
    finally:
        mine.close()
        store.close()
        other.rulesets.close()
        other.store.close()
