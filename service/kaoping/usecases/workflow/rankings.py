"""The public notice, a month's results and the year-to-date ranking of officials and
villages."""
from __future__ import annotations

from decimal import Decimal

from kaoping.domain import workflow as wf
from kaoping.domain.errors import FailedPrecondition, Violation
from kaoping.domain.facts import EARLIEST_MONTH
from kaoping.domain.principal import Principal
from kaoping.storage.models import SnapshotLine, Township
from kaoping.usecases.workflow.base import (WorkflowBase, _mean, _month_line, _previous, _reader,
                                            _year_months)
from kaoping.usecases.workflow.letterhead import letterhead, public_number
from kaoping.usecases.workflow.views import (Letterhead, MonthLine, MonthResults, MonthView,
                                             RankedOfficialYtd, RankedVillageYtd, YtdRanking)


class Rankings(WorkflowBase):
    def public_notice(self, caller: Principal, month: str, township_id: str = "") -> tuple[MonthView, list[SnapshotLine]]:
        """What the 公示 shows: name, village, total, grade and pay tier, nothing more."""
        _reader(caller)
        township, month = self._township(township_id, caller), self.app._month(month)
        view = self._view(township, month)
        if view.state not in wf.PUBLIC:
            raise FailedPrecondition(f"{township.id} {month} is {view.state}; it is public once published",
                                     [Violation("month", f"current state: {view.state}")],
                                     zh=f"{township.id} {month} 当前{wf.zh_state(view.state)}：公示之后才有公示结果")
        lines = self.months.lines(township.id, month, view.record.revision)
        lines.sort(key=lambda l: (l.vetoed, -Decimal(l.total), l.village_id, l.official_id))
        return view, lines

    @staticmethod
    def public_letterhead(view: MonthView) -> Letterhead:
        """The 公示's letterhead: {prefix}〔YYYY〕MM号, issued the day it was published."""
        return letterhead(view.township, public_number(view.township, view.month), view.record.published_on)

    def month_results(self, township: Township, month: str) -> MonthResults:
        record = self.months.record(township.id, month)
        state = record.state if record else wf.SCORING
        if state in wf.FROZEN:
            lines = {l.official_id: _month_line(l) for l in
                     self.months.lines(township.id, month, record.revision)}
            return MonthResults(month, state, False, lines)
        scores = self.app.monthly_scores(month, township_id=township.id)
        return MonthResults(month, state, True, {s.official.id: MonthLine(
            s.official.id, s.official.name, s.village.id, s.village.name, Decimal(s.official.base_pay),
            s.result.total, s.result.grade, s.result.vetoed, s.result.pay) for s in scores.scores})

    def ytd_ranking(self, caller: Principal, month: str, township_id: str = "") -> YtdRanking:
        """晒成绩、比作为: the month's ranks with the change from last month, and the year
        to date (the average of the year's months so far)."""
        _reader(caller)
        township, month = self._township(township_id, caller), self.app._month(month)
        year = int(month[:4])
        months = [m for m in _year_months(year) if m <= month]
        results = [self.month_results(township, m) for m in months]
        previous_month = _previous(month)
        previous = (results[-2] if len(results) > 1 else
                    self.month_results(township, previous_month) if previous_month >= EARLIEST_MONTH
                    else MonthResults(previous_month, wf.SCORING, True, {}))
        current = results[-1]
        now = _rank_officials(current.lines.values())
        before = _rank_officials(previous.lines.values())
        # the year to date counts the approved months only: a month still scoring or
        # awaiting the meeting is shown as missing, never taken as any score
        approved = [r for r in results if r.state in wf.BOUND]
        history: dict[str, list[MonthLine]] = {}
        for r in approved:
            for oid, line in r.lines.items():
                history.setdefault(oid, []).append(line)
        ytd = {oid: (_mean([l.total for l in ls]), sum(1 for l in ls if l.vetoed), len(ls))
               for oid, ls in history.items()}
        ytd_order = sorted(ytd, key=lambda o: (ytd[o][1] > 0, -ytd[o][0], o))
        ytd_ranks = _competition(ytd_order, lambda o: (ytd[o][1] > 0, ytd[o][0]))
        none = (None, 0, 0)
        officials = [RankedOfficialYtd(line, rank, before.get(line.official_id, (None,))[0],
                                       previous.lines[line.official_id].total
                                       if line.official_id in previous.lines else None,
                                       ytd.get(line.official_id, none)[0], ytd_ranks.get(line.official_id, 0),
                                       ytd.get(line.official_id, none)[2], ytd.get(line.official_id, none)[1])
                     for line, rank in sorted(((now[o][1], now[o][0]) for o in now),
                                              key=lambda p: (p[1], p[0].official_id))]
        villages = _rank_villages(current, previous, results)
        if caller.role == "village" and not all(r.state in wf.PUBLIC for r in [*results, previous]):
            # Before publication a village sees only its own lines (with their ranks):
            # other villages' figures become public with the 公示 of every month drawn on.
            officials = [o for o in officials if o.line.village_id == caller.village_id]
            villages = [v for v in villages if v.village_id == caller.village_id]
        return YtdRanking(township, month, results, officials, villages)


def _competition(ordered: list, value) -> dict:
    """1, 2, 2, 4: equal values share a rank."""
    ranks, previous, rank = {}, object(), 0
    for position, key in enumerate(ordered, start=1):
        if value(key) != previous:
            rank, previous = position, value(key)
        ranks[key] = rank
    return ranks


def _rank_officials(lines) -> dict[str, tuple[int, MonthLine]]:
    ordered = sorted(lines, key=lambda l: (l.vetoed, -l.total, l.official_id))
    ranks = _competition([l.official_id for l in ordered],
                         {l.official_id: (l.vetoed, l.total) for l in ordered}.get)
    return {l.official_id: (ranks[l.official_id], l) for l in ordered}


def _village_averages(results: MonthResults) -> dict[str, tuple[str, Decimal]]:
    groups: dict[str, list[MonthLine]] = {}
    for line in results.lines.values():
        groups.setdefault(line.village_id, []).append(line)
    return {v: (ls[0].village_name, _mean([l.total for l in ls])) for v, ls in groups.items()}


def _rank_villages(current: MonthResults, previous: MonthResults,
                   results: list[MonthResults]) -> list[RankedVillageYtd]:
    now, before = _village_averages(current), _village_averages(previous)
    order = sorted(now, key=lambda v: (-now[v][1], v))
    ranks = _competition(order, lambda v: now[v][1])
    before_order = sorted(before, key=lambda v: (-before[v][1], v))
    before_ranks = _competition(before_order, lambda v: before[v][1])
    pooled: dict[str, list[Decimal]] = {}
    for r in results:
        if r.state not in wf.BOUND:   # not approved: missing from the year to date
            continue
        for line in r.lines.values():
            pooled.setdefault(line.village_id, []).append(line.total)
    ytd = {v: _mean(ts) for v, ts in pooled.items()}
    ytd_order = sorted(ytd, key=lambda v: (-ytd[v], v))
    ytd_ranks = _competition(ytd_order, lambda v: ytd[v])
    return [RankedVillageYtd(v, now[v][0], now[v][1], ranks[v], before_ranks.get(v), ytd.get(v),
                             ytd_ranks.get(v, 0)) for v in order]
