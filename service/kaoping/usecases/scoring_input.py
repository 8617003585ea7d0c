"""What a township's period is, as the rules see it (kaoping.rules.results.PeriodInput):
the roster of that month, the villages with their attributes, the period's facts with
corrections applied, the year's earlier facts when a rule aggregates over the quarter or
the year, and earlier approved months' frozen results when a rule reads history.

History comes only from frozen snapshots (never live data), and earlier facts only from
stored facts, which are never changed: recomputing a month from the store under its
recorded version gives the same numbers.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Iterable

from kaoping.domain.attributes import attributes_of
from kaoping.rules.model import RuleSet
from kaoping.rules.results import MonthOutcome, OfficialIn, ScoredFact, VillageIn


def officials_in(members) -> list[OfficialIn]:
    """(official row, village id that month) pairs -> the rules' officials."""
    return [OfficialIn(o.id, v, o.position or "", Decimal(o.base_pay), attributes_of(o)) for o, v in members]


def villages_in(villages: Iterable) -> list[VillageIn]:
    return [VillageIn(v.id, attributes_of(v)) for v in villages]


def live_facts(rows: Iterable, members: dict[str, str], skip_category: str = "inspection") -> list[ScoredFact]:
    """The stored rows that count: not corrections, not voided, of a member official (in
    the village he belonged to that month) or of one of the villages."""
    rows = list(rows)
    voided = {f.voids_fact_id for f in rows if f.voids_fact_id is not None}
    villages = set(members.values())
    facts = []
    for f in rows:
        if f.category == skip_category or f.voids_fact_id is not None or f.id in voided:
            continue
        official = f.official_id or ""
        if official:
            if official not in members:
                continue
            village = members[official]
        else:
            village = f.village_id
            if village not in villages:
                continue
        facts.append(ScoredFact(f.id, f.category, f.kind, Decimal(f.quantity), f.scorer_id,
                                f.scorer_role, official, village, getattr(f, "date", "") or "",
                                getattr(f, "level", "") or "", f.month))
    return facts


HISTORY_MONTHS = 36     # how far back history rules read approved months


def needs_earlier(ruleset: RuleSet) -> bool:
    return ruleset.period == "quarter" or any(
        r.aggregate is not None and r.aggregate.over in ("quarter", "year") for r in ruleset.rules.values())


def needs_history(ruleset: RuleSet) -> bool:
    return any(r.history is not None for r in ruleset.rules.values())


def earlier_months(month: str, ruleset: RuleSet) -> list[str]:
    """The months of the year before `month` an aggregate may reach back to."""
    if not needs_earlier(ruleset):
        return []
    return [f"{month[:4]}-{m:02d}" for m in range(1, int(month[5:7]))]


def history_from(lines_by_month: dict[str, list]) -> dict[str, list[MonthOutcome]]:
    """Frozen snapshot lines of approved months -> each official's outcomes."""
    history: dict[str, list[MonthOutcome]] = {}
    for month in sorted(lines_by_month):
        for line in lines_by_month[month]:
            history.setdefault(line.official_id, []).append(
                MonthOutcome(month, line.grade, Decimal(line.total), bool(line.vetoed)))
    return history
