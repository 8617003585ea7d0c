"""Township month scores: computed once for concurrent readers, kept in a bounded cache.

* One entry per (township, month, rule-set version, ...). Its watermark (the count and
  highest id of the rows it was computed from, kaoping.storage.period_rows) says which
  facts it holds; a read with a newer watermark computes again — from the entry, which
  kaoping.usecases.scores updates with the new rows only — and *replaces* the entry, so
  writes never pile up stale copies of a month.
* Single flight: readers of one slot wait for one computation at a time. The
  computation is asked to stop (through the `cancelled` it is given) only when every
  reader waiting for it has gone away; a reader that goes away stops waiting at once.
* Bounded by entries and by estimated bytes (least recently used out first). A month
  whose estimate alone exceeds the byte bound is served but not kept.

The estimate is ITEM_BYTES per line item plus OFFICIAL_BYTES per official (measured:
about 520 bytes per line item retained for a 102-official month of 30,000 facts).
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Callable

from kaoping.domain.errors import Cancelled

ITEM_BYTES = 600
OFFICIAL_BYTES = 2048
BASE_BYTES = 4096
POLL_SECONDS = 0.05    # how often a waiting reader checks whether its caller left


FACT_BYTES = 400       # a fact kept for rescoring (ScoredFact, its engine question, its hits)


def estimate_bytes(scores) -> int:
    """Estimated memory of a MonthScores (kaoping.usecases.scores) held in the cache, or of
    a kept month (kaoping.usecases.scores.Kept: its scores and the facts of its state)."""
    state = getattr(scores, "state", None)
    if state is not None:
        return estimate_bytes(scores.scores) + FACT_BYTES * len(state.facts_by_id)
    return BASE_BYTES + sum(OFFICIAL_BYTES + ITEM_BYTES * len(s.result.items) for s in scores.scores)


@dataclass
class _Entry:
    watermark: tuple
    value: Any
    size: int


@dataclass
class _Flight:
    watermark: tuple
    done: threading.Event = field(default_factory=threading.Event)
    waiters: list[Callable[[], bool]] = field(default_factory=list)
    value: Any = None
    error: BaseException | None = None

    def abandoned(self) -> bool:
        """True once every reader still waiting for this computation has gone away."""
        return all(check() for check in list(self.waiters))


class MonthCache:
    def __init__(self, max_entries: int = 64, max_bytes: int = 256 * 2**20,
                 size_of: Callable[[Any], int] = estimate_bytes):
        self.max_entries, self.max_bytes, self.size_of = max_entries, max_bytes, size_of
        self._entries: OrderedDict[tuple, _Entry] = OrderedDict()
        self._flights: dict[tuple, _Flight] = {}
        self._bytes = 0
        self._generation = 0          # bumped by clear(): a flight started before is not kept
        self._township_generations: dict = {}   # bumped by drop(township): the same, per township
        self._lock = threading.Lock()
        self.computed = 0             # computations started (for metrics and tests)

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    @property
    def bytes(self) -> int:
        return self._bytes

    def get(self, slot: tuple, watermark: tuple,
            compute: Callable[[Callable[[], bool], Any], tuple[Any, tuple]],
            cancelled: Callable[[], bool], latest: Callable[[], tuple] | None = None) -> Any:
        """The value for slot at watermark (or newer): cached, joined, or computed here.
        `compute(stop, previous)` gets the slot's older value (or None) to start from and
        returns (value, the watermark it really covers, at least the one asked for); it
        must raise Cancelled when stop() turns true.

        At most one computation per slot runs at a time: a reader that needs a newer
        watermark than the running computation waits for it to end and then computes
        once for every reader that queued meanwhile (`latest()` re-reads the watermark
        then, so the next computation covers every write made while waiting). Without this, a stream of writes
        (each moving the watermark) started one full computation per reader, all at
        once, each holding the month's facts (the mixed load benchmark's memory)."""
        while True:
            with self._lock:
                entry = self._entries.get(slot)
                if entry is not None and entry.watermark >= watermark:
                    self._entries.move_to_end(slot)   # facts only grow: newer serves older reads
                    return entry.value
                flight = self._flights.get(slot)
                leader = flight is None
                if leader:
                    flight = self._flights[slot] = _Flight(watermark)
                    generation = self._generation_of(slot)
                    self.computed += 1
                joining = leader or flight.watermark >= watermark
                if joining:
                    flight.waiters.append(cancelled)
            if leader:
                return self._lead(slot, flight, generation, compute, cancelled,
                                  entry.value if entry is not None else None)
            try:
                while not flight.done.wait(POLL_SECONDS):
                    if cancelled():
                        raise Cancelled("the caller went away", [],
                                        zh="请求已取消或超时：请重试")
            finally:
                if joining:
                    with self._lock:
                        flight.waiters.remove(cancelled)
            if not joining:     # an older computation ended: now compute (or join) ours
                if latest is not None:
                    watermark = max(watermark, latest())
                continue
            if flight.error is None:
                return flight.value
            if not isinstance(flight.error, Cancelled):
                raise flight.error
            # the computation stopped because its readers had left before this one
            # came; start over (compute it here, or join a newer flight) — unless this
            # reader has gone too: it was one of those that made the computation stop,
            # and must not start another nobody waits for
            if cancelled():
                raise Cancelled("the caller went away", [], zh="请求已取消或超时：请重试")

    def _lead(self, slot, flight, generation, compute, cancelled, previous):
        try:
            value, watermark = compute(flight.abandoned, previous)
            flight.value = value
        except BaseException as exc:
            flight.error = exc
            raise
        else:
            self._keep(slot, watermark, value, generation)
            return value
        finally:
            with self._lock:
                self._flights.pop(slot, None)
                flight.waiters.remove(cancelled)
            flight.done.set()

    def _keep(self, slot, watermark, value, generation) -> None:
        size = self.size_of(value)
        with self._lock:
            if generation != self._generation_of(slot):
                return                      # cleared while computing: may be stale
            old = self._entries.get(slot)
            if old is not None and old.watermark > watermark:
                return                      # a newer computation already finished
            if old is not None:
                self._bytes -= self._entries.pop(slot).size
            if size > self.max_bytes:
                return
            self._entries[slot] = _Entry(watermark, value, size)
            self._bytes += size
            while len(self._entries) > self.max_entries or self._bytes > self.max_bytes:
                self._bytes -= self._entries.popitem(last=False)[1].size

    def _generation_of(self, slot: tuple) -> tuple:
        return self._generation, self._township_generations.get(slot[0], 0)

    def drop(self, township_id: str) -> None:
        """Forgets one township's months (slots start with its id): its roster changed,
        and the other townships' months stay warm."""
        with self._lock:
            for slot in [k for k in self._entries if k[0] == township_id]:
                self._bytes -= self._entries.pop(slot).size
            self._township_generations[township_id] = self._township_generations.get(township_id, 0) + 1

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0
            self._generation += 1
