"""What checking one stream message's facts reads, read once per message: the
townships of its facts (from the registry's memory, not one query per township) and
each official's village and roster standing in a month (asked twice per fact before:
for the township, then by check_fact). The ingest hot path (docs/benchmarks.md, issue 16).

Nothing here outlives the message: a registry or township change between two messages
is seen by the next one, as it was when every fact read for itself.
"""
from __future__ import annotations

_UNSET = object()


class MessageLookups:
    """The registry as kaoping.domain.facts.check_fact reads it, with village_of and
    off_roster remembered per (official, month) for one message."""

    def __init__(self, registry):
        self.registry = registry
        self.official = registry.official
        self.village = registry.village
        self.scorer = registry.scorer
        self._village_of: dict[tuple[str, str], str | None] = {}
        self._off: dict[tuple[str, str], str] = {}

    def village_of(self, official_id: str, month: str) -> str | None:
        key = (official_id, month)
        found = self._village_of.get(key, _UNSET)
        if found is _UNSET:
            found = self._village_of[key] = self.registry.village_of(official_id, month)
        return found

    def off_roster(self, official_id: str, month: str) -> str:
        key = (official_id, month)
        found = self._off.get(key)
        if found is None:
            found = self._off[key] = self.registry.off_roster(official_id, month)
        return found


def township_rows(app, facts, lookups: MessageLookups, month: str) -> dict:
    """township id -> Township row for every township the message's facts are about
    (FactUseCases.fact_township guards each against the caller); `month` is today's, for
    facts that give only a date. Facts whose subject is unknown are left out: check_fact
    refuses them."""
    wanted = set()
    for fact in facts:
        village_id = (lookups.village_of(fact.official_id, fact.month or month)
                      if fact.official_id else fact.village_id)
        village = lookups.village(village_id) if village_id else None
        if village is not None:
            wanted.add(village.township_id)
    # from the registry's memory (re-read on every registry write, here or on another
    # replica): on PostgreSQL the one query per message was ~10 % of the message
    found = {tid: app.registry.township(tid) for tid in wanted}
    return {tid: t for tid, t in found.items() if t is not None}
