"""The rule language's data model: what a parsed, validated rule file is.

Everything here is immutable and plain: the parser (kaoping.rules.parse) builds it,
validation (kaoping.rules.validate) checks it as a whole, the compiler
(kaoping.rules.compile) turns its conditions into engine rules and the evaluator
(kaoping.rules.evaluate) applies its effects. Version-1 files (no `language` key) map
onto the same model with the version-1 defaults, so one evaluator scores both.
"""
from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

# Version 1 had these category ids only; version 2 takes any id.
V1_CATEGORIES = ("study", "service_3plus5", "attendance", "key_tasks", "convenience",
                 "team_building", "inspection")
INSPECTION = "inspection"
SCORER_ROLES = ("main_leader", "contact_leader", "station", "resident_cadre")

POINT_EFFECTS = ("deduct", "add", "set")
MONEY_EFFECTS = ("deduct_yuan", "add_yuan")
PAY_EFFECTS = ("pay_multiplier", "forfeit_pay")
GRADE_EFFECTS = ("veto", "grade_at_most")
YEAR_EFFECTS = ("year_veto", "year_grade_at_most", "year_deduct_yuan")
EFFECTS = POINT_EFFECTS + ("multiply",) + MONEY_EFFECTS + PAY_EFFECTS + GRADE_EFFECTS \
    + YEAR_EFFECTS + ("derive",)
POLICIES = ("unique", "first", "collect", "highest")


@dataclass(frozen=True)
class Problem:
    location: str
    message: str

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


class RuleSetInvalid(Exception):
    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(map(str, problems)))
        self.problems = problems


@dataclass(frozen=True)
class Kind:
    id: str
    name: str
    unit: str
    max_quantity: Decimal
    levels: tuple[str, ...] = ()          # ordered, lowest first

    def level_rank(self, level: str) -> int:
        return self.levels.index(level) + 1 if level in self.levels else 0


@dataclass(frozen=True)
class SubItem:
    id: str
    name: str
    max: Decimal
    floor: Decimal
    kinds: tuple[str, ...]


@dataclass(frozen=True)
class Category:
    id: str
    name: str
    max: Decimal
    floor: Decimal
    bonus_cap: Decimal
    scored_by: tuple[str, ...]
    kinds: dict[str, Kind]
    clamp: str = "separate"                # separate | net
    scope: str = "official"                # official | village
    timing: str = "month"                  # month | year_end
    position_weights: dict[str, Decimal] = field(default_factory=dict)
    subitems: dict[str, SubItem] = field(default_factory=dict)

    def subitem_of(self, kind: str) -> SubItem | None:
        if not self.subitems:
            return None
        return next((s for s in self.subitems.values() if kind in s.kinds), None)


@dataclass(frozen=True)
class Component:
    id: str
    name: str
    categories: tuple[str, ...]
    weight: Decimal


@dataclass(frozen=True)
class AttrTest:
    """One test on an official's or village's attribute (or position, or rank)."""
    subject: str                            # official | village
    attr: str                               # position, an attribute name, or rank:<figure>
    op: str                                 # eq | in | gte | lt | lte
    value: Any                              # str, Decimal, or a tuple of them for `in`

    def text(self) -> str:
        names = {"eq": "=", "in": "in", "gte": ">=", "lt": "<", "lte": "<="}
        value = "/".join(map(str, self.value)) if isinstance(self.value, tuple) else self.value
        return f"{self.subject}.{self.attr} {names[self.op]} {value}"


@dataclass(frozen=True)
class Condition:
    """What a fact must be for a fact rule to match it (all optional). On a period rule
    only `tests` (official and village) apply; the other fields are ignored there."""
    at_least: Decimal | None = None
    below: Decimal | None = None
    levels: tuple[str, ...] = ()            # level or level_in
    level_at_least: str | None = None
    date_from: str | None = None            # MM-DD inclusive
    date_before: str | None = None          # MM-DD exclusive
    occurrence_at_least: int | None = None
    occurrence_below: int | None = None
    tests: tuple[AttrTest, ...] = ()        # on the official and the village


@dataclass(frozen=True)
class Aggregate:
    form: str                               # sum | count
    kinds: tuple[str, ...]
    over: str = "period"                    # period | quarter | year (to date)


@dataclass(frozen=True)
class Streak:
    kind: str
    length: int
    broken_by: tuple[str, ...] = ()
    consecutive_days: bool = False


@dataclass(frozen=True)
class History:
    months: int
    grade: str | None = None                # every one of the N months had this grade
    vetoed: bool = False                    # ... or was vetoed


@dataclass(frozen=True)
class Effect:
    kind: str                               # one of EFFECTS
    amount: Decimal = Decimal(0)            # points, yuan, multiplier
    target: str = ""                        # multiply: rule id; grade effects: grade; derive: kind
    unit_quantity: bool = False             # derive: quantity 1


@dataclass(frozen=True)
class Rule:
    id: str
    category: str
    kind: str                               # first of kinds ("" for period rules without one)
    action: str                             # the primary effect (version-1 name)
    points: Decimal                         # the primary points or yuan per unit/fact
    per: str                                # unit | fact | shortfall | excess
    cap: Decimal | None
    reason: str
    at_least: Decimal | None                # fact rules: quantity; period rules: the value
    below: Decimal | None
    grade: str | None                       # grade_at_most's grade
    line: int
    kinds: tuple[str, ...] = ()
    subject: str = "fact"                   # fact | aggregate | none | streak | history
    when: Condition = field(default_factory=Condition)
    effects: tuple[Effect, ...] = ()
    aggregate: Aggregate | None = None
    streak: Streak | None = None
    history: History | None = None
    step: Decimal | None = None             # per shortfall/excess: points per full step
    priority: int = 0
    group: str | None = None

    @property
    def is_period(self) -> bool:
        return self.subject != "fact"

    def effect(self, kind: str) -> Effect | None:
        return self._effects.get(kind)

    @functools.cached_property
    def _effects(self) -> dict[str, Effect]:
        # asked for on every line of every official: looked up once per rule
        found: dict[str, Effect] = {}
        for e in self.effects:
            found.setdefault(e.kind, e)
        return found

    def points_effect(self) -> Effect | None:
        return next((e for e in self.effects if e.kind in POINT_EFFECTS + MONEY_EFFECTS), None)

    def describe(self) -> str:
        from kaoping.rules.describe import describe_rule
        return describe_rule(self)


@dataclass(frozen=True)
class Group:
    id: str
    policy: str
    rules: tuple[str, ...]
    line: int = 0


@dataclass(frozen=True)
class GradeBand:
    grade: str
    min: Decimal
    max: Decimal | None      # exclusive; None is open-ended


@dataclass(frozen=True)
class Pay:
    form: str
    params: dict[str, Any]
    veto_ratio: Decimal
    base: Decimal | None = None                         # one base pay for everyone
    position_ratio: dict[str, Decimal] = field(default_factory=dict)


@dataclass(frozen=True)
class Ranking:
    vetoed: str = "last"                    # last | by_points
    tie_categories: tuple[str, ...] = ()    # tie-break by these category scores, then shared


@dataclass(frozen=True)
class Roster:
    """What the file expects of the township's roster: the positions and the attribute
    names its rules may test (checked in the file: a test on anything else is a typo)."""
    positions: tuple[str, ...] = ()
    official_attributes: tuple[str, ...] = ()
    village_attributes: tuple[str, ...] = ()
    declared: bool = False


@dataclass(frozen=True)
class Case:
    name: str
    base_pay: Decimal
    facts: tuple[dict, ...]
    expect: dict
    line: int
    period: str = ""
    villages: dict = field(default_factory=dict)
    officials: dict = field(default_factory=dict)
    history: dict = field(default_factory=dict)
    decision: dict = field(default_factory=dict)   # year cases: the meeting's quota decision


@dataclass(frozen=True)
class RuleSet:
    name: str
    label: str
    categories: dict[str, Category]
    rules: dict[str, Rule]
    grades: tuple[GradeBand, ...]   # best first
    veto_grade: str
    pay: Pay
    cases: tuple[Case, ...]
    text: str
    content_hash: str = field(default="")
    appeals: Any = field(default=None)          # kaoping.rules.sections.AppealRules
    year_end: Any = field(default=None)         # kaoping.rules.sections.YearEndRules | None
    language: int = 1
    scale: Decimal = Decimal(100)
    period: str = "month"                       # month | quarter
    components: tuple[Component, ...] = ()
    groups: dict[str, Group] = field(default_factory=dict)
    ranking: Ranking = field(default_factory=Ranking)
    year_cases: tuple[Case, ...] = ()
    roster: Roster = field(default_factory=Roster)

    def rules_for(self, category: str, kind: str) -> list[Rule]:
        return [r for r in self.rules.values() if r.category == category and kind in r.kinds]

    def grade_rank(self, grade: str) -> int:
        return [b.grade for b in self.grades].index(grade)

    def monthly_categories(self) -> list[Category]:
        return [c for c in self.categories.values() if c.timing == "month"]

    def kind(self, kind_id: str) -> Kind | None:
        for category in self.categories.values():
            if kind_id in category.kinds:
                return category.kinds[kind_id]
        return None

    def category_of_kind(self, kind_id: str) -> Category | None:
        return next((c for c in self.categories.values() if kind_id in c.kinds), None)


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
