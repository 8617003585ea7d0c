"""Running a rule file's year-end cases: the year-end formula, vetoes, quota, the
reward pool and the version-2 year-end money (kaoping.rules.year_money) on months
given as results (what the year-end reads: approved months' frozen totals)."""
from __future__ import annotations

from decimal import Decimal

from kaoping.domain.quota import QuotaDecision, apply_decision
from kaoping.domain.yearend import InspectionResult, MonthResult, YearEndLine, evaluate_year, split_reward
from kaoping.rules.cases import CaseOutcome
from kaoping.rules.model import Case, RuleSet
from kaoping.rules.pay import grade_for
from kaoping.rules.year_money import apply_year_money


def _months(ruleset: RuleSet, year: int, spec: dict) -> list[MonthResult]:
    given = spec.get("months", 12)
    if isinstance(given, int):
        total = Decimal(str(spec.get("total", ruleset.scale)))
        given = [{"month": f"{year}-{m:02d}", "total": total} for m in range(1, given + 1)]
    months = []
    for i, m in enumerate(given):
        total = Decimal(str(m.get("total", ruleset.scale)))
        vetoed = bool(m.get("vetoed", False))
        grade = m.get("grade") or (ruleset.veto_grade if vetoed else grade_for(ruleset, total))
        caps = m.get("year_grade_at_most")
        months.append(MonthResult(str(m.get("month", f"{year}-{i + 1:02d}")), total, str(grade), vetoed,
                                  Decimal(str(m.get("pay", 0))),
                                  (str(m["year_veto"]),) if m.get("year_veto") else (),
                                  (str(caps),) if caps else (),
                                  Decimal(str(m.get("year_deduct_yuan", 0)))))
    return months


def _full_inspection(ruleset: RuleSet) -> Decimal:
    """An official without inspection marks has the full inspection score (the service's
    rule too): the year-end category's max, or 0 when there is none."""
    category = next((c for c in ruleset.categories.values() if c.timing == "year_end"), None)
    return category.max if category is not None else Decimal(0)


def _figure(ruleset: RuleSet, village: dict) -> Decimal | None:
    pool = ruleset.year_end.awards.village_pool
    if pool is None or pool.figure not in village:
        return None
    return Decimal(str(village[pool.figure]))


def run_year_case(ruleset: RuleSet, case: Case) -> CaseOutcome:
    rules = ruleset.year_end
    year = int(case.period or 2026)
    lines = []
    for oid, spec in case.officials.items():
        spec = spec or {}
        inspection = Decimal(str(spec.get("inspection", _full_inspection(ruleset))))
        lines.append(YearEndLine(str(oid), _months(ruleset, year, spec), InspectionResult(inspection),
                                 position=str(spec.get("position", "")),
                                 village_id=str(spec.get("village", "v1"))))
    quota = evaluate_year(rules, lines)
    failures = []
    if case.decision:    # the meeting's decision on the tie; one that does not fit fails the case
        problems = apply_decision(rules, lines, quota, QuotaDecision(tuple(case.decision["granted"]),
                                                                     case.decision["minutes"]))
        failures += [f"decision: {p.field}: {p.description}" for p in problems]
    if "tied" in case.expect and sorted(map(str, case.expect["tied"])) != sorted(quota.tied if quota.open else []):
        failures.append(f"tied: expected {sorted(map(str, case.expect['tied']))}, "
                        f"got {sorted(quota.tied) if quota.open else []}")
    if "places_left" in case.expect and case.expect["places_left"] != (quota.places_left if quota.open else 0):
        failures.append(f"places_left: expected {case.expect['places_left']}, "
                        f"got {quota.places_left if quota.open else 0}")
    if rules.pool:
        split_reward(rules, lines, rules.pool)
    figures = {vid: f for vid, v in case.villages.items() if (f := _figure(ruleset, v or {})) is not None}
    earlier = {str(o): {int(y): str(g) for y, g in (grades or {}).items()} for o, grades in case.history.items()}
    apply_year_money(rules, lines, figures, earlier, year)
    by_id = {l.official_id: l for l in lines}
    for oid, want in case.expect.items():
        if oid in ("tied", "places_left"):
            continue
        line = by_id.get(str(oid))
        if line is None:
            failures.append(f"{oid}: no such official in the case")
            continue
        got = {"score": line.score, "grade": line.grade, "vetoed": line.vetoed, "reward": line.reward,
               "award": line.award, "per_month": line.per_month, "pool_share": line.pool_share,
               "deducted": line.deducted, "payout": line.year_payout, "commendations": line.commendations,
               "rank": line.rank, "tied": line.tied, "quota_note": line.quota_note}
        for key, value in (want or {}).items():
            expected = value
            if key in ("score", "reward", "award", "per_month", "pool_share", "deducted", "payout"):
                expected = Decimal(str(value))
            elif key in ("vetoed", "tied"):
                expected = bool(value)
            elif key == "commendations":
                expected = list(value or [])
            if got[key] != expected:
                failures.append(f"{oid}.{key}: expected {expected}, got {got[key]}")
    return CaseOutcome(case.name, tuple(failures))


def run_year_cases(ruleset: RuleSet) -> list[CaseOutcome]:
    if ruleset.year_end is None:
        return []
    return [run_year_case(ruleset, case) for case in ruleset.year_cases]
