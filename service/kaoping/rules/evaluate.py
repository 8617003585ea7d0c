"""Evaluation of one township's period: facts -> engine matches -> hits -> results.

1. Every fact is matched by the engine joined with its official and village (and the
   facts derived from it by forward chaining). Equal questions are asked once: the
   engine sees only the fields some rule tests (kaoping.rules.compile), and a month
   repeats few distinct (fact, official, village) shapes many times.
2. Period values (sums, streaks, runs of months, ranks) are computed
   (kaoping.rules.period_values) and the official's period is matched by the engine:
   its `count` and `none` rules, and tests on those values.
3. kaoping.rules.score turns each official's hits into line items and results.
Village-scope facts and period rules are matched once per village; their hits go to
every official of the village. The steps per village and per official are in
kaoping.rules.period_state, which also rescores only what new facts touch.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Callable, NamedTuple

from kaoping.rules import period_values as pv
from kaoping.rules.compile import (Compiled, engine_counts, fact_dict, fact_key, official_dict,
                                   village_dict)
from kaoping.rules.model import Rule
from kaoping.rules.results import OfficialIn, OfficialResult, PeriodInput, ScoredFact


def _never() -> bool:
    return False


class Hit(NamedTuple):
    """A rule that matched, and what it matched. A named tuple, not a dataclass: a
    province month makes millions of them (docs/benchmarks.md)."""
    rule_id: str
    fact_id: int                    # the stored fact behind it; 0 for a period rule
    fact_key: str                   # which fact matched: "12", or "12>absent" when derived
    quantity: Decimal
    fact_ids: tuple[int, ...]
    value: Decimal | None = None    # a period rule's value
    detail: str = ""
    village_level: bool = False
    scorer_id: str = ""
    scorer_role: str = ""
    date: str = ""


class _Asker:
    """Asks the engine, once per distinct question."""

    def __init__(self, compiled: Compiled):
        self.compiled = compiled
        self.facts: dict[tuple, list[tuple[str, str, float]]] = {}
        self.periods: dict[tuple, list[str]] = {}

    def fact(self, question: tuple, ask) -> list[tuple[str, str, float]]:
        """(rule id, id suffix of the matched fact: "" or ">kind>kind", quantity).
        `question` is the (official, village, fact) key; `ask()` builds the engine's dicts."""
        answer = self.facts.get(question) if self.compiled.memoize else None
        if answer is None:
            self.compiled.questions += 1
            official, village, fact = ask()
            own = fact["id"]
            answer = [(rule_id, str(matched["id"])[len(own):], float(matched["quantity"]))
                      for rule_id, matched in self.compiled.program.match_fact(official, village, fact)]
            self.facts[question] = answer
        return answer

    def period(self, official_entry: tuple, village_entry: tuple, counts: dict[str, int],
               values: list[pv.Value]) -> list[str]:
        (official, okey), (village, vkey) = official_entry, village_entry
        question = (okey, vkey, tuple(sorted(counts.items())), tuple((v.name, v.value) for v in values))
        answer = self.periods.get(question) if self.compiled.memoize else None
        if answer is None:
            self.compiled.questions += 1
            facts = [{"id": f"{kind}#{i}", "official": "o", "village": "v", "kind": kind}
                     for kind, n in sorted(counts.items()) for i in range(n)]
            answer = self.compiled.program.match_period(
                official, village, facts,
                [{"name": v.name, "value": float(v.value)} for v in values])
            self.periods[question] = answer
        return answer


def _in_window(rule: Rule, fact: ScoredFact, period: str) -> bool:
    over = rule.aggregate.over
    if over == "year":
        return fact.month[:4] == period[:4] and fact.month <= _last_month(period)
    if over == "quarter":
        first = pv.quarter_first(period) if "Q" in period else \
            f"{period[:4]}-{(int(period[5:7]) - 1) // 3 * 3 + 1:02d}"
        return first <= fact.month <= _last_month(period)
    return True


def _last_month(period: str) -> str:
    if "Q" in period:
        year, quarter = period.split("-Q")
        return f"{year}-{int(quarter) * 3:02d}"
    return period


class _Evaluation:
    def __init__(self, compiled: Compiled, data: PeriodInput):
        self.compiled, self.data, self.ruleset = compiled, data, compiled.ruleset
        self.asker = _Asker(compiled)
        self.villages = {v.id: v for v in data.villages}
        # occurrence numbers only when some rule tests them (a province month has millions of facts)
        self.numbers = pv.occurrences(data.facts) if compiled.numbered else {}
        self.ranks = pv.village_ranks(self.ruleset, self._figures())
        self._officials: dict = {}      # official id -> (engine dict, its key): built once
        self._villages: dict = {}

    def _figures(self) -> dict[str, dict[str, Decimal]]:
        figures = pv.rank_figures(self.ruleset)
        result: dict[str, dict[str, Decimal]] = {v: {} for v in self.villages}
        if not figures:
            return result
        for vid, village in self.villages.items():
            for name in figures:
                if self.ruleset.kind(name) is not None:
                    result[vid][name] = sum((f.quantity for f in self.data.facts
                                             if f.kind == name and f.village_id == vid and not f.official_id),
                                            Decimal(0))
                elif name in village.attributes:
                    number = _decimal(village.attributes[name])
                    if number is not None:
                        result[vid][name] = number
        return result

    def _village(self, vid: str) -> dict:
        return self._village_entry(vid)[0]

    def _village_entry(self, vid: str) -> tuple[dict, tuple]:
        entry = self._villages.get(vid)
        if entry is None:
            d = village_dict(self.compiled, self.villages.get(vid), self.ranks.get(vid, {}))
            entry = self._villages[vid] = (d, tuple(sorted(d.items())))
        return entry

    def _official_entry(self, official: OfficialIn | None) -> tuple[dict, tuple]:
        key = official.id if official is not None else None
        entry = self._officials.get(key)
        if entry is None:
            d = official_dict(self.compiled, official)
            entry = self._officials[key] = (d, tuple(sorted(d.items())))
        return entry

    def fact_hits(self, fact: ScoredFact, official: OfficialIn | None, village_level: bool) -> list[Hit]:
        odict, okey = self._official_entry(official)
        vdict, vkey = self._village_entry(fact.village_id if village_level else official.village_id)
        number = self.numbers.get(fact.id, 1)
        answers = self.asker.fact((okey, vkey, fact_key(self.compiled, fact, number)),
                                  lambda: (odict, vdict, fact_dict(self.compiled, fact, number)))
        return [Hit(rule_id, fact.id, f"{fact.id}{suffix}", Decimal(str(quantity)) if suffix else fact.quantity,
                    (fact.id,), None, _derived_detail(suffix, fact.id), village_level,
                    fact.scorer_id, fact.scorer_role, fact.date)
                for rule_id, suffix, quantity in answers]

    def derived_facts(self, hits: list[Hit], facts: dict[int, ScoredFact]) -> list[ScoredFact]:
        """The facts forward chaining produced, as facts the period rules can count."""
        derived = []
        for hit in hits:
            effect = self.ruleset.rules[hit.rule_id].effect("derive")
            if effect is None:
                continue
            source = facts[hit.fact_id]
            quantity = Decimal(1) if effect.unit_quantity else hit.quantity
            derived.append(ScoredFact(source.id, self.ruleset.category_of_kind(effect.target).id,
                                      effect.target, quantity, source.scorer_id, source.scorer_role,
                                      source.official_id, source.village_id, source.date, source.level,
                                      source.month))
        return derived

    def period_hits(self, rules: list[Rule], official: OfficialIn | None, vid: str,
                    facts: list[ScoredFact], earlier: list[ScoredFact], village_level: bool) -> list[Hit]:
        if not rules:
            return []
        values, by_name = [], {}
        for rule in rules:
            value = None
            if rule.aggregate is not None and not engine_counts(rule):
                # earlier facts are loaded when any rule reaches back; only rules over
                # the quarter or the year read them, a period sum reads the period
                reach = earlier + facts if rule.aggregate.over in ("quarter", "year") else facts
                window = [f for f in reach if _in_window(rule, f, self.data.period)]
                value = pv.aggregate(rule, window)
            elif rule.streak is not None:
                value = pv.streak(rule, facts)
            elif rule.history is not None:
                value = pv.history_run(rule, self.data.period,
                                       self.data.history.get(official.id, []) if official else [])
            if value is not None:
                values.append(value)
                by_name[rule.id] = value
        # The engine's count/none rules see at most as many facts of a kind as the largest
        # count needs: whether 5 or 30,000 absences, "at least 3" holds the same, and one
        # official's period never becomes a 30,000-fact engine call (engine MAX_MESSAGES).
        counts: dict[str, int] = {}
        limit = self.compiled.count_limit
        for f in facts:
            if f.kind in self.compiled.counted and counts.get(f.kind, 0) < limit[f.kind]:
                counts[f.kind] = counts.get(f.kind, 0) + 1
        fired = self.asker.period(self._official_entry(official), self._village_entry(vid),
                                  counts, values)            # in the engine's firing order
        by_id = {rule.id: rule for rule in rules}
        hits = []
        for rule in (by_id[rid] for rid in fired if rid in by_id):
            value = by_name.get(rule.id)
            if value is None:       # the engine counted: name the facts it counted
                chosen = [f for f in facts if f.kind in rule.aggregate.kinds]
                value = pv.Value(rule.id, Decimal(len(chosen)), tuple(f.id for f in sorted(chosen, key=pv.fact_order)))
            hits.append(Hit(rule.id, 0, "", Decimal(1), value.fact_ids, value.value, value.detail,
                            village_level))
        return hits


def _derived_detail(suffix: str, fact_id: int) -> str:
    if not suffix:
        return ""
    return f"由事实 #{fact_id} 推得：{suffix.lstrip('>').replace('>', ' → ')}"


def _decimal(value) -> Decimal | None:
    try:
        number = Decimal(str(value).strip())
    except Exception:
        return None
    return number if number.is_finite() else None


def evaluate(compiled: Compiled, data: PeriodInput,
             cancelled: Callable[[], bool] = _never) -> list[OfficialResult]:
    """Scores every official of `data`, in its order; raises Cancelled between officials.
    (kaoping.rules.period_state keeps the state so that later facts rescore only what
    they touch; a fresh evaluation is that state's first step.)"""
    from kaoping.rules.period_state import PeriodState
    return PeriodState(compiled, data, cancelled).results()
