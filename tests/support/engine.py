"""The engine adapter as the version-1 tests used it: a list of (fact id, category,
kind, quantity) in, (fact id, rule id) out, through kaoping.rules.compile."""
from __future__ import annotations

import dataclasses



# the engine adapter as the version-1 tests used it: a list of (fact id, category, kind,
# quantity) in, (fact id, rule id) out, through kaoping.rules.compile and its Program
@dataclasses.dataclass(frozen=True)
class EngineFact:
    fact_id: int
    category: str
    kind: str
    quantity: float


class CompiledRuleSet:
    def __init__(self, ruleset):
        from kaoping.rules.compile import compile_ruleset
        self.compiled = compile_ruleset(ruleset)
        self.ruleset = ruleset

    def match(self, facts):
        from decimal import Decimal as D
        from kaoping.rules.compile import fact_dict, official_dict, village_dict
        from kaoping.rules.results import ScoredFact
        c = self.compiled
        found = []
        for f in facts:
            fact = ScoredFact(f.fact_id, f.category, f.kind, D(str(f.quantity)))
            for rule_id, _ in c.program.match_fact(official_dict(c, None), village_dict(c, None, {}),
                                                   fact_dict(c, fact, 1)):
                found.append((f.fact_id, rule_id))
        return found

    def close(self):
        self.compiled.close()
