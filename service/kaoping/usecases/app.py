"""kaoping's use cases, free of gRPC: facts in, scores and notices out.

The servicers in kaoping.api translate messages to these calls and DomainErrors to
statuses; the CLI and tests may call the same methods directly.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Callable

from kaoping.usecases import audit, cancellation
from kaoping.domain.errors import (AlreadyExists, Cancelled, DomainError, InvalidArgument, NotFound,
                                   PermissionDenied, Violation)
from kaoping.domain.attributes import with_checked_attributes
from kaoping.domain.principal import INTERNAL, Principal
from kaoping.domain.facts import (CheckedFact, FactInput, check_fact, parse_month,
                                  text_problems)
from kaoping.usecases import scoring_input as si
from kaoping.rules.evaluate import evaluate
from kaoping.rules.model import SCORER_ROLES, RuleSet
from kaoping.rules.results import OfficialResult, PeriodInput
from kaoping.ops.limits import Limits
from kaoping.usecases.month_cache import MonthCache
from kaoping.usecases.rulesets import RuleSets, invalid, validate_text
from kaoping.usecases.fact_rows import fact_values
from kaoping.usecases.registry import Registry, plan_move
from kaoping.storage.models import FactRow, Official, RuleSetRow, Scorer, Township, Village
from kaoping.storage.fact_queries import with_village_level
from kaoping.storage.store import Store
from kaoping.storage.workflow_store import WorkflowStore

from kaoping.usecases.corrections import CORRECTION_KIND  # noqa: F401 (kaoping.usecases.workflow imports it here)


@dataclass(frozen=True)
class Receipt:
    fact_id: int
    duplicate: bool
    idempotency_key: str


@dataclass(frozen=True)
class Outcome:
    index: int
    idempotency_key: str
    receipt: Receipt | None
    error: DomainError | None


@dataclass(frozen=True)
class ScoreView:
    result: OfficialResult
    official: Official
    village: Village
    month: str


@dataclass(frozen=True)
class MonthScores:
    month: str
    township: Township
    ruleset: RuleSetRow
    scores: list[ScoreView]
    rules: RuleSet


class Kaoping:
    def __init__(self, store: Store, rulesets: RuleSets, today: Callable[[], date] = date.today,
                 limits: Limits = Limits()):
        self.store = store
        self.limits = limits
        self.rulesets = rulesets
        self.registry = Registry(store)
        self.today = today
        self.month_cache = MonthCache(limits.month_cache_entries, limits.month_cache_mb * 2**20)
        self.months = WorkflowStore(store)  # month states (kaoping.usecases.workflow): closes facts, binds versions

    # facts ------------------------------------------------------------------
    def submit_fact(self, fact: FactInput, caller: Principal = INTERNAL) -> Receipt:
        checked = check_fact(fact, self.rulesets.active, self.registry, self.today(), caller=caller,
                             max_note=self.limits.max_note)
        closed = self._closed_error(checked, "fact.month")
        if closed:
            raise closed
        receipt = self._store([checked], lambda _: "fact.idempotency_key")[0]
        if isinstance(receipt, DomainError):
            raise receipt
        return receipt

    def submit_facts(self, facts: list[FactInput], first_index: int = 0,
                     caller: Principal = INTERNAL) -> list[Outcome]:
        """Checks each fact on its own; stores all good ones in one transaction."""
        if len(facts) > self.limits.max_batch:
            raise InvalidArgument("batch too large", [Violation(
                "facts", f"{len(facts)} facts in one message; at most {self.limits.max_batch}")])
        ruleset, today = self.rulesets.active, self.today()
        outcomes: list[Outcome | None] = [None] * len(facts)
        good: list[tuple[int, CheckedFact]] = []
        closed = self.months.closed()
        for i, fact in enumerate(facts):
            try:
                checked = check_fact(fact, ruleset, self.registry, today,
                                     prefix=f"facts[{first_index + i}]", caller=caller,
                                     max_note=self.limits.max_note)
                error = self._closed_error(checked, f"facts[{first_index + i}].month", closed)
                if error:
                    raise error
                good.append((i, checked))
            except DomainError as exc:
                # Without its traceback: that references this frame, whose `outcomes` holds
                # the error, a cycle only the cyclic GC frees; until it runs, every refused
                # fact of a stream (a 15 MB key, say) stays in memory.
                outcomes[i] = Outcome(first_index + i, fact.idempotency_key, None,
                                      exc.with_traceback(None))
        if good:
            fields = [f"facts[{first_index + i}].idempotency_key" for i, _ in good]
            results = self._store([c for _, c in good], fields.__getitem__)
            for (i, checked), result in zip(good, results):
                error = result if isinstance(result, DomainError) else None
                outcomes[i] = Outcome(first_index + i, checked.input.idempotency_key,
                                      None if error else result, error)
        return outcomes

    def _closed_error(self, checked: CheckedFact, field: str, closed=None) -> DomainError | None:
        """A new fact for a month past scoring is refused (kaoping.usecases.workflow owns the month
        states); a resend of a fact already stored still gets its first receipt."""
        try:
            self.months.check_open(checked.village_id, checked.month, checked.input.category,
                                   field, closed)
        except DomainError as exc:
            if not self.store.facts_by_keys([checked.input.idempotency_key]):
                return exc
        return None

    def _store(self, checked: list[CheckedFact],
               key_field: Callable[[int], str]) -> list[Receipt | AlreadyExists]:
        """Stores the facts in one transaction: a receipt per fact, or, for a key first
        used for another fact, the error naming key_field(position)."""
        values = [fact_values(c) for c in checked]
        inserted = self.store.insert_fact_values(values, audit=lambda fresh: audit.entry(
            "submit_facts", f"{len(fresh)} facts", after={
                "fact_ids": audit.id_ranges([r.id for r in fresh]),
                "months": sorted({r.month for r in fresh})}))
        return [_key_conflict(key_field(n), i.row.idempotency_key) if i.conflict
                else Receipt(i.row.id, i.duplicate, i.row.idempotency_key)
                for n, i in enumerate(inserted)]

    def correct_fact(self, fact_id: int, reason: str, scorer_id: str, key: str,
                     replacement: FactInput | None,
                     caller: Principal = INTERNAL) -> tuple[Receipt, Receipt | None]:
        """Voids a fact by adding a correction fact (and its replacement, if given);
        kaoping.usecases.corrections has the rules."""
        from kaoping.usecases.corrections import correct_fact
        return correct_fact(self, fact_id, reason, scorer_id, key, replacement, caller)

    def list_facts(self, month: str, official_id: str = "", village_id: str = "",
                   caller: Principal = INTERNAL, after_id: int | None = None,
                   limit: int | None = None) -> list[FactRow]:
        month = self._month(month)
        if caller.role == "village":
            self._scope("", village_id, official_id, caller, month)
        if not village_id:
            return self.store.facts(month, official_id=official_id, after_id=after_id, limit=limit)
        # the village's roster of that month (an official who moved is listed where he was)
        members = [o.id for o, _ in self.registry.roster([village_id], month)
                   if not official_id or o.id == official_id]
        rows = self.store.facts(month, official_ids=members, after_id=after_id, limit=limit)
        # and the facts about the village itself (village-level: no official)
        return rows if official_id else with_village_level(self.store, rows, month, village_id,
                                                           after_id, limit)

    # scores -----------------------------------------------------------------
    def monthly_scores(self, month: str, township_id: str = "", village_id: str = "",
                       official_id: str = "", content_hash: str | None = None,
                       caller: Principal = INTERNAL) -> MonthScores:
        month = self._month(month)
        township, village, official = self._scope(township_id, village_id, official_id, caller, month)
        if content_hash is None:  # a month frozen for or approved by the meeting keeps its version
            content_hash = self.months.bound_hash(township.id, month)
        full = self._township_month(township, month, content_hash)
        scores = [s for s in full.scores
                  if (not village or s.village.id == village.id)
                  and (not official or s.official.id == official.id)]
        return MonthScores(month, township, full.ruleset, scores, full.rules)

    def _township_month(self, township: Township, month: str,
                        content_hash: str | None) -> MonthScores:
        """Cached per (township, month, version), one computation for concurrent
        readers (kaoping.usecases.month_cache); an abandoned call stops waiting or computing."""
        with self.rulesets.use(content_hash) as (compiled, row):
            villages = [v.id for v in self.store.villages(township.id)]
            watermark = self.store.fact_watermark(month, villages)
            return self.month_cache.get(
                (township.id, month, row.content_hash), watermark,
                lambda stop: self._compute(township, month, compiled, row, stop),
                cancellation.current(), lambda: self.store.fact_watermark(month, villages))

    def _compute(self, township, month, compiled, row,
                 cancelled=cancellation.never) -> MonthScores:
        villages = {v.id: v for v in self.store.villages(township.id)}
        members = self.registry.roster(villages, month)   # who belonged to the township that month
        ruleset = compiled.ruleset
        data = self._period_input(township, month, villages, members, ruleset, cancelled)
        results = evaluate(compiled, data, cancelled)
        views = [ScoreView(r, o, villages[v], month) for r, (o, v) in zip(results, members)]
        return MonthScores(month, township, row, views, ruleset)

    def _month_facts(self, month: str, villages, members) -> list[FactRow]:
        facts = self.store.facts(month, villages)
        # A fact carries the village of its month when entered; one entered before a
        # back-dated move was recorded carries the old one: read movers' facts by official.
        movers = [o.id for o, _ in members if self.registry.has_moved(o.id)]
        if movers:
            extra = {f.id: f for f in self.store.facts(month, official_ids=movers)}
            facts = sorted(({f.id: f for f in facts} | extra).values(), key=lambda f: f.id)
        return facts

    def _period_input(self, township, month, villages, members, ruleset,
                      cancelled=cancellation.never) -> PeriodInput:
        """The month as the rules see it (kaoping.usecases.scoring_input)."""
        year_end = {c.id for c in ruleset.categories.values() if c.timing == "year_end"} | {"inspection"}
        where = {o.id: v for o, v in members}
        facts = [f for f in si.live_facts(self._month_facts(month, villages, members), where, "")
                 if f.category not in year_end]   # year-end marks (kaoping.usecases.workflow) never feed a month
        earlier = []
        for m in si.earlier_months(month, ruleset):
            earlier += [f for f in si.live_facts(self._month_facts(m, villages, members), where, "")
                        if f.category not in year_end]
        if cancelled():   # loading a large month is the other long step
            raise Cancelled("the caller went away; the month was not scored", [])
        history = {}
        if si.needs_history(ruleset):
            history = si.history_from(self.months.frozen_lines(township.id, month, months_back=36))
        period = month
        if ruleset.period == "quarter":   # a quarterly rule set scores the quarter to date
            period = f"{month[:4]}-Q{(int(month[5:7]) - 1) // 3 + 1}"
            first = f"{month[:4]}-{(int(month[5:7]) - 1) // 3 * 3 + 1:02d}"
            facts = [f for f in earlier if f.month >= first] + facts
            earlier = [f for f in earlier if f.month < first]
        return PeriodInput(period, si.officials_in(members), si.villages_in(villages.values()),
                           facts, earlier, history)

    def ranking(self, month: str, township_id: str = "", caller: Principal = INTERNAL):
        """The month's official and village ranks. A village sees other villages'
        figures only once the month is published (the 公示 shows them anyway); before,
        it gets its own officials and its own village line, with their ranks."""
        scores = self.monthly_scores(month, township_id=township_id)
        # A vetoed official ranks below everyone else whatever the points.
        officials = sorted(scores.scores, key=lambda s: (s.result.vetoed, -s.result.total, s.official.id))
        ranked_officials = _competition_ranks(officials, lambda s: (s.result.vetoed, s.result.total))
        by_village: dict[str, list[ScoreView]] = {}
        for s in scores.scores:
            by_village.setdefault(s.village.id, []).append(s)
        averages = [(v[0].village, (sum((s.result.total for s in v), Decimal(0)) / len(v))
                     .quantize(Decimal("0.01")), len(v)) for v in by_village.values()]
        averages.sort(key=lambda a: (-a[1], a[0].id))
        ranked_villages = _competition_ranks(averages, lambda a: a[1])
        if caller.role == "village" and not self.months.public(scores.township.id, scores.month):
            ranked_officials = [(r, s) for r, s in ranked_officials if s.village.id == caller.village_id]
            ranked_villages = [(r, a) for r, a in ranked_villages if a[0].id == caller.village_id]
        return scores, ranked_officials, ranked_villages

    def feedback_notice(self, village_id: str, month: str,
                        caller: Principal = INTERNAL) -> MonthScores:
        if not village_id:
            raise InvalidArgument("village required", [Violation("village_id", "required")])
        return self.monthly_scores(month, village_id=village_id, caller=caller)

    def explain(self, official_id: str, month: str, caller: Principal = INTERNAL) -> MonthScores:
        """The month's scores narrowed to one official (with the rule set that made them)."""
        if not official_id:
            raise InvalidArgument("official required", [Violation("official_id", "required")])
        return self.monthly_scores(month, official_id=official_id, caller=caller)

    def dry_run(self, text: str, month: str, township_id: str = "", filename: str = "<candidate>",
                caller: Principal = INTERNAL) -> "DryRun":
        """Scores a month's stored facts under a candidate rule set, storing nothing,
        and compares with the scores the month has now."""
        checked = validate_text(text, filename, keep_engine=True)
        if not checked.valid:
            raise invalid(checked)
        try:
            current = self.monthly_scores(month, township_id=township_id, caller=caller)
            draft = RuleSetRow(id=0, content_hash=checked.content_hash, label=checked.ruleset.label,
                               text=text, uploaded_by=caller.name)
            candidate = self._compute(current.township, current.month, checked.engine, draft,
                                      cancellation.current())
        finally:
            checked.engine.close()
        changed, unchanged = [], 0
        for old, new in zip(current.scores, candidate.scores):
            before, after = set(old.result.items), set(new.result.items)
            if (old.result.total, old.result.grade, old.result.pay, before) == \
                    (new.result.total, new.result.grade, new.result.pay, after):
                unchanged += 1
                continue
            changed.append(OfficialDiff(old, new, sorted(before - after, key=_item_order),
                                        sorted(after - before, key=_item_order)))
        changed.sort(key=lambda d: (d.new.result.total - d.old.result.total, d.old.official.id))
        return DryRun(current, candidate, changed, unchanged)

    # registry ---------------------------------------------------------------
    def put_village(self, village: Village) -> None:
        _check_text({"id": village.id, "township_id": village.township_id, "name": village.name})
        village = with_checked_attributes(village)
        if self.store.get(Township, village.township_id) is None:
            raise NotFound("no such township", [Violation("township_id", village.township_id)])
        self.put(village)

    def put_official(self, official: Official, village_from: str = "") -> None:
        """Adds or changes an official. A change of village takes effect from the month
        `village_from` (default: the current month) and is added to the history
        (kaoping.domain.roster): earlier months keep the old village."""
        _check_text({"id": official.id, "village_id": official.village_id, "name": official.name,
                     "position": official.position, "village_from_month": village_from})
        official = with_checked_attributes(official)
        if self.store.get(Village, official.village_id) is None:
            raise NotFound("no such village", [Violation("village_id", official.village_id)])
        since = self.today().strftime("%Y-%m")
        if village_from:
            since, problems = parse_month(village_from, "village_from_month", self.today())
            if problems:
                raise InvalidArgument("bad month", problems)
        old = self.store.get(Official, official.id)
        if old is not None and self.registry.village_of(old.id, since) == official.village_id:
            self.put(official.model_copy(update={"village_id": old.village_id}))   # no move
            return
        row, moves = plan_move(self.store, old, official, since, self.today().strftime("%Y-%m"))
        after = row.model_dump(mode="json") | {"village_from": {m.from_month: m.village_id for m in moves}}
        # one transaction and one audit entry (replicas re-read the registry on put_official)
        self.store.put(row, *moves, audit=audit.entry(
            "put_official", official.id, before=old.model_dump(mode="json") if old else None, after=after))
        self.registry.reload()
        self.invalidate()

    def put_scorer(self, scorer: Scorer) -> None:
        _check_text({"id": scorer.id, "name": scorer.name, "role": scorer.role})
        if scorer.role not in SCORER_ROLES:
            raise InvalidArgument("unknown scorer role", [Violation(
                "role", f"{scorer.role!r}; known: {', '.join(SCORER_ROLES)}")])
        self.put(scorer)

    def put(self, *objects) -> None:
        for obj in objects:
            old = self.store.get(type(obj), obj.id)
            self.store.put(obj, audit=audit.entry(
                f"put_{type(obj).__name__.lower()}", obj.id,
                before=old.model_dump(mode="json") if old else None, after=obj.model_dump(mode="json")))
        self.registry.reload()
        self.invalidate()

    def invalidate(self) -> None:
        """Drops cached month scores: base pay and membership feed every score, and the
        cache does not key on them (a replica calls this when another one wrote)."""
        self.month_cache.clear()

    # helpers ----------------------------------------------------------------
    def _month(self, month: str) -> str:
        value, problems = parse_month(month, "month", self.today())
        if problems:
            raise InvalidArgument("bad month", problems)
        return value

    def _scope(self, township_id: str, village_id: str, official_id: str,
               caller: Principal = INTERNAL, month: str = ""):
        """(township, village, official) a read is about; an official's village is the
        one he belonged to in `month` (kaoping.domain.roster), the current one without."""
        month = month or self.today().strftime("%Y-%m")
        if caller.role == "village":
            own = village_id or self.registry.village_of(official_id, month) or ""
            if own != caller.village_id:
                raise PermissionDenied("a village reads only its own records", [Violation(
                    "village_id", f"your token is for village {caller.village_id!r}")])
        official = village = None
        if official_id:
            official = self.registry.official(official_id)
            if official is None:
                raise NotFound("no such official", [Violation("official_id", official_id)])
            village_id = self.registry.village_of(official.id, month)
        if village_id:
            village = self.store.get(Village, village_id)
            if village is None:
                raise NotFound("no such village", [Violation("village_id", village_id)])
            township_id = village.township_id
        if not township_id:
            townships = self.store.townships()
            if len(townships) != 1:
                raise InvalidArgument("say which township", [Violation(
                    "township_id", f"required when {len(townships)} townships are registered")])
            return townships[0], village, official
        township = self.store.get(Township, township_id)
        if township is None:
            raise NotFound("no such township", [Violation("township_id", township_id)])
        return township, village, official


@dataclass(frozen=True)
class OfficialDiff:
    old: ScoreView
    new: ScoreView
    removed: list
    added: list


@dataclass(frozen=True)
class DryRun:
    current: MonthScores
    candidate: MonthScores
    changed: list[OfficialDiff]
    unchanged: int


def _item_order(item) -> tuple:
    return (item.fact_id, item.rule_id)


# Column sizes of the registry tables (kaoping.storage.models).
TEXT_LIMITS = {"id": 64, "township_id": 64, "village_id": 64, "name": 200, "position": 100, "role": 32}


def _check_text(fields: dict[str, str]) -> None:
    problems = text_problems(fields, TEXT_LIMITS)
    if problems:
        raise InvalidArgument("a text field is too long or holds a NUL character", problems)


def _key_conflict(field: str, key: str) -> AlreadyExists:
    return AlreadyExists("idempotency key reused for a different fact", [Violation(
        field, f"{key!r} was first used for another fact; choose a new key")])


def _competition_ranks(items, value):
    """1, 2, 2, 4: equal values share a rank (one ruler for everyone)."""
    ranked, previous, rank = [], None, 0
    for position, item in enumerate(items, start=1):
        if value(item) != previous:
            rank, previous = position, value(item)
        ranked.append((rank, item))
    return ranked
