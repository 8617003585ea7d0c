"""What evaluation takes in and gives out: the period's roster and facts, and per
official the line items, category scores, total, grade, pay and year effects."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class ScoredFact:
    """A stored fact as the rules see it. `official_id` is "" for a village-level fact."""
    id: int
    category: str
    kind: str
    quantity: Decimal
    scorer_id: str = ""
    scorer_role: str = ""
    official_id: str = ""
    village_id: str = ""
    date: str = ""              # YYYY-MM-DD or ""
    level: str = ""
    month: str = ""


@dataclass(frozen=True)
class OfficialIn:
    id: str
    village_id: str = "v1"
    position: str = ""
    base_pay: Decimal = Decimal(1000)
    attributes: dict = field(default_factory=dict, hash=False, compare=False)


@dataclass(frozen=True)
class VillageIn:
    id: str
    attributes: dict = field(default_factory=dict, hash=False, compare=False)


@dataclass(frozen=True)
class MonthOutcome:
    """An earlier approved month's frozen result, for history rules."""
    month: str
    grade: str
    total: Decimal
    vetoed: bool = False


@dataclass
class PeriodInput:
    period: str                                   # YYYY-MM, or YYYY-Qn for a quarterly rule set
    officials: list[OfficialIn]
    villages: list[VillageIn]
    facts: list[ScoredFact]                       # the period's facts (corrections applied)
    earlier: list[ScoredFact] = field(default_factory=list)   # the year's earlier facts
    history: dict[str, list[MonthOutcome]] = field(default_factory=dict)


@dataclass(frozen=True)
class LineItem:
    category: str
    points: Decimal
    requested: Decimal
    reason: str
    fact_id: int
    rule_id: str
    scorer_id: str = ""
    scorer_role: str = ""
    # language 2: money, traces and scope (defaults keep version-1 items unchanged)
    yuan: Decimal = Decimal(0)
    requested_yuan: Decimal = Decimal(0)
    effect: str = ""              # "" points | yuan | veto | grade | forfeit | multiplier | year | derive | mark
    fact_ids: tuple[int, ...] = ()
    village_level: bool = False
    detail: str = ""


@dataclass
class OfficialResult:
    official_id: str
    categories: dict[str, Decimal]
    total: Decimal
    grade: str
    vetoed: bool
    veto_reason: str
    base_pay: Decimal
    pay: Decimal
    items: list[LineItem] = field(default_factory=list)
    ruleset_hash: str = ""
    forfeited: bool = False
    pay_multiplier: Decimal = Decimal(1)
    components: dict[str, Decimal] = field(default_factory=dict)
    subitems: dict[str, Decimal] = field(default_factory=dict)
    year_vetoes: tuple[str, ...] = ()
    year_grade_caps: tuple[str, ...] = ()
    year_deduct_yuan: Decimal = Decimal(0)

    def comparable(self) -> tuple:
        return (self.official_id, tuple(sorted(self.categories.items())), self.total,
                self.grade, self.vetoed, self.pay, tuple(self.items))
