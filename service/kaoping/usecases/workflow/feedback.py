"""A village's 《反馈通知单》 for a month: every deduction and addition with the fact behind
it (date, note, scorer), the lines a floor or cap cut (扣完为止), each official's position
and trend over the year, the township's letterhead and whether an appeal is still open."""
from __future__ import annotations

from decimal import Decimal

from kaoping.domain import workflow as wf
from kaoping.domain.principal import Principal
from kaoping.rules.lines import is_addition, is_deduction, was_cut
from kaoping.rules.results import LineItem
from kaoping.storage.models import FactRow, MonthRecord, SnapshotLine, Township
from kaoping.usecases.rectifications import Rectifications
from kaoping.usecases.workflow import letterhead as lh
from kaoping.usecases.workflow.base import WorkflowBase, _reader, _year_months
from kaoping.usecases.workflow.views import (Feedback, FeedbackDeduction, FeedbackOfficial,
                                             TrendPoint)

FINAL, PROVISIONAL, MISSING = "final", "provisional", "missing"
OVERDUE_NOTE = "整改事项逾期未完成（见本通知单“整改事项”）"


class Feedbacks(WorkflowBase):
    def feedback(self, caller: Principal, village_id: str, month: str) -> Feedback:
        _reader(caller)
        village = self._village(caller, village_id, read=True)
        township, month = self._township(village.township_id, caller), self.app._month(month)
        view = self._view(township, month)
        scores = self.app.monthly_scores(month, village_id=village.id)
        rules = scores.rules
        frozen = {}
        if view.state in wf.FROZEN:
            frozen = {l.official_id: l for l in self.months.lines(township.id, month, view.record.revision)}
        appeals = self.months.appeals(township.id, [month], village.id)
        by_fact = {a.fact_id: a for a in appeals}
        facts = self.app.store.facts_by_ids(_primary(i) for s in scores.scores for i in s.result.items)
        earlier = self._earlier_months(township, month)

        def line(item: LineItem) -> FeedbackDeduction:
            fact = facts.get(_primary(item))
            if _primary(item) < 0:   # the derived fact of overdue rectifications: no stored row
                return FeedbackDeduction(item, None, "", OVERDUE_NOTE, "", was_cut(item))
            return FeedbackDeduction(item, by_fact.get(item.fact_id), _day(fact),
                                     fact.note if fact else "", self._scorer_name(item, fact),
                                     was_cut(item))

        officials = []
        for s in scores.scores:
            frozen_line = frozen.get(s.official.id)
            total = Decimal(frozen_line.total) if frozen_line else s.result.total
            grade = frozen_line.grade if frozen_line else s.result.grade
            this_month = TrendPoint(month, total, grade, FINAL if view.state in wf.BOUND else PROVISIONAL)
            officials.append(FeedbackOfficial(
                s.official.id, frozen_line.official_name if frozen_line else s.official.name, total, grade,
                Decimal(frozen_line.pay) if frozen_line else s.result.pay,
                [line(i) for i in s.result.items if is_deduction(rules, i)],
                [line(i) for i in s.result.items if is_addition(rules, i)],
                s.official.position or "",
                [_point(m, (lines or {}).get(s.official.id)) for m, lines in earlier] + [this_month]))
        number = lh.notice_number(township, month, view.villages, village.id)
        return Feedback(view, village, scores.ruleset, view.state not in wf.FROZEN, officials, appeals,
                        view.confirmations.get(village.id),
                        lh.letterhead(township, number, lh.frozen_on(view.record, self.today())),
                        self.appeal_refusal(township.id, month, view.record, village.id) is None,
                        Rectifications(self.app).for_notice(township.id, village.id, month))

    def _earlier_months(self, township: Township, month: str) -> list[tuple[str, dict[str, SnapshotLine] | None]]:
        """January up to the month before, each with its final snapshot lines by official
        when it is approved or later, else None (missing: never a made-up score)."""
        months = [m for m in _year_months(int(month[:4])) if m < month]
        records: dict[str, MonthRecord] = self.months.records(township.id, months) if months else {}
        found = []
        for m in months:
            record = records.get(m)
            if record is None or record.state not in wf.BOUND:
                found.append((m, None))
                continue
            found.append((m, {l.official_id: l for l in self.months.lines(township.id, m, record.revision)}))
        return found

    def _scorer_name(self, item: LineItem, fact: FactRow | None) -> str:
        scorer_id = item.scorer_id or (fact.scorer_id if fact else "")
        scorer = self.app.registry.scorer(scorer_id) if scorer_id else None
        return scorer.name if scorer is not None else scorer_id


def _point(month: str, line: SnapshotLine | None) -> TrendPoint:
    if line is None:
        return TrendPoint(month, None, "", MISSING)
    return TrendPoint(month, Decimal(line.total), line.grade, FINAL)


def _primary(item: LineItem) -> int:
    """The fact a line is about (the first of several for a line over a period's facts)."""
    return item.fact_id or (item.fact_ids[0] if item.fact_ids else 0)


def _day(fact: FactRow | None) -> str:
    return (fact.date or "") if fact is not None else ""
