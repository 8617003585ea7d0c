"""Scores out: a month's scores (cached per township, month and version), the feedback
notice and the explanation of one official. A mixin of kaoping.usecases.app.Kaoping;
rankings, dry runs and the month workflow build on monthly_scores and _compute."""
from __future__ import annotations

from dataclasses import dataclass, field

from kaoping.domain.errors import Cancelled, InvalidArgument, Violation
from kaoping.domain.principal import INTERNAL, Principal
from kaoping.rules.evaluate import evaluate
from kaoping.rules.model import RuleSet
from kaoping.rules.period_state import PeriodState, sequence
from kaoping.rules.results import OfficialResult, PeriodInput, ScoredFact
from kaoping.storage import period_rows
from kaoping.storage.models import FactRow, Official, RuleSetRow, Township, Village
from kaoping.usecases import cancellation
from kaoping.usecases import scoring_input as si
from kaoping.domain.rectification import OVERDUE_KIND
from kaoping.usecases.rectifications import overdue_facts


@dataclass(frozen=True)
class ScoreView:
    result: OfficialResult
    official: Official
    village: Village
    month: str
    # what adapters made of this view (kaoping.api.convert.score_chunk): kept with it in
    # the month cache, dropped with it when the official is rescored
    wire: dict = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class MonthScores:
    month: str
    township: Township
    ruleset: RuleSetRow
    scores: list[ScoreView]
    rules: RuleSet


@dataclass(frozen=True)
class Kept:
    """A township month as the cache keeps it: its scores, the state that rescores it,
    the mark of the rows it was scored from (kaoping.storage.period_rows) and where
    each official stood that month."""
    scores: MonthScores
    state: PeriodState
    mark: tuple[int, int]
    where: dict[str, str]


class ScoreUseCases:
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
        readers (kaoping.usecases.month_cache); an abandoned call stops waiting or
        computing. After new facts the kept state rescores only what they touch
        (kaoping.rules.period_state); anything else that changes a score changes the slot
        (a version, overdue rectifications, approved history) or drops it (the roster)."""
        with self.rulesets.use(content_hash, township.id) as (compiled, row):
            ruleset = compiled.ruleset
            # from memory: the registry is re-read on every registry write, here or on
            # another replica (kaoping.ops.replica), and such a write drops these months
            villages = {v.id: v for v in self.registry.township_villages(township.id)}
            members = self.registry.roster(villages, month)   # who belonged to the township that month
            scope = self._period_scope(month, villages, members, ruleset)
            # overdue rectifications (when the rule set reads them) key the slot: they
            # change without a fact, and only the current month's can change at all
            overdue = tuple(self._overdue(township.id, month, ruleset))
            slot = (township.id, month, row.content_hash, overdue,
                    self._history_mark(township.id, month, ruleset))

            def compute(stop, previous: Kept | None) -> tuple[Kept, tuple]:
                kept = self._month_value(previous, township, month, compiled, row, villages,
                                         members, scope, stop, overdue)
                return kept, kept.mark
            return self.month_cache.get(slot, period_rows.mark(self.store, scope), compute,
                                        cancellation.current(),
                                        lambda: period_rows.mark(self.store, scope)).scores

    def _month_value(self, previous: "Kept | None", township, month, compiled, row, villages,
                     members, scope, cancelled, overdue) -> "Kept":
        """One computation of a cached month: from the kept one when it can, else whole."""
        if previous is not None and previous.where == {o.id: v for o, v in members}:
            kept = self._rescore(previous, township, month, compiled, scope, cancelled)
            if kept is not None:
                return kept
        return self._kept(township, month, compiled, row, villages, members, scope, cancelled, overdue)

    def _period_scope(self, month, villages, members, ruleset) -> period_rows.PeriodScope:
        movers = tuple(o.id for o, _ in members if self.registry.has_moved(o.id))
        return period_rows.PeriodScope((*si.earlier_months(month, ruleset), month),
                                       tuple(villages), movers)

    def _history_mark(self, township_id: str, month: str, ruleset: RuleSet) -> tuple:
        """Which approved months (and their revisions) history rules would read: an
        approval or an appeal's revision changes it, and with it the slot."""
        if not si.needs_history(ruleset):
            return ()
        return self.months.frozen_revisions(township_id, month, months_back=si.HISTORY_MONTHS)

    def _kept(self, township, month, compiled, row, villages, members, scope, cancelled,
              overdue) -> "Kept":
        """The month scored from all its rows, with the state that rescores it later."""
        rows = period_rows.rows(self.store, scope)
        data = self._period_from_rows(township, month, rows, villages, members, compiled.ruleset,
                                      cancelled, overdue)
        state = PeriodState(compiled, data, cancelled)
        state.stamp = mark = (len(rows), rows[-1].id if rows else 0)
        views = [ScoreView(r, o, villages[v], month) for r, (o, v) in zip(state.results(), members)]
        return Kept(MonthScores(month, township, row, views, compiled.ruleset), state, mark,
                    {o.id: v for o, v in members})

    def _rescore(self, previous: "Kept", township, month, compiled, scope, cancelled) -> "Kept | None":
        """The kept month with the rows entered since: only the officials they touch are
        scored again (their ScoreViews are new, every other one is the same object). None
        when it must be read whole: a row committed late below the old highest id, or a
        change that moves every village's rank."""
        count, top = previous.mark
        if previous.state.stamp != previous.mark:   # updated past this entry, which was not kept
            return None
        older, newer = period_rows.rows_after(self.store, scope, top)
        if older != count:
            return None
        if not newer:
            return previous
        ruleset = compiled.ruleset
        added, earlier = self._split(month, self._scored(newer, previous.where, ruleset), ruleset)
        removed = {r.voids_fact_id for r in newer if r.voids_fact_id is not None}
        state = previous.state
        rescored = state.update(added, earlier, removed, cancelled)
        if rescored is None:
            return None
        old = previous.scores
        views = [ScoreView(state.result(v.official.id), v.official, v.village, month)
                 if v.official.id in rescored else v for v in old.scores]
        state.stamp = mark = (count + len(newer), newer[-1].id)
        return Kept(MonthScores(month, township, old.ruleset, views, old.rules), state, mark,
                    previous.where)

    def _compute(self, township, month, compiled, row,
                 cancelled=cancellation.never, overdue=None) -> MonthScores:
        """The month scored afresh from the store (dry runs and the province recompute
        call it directly, with their own version or store)."""
        villages = {v.id: v for v in self.store.villages(township.id)}
        members = self.registry.roster(villages, month)   # who belonged to the township that month
        ruleset = compiled.ruleset
        data = self._period_input(township, month, villages, members, ruleset, cancelled, overdue)
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
                      cancelled=cancellation.never, overdue=None) -> PeriodInput:
        rows = []
        for m in (*si.earlier_months(month, ruleset), month):
            rows += self._month_facts(m, villages, members)
        return self._period_from_rows(township, month, rows, villages, members, ruleset,
                                      cancelled, overdue)

    @staticmethod
    def _scored(rows, where: dict[str, str], ruleset: RuleSet) -> list[ScoredFact]:
        """The rows that count, as the rules see them (kaoping.usecases.scoring_input
        live_facts); year-end marks (kaoping.usecases.workflow) never feed a month."""
        year_end = {c.id for c in ruleset.categories.values() if c.timing == "year_end"} | {"inspection"}
        return [f for f in si.live_facts(rows, where, "") if f.category not in year_end]

    @staticmethod
    def _split(month: str, facts: list[ScoredFact], ruleset: RuleSet):
        """(the period's facts, the earlier facts): a quarterly rule set scores the
        quarter to date, so its earlier months are part of the period."""
        first = month
        if ruleset.period == "quarter":
            first = f"{month[:4]}-{(int(month[5:7]) - 1) // 3 * 3 + 1:02d}"
        return [f for f in facts if f.month >= first], [f for f in facts if f.month < first]

    def _period_from_rows(self, township, month, rows, villages, members, ruleset,
                          cancelled=cancellation.never, overdue=None) -> PeriodInput:
        """The month as the rules see it (kaoping.usecases.scoring_input), with the
        derived fact of overdue rectifications (kaoping.usecases.rectifications.overdue_facts)
        when the rule set declares its kind; facts in kaoping.rules.period_state.sequence."""
        where = {o.id: v for o, v in members}
        facts, earlier = self._split(month, self._scored(rows, where, ruleset), ruleset)
        if overdue is None:
            overdue = self._overdue(township.id, month, ruleset)
        facts += [f for f in overdue if f.village_id in villages]
        if cancelled():   # loading a large month is the other long step
            raise Cancelled("the caller went away; the month was not scored", [],
                            zh="请求已取消或超时，本月未计分：请重试")
        history = {}
        if si.needs_history(ruleset):
            history = si.history_from(self.months.frozen_lines(township.id, month,
                                                               months_back=si.HISTORY_MONTHS))
        period = month
        if ruleset.period == "quarter":   # a quarterly rule set scores the quarter to date
            period = f"{month[:4]}-Q{(int(month[5:7]) - 1) // 3 + 1}"
        return PeriodInput(period, si.officials_in(members), si.villages_in(villages.values()),
                           sorted(facts, key=sequence), sorted(earlier, key=sequence), history)

    def _overdue(self, township_id: str, month: str, ruleset: RuleSet) -> list:
        if ruleset.category_of_kind(OVERDUE_KIND) is None:   # the rule set does not read them
            return []
        return overdue_facts(self.store, township_id, month, self.today(), ruleset)

    def feedback_notice(self, village_id: str, month: str,
                        caller: Principal = INTERNAL) -> MonthScores:
        if not village_id:
            raise InvalidArgument("village required", [Violation("village_id", "required")],
                                  zh="缺少村：请指明是哪个村（可用 kaoping villages 查看）")
        return self.monthly_scores(month, village_id=village_id, caller=caller)

    def explain(self, official_id: str, month: str, caller: Principal = INTERNAL) -> MonthScores:
        """The month's scores narrowed to one official (with the rule set that made them)."""
        if not official_id:
            raise InvalidArgument("official required", [Violation("official_id", "required")],
                                  zh="缺少干部：请指明是哪位干部（可用 kaoping officials 查看）")
        scores = self.monthly_scores(month, official_id=official_id, caller=caller)
        if not scores.scores:   # a month he did not serve (kaoping.domain.roster)
            raise InvalidArgument("no score for that month", [Violation(
                "official_id", self.registry.off_roster(official_id, scores.month)
                or f"not on the roster in {scores.month}")],
                                  zh=f"干部 {official_id} {scores.month} 不在花名册上，没有当月得分：请核对月份或干部")
        return scores
