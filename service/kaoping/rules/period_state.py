"""A township period scored and kept, so that new facts rescore only what they touch.

kaoping.rules.evaluate.evaluate is `PeriodState(compiled, data).results()`: one code path
scores a period from scratch and rescores part of it, so the two cannot drift (the
property test, tests/test_incremental_scoring.py, checks that every sequence of updates
gives what a fresh evaluation gives).

What a fact touches (everything else keeps its result object):
* an official's fact (or the correction of one): that official — his fact hits, the
  period rules over his facts (counts, sums, streaks over the quarter or the year, which
  is why his earlier facts are kept too), his score;
* a village-level fact: that village's hits (its fact rules and village period rules)
  and so every official of the village, whose score includes them;
* occurrence numbers ("the 3rd absence") are per official (or village) and kind, so
  they are renumbered only in the groups touched;
* a village-level fact of a kind some rule ranks villages by (rank:<kind>) moves every
  village's rank: `update` answers None and the caller evaluates afresh.
History (frozen earlier months), the roster and the village attributes are fixed for
a state: a change to them is a new state (kaoping.usecases.scores keys the cache on them).

`update` builds every new value first and assigns them at the end, so a Cancelled
raised midway leaves the state as it was.
"""
from __future__ import annotations

from typing import Callable, Iterable

from kaoping.domain.errors import Cancelled
from kaoping.rules import period_values as pv
from kaoping.rules.compile import Compiled
from kaoping.rules.results import OfficialResult, PeriodInput, ScoredFact


def _never() -> bool:
    return False


def sequence(fact: ScoredFact) -> tuple:
    """The order a period reads its facts in: by month, then as entered (id); derived
    facts of the month (negative ids: overdue rectifications) after the stored ones.
    kaoping.usecases.scores builds every period in this order and updates keep it, so
    line items come out in the same order however the state was reached."""
    return fact.month, fact.id <= 0, abs(fact.id)


def _cancelled() -> Cancelled:
    return Cancelled("the caller went away; the month was not scored", [],
                     zh="请求已取消或超时，本月未计分：请重试")


class PeriodState:
    def __init__(self, compiled: Compiled, data: PeriodInput,
                 cancelled: Callable[[], bool] = _never):
        from kaoping.rules.evaluate import _Evaluation
        self.compiled, self.ruleset = compiled, compiled.ruleset
        self.stamp: object = None     # what the caller says the state holds (kaoping.usecases.scores: its rows' mark)
        self.run = _Evaluation(compiled, data)
        self.officials = list(data.officials)
        self._by_id = {o.id: o for o in self.officials}
        self._members: dict[str, list[str]] = {}          # village -> its officials, in order
        for o in self.officials:
            self._members.setdefault(o.village_id, []).append(o.id)
        period_rules = [r for r in self.ruleset.rules.values() if r.is_period]
        scope = self.ruleset.categories
        self._official_period = [r for r in period_rules if scope[r.category].scope == "official"]
        self._village_period = [r for r in period_rules if scope[r.category].scope == "village"]
        self._ranked_kinds = {name for name in pv.rank_figures(self.ruleset)
                              if self.ruleset.kind(name) is not None}
        self.facts_by_id = {f.id: f for f in data.facts}
        self.own: dict[str, list[ScoredFact]] = {o.id: [] for o in self.officials}
        self.village_facts: dict[str, list[ScoredFact]] = {}
        for f in data.facts:
            if f.official_id:
                if f.official_id in self.own:
                    self.own[f.official_id].append(f)
            else:
                self.village_facts.setdefault(f.village_id, []).append(f)
        self._earlier_by_id = {f.id: f for f in data.earlier}
        self.earlier_own: dict[str, list[ScoredFact]] = {}
        self.earlier_village: dict[str, list[ScoredFact]] = {}
        for f in data.earlier:
            (self.earlier_own.setdefault(f.official_id, []) if f.official_id
             else self.earlier_village.setdefault(f.village_id, [])).append(f)
        self.village_hits = {vid: self._village_hits(vid, self.village_facts.get(vid, []),
                                                     self.earlier_village.get(vid, []))
                             for vid in sorted(set(self.village_facts) | set(self._members))}
        self._results: dict[str, OfficialResult] = {}
        for official in self.officials:
            if cancelled():
                raise _cancelled()
            self._results[official.id] = self._score(
                official, self.own[official.id], self.earlier_own.get(official.id, []),
                self.village_hits.get(official.village_id, []), self.facts_by_id)

    def results(self) -> list[OfficialResult]:
        """Every official's result, in the order of the period's officials."""
        return [self._results[o.id] for o in self.officials]

    def result(self, official_id: str) -> OfficialResult:
        return self._results[official_id]

    # scoring: the same two steps for a fresh state and an update ----------------------
    def _village_hits(self, vid: str, facts: list[ScoredFact], earlier: list[ScoredFact]) -> list:
        run = self.run
        hits = [h for f in facts for h in run.fact_hits(f, None, True)]
        derived = run.derived_facts(hits, self.facts_by_id)
        return hits + run.period_hits(self._village_period, None, vid, facts + derived, earlier, True)

    def _score(self, official, facts, earlier, village_hits, facts_by_id) -> OfficialResult:
        from kaoping.rules.score import score_official
        run = self.run
        hits = [h for f in facts for h in run.fact_hits(f, official, False)]
        derived = run.derived_facts(hits, facts_by_id)
        hits += run.period_hits(self._official_period, official, official.village_id,
                                facts + derived, earlier, False)
        return score_official(self.ruleset, official, facts_by_id, hits, village_hits,
                              self.compiled.line_items)

    # updates ---------------------------------------------------------------------
    def update(self, added: Iterable[ScoredFact] = (), added_earlier: Iterable[ScoredFact] = (),
               removed: Iterable[int] = (),
               cancelled: Callable[[], bool] = _never) -> set[str] | None:
        """Applies new period facts, new earlier facts and removed (voided) fact ids;
        returns the ids of the officials rescored, or None when the change reaches every
        village (a ranked kind) and the period must be evaluated afresh. A fact of
        someone outside the period's roster is ignored, as a fresh evaluation ignores it."""
        added, added_earlier, removed = list(added), list(added_earlier), set(removed)
        # removed facts may be in the period or earlier: find their owners first
        gone: dict[tuple[str, str], set[int]] = {}      # (official, village) -> ids
        for i in removed:
            f = self.facts_by_id.get(i) or self._earlier_by_id.get(i)
            if f is not None:
                gone.setdefault((f.official_id, "" if f.official_id else f.village_id), set()).add(i)
        touched_officials: set[str] = set()
        touched_villages: set[str] = set()

        def touch(f: ScoredFact | tuple) -> bool:
            official, village = (f.official_id, f.village_id) if isinstance(f, ScoredFact) else f
            if official:
                if official not in self.own:
                    return False
                touched_officials.add(official)
            else:
                if village not in self._members and village not in self.village_facts:
                    return False
                touched_villages.add(village)
            return True

        added = [f for f in added if touch(f)]
        added_earlier = [f for f in added_earlier if touch(f)]
        for key in gone:
            touch(key)
        if not (touched_officials or touched_villages):
            return set()
        if self._ranked_kinds:   # village ranks sum the period's village facts of those kinds
            moved = [f for f in added if not f.official_id] + [
                self.facts_by_id[i] for i in removed
                if i in self.facts_by_id and not self.facts_by_id[i].official_id]
            if any(f.kind in self._ranked_kinds for f in moved):
                return None
        # new lists for what is touched (the old ones stay valid until the end)
        own = {o: self._changed(self.own.get(o, []), added, removed, o, "") for o in touched_officials}
        earlier_own = {o: self._changed(self.earlier_own.get(o, []), added_earlier, removed, o, "")
                       for o in touched_officials}
        village_facts = {v: self._changed(self.village_facts.get(v, []), added, removed, "", v)
                         for v in touched_villages}
        earlier_village = {v: self._changed(self.earlier_village.get(v, []), added_earlier, removed, "", v)
                           for v in touched_villages}
        facts_by_id = dict(self.facts_by_id)
        for i in removed:
            facts_by_id.pop(i, None)
        for f in added:
            facts_by_id[f.id] = f
        numbers = None
        if self.compiled.numbered:     # renumber the touched groups only
            numbers = dict(self.run.numbers)
            for group in (*own.values(), *village_facts.values()):
                numbers.update(pv.occurrences(group))
        saved_numbers, saved_facts = self.run.numbers, self.facts_by_id
        try:
            if numbers is not None:
                self.run.numbers = numbers
            self.facts_by_id = facts_by_id
            village_hits = {v: self._village_hits(v, village_facts[v], earlier_village[v])
                            for v in touched_villages}
            rescored = set(touched_officials)
            for v in touched_villages:
                rescored.update(self._members.get(v, ()))
            results = {}
            for oid in rescored:
                if cancelled():
                    raise _cancelled()
                official = self._by_id[oid]
                vid = official.village_id
                results[oid] = self._score(
                    official, own[oid] if oid in own else self.own[oid],
                    earlier_own[oid] if oid in earlier_own else self.earlier_own.get(oid, []),
                    village_hits[vid] if vid in village_hits else self.village_hits.get(vid, []),
                    facts_by_id)
        except BaseException:
            self.run.numbers, self.facts_by_id = saved_numbers, saved_facts
            raise
        # commit: nothing below can fail
        self.own.update(own)
        self.earlier_own.update(earlier_own)
        self.village_facts.update(village_facts)
        self.earlier_village.update(earlier_village)
        for i in removed:
            self._earlier_by_id.pop(i, None)
        self._earlier_by_id.update((f.id, f) for f in added_earlier)
        self.village_hits.update(village_hits)
        self._results.update(results)
        return rescored

    @staticmethod
    def _changed(facts: list[ScoredFact], added: list[ScoredFact], removed: set[int],
                 official: str, village: str) -> list[ScoredFact]:
        """The group's facts without the removed ones, with its new ones, in `sequence`."""
        mine = [f for f in added if (f.official_id == official if official
                                     else not f.official_id and f.village_id == village)]
        kept = [f for f in facts if f.id not in removed]
        if not mine:
            return kept
        return sorted(kept + mine, key=sequence)
