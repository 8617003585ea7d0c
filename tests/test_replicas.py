"""Several `kaoping-server` processes on one real PostgreSQL (KAOPING_TEST_PG_URL; CI
sets it): a rule set activated through one replica is served by the other within 2 s,
every score names its version, facts sent to both are counted once, and killing a
replica loses nothing. Real processes on loopback ports, real database."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import grpc
import pytest

from kaoping_cli.rpc import _Bearer
from kaoping.v1 import evaluation_pb2 as ev
from kaoping.v1 import evaluation_pb2_grpc, facts_pb2_grpc, rulesets_pb2_grpc
from kaoping.v1 import facts_pb2 as fx
from kaoping.v1 import rulesets_pb2 as rs

from tests.conftest import PG_ENV, SHIPPED, new_database_url

MONTH = "2026-06"
REACH_SECONDS = 2.0
PORT_LINE = re.compile(r"kaoping-server (listening|metrics|health) on port (\d+)")


class ServerProcess:
    """A real server process; its output is drained on a thread (kept in .lines)."""

    def __init__(self, argv: list[str], env: dict | None = None, cwd: Path | None = None):
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                     env=env, cwd=cwd, start_new_session=True)
        self.lines: list[str] = []
        self.ports: dict[str, int] = {}
        self._ready = threading.Event()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    @classmethod
    def kaoping(cls, *args: str, env: dict | None = None, cwd: Path | None = None) -> "ServerProcess":
        return cls([sys.executable, "-m", "kaoping.ops.server", *args], env=env, cwd=cwd)

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.append(line)
            match = PORT_LINE.search(line)
            if match:
                self.ports[match.group(1)] = int(match.group(2))
                if match.group(1) == "listening":
                    self._ready.set()
        self._ready.set()

    def wait_ready(self, timeout: float = 60) -> "ServerProcess":
        self._ready.wait(timeout)
        assert "listening" in self.ports, "server did not start:\n" + self.output()
        return self

    def output(self) -> str:
        return "".join(self.lines)

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.ports['listening']}"

    def terminate(self, timeout: float = 30) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait(10)
        self._reader.join(5)
        return code

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(10)
        self._reader.join(5)


def issue_token(db: str, role: str = "admin", name: str = "鎮辦公室") -> str:
    issued = subprocess.run([sys.executable, "-m", "kaoping.ops.server", "tokens", "--db", db, "create",
                             "--name", name, "--role", role, "--quiet"],
                            capture_output=True, text=True, timeout=60)
    assert issued.returncode == 0, issued.stderr
    return issued.stdout.strip()


class Client:
    def __init__(self, address: str, token: str):
        self.channel = grpc.intercept_channel(grpc.insecure_channel(address), _Bearer(token))
        self.facts = facts_pb2_grpc.FactServiceStub(self.channel)
        self.evaluation = evaluation_pb2_grpc.EvaluationServiceStub(self.channel)
        self.rulesets = rulesets_pb2_grpc.RuleSetServiceStub(self.channel)

    def active(self) -> ev.RuleSetRef:
        return self.rulesets.GetActiveRuleSet(rs.GetActiveRuleSetRequest(), timeout=5).ref

    def scores(self, village: str = "v01") -> ev.MonthlyScores:
        return self.evaluation.GetMonthlyScores(ev.GetMonthlyScoresRequest(month=MONTH, village_id=village),
                                                timeout=30)

    def submit(self, key: str, official: str = "v01-1", timeout: float = 10) -> fx.FactReceipt:
        fact = fx.Fact(official_id=official, month=MONTH, category="attendance", kind="meeting_absent",
                       quantity="1", scorer_id="main-01", source="replica-test", idempotency_key=key)
        return self.facts.SubmitFact(fx.SubmitFactRequest(fact=fact), timeout=timeout)

    def fact_keys(self) -> list[str]:
        return [f.fact.idempotency_key
                for f in self.facts.ListFacts(fx.ListFactsRequest(month=MONTH), timeout=30).facts]

    def close(self) -> None:
        self.channel.close()


def stricter() -> str:
    """Meeting absence costs 2 points instead of 1 (its own case updated)."""
    return SHIPPED.read_text(encoding="utf-8") \
        .replace("    deduct: 1\n    reason: 無故缺席鎮會議，每次扣1分",
                 "    deduct: 2\n    reason: 無故缺席鎮會議，每次扣2分") \
        .replace('label: "sample 2026-2"', 'label: "sample 2026-2 replicas"')


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

    uploaded = ca.rulesets.UploadRuleSet(rs.RuleSetSource(text=stricter(), filename="stricter.yaml"),
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
    assert b"kaoping_active_ruleset_version 1.0" in _metrics(a)


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
    from tests.conftest import make_app

    here, there = make_app(db_url), make_app(db_url, sample=False)   # two "replicas", one database
    sync = ReplicaSync(there, interval=0)
    try:
        sync.poll()                                              # first poll: the current state
        month = "2026-04"
        before = there.monthly_scores(month, official_id="v01-1")
        assert before.ruleset.id == 1 and before.scores[0].result.pay == Decimal("1800.00")

        official = here.store.get(Official, "v01-1")
        official.base_pay = Decimal("2000")
        here.put_official(official)                              # base pay changed elsewhere
        assert there.monthly_scores(month, official_id="v01-1").scores[0].result.pay == Decimal("1800.00")
        assert sync.poll() == ["registry"]
        assert there.monthly_scores(month, official_id="v01-1").scores[0].result.pay == Decimal("2000.00")

        row = here.rulesets.upload(stricter(), "stricter.yaml", "", "test")
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
