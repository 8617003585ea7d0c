"""Year-end evaluation as pure arithmetic: twelve frozen monthly results and the
inspection's marks -> a score, a grade (veto list, excellent quota) and a share of
the reward pool. Exact decimals throughout; money is split to the fen so that the
shares add up to the pool exactly.

Order, the same for everyone (一把尺子量到底):
1. Monthly component: the average (or sum) of the months counted — months approved
   by the meeting. Months not counted are reported by the caller, never taken as 0.
2. Score = monthly_weight × component + inspection_weight × inspection score,
   rounded half-up to 0.01; the grade is the year-end band holding it.
3. An inspection `grade_at_most` lowers the grade; a veto (an inspection veto rule,
   too many vetoed months, too many failed months) forces the veto grade.
4. Excellent quota (kaoping.domain.quota): at most quota_percent % of the officials
   evaluated (rounded down) and at most quota_max. Candidates are ordered by score,
   then by the rule set's declared tie-break; those still equal across the cut-off
   are tied: the tie stays open (shown at the next grade down, the year not
   approvable) until the meeting's decision names who gets the places left. Those
   cut get the next grade down.
5. Reward: the pool is split by the rule (equal / by score / by grade weights)
   among non-vetoed recipients, by largest remainder on whole fen.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Hashable, Sequence

from kaoping.domain.quota import Quota, QuotaDecision, apply_decision, apply_quota, refuse_bad_decision
from kaoping.rules.model import INSPECTION, RuleSet
from kaoping.rules.pay import CENT
from kaoping.rules.results import LineItem
from kaoping.rules.sections import YearEndRules


@dataclass(frozen=True)
class MonthResult:
    month: str
    total: Decimal
    grade: str
    vetoed: bool
    pay: Decimal
    # what the month's facts did to the year (rules' year_* effects; language 2)
    year_vetoes: tuple[str, ...] = ()
    year_grade_caps: tuple[str, ...] = ()
    year_deduct_yuan: Decimal = Decimal(0)


@dataclass(frozen=True)
class InspectionResult:
    score: Decimal
    vetoes: tuple[str, ...] = ()
    grade_caps: tuple[str, ...] = ()
    items: tuple[LineItem, ...] = ()


@dataclass
class YearEndLine:
    official_id: str
    months: list[MonthResult]
    inspection: InspectionResult
    component: Decimal = Decimal(0)
    score: Decimal = Decimal(0)
    band_grade: str = ""
    grade_before_quota: str = ""
    grade: str = ""
    quota_cut: bool = False
    tied: bool = False                       # tied at the quota's cut-off, awaiting the meeting
    quota_note: str = ""                     # how the quota was settled for him (Chinese)
    vetoed: bool = False
    veto_reasons: list[str] = field(default_factory=list)
    reward: Decimal = Decimal(0)
    rank: int = 0
    # language 2: the roster facts the year-end money needs, and what it came to
    position: str = ""
    village_id: str = ""
    award: Decimal = Decimal(0)              # award table (grade × position)
    per_month: Decimal = Decimal(0)          # fixed yuan per month served, by grade
    pool_share: Decimal = Decimal(0)         # share of the village's reward pool
    deducted: Decimal = Decimal(0)           # year_deduct_yuan of the months, at most the payout
    commendations: list[str] = field(default_factory=list)

    @property
    def monthly_pay(self) -> Decimal:
        return sum((m.pay for m in self.months), Decimal(0))

    @property
    def year_payout(self) -> Decimal:
        """Reward, award, per-month amount and pool share, less the year's deductions."""
        return self.reward + self.award + self.per_month + self.pool_share - self.deducted


def inspection_result(ruleset: RuleSet, items: Sequence[LineItem]) -> InspectionResult:
    """The inspection score from the inspection category's line items (scored by
    kaoping.rules.score, so caps, floor and bonus cap already apply)."""
    category = ruleset.categories.get(INSPECTION)
    if category is None:
        return InspectionResult(Decimal(0))
    mine = [i for i in items if i.category == INSPECTION]
    vetoes = tuple(i.reason for i in mine if ruleset.rules[i.rule_id].action == "veto")
    caps = tuple(ruleset.rules[i.rule_id].grade for i in mine
                 if ruleset.rules[i.rule_id].action == "grade_at_most")
    return InspectionResult(category.max + sum((i.points for i in mine), Decimal(0)), vetoes, caps,
                            tuple(mine))


def band(rules: YearEndRules, score: Decimal) -> str:
    for b in rules.grades:
        if score >= b.min and (b.max is None or score < b.max):
            return b.grade
    return rules.grades[-1].grade


def evaluate_year(rules: YearEndRules, lines: list[YearEndLine],
                  decision: QuotaDecision | None = None) -> Quota:
    """Scores, grades, quota and rank for every line (each has at least one month).
    With the meeting's decision on a tie at the quota's cut-off, applies it; a decision
    that does not fit the tie (kaoping.domain.quota.decision_violations) is refused with
    InvalidArgument and nothing is returned."""
    for line in lines:
        total = sum((m.total for m in line.months), Decimal(0))
        line.component = total / len(line.months) if rules.monthly == "average" else total
        line.score = (rules.monthly_weight * line.component +
                      rules.inspection_weight * line.inspection.score).quantize(CENT, ROUND_HALF_UP)
        line.band_grade = grade = band(rules, line.score)
        caps = list(line.inspection.grade_caps) + [c for m in line.months for c in m.year_grade_caps]
        for capped in caps:
            if rules.grade_rank(capped) > rules.grade_rank(grade):
                grade = capped
        reasons = [f"年终考核：{r}" for r in line.inspection.vetoes]
        reasons += [f"{m.month}：{r}" for m in line.months for r in m.year_vetoes]
        vetoed = [m.month for m in line.months if m.vetoed]
        if rules.vetoed_months and len(vetoed) >= rules.vetoed_months:
            reasons.append(f"一票否决的月份 {', '.join(vetoed)}")
        failed = [m.month for m in line.months if m.grade == rules.failed_grade]
        if rules.failed_months and len(failed) >= rules.failed_months:
            reasons.append(f"{len(failed)} 个月考评为{rules.failed_grade}（{', '.join(failed)}）")
        line.vetoed, line.veto_reasons = bool(reasons), reasons
        line.grade = line.grade_before_quota = rules.veto_grade if reasons else grade
    quota = apply_quota(rules, lines, quota_limit(rules, len(lines)))
    if decision is not None:
        refuse_bad_decision(quota, apply_decision(rules, lines, quota, decision))
    ordered = sorted(lines, key=lambda l: (l.vetoed, -l.score, l.official_id))
    previous, rank = None, 0
    for position, line in enumerate(ordered, start=1):
        if (line.vetoed, line.score) != previous:
            rank, previous = position, (line.vetoed, line.score)
        line.rank = rank
    return quota


def quota_limit(rules: YearEndRules, evaluated: int) -> int | None:
    limits = []
    if rules.quota_percent is not None:
        limits.append(int(evaluated * rules.quota_percent / 100))   # rounded down
    if rules.quota_max is not None:
        limits.append(rules.quota_max)
    return min(limits) if limits else None


def split_pool(pool: Decimal, shares: Sequence[tuple[Hashable, Decimal]]) -> dict[Hashable, Decimal]:
    """Splits `pool` yuan in proportion to the weights, in whole fen, by largest
    remainder: every share is within one fen of its exact value and the shares add
    up to the pool exactly. Ties for a leftover fen go to the larger weight, then to
    the earlier key in the given order. All-zero weights give everyone 0."""
    if pool < 0 or pool.as_tuple().exponent < -2:
        raise ValueError(f"pool {pool} must be a non-negative amount in whole fen")
    cents = int(pool * 100)
    places = max([0] + [-w.as_tuple().exponent for w in (w for _, w in shares) if w])
    units = [int(w.scaleb(places)) if w > 0 else 0 for _, w in shares]
    whole = sum(units)
    if whole == 0:
        return {k: Decimal("0.00") for k, _ in shares}
    base = [cents * u // whole for u in units]
    rest = [cents * u % whole for u in units]
    left = cents - sum(base)
    order = sorted(range(len(units)), key=lambda i: (-rest[i], -units[i], i))
    for i in order[:left]:
        base[i] += 1
    return {k: (Decimal(c) / 100).quantize(CENT) for (k, _), c in zip(shares, base)}


def split_reward(rules: YearEndRules, lines: list[YearEndLine], pool: Decimal) -> Decimal:
    """Sets each line's reward; returns what was paid out (the pool, or 0 if nobody
    qualifies)."""
    ordered = sorted(lines, key=lambda l: (l.rank, l.official_id))
    weights = [(l.official_id, Decimal(0) if l.vetoed else rules.recipients_weight(l.grade, l.score))
               for l in ordered]
    shares = split_pool(pool, weights)
    for line in lines:
        line.reward = shares[line.official_id]
    return sum(shares.values(), Decimal(0))
