"""The rule set's workflow sections: `appeals` (feedback and public-notice periods)
and `year_end` (the year-end formula, grades, veto list, excellent quota and reward
pool; in version 2 also the year-end money of kaoping.rules.year_rules). Parsed and validated like the rest of the file: every problem is collected
with its place, and unknown keys are errors. Schema: rules/README.md.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from kaoping.domain.quota import TIE_BREAKS
from kaoping.domain.ruleset_yaml import shown
from kaoping.rules.model import Category, GradeBand, Rule
from kaoping.rules.parse import parse_grades as _parse_grades
from kaoping.rules.parse_base import Collector as _Collector, decimal as _decimal, keys as _keys, \
    line_of as _line, unknown as _unknown
from kaoping.rules.year_rules import YearAwards, parse_year_awards

MONTHLY_FORMS = ("average", "sum")
SPLIT_FORMS = ("equal", "score", "grade_weights")


@dataclass(frozen=True)
class AppealRules:
    deadline_days: int = 5    # appeals accepted up to approval day + this many days
    notice_days: int = 5      # public notice runs this many days; payment after it


DEFAULT_APPEALS = AppealRules()


@dataclass(frozen=True)
class YearEndRules:
    monthly: str                       # average | sum of the counted months' totals
    monthly_weight: Decimal
    inspection_weight: Decimal
    grades: tuple[GradeBand, ...]      # best first
    veto_grade: str
    vetoed_months: int | None          # this many vetoed months force veto_grade
    failed_months: int | None          # this many months graded the monthly veto grade do too
    failed_grade: str                  # the monthly grade that counts as failed
    excellent_grade: str | None
    quota_percent: Decimal | None
    quota_max: int | None
    pool: Decimal
    split: str                         # equal | score | grade_weights
    split_grades: tuple[str, ...]      # equal / score: who shares the pool
    weights: dict[str, Decimal] = field(default_factory=dict)  # grade_weights
    awards: YearAwards = field(default_factory=YearAwards)      # language 2 additions
    # excellent.tie_break: criteria after the score (kaoping.domain.quota.TIE_BREAKS);
    # none: score only, and an exact tie at the cut-off is left open for the meeting
    tie_break: tuple[str, ...] = ()
    top_monthly_grade: str = ""        # the best monthly grade (months_excellent counts it)

    def formula(self) -> str:
        """How the year's score is made, as the documents and the CLI print it."""
        monthly = "月度平均分" if self.monthly == "average" else "月度总分"
        return f"年终得分 = {self.monthly_weight} × {monthly} + {self.inspection_weight} × 年终考核得分"

    def grade_rank(self, grade: str) -> int:
        return [b.grade for b in self.grades].index(grade)

    def recipients_weight(self, grade: str, score: Decimal) -> Decimal:
        """Share weight in the reward pool for a final (non-vetoed) grade and score."""
        if self.split == "grade_weights":
            return self.weights.get(grade, Decimal(0))
        if grade not in self.split_grades:
            return Decimal(0)
        return Decimal(1) if self.split == "equal" else max(score, Decimal(0))


def _int(value: Any, where: str, line: int | None, out: _Collector, minimum: int) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        out.add(where, line, f"expected a whole number, got {shown(value)}")
        return None
    if value < minimum:
        out.add(where, line, f"must be at least {minimum}, got {value}")
        return None
    return value


def parse_appeals(node: Any, out: _Collector) -> AppealRules:
    if node is None:
        return DEFAULT_APPEALS
    if not isinstance(node, dict):
        out.add("appeals", None, "must be a mapping with deadline_days and notice_days")
        return DEFAULT_APPEALS
    line = _line(node)
    _unknown(node, {"deadline_days", "notice_days"}, "appeals", out)
    deadline = _int(node.get("deadline_days", DEFAULT_APPEALS.deadline_days),
                    "appeals.deadline_days", line, out, 1)
    notice = _int(node.get("notice_days", DEFAULT_APPEALS.notice_days),
                  "appeals.notice_days", line, out, 1)
    for key, value in (("deadline_days", deadline), ("notice_days", notice)):
        if value is not None and value > 90:
            out.add(f"appeals.{key}", line, f"{value} days is implausibly long (at most 90)")
    return AppealRules(deadline or DEFAULT_APPEALS.deadline_days,
                       notice or DEFAULT_APPEALS.notice_days)


def parse_year_end(node: Any, out: _Collector, categories: dict[str, Category],
                   rules: dict[str, Rule], monthly_grades: list[GradeBand],
                   monthly_veto_grade: str, v2: bool = False) -> YearEndRules | None:
    if node is None:
        for rule in rules.values():
            if any(e.kind.startswith("year_") for e in rule.effects):
                out.add(f"rules ({rule.id})", rule.line, "has a year effect but the rule set has "
                                                         "no year_end section")
        return None
    if not isinstance(node, dict):
        out.add("year_end", None, "must be a mapping (see rules/README.md)")
        return None
    line = _line(node)
    _unknown(node, {"monthly", "monthly_weight", "inspection_weight", "grades", "veto_grade",
                    "veto", "excellent", "reward"}
             | ({"awards", "per_month", "village_pool", "commendations"} if v2 else set()),
             "year_end", out)
    monthly = node.get("monthly", "average")
    if monthly not in MONTHLY_FORMS:
        out.add("year_end.monthly", line, f"unknown form {shown(monthly)} (known: {', '.join(MONTHLY_FORMS)})")
    mw = _decimal(node.get("monthly_weight", 1), "year_end.monthly_weight", line, out,
                  minimum=Decimal(0))
    iw = _decimal(node.get("inspection_weight", 0), "year_end.inspection_weight", line, out,
                  minimum=Decimal(0))
    if mw is not None and iw is not None and mw == 0 and iw == 0:
        out.add("year_end", line, "monthly_weight and inspection_weight cannot both be 0")
    if iw and not any(c.timing == "year_end" for c in categories.values()):
        out.add("year_end.inspection_weight", line, "is above 0 but the rule set has no "
                                                    "year-end (`inspection`) category for the marks")
    if "grades" in node:
        bands = _parse_grades(node.get("grades"), out, "year_end.grades")
    else:
        bands = list(monthly_grades)
    names = [b.grade for b in bands]
    veto_grade = node.get("veto_grade", monthly_veto_grade if monthly_veto_grade in names
                          else (names[-1] if names else ""))
    if names and veto_grade not in names:
        out.add("year_end.veto_grade", line, f"{shown(veto_grade)} is not one of the year-end grades {names}")
    for rule in rules.values():
        year_end_rule = categories.get(rule.category) is not None and \
            categories[rule.category].timing == "year_end"
        if year_end_rule and rule.action == "grade_at_most" and names \
                and rule.grade not in names:
            out.add(f"rules ({rule.id})", rule.line, f"grade_at_most {shown(rule.grade)} is not one of "
                                                     f"the year-end grades {names}")
        for effect in rule.effects:
            if effect.kind == "year_grade_at_most" and names and effect.target not in names:
                out.add(f"rules ({rule.id})", rule.line, f"year_grade_at_most {shown(effect.target)} is "
                                                         f"not one of the year-end grades {names}")

    vetoed_months = failed_months = None
    veto = node.get("veto", {}) or {}
    if not isinstance(veto, dict):
        out.add("year_end.veto", line, "must be a mapping with vetoed_months / failed_months")
    else:
        vline = _line(veto) or line
        _unknown(veto, {"vetoed_months", "failed_months"}, "year_end.veto", out)
        vetoed_months = _int(veto.get("vetoed_months"), "year_end.veto.vetoed_months", vline, out, 1)
        failed_months = _int(veto.get("failed_months"), "year_end.veto.failed_months", vline, out, 1)
        for key, value in (("vetoed_months", vetoed_months), ("failed_months", failed_months)):
            if value is not None and value > 12:
                out.add(f"year_end.veto.{key}", vline, "a year has 12 months")

    excellent_grade, quota_percent, quota_max, tie_break = None, None, None, ()
    excellent = node.get("excellent")
    if excellent is not None:
        if not isinstance(excellent, dict):
            out.add("year_end.excellent", line, "must be a mapping {grade, quota_percent, quota_max}")
        else:
            eline = _line(excellent) or line
            _unknown(excellent, {"grade", "quota_percent", "quota_max", "tie_break"}, "year_end.excellent", out)
            excellent_grade = excellent.get("grade")
            if names and excellent_grade not in names:
                out.add("year_end.excellent.grade", eline, f"{shown(excellent_grade)} is not one of the "
                                                           f"year-end grades {names}")
            elif names and excellent_grade == names[-1]:
                out.add("year_end.excellent.grade", eline, "a quota on the lowest grade means nothing")
            quota_percent = _decimal(excellent.get("quota_percent"), "year_end.excellent.quota_percent",
                                     eline, out, minimum=Decimal(0), allow_none=True)
            if quota_percent is not None and not 0 < quota_percent <= 100:
                out.add("year_end.excellent.quota_percent", eline, "must be above 0 and at most 100")
            quota_max = _int(excellent.get("quota_max"), "year_end.excellent.quota_max", eline, out, 1)
            if quota_percent is None and quota_max is None:
                out.add("year_end.excellent", eline, "give quota_percent, quota_max or both")
            tie_break = _tie_break(excellent.get("tie_break"), eline, out)

    pool, split, split_grades, weights = Decimal(0), "equal", (), {}
    reward = node.get("reward")
    if reward is not None:
        if not isinstance(reward, dict):
            out.add("year_end.reward", line, "must be a mapping {pool, split, ...}")
        else:
            rline = _line(reward) or line
            split = reward.get("split")
            allowed = {"pool", "split"} | ({"weights"} if split == "grade_weights" else {"grades"})
            _unknown(reward, allowed, "year_end.reward", out)
            pool = _decimal(reward.get("pool"), "year_end.reward.pool", rline, out,
                            minimum=Decimal(0)) or Decimal(0)
            if pool.as_tuple().exponent < -2:
                out.add("year_end.reward.pool", rline, "yuan with at most 2 decimal places (fen)")
            if split not in SPLIT_FORMS:
                out.add("year_end.reward.split", rline, f"unknown split {shown(split)} "
                                                        f"(known: {', '.join(SPLIT_FORMS)})")
            elif split == "grade_weights":
                given = reward.get("weights")
                if not isinstance(given, dict) or not _keys(given):
                    out.add("year_end.reward.weights", rline, "must map grades to share weights")
                else:
                    for grade in sorted(_keys(given)):
                        if names and grade not in names:
                            out.add("year_end.reward.weights", rline, f"{shown(grade)} is not a year-end grade")
                        value = _decimal(given[grade], f"year_end.reward.weights.{grade}", rline, out,
                                         minimum=Decimal(0))
                        if value is not None:
                            weights[grade] = value
                    if weights and not any(weights.values()):
                        out.add("year_end.reward.weights", rline, "every weight is 0: nobody shares the pool")
            else:
                given = reward.get("grades")
                if not isinstance(given, list) or not given:
                    out.add("year_end.reward.grades", rline, "must list the grades that share the pool")
                else:
                    for grade in given:
                        if names and grade not in names:
                            out.add("year_end.reward.grades", rline, f"{shown(grade)} is not a year-end grade")
                    split_grades = tuple(str(g) for g in given)
    awards = parse_year_awards(node, names, out) if v2 else YearAwards()
    return YearEndRules(
        awards=awards, monthly=str(monthly), monthly_weight=mw if mw is not None else Decimal(1),
        inspection_weight=iw or Decimal(0), grades=tuple(bands), veto_grade=str(veto_grade),
        vetoed_months=vetoed_months, failed_months=failed_months, failed_grade=monthly_veto_grade,
        excellent_grade=excellent_grade, quota_percent=quota_percent, quota_max=quota_max,
        pool=pool, split=str(split), split_grades=split_grades, weights=weights, tie_break=tie_break,
        top_monthly_grade=monthly_grades[0].grade if monthly_grades else "")


def _tie_break(node: Any, line: int | None, out: _Collector) -> tuple[str, ...]:
    """excellent.tie_break: a list of distinct known criteria, applied in order after
    the score (each higher-is-better; kaoping.domain.quota.TIE_BREAKS)."""
    where = "year_end.excellent.tie_break"
    if node is None:
        return ()
    if not isinstance(node, list):
        out.add(where, line, f"must be a list of criteria, got {shown(node)} "
                             f"(known: {', '.join(TIE_BREAKS)})")
        return ()
    if not node:
        out.add(where, line, "an empty list: leave tie_break out for the score only")
    criteria: list[str] = []
    for index, criterion in enumerate(node):
        if not isinstance(criterion, str) or criterion not in TIE_BREAKS:
            out.add(f"{where}[{index}]", line, f"unknown criterion {shown(criterion)} "
                                               f"(known: {', '.join(TIE_BREAKS)})")
        elif criterion in criteria:
            out.add(f"{where}[{index}]", line, f"{shown(criterion)} is given more than once")
        else:
            criteria.append(criterion)
    return tuple(criteria)
