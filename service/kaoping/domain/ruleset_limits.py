"""How large a rule set the rules engine can take, checked before it is compiled.

Each kaoping rule compiles to a chain of alpha nodes in durable-rules' C engine:
root -> `category == c` -> `kind == k` -> the quantity tests -> the action
(kaoping.engine). Three fixed sizes in that engine (durable-rules 2.0.28, src/rules)
break on rule files that the rest of validation accepts; measured and read from the
source (rules/README.md, "Engine limits"):

* the children of one alpha node live in a 512-slot open-addressing table
  (NEXT_BUCKET_LENGTH) whose lookup loops stop only at an empty slot. With 512
  children the table is full and the first event (or the next compile) spins
  forever holding the GIL: 512 rules on one (category, kind), or 512 kinds with rules
  in one category. 511 work.
* matching uses a fixed stack of 64 alpha nodes (MAX_STACK_SIZE in events.c): every
  quantity test an event passes is pushed, so 65 bands on one (category, kind) fail a
  fact in the top band with error 303 at scoring time.
* a ruleset holds at most 4095 actions (MAX_ACTIONS in rete.c, error 106).

The limits below stay well inside those with a margin of two or more; a file beyond
one is refused with a problem per offending (category, kind) or category. They are
properties of the engine and the file, not of a server, so they are not flags: a
file valid on one replica (or in `kaoping rules test`) is valid on every one.
"""
from __future__ import annotations

from collections import defaultdict

MAX_RULES_PER_KIND = 32        # engine: 65 fail with error 303, 512 spin forever
MAX_KINDS_PER_CATEGORY = 128   # engine: 512 kinds with rules in one category spin forever
MAX_RULES = 1000               # engine: 4096 refused (error 106); parse and probe stay short
_NAMED = 5                     # rule ids named in a problem before "... and N more"


def _named(rules) -> str:
    shown = ", ".join(f"{r.id} (line {r.line})" for r in rules[:_NAMED])
    more = len(rules) - _NAMED
    return shown + (f" and {more} more" if more > 0 else "")


def check_rule_count(count: int, out) -> bool:
    """Before the rules are read one by one: True when there are too many to read."""
    if count > MAX_RULES:
        out.add("rules", None, f"{count} rules; a rule set holds at most {MAX_RULES} "
                               f"(the rules engine takes no more than 4095)")
        return True
    return False


def check_engine_limits(categories: dict, rules: dict, out) -> set[tuple[str, str]]:
    """Adds a problem for every (category, kind) and category beyond the engine's
    limits; returns the (category, kind) pairs with too many rules, which the
    pairwise overlap check then skips (they are refused already, and comparing
    every pair of thousands of rules is what made validation itself slow)."""
    for cid, category in categories.items():
        if len(category.kinds) > MAX_KINDS_PER_CATEGORY:
            out.add(f"categories.{cid}.kinds", None,
                    f"{len(category.kinds)} kinds; a category holds at most "
                    f"{MAX_KINDS_PER_CATEGORY} (the rules engine spins forever at 512)")
    by_kind: dict[tuple[str, str], list] = defaultdict(list)
    for rule in rules.values():
        if getattr(rule, "subject", "fact") != "fact":
            continue          # a period rule is not a test on a fact's kind
        for kind in getattr(rule, "kinds", ()) or (rule.kind,):
            by_kind[(rule.category, kind)].append(rule)
    crowded = set()
    for (cid, kind), group in by_kind.items():
        if len(group) > MAX_RULES_PER_KIND:
            crowded.add((cid, kind))
            out.add(f"rules ({cid}/{kind})", group[0].line,
                    f"{len(group)} rules on {cid}/{kind}: {_named(group)}; at most "
                    f"{MAX_RULES_PER_KIND} rules may share one (category, kind) (the rules "
                    f"engine fails at 65 and spins forever at 512)")
    return crowded
