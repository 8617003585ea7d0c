"""A rule set as the new rule language (kaoping.rules) will give it: a kind that
declares `levels` and a category whose `scope` is "village". Today's Kind and
Category have neither attribute, so the tests derive such objects from the shipped
rule set and serve them as the active one (the compiled engine stays the shipped
one: today's evaluator skips village-level facts and ignores levels)."""
from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

from kaoping.rules.model import Category, Kind

LEVELS = ("镇级", "市级", "级" * 32)   # the last one: a level exactly at the 32-character bound
VILLAGE_CATEGORY = "village_work"


@dataclass(frozen=True)
class LevelledKind(Kind):
    levels: tuple[str, ...] = ()


@dataclass(frozen=True)
class ScopedCategory(Category):
    scope: str = "official"


def rule_input_ruleset(ruleset):
    """The shipped rule set with attendance/meeting_absent levelled and a village-scope
    category `village_work` (kind collective_task, scored by main_leader; kind ranked
    with levels 优秀/合格)."""
    attendance = ruleset.categories["attendance"]
    kinds = dict(attendance.kinds)
    absent = kinds["meeting_absent"]
    kinds["meeting_absent"] = LevelledKind(absent.id, absent.name, absent.unit, absent.max_quantity,
                                           levels=LEVELS)
    village_work = ScopedCategory(
        VILLAGE_CATEGORY, "村级工作", Decimal(10), Decimal(0), Decimal(0), ("main_leader",),
        {"collective_task": Kind("collective_task", "集体任务未完成", "项", Decimal(10)),
         "ranked": LevelledKind("ranked", "考核等次", "次", Decimal(1), levels=("优秀", "合格"))},
        scope="village")
    categories = dict(ruleset.categories)
    categories["attendance"] = replace(attendance, kinds=kinds)
    categories[VILLAGE_CATEGORY] = village_work
    return replace(ruleset, categories=categories)


class ServingRuleInputs:
    """Stands in for app.rulesets: the derived rule set is the active one; everything
    else is the real RuleSets."""

    def __init__(self, real):
        self._real = real
        self.active = rule_input_ruleset(real.active)

    def active_for(self, township_id: str = ""):
        return self.active

    def __getattr__(self, name):
        return getattr(self._real, name)
