"""Several `kaoping-server` processes on one real PostgreSQL (KAOPING_TEST_PG_URL; CI
sets it): a rule set activated through one replica is served by the other within 2 s,
every score names its version, facts sent to both are counted once, and killing a
replica loses nothing. Real processes on loopback ports, real database."""
from __future__ import annotations

import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import grpc
import pytest

from kaoping.v1 import rulesets_pb2 as rs

from tests.support.apps import PG_ENV, new_database_url
from tests.support.replicas import Client, issue_token, replica_stricter, ServerProcess


REACH_SECONDS = 2.0


@pytest.fixture
def replicas(tmp_path):
    if not os.environ.get(PG_ENV):
        pytest.skip(f"{PG_ENV} is not set: two replicas need a PostgreSQL server")
    db = new_database_url(tmp_path)
    token = issue_token(db)
    started: list[ServerProcess] = []

    def start(*extra: str) -> ServerProcess:
        server = ServerProcess.kaoping("--listen", "127.0.0.1:0", "--db", db, "--refresh-interval", "0.5",
                                       "--metrics-listen", "127.0.0.1:0", "--log-format", "json",
                                       *extra, cwd=tmp_path)
        started.append(server)
        return server.wait_ready()

    a = start("--load-sample")   # the first one seeds the registry and the first rule-set version
    b = start()
    clients = [Client(a.address, token), Client(b.address, token)]
    yield a, b, clients, start, token
    for c in clients:
        c.close()
    for server in started:
        server.kill()


def test_activation_through_one_replica_reaches_the_other_within_2s(replicas):
    a, b, (ca, cb), _, _ = replicas
    assert ca.active().id == cb.active().id == 1
    ca.submit("before-1")
    assert cb.scores().scores[0].total == "99"      # 1 point for the absence under version 1

    uploaded = ca.rulesets.UploadRuleSet(rs.RuleSetSource(text=replica_stricter(), filename="replica_stricter.yaml"),
                                         timeout=30).ref
    ca.rulesets.ActivateRuleSet(rs.ActivateRuleSetRequest(id=uploaded.id), timeout=30)
    activated = time.monotonic()
    assert ca.active().id == uploaded.id            # the replica that activated serves it at once
    seen = None
    while time.monotonic() - activated < 10:
        if cb.active().id == uploaded.id:
            seen = time.monotonic() - activated
            break
        time.sleep(0.02)
    assert seen is not None, "replica b never served the activated version:\n" + b.output()[-3000:]
    print(f"\nactivation reached the other replica in {seen * 1000:.0f} ms")
    assert seen < REACH_SECONDS

    # a score computed on either replica names the version that produced it
    for client in (ca, cb):
        scores = client.scores()
        assert scores.ruleset.id == uploaded.id and scores.ruleset.content_hash == uploaded.content_hash
        assert scores.ruleset.label == "sample 2026-2 replicas"
        official = scores.scores[0]
        assert official.ruleset.id == uploaded.id and official.total == "98"

    # rolling back through b reaches a just as fast
    cb.rulesets.RollbackRuleSet(rs.RollbackRuleSetRequest(), timeout=30)
    rolled = time.monotonic()
    while ca.active().id != 1 and time.monotonic() - rolled < 10:
        time.sleep(0.02)
    assert ca.active().id == 1 and time.monotonic() - rolled < REACH_SECONDS
    assert ca.scores().scores[0].total == "99"
    # one series per activation log since townships have their own; "" is the default
    assert b'kaoping_active_ruleset_version{township=""} 1.0' in _metrics(a)


def test_facts_sent_to_both_replicas_are_counted_once(replicas):
    a, b, (ca, cb), _, _ = replicas
    own = [(ca if i % 2 else cb, f"own-{i}", f"v{1 + i % 17:02d}-{1 + i % 6}") for i in range(60)]
    both = [f"both-{i}" for i in range(20)]   # the same fact sent to both at once (a client retrying)
    with ThreadPoolExecutor(8) as pool:
        jobs = [pool.submit(c.submit, key, official) for c, key, official in own]
        for key in both:
            jobs += [pool.submit(ca.submit, key), pool.submit(cb.submit, key)]
        receipts = [j.result() for j in jobs]
    by_key: dict[str, set[int]] = {}
    for r in receipts:
        by_key.setdefault(r.idempotency_key, set()).add(r.fact_id)
    assert all(len(ids) == 1 for ids in by_key.values()), "a key got two fact ids"
    for client in (ca, cb):
        keys = client.fact_keys()
        assert len(keys) == len(set(keys)) == 80
    # both replicas compute the same month from the same facts
    v01_a = {s.official_id: (s.total, s.pay) for s in ca.scores().scores}
    v01_b = {s.official_id: (s.total, s.pay) for s in cb.scores().scores}
    assert v01_a == v01_b
    absences = sum(1 for _, key, official in own if official == "v01-1") + len(both)
    assert v01_a["v01-1"][0] == str(100 - absences)


def test_killing_a_replica_loses_nothing(replicas):
    a, b, (ca, cb), start, token = replicas
    sent: list[str] = []
    acknowledged: dict[str, int] = {}
    resent: list[str] = []
    stop_at = time.monotonic() + 30
    killed = threading.Event()

    def producer():
        """Sends to a; when a call to a fails, resends the same key to b (what a client
        behind a load balancer does)."""
        for i in range(400):
            if time.monotonic() > stop_at:
                break
            key = f"kill-{i}"
            sent.append(key)
            try:
                acknowledged[key] = ca.submit(key, f"v{1 + i % 17:02d}-{1 + i % 6}", timeout=5).fact_id
            except grpc.RpcError:
                acknowledged[key] = cb.submit(key, f"v{1 + i % 17:02d}-{1 + i % 6}", timeout=10).fact_id
                resent.append(key)
            if killed.is_set() and i % 10 == 0 and len(sent) > 150:
                break

    thread = threading.Thread(target=producer)
    thread.start()
    while len(acknowledged) < 50 and thread.is_alive():
        time.sleep(0.01)
    a.kill()                      # SIGKILL mid-stream: no graceful shutdown
    killed.set()
    thread.join(60)
    assert not thread.is_alive()
    assert set(acknowledged) == set(sent) and len(sent) > 50
    assert resent, "no call went to the surviving replica after the kill"
    keys = cb.fact_keys()
    assert sorted(keys) == sorted(sent), "a fact acknowledged before the kill is missing, or doubled"
    # a fresh replica in a's place sees everything, and serves the same version
    c = start()
    cc = Client(c.address, token)
    try:
        assert sorted(cc.fact_keys()) == sorted(sent)
        assert cc.active().id == cb.active().id
    finally:
        cc.close()


def _metrics(server: ServerProcess) -> bytes:
    import urllib.request
    with urllib.request.urlopen(f"http://127.0.0.1:{server.ports['metrics']}/metrics", timeout=5) as r:
        return r.read()


# in-process, on SQLite or PostgreSQL: what ReplicaSync picks up from the database ------
def test_sync_picks_up_activations_and_registry_changes_from_another_process(db_url):
    from decimal import Decimal

    from kaoping.ops.replica import ReplicaSync
    from kaoping.storage.models import Official
    from tests.support.apps import make_app

    here, there = make_app(db_url), make_app(db_url, sample=False)   # two "replicas", one database
    sync = ReplicaSync(there, interval=0)
    try:
        sync.poll()                                              # first poll: the current state
        month = "2026-04"
        before = there.monthly_scores(month, official_id="v01-1")
        assert before.ruleset.id == 1 and before.scores[0].result.pay == Decimal("1800.00")

        official = here.store.get(Official, "v01-1")
        official.base_pay = Decimal("2000")
        here.put_official(official, effective_on="2026-04-01")  # base pay changed elsewhere, from April
        assert there.monthly_scores(month, official_id="v01-1").scores[0].result.pay == Decimal("1800.00")
        assert sync.poll() == ["registry"]
        assert there.monthly_scores(month, official_id="v01-1").scores[0].result.pay == Decimal("2000.00")

        row = here.rulesets.upload(replica_stricter(), "replica_stricter.yaml", "", "test")
        here.rulesets.activate(row.id, "", "test")
        assert there.rulesets.active_row.id == 1                 # nothing until the poll
        assert sync.poll() == ["ruleset"]
        after = there.monthly_scores(month, official_id="v01-1")
        assert after.ruleset.id == row.id                        # the score names its version
        assert sync.poll() == []                                 # nothing new: nothing done

        here.rulesets.activate(row.id, "", "test")               # same version again: no recompile
        assert sync.poll() == [] and there.rulesets.active_row.id == row.id
    finally:
        for app in (here, there):
            app.rulesets.close()
            app.store.close()
