"""Facts in: submitting one fact or a stream message of them, correcting one (the rules
are in kaoping.usecases.corrections) and listing a month's facts. A mixin of
kaoping.usecases.app.Kaoping, which holds the store, the rule sets, the registry and the
month states these methods use."""
from __future__ import annotations

from typing import Callable, NamedTuple

from kaoping.domain.errors import AlreadyExists, DomainError, InvalidArgument, Violation
from kaoping.domain.facts import CheckedFact, FactInput, check_fact
from kaoping.domain.principal import INTERNAL, Principal
from kaoping.storage.fact_queries import with_village_level
from kaoping.storage.models import FactRow
from kaoping.usecases import audit
from kaoping.usecases.fact_batch import MessageLookups, township_rows
from kaoping.usecases.fact_rows import fact_values


# Named tuples, not frozen dataclasses: one of each is made per fact on the ingest hot
# path, where a frozen dataclass's __init__ costs several times as much.
class Receipt(NamedTuple):
    fact_id: int
    duplicate: bool
    idempotency_key: str


class Outcome(NamedTuple):
    index: int
    idempotency_key: str
    receipt: Receipt | None
    error: DomainError | None



class FactUseCases:
    def fact_township(self, fact: FactInput, caller: Principal, prefix: str = "fact",
                      townships: dict | None = None, registry=None, month: str = "") -> str:
        """The township of the fact's subject (its official's village in the fact's month,
        or its village), which the caller must reach, and whose scorer must record it;
        "" when the subject is unknown (check_fact then says so). `townships` holds
        rows read ahead (kaoping.usecases.fact_batch), each still guarded here;
        `registry` and `month` (today's) what the caller already has."""
        registry = registry or self.registry
        field = f"{prefix}.official_id" if fact.official_id else f"{prefix}.village_id"
        village_id = (registry.village_of(fact.official_id, fact.month or month or self.today().strftime("%Y-%m"))
                      if fact.official_id else fact.village_id)
        village = registry.village(village_id) if village_id else None
        if village is None:
            return ""
        row = townships.get(village.township_id) if townships else None
        township = (self.guard(caller, row, field) if row is not None
                    else self.township_for(caller, village.township_id, field))
        scorer_id = caller.scorer_id if caller.scorer_id else fact.scorer_id
        if caller.role != "system" and scorer_id:
            self.scorer_in(registry.scorer(scorer_id), township, f"{prefix}.scorer_id")
        return township.id

    def submit_fact(self, fact: FactInput, caller: Principal = INTERNAL) -> Receipt:
        township_id = self.fact_township(fact, caller)
        checked = check_fact(fact, self.rulesets.active_for(township_id), self.registry, self.today(),
                             caller=caller, max_note=self.limits.max_note)
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
                "facts", f"{len(facts)} facts in one message; at most {self.limits.max_batch}")],
                                  zh=f"一次提交了 {len(facts)} 条事实，超过上限 {self.limits.max_batch} 条：请分批提交")
        today = self.today()
        month = today.strftime("%Y-%m")
        outcomes: list[Outcome | None] = [None] * len(facts)
        good: list[tuple[int, CheckedFact]] = []
        closed = self.months.closed()
        # read once for the message: the townships, each official's standing in a month
        lookups = MessageLookups(self.registry)
        townships = township_rows(self, facts, lookups, month)
        rulesets: dict[str, object] = {}
        for i, fact in enumerate(facts):
            try:
                township_id = self.fact_township(fact, caller, f"facts[{first_index + i}]", townships,
                                                 lookups, month)
                ruleset = rulesets.get(township_id)
                if ruleset is None:
                    ruleset = rulesets[township_id] = self.rulesets.active_for(township_id)
                checked = check_fact(fact, ruleset, lookups, today,
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
        self.watch.facts_committed((v["village_id"], v["month"]) for v in values)   # live scores
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
                   limit: int | None = None, township_id: str = "") -> list[FactRow]:
        month = self._month(month)
        township = self._scope(township_id, village_id, official_id, caller, month)[0]
        if not village_id and not official_id:
            # the township's facts: its villages' (officials' facts carry their village)
            villages = [v.id for v in self.store.villages(township.id)]
            return self.store.facts(month, village_ids=villages, after_id=after_id, limit=limit)
        if not village_id:
            return self.store.facts(month, official_id=official_id, after_id=after_id, limit=limit)
        # the village's roster of that month (an official who moved is listed where he was)
        members = [o.id for o, _ in self.registry.roster([village_id], month)
                   if not official_id or o.id == official_id]
        rows = self.store.facts(month, official_ids=members, after_id=after_id, limit=limit)
        # and the facts about the village itself (village-level: no official)
        return rows if official_id else with_village_level(self.store, rows, month, village_id,
                                                           after_id, limit)


def _key_conflict(field: str, key: str) -> AlreadyExists:
    return AlreadyExists("idempotency key reused for a different fact", [Violation(
        field, f"{key!r} was first used for another fact; choose a new key")],
                         zh=f"幂等键 {key!r} 已用于另一条事实：请换一个新的键")
