"""What the month workflow's use cases return: a month's state, a village's feedback,
the results and year-to-date ranking, the year-end and the pay list (plain values)."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from kaoping.domain import workflow as wf
from kaoping.domain import yearflow as yf
from kaoping.domain.yearend import Quota, YearEndLine
from kaoping.rules.model import RuleSet
from kaoping.rules.results import LineItem
from kaoping.storage.models import (AppealRow, MonthEvent, MonthRecord, RuleSetRow, Township, YearRecord,
                                    Village, VillageConfirmation)


@dataclass
class MonthView:
    township: Township
    month: str
    state: str
    record: MonthRecord | None
    ruleset: RuleSetRow | None
    villages: list[Village]
    confirmations: dict[str, VillageConfirmation]
    events: list[MonthEvent]
    drift: list[str] = field(default_factory=list)

    @property
    def next_actions(self) -> list[str]:
        return wf.next_actions(self.state)

    @property
    def unconfirmed(self) -> list[str]:
        return [v.id for v in self.villages if v.id not in self.confirmations]


@dataclass
class FeedbackDeduction:
    """One line of the notice (a deduction or an addition) with the fact behind it."""
    item: LineItem
    appeal: AppealRow | None
    fact_date: str = ""         # YYYY-MM-DD, "" when the fact gives only its month
    fact_note: str = ""
    scorer_name: str = ""
    cut: bool = False           # a floor or cap took part or all of it (扣完为止)


@dataclass(frozen=True)
class TrendPoint:
    month: str
    total: Decimal | None       # None: missing (never counted as any score)
    grade: str
    status: str                 # final | provisional | missing


@dataclass
class FeedbackOfficial:
    official_id: str
    name: str
    total: Decimal
    grade: str
    pay: Decimal
    deductions: list[FeedbackDeduction]
    additions: list[FeedbackDeduction] = field(default_factory=list)
    position: str = ""          # as the roster stood in the month
    trend: list[TrendPoint] = field(default_factory=list)


@dataclass(frozen=True)
class Letterhead:
    """What an issued document carries from the township's settings."""
    township_name: str
    issuer: str
    document_number: str
    issued_on: str
    contact: str
    script: str


@dataclass
class Feedback:
    month: MonthView
    village: Village
    ruleset: RuleSetRow
    provisional: bool
    officials: list[FeedbackOfficial]
    appeals: list[AppealRow]
    confirmation: VillageConfirmation | None
    letterhead: Letterhead | None = None
    appeal_open: bool = False   # an appeal would be accepted now (Appeals.appeal_refusal)
    # the village's 整改 items on this notice (kaoping.usecases.rectifications.for_notice)
    rectifications: list = field(default_factory=list)

    @property
    def confirmation_state(self) -> str:
        if self.confirmation is None:
            return "unconfirmed"
        return "deemed_confirmed" if self.confirmation.deemed else "confirmed"

    @property
    def total_deducted(self) -> Decimal:
        return sum((-d.item.points for o in self.officials for d in o.deductions if d.item.points < 0),
                   Decimal(0))

    @property
    def total_added(self) -> Decimal:
        return sum((d.item.points for o in self.officials for d in o.additions if d.item.points > 0),
                   Decimal(0))


@dataclass(frozen=True)
class MonthLine:
    """One official's month: the snapshot once frozen, else the live score."""
    official_id: str
    official_name: str
    village_id: str
    village_name: str
    base_pay: Decimal
    total: Decimal
    grade: str
    vetoed: bool
    pay: Decimal


@dataclass
class MonthResults:
    month: str
    state: str
    provisional: bool
    lines: dict[str, MonthLine]


@dataclass
class RankedOfficialYtd:
    line: MonthLine
    rank: int
    previous_rank: int | None
    previous_total: Decimal | None
    ytd_average: Decimal | None    # None: no approved month yet
    ytd_rank: int                  # 0: not ranked (no approved month)
    months_counted: int            # approved months in the year to date
    vetoed_months: int


@dataclass
class RankedVillageYtd:
    village_id: str
    village_name: str
    average: Decimal
    rank: int
    previous_rank: int | None
    ytd_average: Decimal | None
    ytd_rank: int


@dataclass
class YtdRanking:
    township: Township
    month: str
    months: list[MonthResults]
    officials: list[RankedOfficialYtd]
    villages: list[RankedVillageYtd]


@dataclass
class YearEndOfficial:
    line: YearEndLine
    name: str
    village_id: str
    village_name: str
    months_served: list[str] = field(default_factory=list)   # of the year, on the roster


@dataclass
class YearEnd:
    township: Township
    year: int
    ruleset: RuleSetRow
    rules: RuleSet
    months: list[tuple[str, str]]          # (month, state)
    missing: list[str]                      # not approved: not counted
    unpaid: list[str]                       # counted, not yet paid
    officials: list[YearEndOfficial]
    quota: Quota
    pool: Decimal
    shared: Decimal                         # the pool's shares add up to this (pool, or 0)
    inspection_recorded: bool
    notes: list[str]
    # the year's workflow (kaoping.domain.yearflow): no record is provisional; from
    # aggregation on the figures are the freeze, from approval on they are final
    record: YearRecord | None = None
    paid: dict[str, Decimal] = field(default_factory=dict)   # official -> year-end money recorded paid
    letterhead: "Letterhead | None" = None

    @property
    def state(self) -> str:
        return self.record.state if self.record else yf.PROVISIONAL

    @property
    def provisional(self) -> bool:
        """Not approved by the meeting: the figures may still change."""
        return self.state not in yf.FINAL

    @property
    def paid_out(self) -> Decimal:
        """What was recorded as paid of the year-end money (0 before the payout)."""
        return sum(self.paid.values(), Decimal(0))

    @property
    def complete(self) -> bool:
        """Every month paid and the year-end money paid."""
        return not self.missing and not self.unpaid and self.state in yf.PAID_OUT

    @property
    def tied(self) -> list[str]:
        """Officials tied at the excellent quota's cut-off awaiting the meeting (none once
        decided: then each one's quota_note gives the decision)."""
        return list(self.quota.tied) if self.quota.open else []

    @property
    def places_left(self) -> int:
        return self.quota.places_left if self.quota.open else 0


@dataclass
class PayLine:
    official_id: str
    official_name: str
    village_id: str
    village_name: str
    score: Decimal
    grade: str
    monthly_pay: Decimal
    reward: Decimal
    amount: Decimal
    paid: Decimal
    # the bank needs them: in full for callers that pay (Principal.sees_personal), else
    # masked (kaoping.domain.personal); "" when none is stored
    id_number: str = ""
    bank_account: str = ""
    # a year's list: provisional | approved | paid, and the year-end money recorded paid
    reward_state: str = ""
    reward_paid: Decimal | None = None


@dataclass
class PayList:
    township: Township
    period: str
    state: str
    lines: list[PayLine]
    complete: bool
    notes: list[str]
    letterhead: Letterhead | None = None

    def village_totals(self) -> list[tuple[str, str, Decimal, int]]:
        totals: dict[str, list] = {}
        for line in self.lines:
            entry = totals.setdefault(line.village_id, [line.village_name, Decimal(0), 0])
            entry[1] += line.amount
            entry[2] += 1
        return [(vid, name, amount, n) for vid, (name, amount, n) in sorted(totals.items())]

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal(0))
