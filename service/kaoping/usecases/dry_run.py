"""A dry run: a month's stored facts scored under a candidate rule set, storing nothing,
compared with the scores the month has now (a mixin of kaoping.usecases.app.Kaoping, on
top of its monthly_scores and _compute)."""
from __future__ import annotations

from dataclasses import dataclass

from kaoping.domain.principal import INTERNAL, Principal
from kaoping.storage.models import RuleSetRow
from kaoping.usecases import cancellation
from kaoping.usecases.rulesets import invalid, validate_text
from kaoping.usecases.scores import MonthScores, ScoreView


class DryRunUseCases:
    def dry_run(self, text: str, month: str, township_id: str = "", filename: str = "<candidate>",
                caller: Principal = INTERNAL) -> "DryRun":
        """Scores a month's stored facts under a candidate rule set, storing nothing,
        and compares with the scores the month has now."""
        checked = validate_text(text, filename, keep_engine=True)
        if not checked.valid:
            raise invalid(checked)
        try:
            current = self.monthly_scores(month, township_id=township_id, caller=caller)
            draft = RuleSetRow(id=0, content_hash=checked.content_hash, label=checked.ruleset.label,
                               text=text, uploaded_by=caller.name)
            candidate = self._compute(current.township, current.month, checked.engine, draft,
                                      cancellation.current())
        finally:
            checked.engine.close()
        changed, unchanged = [], 0
        for old, new in zip(current.scores, candidate.scores):
            before, after = set(old.result.items), set(new.result.items)
            if (old.result.total, old.result.grade, old.result.pay, before) == \
                    (new.result.total, new.result.grade, new.result.pay, after):
                unchanged += 1
                continue
            changed.append(OfficialDiff(old, new, sorted(before - after, key=_item_order),
                                        sorted(after - before, key=_item_order)))
        changed.sort(key=lambda d: (d.new.result.total - d.old.result.total, d.old.official.id))
        return DryRun(current, candidate, changed, unchanged)


@dataclass(frozen=True)
class OfficialDiff:
    old: ScoreView
    new: ScoreView
    removed: list
    added: list


@dataclass(frozen=True)
class DryRun:
    current: MonthScores
    candidate: MonthScores
    changed: list[OfficialDiff]
    unchanged: int


def _item_order(item) -> tuple:
    return (item.fact_id, item.rule_id)
