"""Year-end money and honours of a version-2 rule set, after the year's grades are
final (kaoping.domain.yearend.evaluate_year): award tables by grade and position, a
fixed amount per grade and month served, each village's reward pool split by grade
weights, commendations for a run of years, and the year's deductions from monthly
facts (year_deduct_yuan), which never take the payout below 0. Exact to the fen.

Run by a rule file's year cases (kaoping.rules.year_cases); the service's year-end
(kaoping.workflow) does not call it yet, nor pass the months' year effects."""
from __future__ import annotations

from decimal import Decimal
from typing import Mapping

from kaoping.domain.yearend import YearEndLine, split_pool
from kaoping.rules.pay import CENT
from kaoping.rules.sections import YearEndRules


def apply_year_money(rules: YearEndRules, lines: list[YearEndLine],
                     village_figures: Mapping[str, Decimal],
                     earlier_grades: Mapping[str, Mapping[int, str]], year: int) -> list[str]:
    """Sets award, per_month, pool_share, deducted and commendations on every line;
    returns notes (e.g. a village without the pool's figure)."""
    awards = rules.awards
    notes = []
    for line in lines:
        if line.vetoed:
            line.award = line.per_month = Decimal(0)
        else:
            amount = awards.award(line.grade, line.position)
            line.award = (amount or Decimal(0)).quantize(CENT)
            line.per_month = (awards.per_month.get(line.grade, Decimal(0)) * len(line.months)).quantize(CENT)
        for commendation in awards.commendations:
            grades = earlier_grades.get(line.official_id, {})
            run = [line.grade] + [grades.get(year - k, "") for k in range(1, commendation.years)]
            if not line.vetoed and all(g == commendation.grade for g in run):
                line.commendations.append(commendation.title)
    pool = awards.village_pool
    if pool is not None:
        by_village: dict[str, list[YearEndLine]] = {}
        for line in lines:
            by_village.setdefault(line.village_id, []).append(line)
        for village, members in sorted(by_village.items()):
            figure = village_figures.get(village)
            if figure is None:
                notes.append(f"village {village} has no {pool.figure}: no reward pool")
                continue
            amount = (max(figure, Decimal(0)) * pool.percent / 100).quantize(CENT)
            weights = [(l.official_id, Decimal(0) if l.vetoed else pool.weights.get(l.grade, Decimal(0)))
                       for l in sorted(members, key=lambda l: (l.rank, l.official_id))]
            shares = split_pool(amount, weights)
            for l in members:
                l.pool_share = shares[l.official_id]
    for line in lines:
        owed = sum((m.year_deduct_yuan for m in line.months), Decimal(0))
        gross = line.reward + line.award + line.per_month + line.pool_share
        line.deducted = min(owed, gross).quantize(CENT)
    return notes
