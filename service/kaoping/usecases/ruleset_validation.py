"""Checking a rule file completely before anything serves it: parse, the engine probe
in a child process (kaoping.ops.probe), compile, run the file's cases."""
from __future__ import annotations

from dataclasses import dataclass

from kaoping.domain.errors import InvalidArgument, Violation
from kaoping.ops import probe
from kaoping.rules.cases import CaseOutcome, run_cases
from kaoping.rules.compile import Compiled as CompiledRuleSet, compile_ruleset
from kaoping.rules.model import Problem, RuleSet, RuleSetInvalid, content_hash
from kaoping.rules.parse import parse


@dataclass
class Validation:
    ruleset: RuleSet | None
    problems: list[Problem]
    cases: list[CaseOutcome]
    content_hash: str
    engine: CompiledRuleSet | None = None

    @property
    def valid(self) -> bool:
        return not self.problems and all(c.passed for c in self.cases)


def validate_text(text: str, filename: str = "<upload>", label: str = "",
                  keep_engine: bool = False) -> Validation:
    """Parses, probes the engine with it in a child process (kaoping.ops.probe), then
    compiles it here and runs the file's cases. Every path that serves a version
    (upload, activate, rollback, refresh, bootstrap, dry-run, --watch) comes here, so
    nothing is compiled in this process before it passed the probe. With keep_engine
    the compiled (and so warmed) engine of a valid file is returned for the caller."""
    try:
        ruleset = parse(text, filename, label)
    except RuleSetInvalid as exc:
        return Validation(None, exc.problems, [], content_hash(text))
    refused = probe.check(ruleset, filename)
    if refused:
        return Validation(ruleset, refused, [], ruleset.content_hash)
    compiled = compile_ruleset(ruleset)
    try:
        from kaoping.rules.year_cases import run_year_cases
        cases = run_cases(compiled) + run_year_cases(ruleset)
    except BaseException:
        compiled.close()
        raise
    problems = [Problem(f"{filename}:{case.line} cases ({case.name})", "; ".join(outcome.failures))
                for case, outcome in zip(ruleset.cases + ruleset.year_cases, cases) if not outcome.passed]
    result = Validation(ruleset, problems, cases, ruleset.content_hash)
    if keep_engine and result.valid:
        result.engine = compiled
    else:
        compiled.close()
    return result


def invalid(validation: Validation) -> InvalidArgument:
    return InvalidArgument(f"the rule set has {len(validation.problems)} problem(s)",
                           [Violation(p.location, p.message) for p in validation.problems],
                           zh=f"规则集有 {len(validation.problems)} 处问题：请按错误详情逐条修改后重新校验")
