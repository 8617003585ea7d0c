"""A probe child (kaoping.ops.probe's protocol) that really spins durable-rules on the
rule sets the hostile tests build past validation (content hash "unchecked-…"): it
compiles them with the raw single-fact adapter of bench/, which has none of
kaoping.rules.engine's guards, and posts a fact, which spins forever holding the GIL
(512 rules on one node). Every other rule set is probed as the real child does."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))   # the checkout, for bench/ (this file is in tests/support/)

from kaoping.ops import probe  # noqa: E402


def exercise(ruleset):
    if ruleset.content_hash.startswith("unchecked"):
        from bench.raw_engine import CompiledRuleSet, EngineFact
        compiled = CompiledRuleSet(ruleset)
        compiled.match([EngineFact(1, "attendance", "k0", 0.5)])   # never returns at 512
    return probe.exercise(ruleset)


if __name__ == "__main__":
    sys.exit(probe._child_main(exercise))
