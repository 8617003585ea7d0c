"""WatchScores over a real gRPC server on loopback (SQLite, or PostgreSQL with
KAOPING_TEST_PG_URL): the snapshot, then exactly the officials whose score changed
after a fact, a village-level fact, a correction or an activation; scopes and roles as
GetMonthlyScores; a slow watcher told it fell behind while ingest goes on; the watcher
cap; a cancelled watch leaves no watcher and no thread behind."""
from __future__ import annotations

import queue
import threading
import time

import grpc
import pytest

from kaoping.v1 import evaluation_pb2 as ev
from kaoping.v1 import facts_pb2 as fx
from kaoping.v1 import rulesets_pb2 as rs
from tests.support.calls import localized, violations
from tests.support.facts import fact
from tests.support.rules import stricter

grpc_max_workers = 8   # pytest-grpc: watches hold a thread each while others call
MONTH = "2026-07"
WAIT = 30.0            # a bound for a loaded machine, not a speed check (bench/watch.py is)


class Stream:
    """A watch read on a thread into a queue, so a test can wait for the next update
    with a bound and cancel it."""

    def __init__(self, stub, **request):
        self.call = stub.WatchScores(ev.WatchScoresRequest(**request), timeout=120)
        self.updates: queue.Queue = queue.Queue()
        self.error = None
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self):
        try:
            for update in self.call:
                self.updates.put(update)
        except grpc.RpcError as exc:
            self.error = exc
        self.updates.put(None)   # the stream ended

    def next(self, timeout: float = WAIT) -> ev.ScoreUpdate | None:
        return self.updates.get(timeout=timeout)

    def cancel(self):
        self.call.cancel()
        self._thread.join(10)


def wait_until(check, timeout: float = WAIT):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if check():
            return True
        time.sleep(0.02)
    return check()


@pytest.fixture
def hub(grpc_servicer):
    yield grpc_servicer.watch
    assert wait_until(lambda: grpc_servicer.watch.watching() == 0), "a watch was left registered"


def watch(stubs, **request) -> tuple[Stream, ev.ScoreUpdate]:
    stream = Stream(stubs.evaluation, **request)
    first = stream.next()
    assert first is not None, stream.error
    assert first.snapshot
    return stream, first


def test_snapshot_then_only_the_official_whose_score_changed(stubs, hub):
    stream, first = watch(stubs, month=MONTH, township_id="dahedian")
    try:
        assert len(first.scores) == 102 and first.township_id == "dahedian" and first.ruleset.content_hash
        read = stubs.evaluation.GetMonthlyScores(ev.GetMonthlyScoresRequest(month=MONTH, township_id="dahedian"))
        assert list(first.scores) == list(read.scores)   # one ruler: the same scores as a read
        receipt = stubs.facts.SubmitFact(fx.SubmitFactRequest(fact=fact(
            month=MONTH, official="v02-1", kind="meeting_absent", quantity="2")))
        update = stream.next()
        assert not update.snapshot and [s.official_id for s in update.scores] == ["v02-1"]
        assert update.scores[0].total == "98" and update.fact_watermark >= receipt.fact_id
        assert update.month == MONTH and update.township_id == "dahedian"
        # a correction voids it: the official is back to 100
        stubs.facts.CorrectFact(fx.CorrectFactRequest(fact_id=receipt.fact_id, reason="录错了",
                                                      scorer_id="main-01", idempotency_key="w-corr-1"))
        update = stream.next()
        assert [(s.official_id, s.total) for s in update.scores] == [("v02-1", "100")]
    finally:
        stream.cancel()


def test_a_village_level_fact_changes_every_official_of_the_village(stubs, hub):
    stream, first = watch(stubs, month=MONTH, township_id="dahedian")
    try:
        village = sorted(s.official_id for s in first.scores if s.village_id == "v04")
        msg = fact(month=MONTH, official="", category="village_work", kind="village_commended", quantity="1")
        msg.village_id, msg.level = "v04", "县级"
        stubs.facts.SubmitFact(fx.SubmitFactRequest(fact=msg))
        update = stream.next()
        assert sorted(s.official_id for s in update.scores) == village and len(village) > 1
    finally:
        stream.cancel()


def test_village_and_official_scopes_see_only_their_officials(stubs, hub):
    village, first_v = watch(stubs, month=MONTH, village_id="v05")
    official, first_o = watch(stubs, month=MONTH, official_id="v05-2")
    try:
        assert {s.village_id for s in first_v.scores} == {"v05"}
        assert [s.official_id for s in first_o.scores] == ["v05-2"]
        stubs.facts.SubmitFact(fx.SubmitFactRequest(fact=fact(month=MONTH, official="v05-1")))
        assert [s.official_id for s in village.next().scores] == ["v05-1"]
        stubs.facts.SubmitFact(fx.SubmitFactRequest(fact=fact(month=MONTH, official="v05-2")))
        assert [s.official_id for s in village.next().scores] == ["v05-2"]
        # the official's watch heard nothing of v05-1: its next update is about v05-2
        assert [s.official_id for s in official.next().scores] == ["v05-2"]
        # another village's fact reaches neither
        stubs.facts.SubmitFact(fx.SubmitFactRequest(fact=fact(month=MONTH, official="v06-1")))
        stubs.facts.SubmitFact(fx.SubmitFactRequest(fact=fact(month=MONTH, official="v05-1")))
        assert [s.official_id for s in village.next().scores] == ["v05-1"]
        with pytest.raises(queue.Empty):
            official.next(timeout=0.5)
    finally:
        village.cancel()
        official.cancel()


def test_a_village_token_watches_only_its_own_village(stubs_as, hub):
    own, first = watch(stubs_as("village"), month=MONTH, village_id="v01")
    own.cancel()
    assert {s.village_id for s in first.scores} == {"v01"}
    for request, field in ((dict(village_id="v02"), "village_id"), (dict(official_id="v02-1"), "village_id"),
                           (dict(township_id="dahedian"), "village_id")):
        stream = Stream(stubs_as("village").evaluation, month=MONTH, **request)
        assert stream.next() is None
        assert stream.error.code() == grpc.StatusCode.PERMISSION_DENIED
        assert field in violations(stream.error) and "村级令牌" in localized(stream.error)


def test_bad_month_is_invalid_argument_with_field(stubs, hub):
    stream = Stream(stubs.evaluation, month="2026-13", township_id="dahedian")
    assert stream.next() is None
    assert stream.error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "month" in violations(stream.error) and localized(stream.error)


def test_an_activation_pushes_the_changed_scores(stubs, hub):
    stream, first = watch(stubs, month=MONTH, official_id="v07-1")
    try:
        stubs.facts.SubmitFact(fx.SubmitFactRequest(fact=fact(month=MONTH, official="v07-1", quantity="3")))
        assert stream.next().scores[0].total == "97"
        up = stubs.rulesets.UploadRuleSet(rs.RuleSetSource(text=stricter() + "\n# watch\n"))
        stubs.rulesets.ActivateRuleSet(rs.ActivateRuleSetRequest(id=up.ref.id))
        try:
            update = stream.next()
            assert update.ruleset.content_hash == up.ref.content_hash != first.ruleset.content_hash
            assert [(s.official_id, s.total) for s in update.scores] == [("v07-1", "94")]
        finally:
            stubs.rulesets.RollbackRuleSet(rs.RollbackRuleSetRequest())
        assert stream.next().scores[0].total == "97"
    finally:
        stream.cancel()


def test_a_slow_watcher_falls_behind_and_ingest_never_waits(grpc_servicer, hub):
    """The hub itself (no gRPC between): a watcher that reads nothing; every fact still
    commits, and past its buffer the watcher holds one update only: fell_behind."""
    from kaoping.domain.principal import INTERNAL
    from kaoping.usecases.watch import Scope
    from tests.support.facts import fact_input
    app = grpc_servicer
    buffer, app.watch.buffer = app.watch.buffer, 4   # the edge, small enough to reach with facts
    watcher = app.watch.subscribe(INTERNAL, Scope(MONTH, official_id="v08-1"))
    try:
        assert wait_until(app.watch.idle) and watcher.queued() == 1   # its snapshot

        def submit(n):   # a fact that changes v08-1's score; waits until its round is done
            receipt = app.submit_fact(fact_input(month=MONTH, official="v08-1", quantity=str(n)))
            assert wait_until(app.watch.idle)
            return receipt.fact_id
        ids = [submit(1) for _ in range(3)]
        assert watcher.queued() == 4   # full to the edge: the snapshot and three updates
        ids.append(submit(1))          # one more: over it
        ids.append(submit(1))          # ingest goes on regardless
        assert len(set(ids)) == 5 and all(ids)
        assert watcher.queued() == 1
        last = watcher.next(0)
        assert last.fell_behind and "more than 4 updates" in last.fell_behind
        assert watcher.next(0) is False   # nothing after it: the stream ends
    finally:
        app.watch.buffer = buffer
        app.watch.unsubscribe(watcher)


def test_fell_behind_ends_the_stream_ok(stubs, hub, grpc_servicer):
    stream, _ = watch(stubs, month=MONTH, official_id="v08-2")
    try:
        (watcher,) = grpc_servicer.watch._watchers.values()
        watcher.buffer = 0   # the next update overflows it
        stubs.facts.SubmitFact(fx.SubmitFactRequest(fact=fact(month=MONTH, official="v08-2")))
        last = stream.next()
        assert last.fell_behind and not last.scores and last.fell_behind_reason
        assert stream.next() is None and stream.error is None   # ended OK
    finally:
        stream.cancel()


def test_watchers_past_the_cap_are_refused(stubs, hub, grpc_servicer):
    cap = grpc_servicer.watch.max_watchers
    streams = [watch(stubs, month=MONTH, village_id="v09")[0] for _ in range(cap)]
    try:
        extra = Stream(stubs.evaluation, month=MONTH, village_id="v09")
        assert extra.next() is None
        assert extra.error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert "server" in violations(extra.error) and "上限" in localized(extra.error)
    finally:
        for s in streams:
            s.cancel()
    # once they are gone, a watch is admitted again
    assert wait_until(lambda: grpc_servicer.watch.watching() == 0)
    again, _ = watch(stubs, month=MONTH, village_id="v09")
    again.cancel()


def test_cancel_unsubscribes_and_leaves_no_thread(stubs, hub, grpc_servicer):
    before = {t.ident for t in threading.enumerate()}
    stream, _ = watch(stubs, month=MONTH, village_id="v10")
    assert grpc_servicer.watch.watching() == 1
    assert any(t.name.startswith("kaoping-watch") for t in threading.enumerate())
    stream.cancel()
    assert wait_until(lambda: grpc_servicer.watch.watching() == 0)
    assert wait_until(lambda: not [t for t in threading.enumerate()
                                   if t.name.startswith("kaoping-watch") and t.ident not in before])


def test_roster_writes_push_the_officials_they_move(stubs, hub):
    from kaoping.v1 import registry_pb2 as rg
    stream, first = watch(stubs, month=MONTH, village_id="v11")
    try:
        listed = {o.id: o for o in stubs.registry.ListOfficials(rg.ListOfficialsRequest(village_id="v11")).officials}
        one = next(s for s in first.scores if s.official_id == "v11-1")

        def put(official_id, **change):
            o = listed[official_id]
            fields = dict(id=o.id, village_id="v11", name=o.name, position=o.position, base_pay=o.base_pay)
            stubs.registry.PutOfficial(rg.Official(**{**fields, **change}))
        put("v11-1", base_pay="2345", effective_on=f"{MONTH}-01")
        update = stream.next()
        assert [(s.official_id, s.base_pay) for s in update.scores] == [("v11-1", "2345.00")] != [
            (one.official_id, one.base_pay)]
        put("v11-2", left_on="2026-06-20")   # he left before the month: no longer scored in it
        update = stream.next()
        assert list(update.removed_official_ids) == ["v11-2"] and not update.scores
    finally:
        stream.cancel()
