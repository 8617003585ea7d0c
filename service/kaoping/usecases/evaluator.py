"""Scoring lists of (official, facts) without a roster: the year-end inspection marks
and the appeal re-scoring of a frozen month use it. Everything else builds a full
kaoping.rules.results.PeriodInput (kaoping.usecases.scoring_input)."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Callable

from kaoping.usecases.cancellation import never
from kaoping.rules.compile import Compiled
from kaoping.rules.evaluate import evaluate as evaluate_period
from kaoping.rules.results import OfficialIn, OfficialResult, PeriodInput, ScoredFact, VillageIn


@dataclass(frozen=True)
class OfficialInput:
    official_id: str
    base_pay: Decimal
    facts: tuple[ScoredFact, ...]


def evaluate(compiled: Compiled, officials: list[OfficialInput], cancelled: Callable[[], bool] = never,
             period: str = "2026-10") -> list[OfficialResult]:
    """Scores every official as a member of one village with no position or attributes."""
    data = PeriodInput(period, [OfficialIn(o.official_id, "v", "", o.base_pay) for o in officials],
                       [VillageIn("v")],
                       [f if f.official_id else _owned(f, o.official_id) for o in officials for f in o.facts])
    return evaluate_period(compiled, data, cancelled)


def _owned(fact: ScoredFact, official_id: str) -> ScoredFact:
    from dataclasses import replace
    return replace(fact, official_id=official_id, village_id="v", month=fact.month or "")
