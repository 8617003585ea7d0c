"""The baseline: durable-rules on its own, posting the same facts to the same
compiled rule set, with no gRPC, no database and no kaoping code on the way.

The rule set is compiled by bench.raw_engine.CompiledRuleSet, the version-1 adapter
kaoping used before the rule language had its own package: one single-fact rule per
kaoping rule (category, kind, quantity range). The timed loop then calls durable's own
Host.post with one event per fact, as any durable-rules program would."""
from __future__ import annotations

import time
from pathlib import Path

from durable import engine as durable

from kaoping.rules.parse import parse
from bench.raw_engine import CompiledRuleSet



def compile_rules(rules: Path) -> CompiledRuleSet:
    return CompiledRuleSet(parse(rules.read_text(encoding="utf-8"), rules.name))


def post_all(compiled: CompiledRuleSet, facts, chunk: int = 100_000) -> tuple[float, int]:
    """Posts every fact; (seconds, matches). The event dicts are built a chunk at a
    time outside the timed loops, so a province's worth needs no gigabytes."""
    host, name = compiled._host, compiled._name      # the compiled durable ruleset itself
    not_handled = durable.MessageNotHandledException
    seconds, matches, n = 0.0, 0, 0
    facts = iter(facts)
    while True:
        events = []
        for f in facts:
            n += 1
            events.append({"sid": "0", "id": n, "category": f.category, "kind": f.kind,
                           "quantity": float(f.quantity)})
            if len(events) == chunk:
                break
        if not events:
            break
        compiled._matches = []                        # its actions append (fact, rule) here
        started = time.perf_counter()
        for event in events:
            try:
                host.post(name, event)
            except not_handled:
                pass
        seconds += time.perf_counter() - started
        matches += len(compiled._matches)
    compiled._matches = []
    return seconds, matches
