"""The month's ranking of officials and of villages (a mixin of
kaoping.usecases.app.Kaoping, on top of its monthly_scores)."""
from __future__ import annotations

from decimal import Decimal

from kaoping.domain.principal import INTERNAL, Principal
from kaoping.rules.ranking import rank_items
from kaoping.usecases.scores import ScoreView


class RankingUseCases:
    def ranking(self, month: str, township_id: str = "", caller: Principal = INTERNAL):
        """The month's official and village ranks. A village sees other villages'
        figures only once the month is published (the 公示 shows them anyway); before,
        it gets its own officials and its own village line, with their ranks."""
        # the whole township's scores (a village is filtered below), within the caller's reach
        township = self.township_for(caller, township_id)
        scores = self.monthly_scores(month, township_id=township.id)
        # The rule set's ranking policy (kaoping.rules.ranking): by default a vetoed
        # official ranks below everyone else whatever the points; ties share a rank.
        ranked_officials = rank_items(scores.rules, scores.scores, lambda s: s.result, lambda s: s.official.id)
        by_village: dict[str, list[ScoreView]] = {}
        for s in scores.scores:
            by_village.setdefault(s.village.id, []).append(s)
        averages = [(v[0].village, (sum((s.result.total for s in v), Decimal(0)) / len(v))
                     .quantize(Decimal("0.01")), len(v)) for v in by_village.values()]
        averages.sort(key=lambda a: (-a[1], a[0].id))
        ranked_villages = _competition_ranks(averages, lambda a: a[1])
        if caller.role == "village" and not self.months.public(scores.township.id, scores.month):
            ranked_officials = [(r, s) for r, s in ranked_officials if s.village.id == caller.village_id]
            ranked_villages = [(r, a) for r, a in ranked_villages if a[0].id == caller.village_id]
        return scores, ranked_officials, ranked_villages


def _competition_ranks(items, value):
    """1, 2, 2, 4: equal values share a rank (one ruler for everyone)."""
    ranked, previous, rank = [], None, 0
    for position, item in enumerate(items, start=1):
        if value(item) != previous:
            rank, previous = position, value(item)
        ranked.append((rank, item))
    return ranked
