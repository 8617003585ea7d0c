"""Scores out: a month's scores (cached per township, month and version), the feedback
notice and the explanation of one official. A mixin of kaoping.usecases.app.Kaoping;
rankings, dry runs and the month workflow build on monthly_scores and _compute."""
from __future__ import annotations

from dataclasses import dataclass

from kaoping.domain.errors import Cancelled, InvalidArgument, Violation
from kaoping.domain.principal import INTERNAL, Principal
from kaoping.rules.evaluate import evaluate
from kaoping.rules.model import RuleSet
from kaoping.rules.results import OfficialResult, PeriodInput
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


@dataclass(frozen=True)
class MonthScores:
    month: str
    township: Township
    ruleset: RuleSetRow
    scores: list[ScoreView]
    rules: RuleSet


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
        readers (kaoping.usecases.month_cache); an abandoned call stops waiting or computing."""
        with self.rulesets.use(content_hash, township.id) as (compiled, row):
            villages = [v.id for v in self.store.villages(township.id)]
            watermark = self.store.fact_watermark(month, villages)
            # overdue rectifications (when the rule set reads them) key the slot: they
            # change without a fact, and only the current month's can change at all
            overdue = tuple(self._overdue(township.id, month, compiled.ruleset))
            return self.month_cache.get(
                (township.id, month, row.content_hash, overdue), watermark,
                lambda stop: self._compute(township, month, compiled, row, stop, overdue),
                cancellation.current(), lambda: self.store.fact_watermark(month, villages))

    def _compute(self, township, month, compiled, row,
                 cancelled=cancellation.never, overdue=None) -> MonthScores:
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
        """The month as the rules see it (kaoping.usecases.scoring_input), with the
        derived fact of overdue rectifications (kaoping.usecases.rectifications.overdue_facts)
        when the rule set declares its kind."""
        year_end = {c.id for c in ruleset.categories.values() if c.timing == "year_end"} | {"inspection"}
        where = {o.id: v for o, v in members}
        facts = [f for f in si.live_facts(self._month_facts(month, villages, members), where, "")
                 if f.category not in year_end]   # year-end marks (kaoping.usecases.workflow) never feed a month
        earlier = []
        for m in si.earlier_months(month, ruleset):
            earlier += [f for f in si.live_facts(self._month_facts(m, villages, members), where, "")
                        if f.category not in year_end]
        if overdue is None:
            overdue = self._overdue(township.id, month, ruleset)
        facts += [f for f in overdue if f.village_id in villages]
        if cancelled():   # loading a large month is the other long step
            raise Cancelled("the caller went away; the month was not scored", [],
                            zh="请求已取消或超时，本月未计分：请重试")
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
