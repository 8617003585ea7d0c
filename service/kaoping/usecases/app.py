"""kaoping's use cases, free of gRPC: facts in, scores and notices out (Kaoping, composed
of one class per family: kaoping.usecases.facts, scores, rankings, dry_run, registry,
roster_import).

The servicers in kaoping.api translate messages to these calls and DomainErrors to
statuses; the CLI and tests may call the same methods directly.
"""
from __future__ import annotations

from datetime import date
from typing import Callable

from kaoping.domain.errors import InvalidArgument, NotFound, PermissionDenied, Violation
from kaoping.domain.facts import parse_month
from kaoping.domain.principal import INTERNAL, Principal
from kaoping.ops.limits import Limits
from kaoping.storage.store import Store
from kaoping.storage.workflow_store import WorkflowStore
from kaoping.usecases.dry_run import DryRunUseCases
from kaoping.usecases.facts import FactUseCases
from kaoping.usecases.month_cache import MonthCache
from kaoping.usecases.rankings import RankingUseCases
from kaoping.usecases.registry import Registry, RegistryUseCases
from kaoping.usecases.roster_import import RosterImportUseCases
from kaoping.usecases.rulesets import RuleSets
from kaoping.usecases.scores import ScoreUseCases
from kaoping.usecases.township_rules import TownshipRuleUseCases
from kaoping.usecases.townships import TownshipUseCases
from kaoping.usecases import watch_sources
from kaoping.usecases.watch import EVERYTHING, WatchHub


class Kaoping(FactUseCases, ScoreUseCases, RankingUseCases, DryRunUseCases, RegistryUseCases,
              TownshipUseCases, TownshipRuleUseCases, RosterImportUseCases):
    """The use cases in one object, one family per base class (facts, scores, rankings,
    dry run, registry, townships and their rule sets); what they share lives here: the
    store, the rule sets, the registry, the month-score cache and the month states, and
    the month and scope checks."""

    def __init__(self, store: Store, rulesets: RuleSets, today: Callable[[], date] = date.today,
                 limits: Limits = Limits()):
        self.store = store
        self.limits = limits
        self.rulesets = rulesets
        self.registry = Registry(store)
        self.today = today
        self.month_cache = MonthCache(limits.month_cache_entries, limits.month_cache_mb * 2**20)
        self.months = WorkflowStore(store)  # month states (kaoping.usecases.workflow): closes facts, binds versions
        # live scores (WatchScores): told of every commit that can move a score
        self.watch = WatchHub(self, limits.watch_buffer, limits.max_watchers, watch_sources.for_store)
        rulesets.swapped = lambda log_key: self.watch.changed(log_key or EVERYTHING)

    def invalidate(self, township_id: str | None = None) -> None:
        """Drops cached month scores — one township's, or all with None: base pay and
        membership feed every score, and the cache does not key on them (a replica calls
        this when another one wrote). Another township's months stay warm."""
        self.watch.changed(township_id)   # live scores; None: every township
        if township_id is None:
            self.month_cache.clear()
        else:
            self.month_cache.drop(township_id)

    # helpers ----------------------------------------------------------------
    def _month(self, month: str) -> str:
        value, problems = parse_month(month, "month", self.today())
        if problems:
            raise InvalidArgument("bad month", problems,
                                  zh="月份不合格：请写成 YYYY-MM，例如 2026-10")
        return value

    def _scope(self, township_id: str, village_id: str, official_id: str,
               caller: Principal = INTERNAL, month: str = ""):
        """(township, village, official) a read is about, within the caller's reach
        (kaoping.usecases.townships); an official's village is the one he belonged to
        in `month` (kaoping.domain.roster), the current one without."""
        month = month or self.today().strftime("%Y-%m")
        if caller.role == "village":
            own = village_id or self.registry.village_of(official_id, month) or ""
            if own != caller.village_id:
                raise PermissionDenied("a village reads only its own records", [Violation(
                    "village_id", f"your token is for village {caller.village_id!r}")],
                                       zh=f"村级令牌只能查看本村（{caller.village_id}）的记录")
        official = village = None
        field = "township_id"
        if official_id:
            official = self.registry.official(official_id)
            if official is None:
                raise NotFound("no such official", [Violation("official_id", official_id)],
                               zh=f"干部 {official_id} 不存在：请用 kaoping officials 查看本镇的干部")
            village_id, field = self.registry.village_of(official.id, month), "official_id"
        if village_id:
            village = self.registry.village(village_id)
            if village is None:
                raise NotFound("no such village", [Violation("village_id", village_id)],
                               zh=f"村 {village_id} 不存在：请用 kaoping villages 查看本镇的村")
            township_id, field = village.township_id, field if official_id else "village_id"
        township = self.township_for(caller, township_id, field)
        return township, village, official
