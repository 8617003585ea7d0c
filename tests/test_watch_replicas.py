"""WatchScores across processes: two real `kaoping-server` processes on one database —
PostgreSQL (KAOPING_TEST_PG_URL; NOTIFY from the triggers of migration 0013) and one
SQLite file (the watch poll) — a watch on replica a hears of a fact, a correction and
an activation made through replica b. The replicas' own registry poll is slowed to
60 s here, so what carries the change is the watch's path, not ReplicaSync."""
from __future__ import annotations

import os
import queue
import threading

import grpc
import pytest

from kaoping.v1 import evaluation_pb2 as ev
from kaoping.v1 import facts_pb2 as fx
from kaoping.v1 import rulesets_pb2 as rs

from tests.support.apps import PG_ENV, new_database_url
from tests.support.replicas import MONTH, Client, issue_token, replica_stricter, ServerProcess

WAIT = 30.0   # a bound for a loaded machine (bench/watch.py measures the delay)


@pytest.fixture(params=["postgresql", "sqlite"])
def replicas(request, tmp_path):
    if request.param == "postgresql":
        if not os.environ.get(PG_ENV):
            pytest.skip(f"{PG_ENV} is not set: replicas on PostgreSQL need a server")
        db = new_database_url(tmp_path)
    else:
        db = f"sqlite:///{tmp_path / 'shared.db'}"
    token = issue_token(db)
    started: list[ServerProcess] = []

    def start(*extra: str) -> ServerProcess:
        server = ServerProcess.kaoping("--listen", "127.0.0.1:0", "--db", db, "--refresh-interval", "60",
                                       *extra, cwd=tmp_path)
        started.append(server)
        return server.wait_ready()

    a = start("--load-sample")
    b = start()
    clients = [Client(a.address, token), Client(b.address, token)]
    yield a, b, clients
    for c in clients:
        c.close()
    for server in started:
        server.kill()


def reader(call) -> queue.Queue:
    updates: queue.Queue = queue.Queue()

    def read():
        try:
            for update in call:
                updates.put(update)
        except grpc.RpcError as exc:
            updates.put(exc)
    threading.Thread(target=read, daemon=True).start()
    return updates


def test_a_watch_on_one_replica_hears_of_changes_made_through_the_other(replicas):
    a, b, (ca, cb) = replicas
    call = ca.evaluation.WatchScores(ev.WatchScoresRequest(month=MONTH, village_id="v01"), timeout=120)
    updates = reader(call)
    try:
        first = updates.get(timeout=WAIT)
        assert isinstance(first, ev.ScoreUpdate) and first.snapshot, first
        assert {s.total for s in first.scores} == {"100"}

        receipt = cb.submit("watch-across-1", official="v01-2")
        update = updates.get(timeout=WAIT)
        assert isinstance(update, ev.ScoreUpdate), update
        assert [(s.official_id, s.total) for s in update.scores] == [("v01-2", "99")]
        assert update.fact_watermark >= receipt.fact_id

        cb.facts.CorrectFact(fx.CorrectFactRequest(fact_id=receipt.fact_id, reason="录错了",
                                                   scorer_id="main-01", idempotency_key="watch-across-fix"),
                             timeout=30)
        update = updates.get(timeout=WAIT)
        assert [(s.official_id, s.total) for s in update.scores] == [("v01-2", "100")]

        cb.submit("watch-across-2", official="v01-1")
        assert [s.official_id for s in updates.get(timeout=WAIT).scores] == ["v01-1"]
        uploaded = cb.rulesets.UploadRuleSet(rs.RuleSetSource(text=replica_stricter()), timeout=30).ref
        cb.rulesets.ActivateRuleSet(rs.ActivateRuleSetRequest(id=uploaded.id), timeout=30)
        update = updates.get(timeout=WAIT)
        assert update.ruleset.id == uploaded.id, update
        assert [(s.official_id, s.total) for s in update.scores] == [("v01-1", "98")]
    finally:
        call.cancel()
