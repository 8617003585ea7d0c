"""kaoping's use cases, free of gRPC: facts in, scores and notices out.

The servicers in kaoping.api translate messages to these calls and DomainErrors to
statuses; the CLI and tests may call the same methods directly.
"""
from __future__ import annotations

import hashlib
from types import SimpleNamespace
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Callable

from kaoping import audit, cancellation
from kaoping.domain.errors import (AlreadyExists, Cancelled, DomainError, InvalidArgument, NotFound,
                                   PermissionDenied, Violation)
from kaoping.domain.principal import INTERNAL, Principal
from kaoping.domain.facts import CheckedFact, FactInput, check_fact, parse_month, text_problems
from kaoping.domain.ruleset import SCORER_ROLES, RuleSet
from kaoping.domain.scoring import OfficialResult, ScoredFact
from kaoping.evaluator import OfficialInput, evaluate
from kaoping.limits import Limits
from kaoping.month_cache import MonthCache
from kaoping.rulesets import RuleSets, invalid, validate_text
from kaoping.storage.models import utcnow
from kaoping.storage.models import FactRow, Official, RuleSetRow, Scorer, Township, Village
from kaoping.storage.store import KeyConflict, Store
from kaoping.storage.workflow_store import WorkflowStore

CORRECTION_KIND = "correction"


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


class Registry:
    """In-memory view of officials and scorers, re-read from the database on a miss so
    that rows added through another replica are found."""

    def __init__(self, store: Store):
        self.store = store
        self._officials: dict[str, Official] = {}
        self._scorers: dict[str, Scorer] = {}
        self.reload()

    def reload(self) -> None:
        self._officials = {o.id: o for o in self.store.officials()}
        self._scorers = {s.id: s for s in self.store.scorers()}

    def official(self, official_id: str) -> Official | None:
        found = self._officials.get(official_id)
        if found is None and official_id:
            found = self.store.get(Official, official_id)
            if found is not None:
                self._officials[official_id] = found
        return found

    def scorer(self, scorer_id: str) -> Scorer | None:
        found = self._scorers.get(scorer_id)
        if found is None and scorer_id:
            found = self.store.get(Scorer, scorer_id)
            if found is not None:
                self._scorers[scorer_id] = found
        return found


class Kaoping:
    def __init__(self, store: Store, rulesets: RuleSets, today: Callable[[], date] = date.today,
                 limits: Limits = Limits()):
        self.store = store
        self.limits = limits
        self.rulesets = rulesets
        self.registry = Registry(store)
        self.today = today
        self.month_cache = MonthCache(limits.month_cache_entries, limits.month_cache_mb * 2**20)
        self.months = WorkflowStore(store)  # month states (kaoping.workflow): closes facts, binds versions

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
                outcomes[i] = Outcome(first_index + i, fact.idempotency_key, None, exc)
        if good:
            fields = [f"facts[{first_index + i}].idempotency_key" for i, _ in good]
            results = self._store([c for _, c in good], fields.__getitem__)
            for (i, checked), result in zip(good, results):
                error = result if isinstance(result, DomainError) else None
                outcomes[i] = Outcome(first_index + i, checked.input.idempotency_key,
                                      None if error else result, error)
        return outcomes

    def _closed_error(self, checked: CheckedFact, field: str, closed=None) -> DomainError | None:
        """A new fact for a month past scoring is refused (kaoping.workflow owns the month
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
        values = [_fact_values(c) for c in checked]
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
        """Voids a fact by adding a correction fact (and its replacement, if given).

        Scorers correct only facts in categories their role scores; a system only
        facts it sent; an admin any fact, naming the scorer it acts for."""
        if caller.role in SCORER_ROLES:
            scorer_id = caller.scorer_id
        bad = text_problems({"reason": reason, "idempotency_key": key, "scorer_id": scorer_id},
                            {"reason": self.limits.max_note, "idempotency_key": 200, "scorer_id": 64})
        if not reason.strip():
            bad.append(Violation("reason", "required: why the fact is wrong"))
        if not key:
            bad.append(Violation("idempotency_key", "required"))
        if bad:
            raise InvalidArgument("the correction is not valid", bad)
        original = self.store.fact(fact_id) if fact_id > 0 else None
        if original is None:
            raise NotFound("no such fact", [Violation("fact_id", f"no fact {fact_id}")])
        if original.voids_fact_id is not None:
            raise InvalidArgument("a correction cannot itself be corrected",
                                  [Violation("fact_id", "names a correction; submit a new fact")])
        if not self.store.facts_by_keys([key]):  # a resend still gets its first receipt
            self.months.check_open(original.village_id, original.month, original.category, "fact_id")
        if caller.role == "system":
            if original.scorer_id != f"system:{caller.name}":
                raise PermissionDenied("a system corrects only the facts it sent",
                                       [Violation("fact_id", f"sent by {original.scorer_id}")])
            scorer = SimpleNamespace(id=original.scorer_id, role="system")
        else:
            scorer = self.registry.scorer(scorer_id)
        if scorer is None:
            raise NotFound("no such scorer", [Violation("scorer_id", f"no scorer {scorer_id!r}")])
        category = self.rulesets.active.categories.get(original.category)
        if caller.role != "system" and (category is None or scorer.role not in category.scored_by):
            raise PermissionDenied(f"scorer {scorer_id} ({scorer.role}) does not score "
                                   f"{original.category}", [Violation("scorer_id", "wrong role")])
        existing = self.store.facts_by_keys([key]).get(key)
        if existing is None:
            voider = self.store.voiding_fact(fact_id)
            if voider is not None:
                raise InvalidArgument("the fact is already voided", [Violation(
                    "fact_id", f"voided by fact {voider.id}")])
        checked_replacement = None
        if replacement is not None:
            checked_replacement = check_fact(replacement, self.rulesets.active, self.registry,
                                             self.today(), prefix="replacement", caller=caller,
                                             max_note=self.limits.max_note)
            closed = self._closed_error(checked_replacement, "replacement.month")
            if closed:
                raise closed
        digest = hashlib.sha256(f"void:{fact_id}:{reason}".encode("utf-8")).hexdigest()
        row = FactRow(idempotency_key=key, payload_hash=digest,
                      official_id=original.official_id, village_id=original.village_id,
                      month=original.month, category=original.category, kind=CORRECTION_KIND,
                      quantity=Decimal(0), note=reason, scorer_id=scorer.id,
                      scorer_role=scorer.role, source="correction", voids_fact_id=fact_id,
                      void_reason=reason)
        rows = [row] + ([_row(checked_replacement)] if checked_replacement else [])
        try:
            inserted = self.store.insert_facts(rows, audit=lambda fresh: audit.entry(
                "correct_fact", f"fact {fact_id}",
                before={"fact_id": fact_id, "official_id": original.official_id, "kind": original.kind,
                        "quantity": original.quantity, "voided": False},
                after={"voided_by": fresh[0].id, "reason": reason,
                       "replacement": fresh[1].id if len(fresh) > 1 else None}))
        except KeyConflict as exc:
            raise _key_conflict("idempotency_key", exc.key)
        receipts = [Receipt(i.row.id, i.duplicate, i.row.idempotency_key) for i in inserted]
        return receipts[0], (receipts[1] if len(receipts) > 1 else None)

    def list_facts(self, month: str, official_id: str = "", village_id: str = "",
                   caller: Principal = INTERNAL) -> list[FactRow]:
        month = self._month(month)
        if caller.role == "village":
            self._scope("", village_id, official_id, caller)
        villages = [village_id] if village_id else None
        return self.store.facts(month, villages, official_id)

    # scores -----------------------------------------------------------------
    def monthly_scores(self, month: str, township_id: str = "", village_id: str = "",
                       official_id: str = "", content_hash: str | None = None,
                       caller: Principal = INTERNAL) -> MonthScores:
        month = self._month(month)
        township, village, official = self._scope(township_id, village_id, official_id, caller)
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
        readers (kaoping.month_cache); an abandoned call stops waiting or computing."""
        with self.rulesets.use(content_hash) as (compiled, row):
            villages = [v.id for v in self.store.villages(township.id)]
            watermark = self.store.fact_watermark(month, villages)
            return self.month_cache.get(
                (township.id, month, row.content_hash), watermark,
                lambda stop: self._compute(township, month, compiled, row, stop),
                cancellation.current())

    def _compute(self, township, month, compiled, row,
                 cancelled=cancellation.never) -> MonthScores:
        villages = {v.id: v for v in self.store.villages(township.id)}
        officials = [o for v in villages for o in self.store.officials(v)]
        facts = self.store.facts(month, villages.keys())
        if cancelled():   # loading a large month is the other long step
            raise Cancelled("the caller went away; the month was not scored", [])
        voided = {f.voids_fact_id for f in facts if f.voids_fact_id is not None}
        per_official: dict[str, list[ScoredFact]] = {o.id: [] for o in officials}
        for f in facts:
            if f.category == "inspection":
                continue  # year-end marks (kaoping.workflow) never feed a month
            if f.voids_fact_id is None and f.id not in voided and f.official_id in per_official:
                per_official[f.official_id].append(ScoredFact(
                    f.id, f.category, f.kind, Decimal(f.quantity), f.scorer_id, f.scorer_role))
        inputs = [OfficialInput(o.id, Decimal(o.base_pay), tuple(per_official[o.id]))
                  for o in officials]
        results = evaluate(compiled, inputs, cancelled)
        views = [ScoreView(r, o, villages[o.village_id], month) for r, o in zip(results, officials)]
        return MonthScores(month, township, row, views, compiled.ruleset)

    def ranking(self, month: str, township_id: str = ""):
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
        if self.store.get(Township, village.township_id) is None:
            raise NotFound("no such township", [Violation("township_id", village.township_id)])
        self.put(village)

    def put_official(self, official: Official) -> None:
        _check_text({"id": official.id, "village_id": official.village_id, "name": official.name,
                     "position": official.position})
        if self.store.get(Village, official.village_id) is None:
            raise NotFound("no such village", [Violation("village_id", official.village_id)])
        self.put(official)

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
               caller: Principal = INTERNAL):
        if caller.role == "village":
            named = self.registry.official(official_id)
            own = village_id or (named.village_id if named else "")
            if own != caller.village_id:
                raise PermissionDenied("a village reads only its own records", [Violation(
                    "village_id", f"your token is for village {caller.village_id!r}")])
        official = village = None
        if official_id:
            official = self.registry.official(official_id)
            if official is None:
                raise NotFound("no such official", [Violation("official_id", official_id)])
            village_id = official.village_id
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


def _fact_values(checked: CheckedFact) -> dict:
    """The fact table's columns for one checked fact (what _row builds, as a plain dict)."""
    f = checked.input
    return {"idempotency_key": f.idempotency_key, "payload_hash": checked.payload_hash(),
            "official_id": f.official_id, "village_id": checked.village_id, "month": checked.month,
            "date": f.date, "category": f.category, "kind": f.kind, "quantity": checked.quantity,
            "note": f.note, "scorer_id": f.scorer_id, "scorer_role": checked.scorer_role,
            "source": f.source, "voids_fact_id": None, "void_reason": "",
            "recorded_at": utcnow()}


def _row(checked: CheckedFact) -> FactRow:
    f = checked.input
    return FactRow(idempotency_key=f.idempotency_key, payload_hash=checked.payload_hash(),
                   official_id=f.official_id, village_id=checked.village_id, month=checked.month,
                   date=f.date, category=f.category, kind=f.kind, quantity=checked.quantity,
                   note=f.note, scorer_id=f.scorer_id, scorer_role=checked.scorer_role,
                   source=f.source)


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
