"""The year-end: the year's months, inspections, award tables, village pools and
commendations (arithmetic in kaoping.domain.yearend)."""
from __future__ import annotations

from decimal import Decimal

from kaoping.domain import workflow as wf
from kaoping.domain import yearflow as yf
from kaoping.domain.errors import FailedPrecondition, InvalidArgument, Violation
from kaoping.domain.principal import Principal
from kaoping.domain.quota import QuotaDecision
from kaoping.domain.roster import served_months
from kaoping.domain.yearend import (InspectionResult, MonthResult, YearEndLine, evaluate_year,
                                    inspection_result, split_reward)
from kaoping.rules.model import INSPECTION, RuleSet
from kaoping.rules.results import ScoredFact
from kaoping.storage.models import FactRow, SnapshotLine
from kaoping.usecases.evaluator import OfficialInput, evaluate
from kaoping.usecases.workflow.base import (WorkflowBase, _money_arg, _month_result, _reader,
                                            _year_months)
from kaoping.usecases.workflow import year_freeze
from kaoping.usecases.workflow.letterhead import letterhead, year_number
from kaoping.usecases.workflow.views import YearEnd, YearEndOfficial


class YearEnds(WorkflowBase):
    def _earlier_grades(self, caller, township, year: int, rules) -> dict[str, dict[int, str]]:
        """Earlier years' final grades for commendations (连续N年优秀), from the same
        year-end computation over those years' approved months; years with no approved
        month give none."""
        years = max((c.years for c in rules.year_end.awards.commendations), default=0)
        grades: dict[str, dict[int, str]] = {}
        for back in range(1, years):
            try:
                earlier = self.year_end(caller, year - back, township.id, _depth=1)
            except (FailedPrecondition, InvalidArgument):
                continue
            for o in earlier.officials:
                grades.setdefault(o.line.official_id, {})[year - back] = o.line.grade
        return grades

    def _village_figures(self, township, year: int, rules) -> dict[str, Decimal]:
        """Each village's figure for its reward pool: a village attribute, or the year's
        sum of a village-scope kind's stored facts."""
        pool = rules.year_end.awards.village_pool
        if pool is None:
            return {}
        from kaoping.domain.attributes import attributes_of
        villages = self.months.store.villages(township.id)
        if rules.kind(pool.figure) is None:
            found = {}
            for v in villages:
                value = attributes_of(v).get(pool.figure)
                try:
                    found[v.id] = Decimal(value) if value is not None else None
                except ArithmeticError:
                    found[v.id] = None
            return {k: v for k, v in found.items() if v is not None and v.is_finite()}
        sums = {v.id: Decimal(0) for v in villages}
        for m in _year_months(year):
            rows = self.app.store.facts(m, list(sums))
            voided = {f.voids_fact_id for f in rows if f.voids_fact_id is not None}
            for f in rows:
                if f.kind == pool.figure and not f.official_id and f.voids_fact_id is None \
                        and f.id not in voided:
                    sums[f.village_id] += Decimal(f.quantity)
        return sums

    def year_end(self, caller: Principal, year: int, township_id: str = "", pool: str = "",
                 _depth: int = 0, decision: QuotaDecision | None = None) -> YearEnd:
        """The year's figures: from aggregation on, the freeze (exactly as the meeting saw
        and approved them); before, computed from the approved months and marked
        provisional. `pool` (another amount to split) and `decision` (a meeting's decision
        on a tie at the quota, tried out) are only for a year not yet frozen."""
        _reader(caller)
        township, year = self._township(township_id, caller), self._year(year)
        record = self.years.record(township.id, year)
        if record is not None and record.state in yf.FROZEN:
            if pool or decision is not None:
                raise FailedPrecondition(
                    f"{township.id} {year} is {record.state}: its pool is fixed",
                    [Violation("pool", f"the year is {record.state}; its pool is {record.pool}")],
                    zh=f"{township.id} {year} 年终考核{yf.zh_state(record.state)}：奖励金总额已确定为 "
                       f"{record.pool} 元，不能另行试算")
            found = self._frozen(township, year, record)
        else:
            found = self._compute(caller, township, year, pool, decision, _depth=_depth)
            found.record = record
        if caller.role == "village":
            found.officials = [o for o in found.officials if o.village_id == caller.village_id]
        # dated the day the meeting approved it, else today (provisional figures)
        found.letterhead = letterhead(township, year_number(township, year),
                                      record.approved_on if record and record.approved_on else self.today().isoformat())
        return found

    def _month_states(self, township, year: int):
        """The year's month records, (month, state) for each of its twelve months, and
        the months approved but not yet paid."""
        records = self.months.records(township.id, _year_months(year))
        states = [(m, records[m].state if m in records else wf.SCORING) for m in _year_months(year)]
        return records, states, [m for m, s in states if s in (wf.APPROVED, wf.PUBLISHED)]

    def _frozen(self, township, year: int, record) -> YearEnd:
        _records, states, unpaid = self._month_states(township, year)
        row = self.app.store.ruleset(content_hash=record.ruleset_hash)
        with self.app.rulesets.use(record.ruleset_hash, township.id) as (compiled, _row):
            rules = compiled.ruleset
        quota, pool, shared, inspected, notes = year_freeze.load_summary(record.summary)
        officials = [YearEndOfficial(line, name, village_id, village_name, served) for line, name, village_id,
                     village_name, served in (year_freeze.load_line(l.line)
                                              for l in self.years.lines(township.id, year, record.revision))]
        officials.sort(key=lambda o: (o.line.rank, o.line.official_id))
        paid = {p.official_id: Decimal(p.amount) for p in self.years.payments(township.id, year)}
        return YearEnd(township, year, row, rules, states, [], unpaid, officials, quota, pool, shared,
                       inspected, notes, record, paid)

    def _compute(self, caller: Principal, township, year: int, pool: str = "",
                 decision: QuotaDecision | None = None,
                 _depth: int = 0) -> YearEnd:
        """The year computed now from its approved months and inspection marks."""
        months = _year_months(year)
        records, states, unpaid = self._month_states(township, year)
        counted = [m for m, s in states if s in wf.BOUND]
        missing = [m for m, s in states if s not in wf.BOUND]
        content_hash = records[counted[-1]].ruleset_hash if counted else None
        with self.app.rulesets.use(content_hash, township.id) as (compiled, row):
            rules = compiled.ruleset
            if rules.year_end is None:
                raise FailedPrecondition(f"rule set v{row.id} {row.label} has no year_end section",
                                         [Violation("year", "add year_end to the rule set (rules/README.md)")],
                                         zh=f"规则集 v{row.id} 没有年终考核（year_end）部分：请在规则集中补充后再计算")
            amount = rules.year_end.pool
            if pool:
                amount = _money_arg(pool, "pool")
            history: dict[str, list[tuple[SnapshotLine, MonthResult]]] = {}
            for m in counted:
                for l in self.months.lines(township.id, m, records[m].revision):
                    history.setdefault(l.official_id, []).append((l, _month_result(m, l)))
            inspections, recorded, strays = self._inspections(township, year, compiled, history)
        notes = []
        if missing:
            notes.append(f"未审定、不计入的月份：{'、'.join(f'{m}（{wf.zh_state(s)}）' for m, s in states if m in missing)}")
        if unpaid:
            notes.append(f"已审定、尚未兑现的月份：{'、'.join(unpaid)}")
        if not recorded and rules.year_end.inspection_weight:
            notes.append(f"{year} 年尚未录入年终考核事实：每人按年终考核满分计")
        if strays:
            notes.append(f"没有已审定月份的人员，其年终考核事实不计：{'、'.join(strays)}")
        # the position he held in his last counted month (the roster as it stood then)
        positions = {oid: (state.position if (state := self.app.registry.state(oid, hist[-1][1].month))
                           else "") for oid, hist in history.items()}
        lines = [YearEndLine(oid, [m for _, m in hist], inspections.get(oid, _full_inspection(rules)),
                             position=positions.get(oid, ""), village_id=hist[-1][0].village_id)
                 for oid, hist in sorted(history.items())]
        quota = evaluate_year(rules.year_end, lines, decision)   # a bad decision: InvalidArgument
        notes += quota.notes
        shared = split_reward(rules.year_end, lines, amount) if lines else Decimal(0)
        if lines and shared != amount:
            notes.append(f"没有人符合奖励条件：奖励金 {amount:.2f} 元无人分配")
        if lines and rules.language == 2:
            from kaoping.rules.year_money import apply_year_money
            earlier = self._earlier_grades(caller, township, year, rules) if _depth == 0 else {}
            notes += apply_year_money(rules.year_end, lines, self._village_figures(township, year, rules),
                                      earlier, year)
        # the months he was on the roster: before he joined and after he left there is no
        # month to count, and none is missing (kaoping.domain.roster)
        so_far = [m for m in months if m <= self.today().strftime("%Y-%m")]   # none served ahead
        served = {oid: served_months(self.app.registry.entries(oid), so_far) for oid in history}
        part = sorted(oid for oid, m in served.items() if len(m) < len(so_far))
        if part:
            notes.append(f"{year} 年只在册部分月份（只计在册月份）："
                         f"{'、'.join(f'{oid} {served[oid][0]}～{served[oid][-1]}' if served[oid] else oid for oid in part)}")
        officials = []
        for line in sorted(lines, key=lambda l: (l.rank, l.official_id)):
            latest = history[line.official_id][-1][0]
            officials.append(YearEndOfficial(line, latest.official_name, latest.village_id,
                                             latest.village_name, served.get(line.official_id, [])))
        return YearEnd(township, year, row, rules, states, missing, unpaid, officials, quota, amount,
                       shared, recorded, notes)

    def _inspections(self, township, year, compiled, history):
        """Each official's inspection score from the year's `inspection` facts."""
        villages = [v.id for v in self.months.store.villages(township.id)]
        facts: list[FactRow] = []
        for m in _year_months(year):
            facts += [f for f in self.app.store.facts(m, villages) if f.category == INSPECTION]
        voided = {f.voids_fact_id for f in facts if f.voids_fact_id is not None}
        per: dict[str, list[ScoredFact]] = {}
        for f in facts:   # a village-level fact (no official) has no official's inspection
            if f.voids_fact_id is None and f.id not in voided and f.official_id:
                per.setdefault(f.official_id, []).append(ScoredFact(
                    f.id, f.category, f.kind, Decimal(f.quantity), f.scorer_id, f.scorer_role))
        strays = sorted(o for o in per if o not in history)
        inputs = [OfficialInput(o, Decimal(0), tuple(per[o])) for o in sorted(per) if o in history]
        results = evaluate(compiled, inputs) if inputs and INSPECTION in compiled.ruleset.categories else []
        return ({r.official_id: inspection_result(compiled.ruleset, r.items) for r in results},
                bool(facts), strays)


def _full_inspection(rules: RuleSet) -> InspectionResult:
    category = rules.categories.get(INSPECTION)
    return InspectionResult(category.max if category else Decimal(0))
