"""Province-scale recompute: rescore every township's month from the store in bulk.

`Kaoping.monthly_scores` scores one township per request through the ORM: right for
a request, far too slow for 100,000 officials and millions of facts (an ORM row
costs more than scoring its fact). `recompute_month` keeps the scoring itself, and
changes only how the data gets to it:

1. The townships are cut into shards of whole townships (each a set of villages:
   whole townships keep a township's month exactly what `_compute` sees).
2. Each shard is scored in a worker process (spawned, so calling this from a process
   that runs gRPC threads is safe). The worker reads the shard's villages, officials
   and month of facts in three queries (the facts as plain tuples from the driver's
   cursor), then runs `Kaoping._compute` itself, township by township, over a
   read-only view of those rows: the same filtering, corrections, `evaluate` and
   `score_official` as a request, so the results are the request's results
   (tests/test_recompute.py holds it to that).
3. The rule engine is asked once per distinct (category, kind, quantity) a worker
   sees, instead of once per fact. Every rule kaoping compiles is a single-fact
   condition on exactly those three values, and the engine keeps nothing between
   facts (engine.py), so its answer for a fact is a function of them;
   `memoize=False` posts every fact, as a request does.

Results reach the caller shard by shard through `on_shard`, so a province never has
to sit in one process's memory; the report carries counts and a digest.
"""
from __future__ import annotations

import hashlib
import math
import multiprocessing
import os
import time
from collections import Counter, namedtuple
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator

from sqlalchemy import bindparam, create_engine, literal_column, or_, select, type_coerce
from sqlalchemy.types import NullType

from kaoping.ops import probe
from kaoping.usecases.app import Kaoping
from kaoping.domain.errors import FailedPrecondition, NotFound, Violation
from kaoping.rules.compile import compile_ruleset
from kaoping.rules.model import RuleSet, RuleSetInvalid
from kaoping.rules.parse import parse
from kaoping.rules.results import OfficialResult
from kaoping.domain import roster as rs
from kaoping.storage.models import FactRow, Official, RosterEntry, RuleSetRow, Village
from kaoping.storage.store import Store

MAX_SHARD_TOWNSHIPS = 16
SHARDS_PER_WORKER = 8
# Below this many facts in the month one process is quicker than starting workers
# (each imports kaoping: about a second) -- on the 2-core machine of docs/benchmarks.md.
PARALLEL_FROM_FACTS = 150_000

# What _compute reads of each row; the names are the ORM attributes it uses.
TownshipRow = namedtuple("TownshipRow", "id")
# attributes: JSON text, read with kaoping.domain.attributes.attributes_of
VillageRow = namedtuple("VillageRow", "id township_id name attributes")
OfficialRow = namedtuple("OfficialRow", "id village_id name position base_pay attributes")
FactView = namedtuple("FactView", "id official_id village_id month category kind quantity "
                                  "scorer_id scorer_role voids_fact_id date level")
VersionRow = namedtuple("VersionRow", "id content_hash label")
EntryRow = namedtuple("EntryRow", "official_id id effective_on from_month on_roster village_id "
                                  "position base_pay")


@dataclass(frozen=True)
class RecomputedScore:
    township_id: str
    village_id: str
    official_id: str
    result: OfficialResult


@dataclass
class RecomputeReport:
    month: str
    ruleset_id: int
    ruleset_hash: str
    townships: int = 0
    villages: int = 0
    officials: int = 0
    facts: int = 0           # fact rows read, corrections included
    engine_calls: int = 0    # facts posted to the rule engine
    shards: int = 0
    workers: int = 1
    seconds: float = 0.0
    grades: Counter = field(default_factory=Counter)
    digest: str = ""         # sha256 over every official's result, in township order


@dataclass(frozen=True)
class _Job:
    url: str
    month: str
    version: VersionRow
    ruleset_text: str
    line_items: bool
    memoize: bool


def recompute_month(store: Store, month: str, *, content_hash: str | None = None,
                    workers: int | None = None, townships_per_shard: int | None = None,
                    line_items: bool = True, memoize: bool = True,
                    on_shard: Callable[[list[RecomputedScore]], None] | None = None
                    ) -> RecomputeReport:
    """Scores `month` (YYYY-MM) for every township in the store under the active rule
    set, or the stored version with `content_hash`, in `workers` processes (default:
    one per core, or this process alone for a month under PARALLEL_FROM_FACTS facts;
    1 scores in this process). `on_shard` gets each shard's scores in
    township id order, then as `monthly_scores` orders them (village, official).
    With line_items=False the results carry no line items (less to send back)."""
    started = time.perf_counter()
    row = _ruleset_row(store, content_hash)
    townships = [t.id for t in store.townships()]
    if workers is None:
        workers = os.cpu_count() or 1
        if workers > 1 and store.fact_watermark(month)[0] < PARALLEL_FROM_FACTS:
            workers = 1
    workers = max(1, workers)
    size = townships_per_shard or max(1, min(
        MAX_SHARD_TOWNSHIPS, math.ceil(len(townships) / (workers * SHARDS_PER_WORKER))))
    shards = [townships[i:i + size] for i in range(0, len(townships), size)]
    job = _Job(store.url, month, VersionRow(row.id, row.content_hash, row.label), row.text,
               line_items, memoize)
    report = RecomputeReport(month, row.id, row.content_hash, townships=len(townships),
                             shards=len(shards), workers=min(workers, max(1, len(shards))))
    digest = hashlib.sha256()
    for scores, counts in _run(job, shards, report.workers):
        report.villages += counts["villages"]
        report.facts += counts["facts"]
        report.engine_calls += counts["engine_calls"]
        report.officials += len(scores)
        for s in scores:
            r = s.result
            report.grades[r.grade] += 1
            digest.update(f"{s.township_id}|{s.village_id}|{s.official_id}|{r.total}|{r.grade}|"
                          f"{int(r.vetoed)}|{r.pay}|{sorted(r.categories.items())}\n".encode())
        if on_shard is not None:
            on_shard(scores)
    report.digest = digest.hexdigest()
    report.seconds = time.perf_counter() - started
    return report


def _ruleset_row(store: Store, content_hash: str | None) -> RuleSetRow:
    if content_hash:
        row = store.ruleset(content_hash=content_hash)
    else:  # the active version: the newest activation, as RuleSets.bootstrap/refresh read it
        activations = store.activations()
        row = store.ruleset(activations[-1].ruleset_id) if activations else None
    if row is None:
        raise NotFound("no such rule-set version", [Violation(
            "content_hash", content_hash or "no rule set has been activated")],
                       zh="找不到该规则集版本：请用 kaoping rules list 查看已上传的版本")
    # the workers compile it in-process: only a version that passed the engine probe
    try:
        refused = probe.check(parse(row.text, f"version {row.id}", row.label), f"version {row.id}")
    except RuleSetInvalid as exc:
        refused = exc.problems
    if refused:
        raise FailedPrecondition(f"rule-set version {row.id} is refused by the engine probe",
                                 [Violation(p.location, p.message) for p in refused],
                                 zh=f"规则集版本 {row.id} 未通过引擎检查：请激活一个可用的版本")
    return row


def _run(job: _Job, shards: list[list[str]], workers: int) -> Iterator[tuple[list, dict]]:
    if workers == 1:
        _init(job)
        try:
            yield from map(_score_shard, shards)
        finally:
            _close()
        return
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_init,
                             initargs=(job,)) as pool:
        yield from pool.map(_score_shard, shards)


# worker side ----------------------------------------------------------------
_worker: "_Worker | None" = None


def _init(job: _Job) -> None:
    global _worker
    _worker = _Worker(job)


def _close() -> None:
    global _worker
    if _worker is not None:
        _worker.close()
        _worker = None


def _score_shard(townships: list[str]) -> tuple[list[RecomputedScore], dict]:
    return _worker.score(townships)


class _ShardStore:
    """The three reads `Kaoping._compute` makes, answered from one shard's rows."""

    def __init__(self, villages: list[VillageRow], officials: list[OfficialRow],
                 facts: list[FactView], strays: list[FactView] = ()):
        self._villages: dict[str, list[VillageRow]] = {}
        for v in villages:
            self._villages.setdefault(v.township_id, []).append(v)
        self._officials: dict[str, list[OfficialRow]] = {}
        for o in officials:
            self._officials.setdefault(o.village_id, []).append(o)
        township_of = {v.id: v.township_id for v in villages}
        self._facts: dict[str, list[FactView]] = {}
        for f in facts:   # in id order, so each township's list is too
            self._facts.setdefault(township_of[f.village_id], []).append(f)
        self._township_villages = {t: frozenset(v.id for v in vs)
                                   for t, vs in self._villages.items()}
        self._strays = list(strays)   # movers' facts stamped with a village of another shard

    def villages(self, township_id: str = "") -> list[VillageRow]:
        return list(self._villages.get(township_id, []))

    def officials(self, village_id: str = "") -> list[OfficialRow]:
        return list(self._officials.get(village_id, []))

    def facts(self, month: str, village_ids: Iterable[str] | None = None,
              official_id: str = "", official_ids: Iterable[str] | None = None) -> list[FactView]:
        if official_ids is not None:   # movers' facts (Kaoping._compute), as far as the shard has them
            ids = frozenset(official_ids)
            return sorted((f for fs in [*self._facts.values(), self._strays] for f in fs
                           if f.month == month and f.official_id in ids), key=lambda f: f.id)
        wanted = frozenset(village_ids or ())
        for township_id, ids in self._township_villages.items():
            if ids == wanted:
                found = self._facts.get(township_id, [])
                break
        else:
            found = [f for fs in self._facts.values() for f in fs if f.village_id in wanted]
            found.sort(key=lambda f: f.id)
        return [f for f in found if f.month == month
                and (not official_id or f.official_id == official_id)]


class _Worker:
    def __init__(self, job: _Job):
        self.job = job
        kwargs = {"connect_args": {"timeout": 30}} if job.url.startswith("sqlite") else {}
        self.engine = create_engine(job.url, **kwargs)
        ruleset: RuleSet = parse(job.ruleset_text, f"version {job.version.id}", job.version.label)
        self.compiled = compile_ruleset(ruleset)
        self.compiled.memoize = job.memoize
        self.compiled.line_items = job.line_items   # a bulk recompute may not want them
        self.rules = self.compiled
        self._facts_query = self._build_facts_query()
        self._quantity_processor = FactRow.__table__.c.quantity.type.result_processor(
            self.engine.dialect, None)
        self._quantities: dict = {}

    def close(self) -> None:
        self.compiled.close()
        self.engine.dispose()

    def _build_facts_query(self):
        f = FactRow.__table__.c
        # SQLite's planner, without statistics, prefers the month index (the whole
        # month) to the village index (this shard); a unary + keeps it off month.
        month = literal_column("+fact.month") if self.engine.dialect.name == "sqlite" else f.month
        # quantity comes back as the driver gives it and goes through the column's
        # result processor once per distinct value (see _quantity), not once per row
        return (select(f.id, f.official_id, f.village_id, f.month, f.category, f.kind,
                       type_coerce(f.quantity, NullType()), f.scorer_id, f.scorer_role,
                       f.voids_fact_id, f.date, f.level)
                .where(month == bindparam("month"),
                       f.village_id.in_(bindparam("villages", expanding=True)))
                .order_by(f.id))

    def score(self, townships: list[str]) -> tuple[list[RecomputedScore], dict]:
        v, o, a = Village.__table__.c, Official.__table__.c, RosterEntry.__table__.c
        with self.engine.connect() as conn:
            villages = [VillageRow(*r) for r in conn.execute(
                select(v.id, v.township_id, v.name, v.attributes).where(v.township_id.in_(townships))
                .order_by(v.township_id, v.id))]
            village_ids = [x.id for x in villages]
            # everyone in the shard's villages now or in some month (the roster history)
            members = or_(o.village_id.in_(village_ids),
                          o.id.in_(select(a.official_id).where(a.village_id.in_(village_ids))))
            officials = [OfficialRow(*r) for r in conn.execute(
                select(o.id, o.village_id, o.name, o.position, o.base_pay, o.attributes)
                .where(members).order_by(o.village_id, o.id))] if village_ids else []
            history = [EntryRow(*r) for r in conn.execute(
                select(a.official_id, a.id, a.effective_on, a.from_month, a.on_roster, a.village_id,
                       a.position, a.base_pay)
                .where(a.official_id.in_(select(o.id).where(members))))] if village_ids else []
            from kaoping.usecases.scoring_input import earlier_months
            facts = []
            months = earlier_months(self.job.month, self.compiled.ruleset) + [self.job.month]
            for month in months:
                facts += self._read_facts(conn, village_ids, month) if village_ids else []
            # a fact entered before a back-dated move was recorded carries the village he
            # was in then, maybe another township's: read movers' facts by official too
            places = Counter(oid for oid, _ in {(e.official_id, e.village_id) for e in history})
            movers = sorted(oid for oid, n in places.items() if n > 1)
            strays = self._read_strays(conn, movers, village_ids, months) if movers else []
        shard = _ShardStore(villages, officials, facts, strays)
        view = _ComputeView(shard, _ShardRoster(officials, history), self.job.url)
        calls_before = self.rules.questions
        scores = []
        for township_id in townships:
            month = Kaoping._compute(view, TownshipRow(township_id), self.job.month,
                                     self.rules, self.job.version)
            for s in month.scores:
                if not self.job.line_items:
                    s.result.items = []
                scores.append(RecomputedScore(township_id, s.village.id, s.official.id, s.result))
        return scores, {"villages": len(villages), "facts": len(facts),
                        "engine_calls": self.rules.questions - calls_before}

    def _read_strays(self, conn, movers: list[str], village_ids: list[str],
                     months: list[str]) -> list[FactView]:
        """Movers' facts stamped with a village outside the shard (few: read plainly)."""
        f = FactRow.__table__.c
        found = []
        for start in range(0, len(movers), 500):
            found += [FactView(*r) for r in conn.execute(
                select(f.id, f.official_id, f.village_id, f.month, f.category, f.kind, f.quantity,
                       f.scorer_id, f.scorer_role, f.voids_fact_id, f.date, f.level)
                .where(f.month.in_(months), f.official_id.in_(movers[start:start + 500]),
                       f.village_id.not_in(village_ids)).order_by(f.id))]
        return found

    def _read_facts(self, conn, village_ids: list[str], month: str) -> list[FactView]:
        """The shard's month, straight from the driver's cursor: SQLAlchemy Row
        objects and per-row type processing would double the read time."""
        compiled = self._facts_query.compile(dialect=self.engine.dialect)
        state = compiled.construct_expanded_state({"month": month,
                                                   "villages": village_ids})
        args = tuple(state.parameters[name] for name in state.positiontup) \
            if compiled.positional else state.parameters
        cursor = conn.connection.driver_connection.cursor()
        try:
            cursor.execute(state.statement, args)
            rows = cursor.fetchall()
        finally:
            cursor.close()
        # the quantity the ORM would give: the column's own result processor, once per
        # distinct value the driver returned
        known, process = self._quantities, self._quantity_processor
        for raw in {row[6] for row in rows}:
            if raw not in known:
                known[raw] = process(raw) if process else raw
        return [FactView(fid, oid, vid, month, category, kind, known[raw], scorer_id,
                         scorer_role, voids, day, level)
                for fid, oid, vid, month, category, kind, raw, scorer_id, scorer_role, voids, day, level
                in rows]


class _ShardRoster:
    """The two registry questions `Kaoping._compute` asks (kaoping.usecases.registry.Registry),
    answered from the shard's officials and their roster history (kaoping.domain.roster)."""

    def __init__(self, officials: list[OfficialRow], history: list["EntryRow"]):
        self._officials = officials
        found: dict[str, list] = {}
        for entry in history:
            found.setdefault(entry.official_id, []).append(entry)
        self._history = {oid: rs.ordered(entries) for oid, entries in found.items()}

    def has_moved(self, official_id: str) -> bool:
        return len({e.village_id for e in self._history.get(official_id, ())}) > 1

    def roster(self, village_ids, month: str) -> list[tuple[OfficialRow, str]]:
        wanted = set(village_ids)
        members = []
        for o in self._officials:
            state = rs.state_in_month(self._history.get(o.id, ()), month)
            if state is None:   # no history: his row, every month
                state = rs.RosterState(o.village_id, o.position or "", o.base_pay, True)
            if state.on_roster and state.village_id in wanted:
                members.append((rs.as_of(o, state), state.village_id))
        return sorted(members, key=lambda m: (m[1], m[0].id))


class _ComputeView:
    """Stands in for the Kaoping instance whose `_compute` runs: it reads `self.store`,
    `self.registry` and, for history rules only, `self.months` (the frozen snapshots)."""
    _period_input = Kaoping._period_input
    _period_from_rows = Kaoping._period_from_rows
    _month_facts = Kaoping._month_facts
    _scored = staticmethod(Kaoping._scored)
    _split = staticmethod(Kaoping._split)

    def _overdue(self, township_id: str, month: str, ruleset) -> list:
        """Overdue rectifications, read from the database as a request reads them, and
        only when the rule set declares their kind (kaoping.usecases.rectifications)."""
        from datetime import date
        from kaoping.domain.rectification import OVERDUE_KIND
        from kaoping.usecases.rectifications import overdue_facts
        if ruleset.category_of_kind(OVERDUE_KIND) is None:
            return []
        return overdue_facts(self.months.store, township_id, month, date.today(), ruleset)

    def __init__(self, store: _ShardStore, registry: _ShardRoster, url: str = ""):
        self.store = store
        self.registry = registry
        self._url = url
        self._months = None

    @property
    def months(self):
        if self._months is None:
            from kaoping.storage.workflow_store import WorkflowStore
            self._months = WorkflowStore(Store(self._url))
        return self._months
