"""Live scores (WatchScores): watchers of a month's scores in a scope, told of each
official whose score changed. No gRPC here; kaoping.api.servicers adapts.

One ruler: every update is computed by Kaoping.monthly_scores, the use case behind
GetMonthlyScores, with the watcher's own caller, so a watch sees exactly what a read
would (and is refused exactly as a read would be).

How a change gets here (kaoping.usecases.watch_sources has the cross-process half):

* in-process, right after a commit: facts and corrections (FactUseCases._store,
  corrections), a rule-set swap (RuleSets.swapped: an activation, a rollback, or one
  another replica made, seen by ReplicaSync), and registry or roster writes
  (Kaoping.invalidate, which every such write already calls);
* from other processes: PostgreSQL NOTIFY from a trigger on the fact table (migration
  0013), or on SQLite a poll of the fact table's highest id every 50 ms.

A notice only names (township, month) — or "everything" — and is queued in a set,
never waited on: the publisher (the ingest path) takes one short lock and returns. One
dispatcher thread drains the set: notices that arrive while it computes coalesce into
the next round, and each (month, scope, caller) group of watchers is computed once per
round and shared. The dispatcher compares a digest of each official's result with what
the watcher was last sent and queues only what changed.

A watcher's queue is bounded (Limits.watch_buffer): past it, the queue is dropped and
one last update with fell_behind is queued; the stream then ends OK. The number of
watchers per server is bounded too (Limits.max_watchers): each one holds a gRPC worker
thread for as long as it watches.

The dispatcher (and the cross-process source) run only while someone watches: started
with the first watcher, stopped and joined when the last one leaves.
"""
from __future__ import annotations

import hashlib
import logging
import threading
from collections import deque
from dataclasses import dataclass, field

from kaoping.domain.errors import DomainError, ResourceExhausted, Violation
from kaoping.domain.principal import Principal
from kaoping.usecases.scores import MonthScores, ScoreView

log = logging.getLogger("kaoping.watch_scores")

RETRY_SECONDS = 0.5   # after a failed rescoring (database unreachable)
EVERYTHING = None   # a notice about every township and month (a reconnect, the default rule set)


@dataclass(frozen=True)
class Update:
    """One ScoreUpdate, before conversion: `scores.scores` holds the changed officials
    (all of them when snapshot), `removed` the officials no longer in scope."""
    scores: MonthScores | None
    snapshot: bool = False
    removed: tuple[str, ...] = ()
    watermark: int = 0
    fell_behind: str = ""        # the reason, when the buffer overflowed (the last update)


@dataclass(frozen=True)
class Scope:
    month: str
    township_id: str = ""
    village_id: str = ""
    official_id: str = ""


def _group_key(scope: Scope, caller: Principal) -> tuple:
    # what monthly_scores' answer depends on: the scope and, for reach and the village
    # rule, the caller (the token id stands for its role, village and townships)
    return (scope, caller.role, caller.village_id, caller.township_id, caller.county, caller.token_id,
            caller.name if caller.token_id is None else "")


def digest(view: ScoreView) -> bytes:
    """What a watcher compares: everything an OfficialScore carries but the version
    (a new version that leaves an official's score as it was does not resend him: the
    update names the version, and comes even when no official changed)."""
    found = view.wire.get("watch-digest")   # a view the month cache kept: its result stands
    if found is not None:
        return found
    r = view.result
    text = repr((view.official.name, view.village.id, view.village.name,
                 r.comparable(), r.base_pay, r.veto_reason, r.forfeited, r.pay_multiplier,
                 r.year_vetoes, r.year_grade_caps, r.year_deduct_yuan))
    found = view.wire["watch-digest"] = hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest()
    return found


class Watcher:
    """One stream's end: the dispatcher puts updates, the servicer's thread takes them."""

    def __init__(self, hub: "WatchHub", caller: Principal, scope: Scope, buffer: int):
        self.hub, self.caller, self.scope, self.buffer = hub, caller, scope, buffer
        self.key = _group_key(scope, caller)
        self.sent: dict[str, bytes] | None = None   # official id -> digest; None before the snapshot
        self.township_id = ""
        self.version = ""            # content hash of the rule set of the last update
        self._queue: deque = deque()
        self._cond = threading.Condition()
        self._ended = False          # nothing more will be queued (fell behind, error, closed)
        self.error: DomainError | None = None

    def put(self, update: Update) -> None:
        """Never blocks: over the buffer, the queue is dropped for one fell_behind update."""
        with self._cond:
            if self._ended:
                return
            if len(self._queue) >= self.buffer:
                self._queue.clear()
                self._queue.append(Update(None, fell_behind=(
                    f"more than {self.buffer} updates waited to be read; watch again for a fresh snapshot")))
                self._ended = True
            else:
                self._queue.append(update)
            self._cond.notify()

    def fail(self, error: DomainError) -> None:
        with self._cond:
            if not self._ended:
                self.error, self._ended = error, True
                self._cond.notify()

    def close(self) -> None:
        with self._cond:
            self._ended = True
            self._queue.clear()
            self._cond.notify()

    def next(self, timeout: float) -> Update | None | bool:
        """The next update; None after `timeout` without one; False when the stream is
        over (raises the error that ended it, if one did)."""
        with self._cond:
            if not self._queue and not self._ended:
                self._cond.wait(timeout)
            if self._queue:
                return self._queue.popleft()
            if self._ended:
                if self.error is not None:
                    raise self.error
                return False
            return None

    def queued(self) -> int:
        with self._cond:
            return len(self._queue)

    @property
    def ended(self) -> bool:
        with self._cond:
            return self._ended and not self._queue


@dataclass
class _Pending:
    everything: bool = False
    months: set = field(default_factory=set)      # (township id, month or None)
    fresh: list = field(default_factory=list)     # watchers waiting for their snapshot


class WatchHub:
    def __init__(self, app, buffer: int, max_watchers: int, source_factory=None):
        self.app = app
        self.buffer, self.max_watchers = buffer, max_watchers
        self.source_factory = source_factory   # kaoping.usecases.watch_sources.for_store
        self._lock = threading.Condition()
        self._watchers: dict[int, Watcher] = {}
        self._pending = _Pending()
        self._thread: threading.Thread | None = None
        self._source = None
        self._stop: threading.Event | None = None   # the running dispatcher's own
        self.rounds = 0        # dispatcher rounds done
        self._busy = False     # a round is running

    # subscribers ---------------------------------------------------------------
    def subscribe(self, caller: Principal, scope: Scope) -> Watcher:
        """Checks the watch as GetMonthlyScores checks a read (month, scope, reach: the
        errors it raises), then registers it; its snapshot is the first update."""
        month = self.app._month(scope.month)
        township = self.app._scope(scope.township_id, scope.village_id, scope.official_id, caller, month)[0]
        scope = Scope(month, scope.township_id, scope.village_id, scope.official_id)
        watcher = Watcher(self, caller, scope, self.buffer)
        watcher.township_id = township.id
        with self._lock:
            if len(self._watchers) >= self.max_watchers:
                raise ResourceExhausted("too many score watchers", [Violation(
                    "server", f"at most {self.max_watchers} WatchScores streams at once on this server")],
                                        zh=f"实时得分订阅已达上限（每台服务器 {self.max_watchers} 个）：请稍后再试，或改用 GetMonthlyScores 查询")
            self._watchers[id(watcher)] = watcher
            self._pending.fresh.append(watcher)
            self._start()
            self._lock.notify()
        return watcher

    def unsubscribe(self, watcher: Watcher) -> None:
        watcher.close()
        stop = None
        with self._lock:
            if self._watchers.pop(id(watcher), None) is not None and not self._watchers:
                stop = self._halt()
        if stop:
            stop()

    def watching(self) -> int:
        with self._lock:
            return len(self._watchers)

    @property
    def active(self) -> bool:
        return bool(self._watchers)   # read without the lock: a hint for publishers

    # publishers (never block) ----------------------------------------------------
    def changed(self, township_id: str | None, month: str | None = None) -> None:
        """Scores of the township's month (every month with None; every township with
        township_id None) may have changed."""
        if not self._watchers:
            return
        with self._lock:
            if township_id is EVERYTHING:
                self._pending.everything = True
            else:
                self._pending.months.add((township_id, month))
            self._lock.notify()

    def facts_committed(self, pairs) -> None:
        """(village id, month) of facts just committed, in this process or another."""
        if not self._watchers:
            return
        seen = set()
        for village_id, month in pairs:
            village = self.app.registry.village(village_id)
            if village is None:   # not yet in this replica's registry: be safe
                self.changed(EVERYTHING)
                return
            if (village.township_id, month) not in seen:
                seen.add((village.township_id, month))
                self.changed(village.township_id, month)

    # the dispatcher ----------------------------------------------------------------
    def _start(self) -> None:   # with the lock held
        if self._thread is not None:
            return
        # each dispatcher has its own stop: one being stopped never sees a successor's start
        self._stop = stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(stop,), name="kaoping-watch-scores",
                                        daemon=True)
        self._thread.start()
        if self.source_factory is not None:
            try:
                self._source = self.source_factory(self)
                self._source.start()
            except Exception:   # in-process notices still work; other replicas' do not
                log.exception("cannot follow other processes' changes; watching this one only")
                self._source = None

    def _halt(self):   # with the lock held; returns what to join outside it
        thread, source = self._thread, self._source
        self._thread = self._source = None
        if self._stop is not None:
            self._stop.set()
        self._pending = _Pending()
        self._lock.notify_all()

        def join():
            if source is not None:
                source.stop()
            if thread is not None and thread is not threading.current_thread():
                thread.join(10)
        return join

    def close(self) -> None:
        """Ends every watch (server shutdown)."""
        with self._lock:
            watchers = list(self._watchers.values())
            self._watchers.clear()
            stop = self._halt()
        for w in watchers:
            w.close()
        stop()

    def _run(self, stop: threading.Event) -> None:
        while True:
            with self._lock:
                while not stop.is_set() and not (self._pending.everything or self._pending.months
                                              or self._pending.fresh):
                    self._lock.wait()
                if stop.is_set():
                    return
                pending, self._pending = self._pending, _Pending()
                watchers = list(self._watchers.values())
                self._busy = True
            try:
                self._round(pending, watchers, stop)
            except Exception:   # the dispatcher must outlive one bad round
                log.exception("watch round failed")
            with self._lock:
                self._busy = False
                self.rounds += 1

    def idle(self) -> bool:
        """No notice waiting and no round running: every change told so far is queued."""
        with self._lock:
            p = self._pending
            return not (self._busy or p.everything or p.months or p.fresh)

    def _round(self, pending: _Pending, watchers: list[Watcher], stop: threading.Event) -> None:
        fresh = {id(w) for w in pending.fresh}
        groups: dict[tuple, list[Watcher]] = {}
        for w in watchers:
            hit = (id(w) in fresh or pending.everything or (w.township_id, w.scope.month) in pending.months
                   or (w.township_id, None) in pending.months)
            if hit and not w.ended:
                groups.setdefault(w.key, []).append(w)
        marks: dict[tuple, int] = {}   # (township, month) -> fact watermark, once a round
        failed = []
        for group in groups.values():
            try:
                self._recompute(group, marks)
            except Exception as exc:   # the database, most likely: those watchers wait for a retry
                log.warning("rescoring a watched month failed (%s); retrying in %.1f s", exc, RETRY_SECONDS)
                failed += group
        if failed:
            stop.wait(RETRY_SECONDS)
            with self._lock:
                for w in failed:
                    if w.sent is None:
                        self._pending.fresh.append(w)
                    else:
                        self._pending.months.add((w.township_id, w.scope.month))

    def _watermark(self, township_id: str, month: str, marks: dict) -> int:
        """Read before scoring, so that every fact up to it is in the scores (one that
        commits meanwhile may be in them too, and its notice brings another round)."""
        key = (township_id, month)
        if key not in marks:
            villages = [v.id for v in self.app.store.villages(township_id)]
            marks[key] = self.app.store.fact_watermark(month, villages)[1]
        return marks[key]

    def _recompute(self, group: list[Watcher], marks: dict) -> None:
        first = group[0]
        s = first.scope
        scope = ({"official_id": s.official_id} if s.official_id else {"village_id": s.village_id}
                 if s.village_id else {"township_id": s.township_id})
        try:
            watermark = self._watermark(first.township_id, s.month, marks)
            scores = self.app.monthly_scores(s.month, caller=first.caller, **scope)
        except DomainError as exc:   # what a read would answer now: the watch ends with it
            for w in group:
                w.fail(exc)
            return
        now = {v.official.id: (v, digest(v)) for v in scores.scores}
        version = scores.ruleset.content_hash
        for w in group:
            if w.sent is None:   # its snapshot
                w.sent = {k: d for k, (_, d) in now.items()}
                w.township_id, w.version = scores.township.id, version
                w.put(Update(scores, snapshot=True, watermark=watermark))
                continue
            changed = [v for k, (v, d) in now.items() if w.sent.get(k) != d]
            removed = tuple(sorted(k for k in w.sent if k not in now))
            if not changed and not removed and w.version == version:
                continue
            w.sent, w.version = {k: d for k, (_, d) in now.items()}, version
            w.put(Update(MonthScores(scores.month, scores.township, scores.ruleset, changed, scores.rules),
                         removed=removed, watermark=watermark))
