"""Every rule file under rules/examples/ (one per rule of ../shared/RULES-CORPUS.md and
others of the same shapes): it validates, every case passes, and every rule is
exercised by some case — the hand-worked numbers in the files' comments are the test."""
from pathlib import Path

import pytest

from kaoping.rules.cases import unexercised
from kaoping.usecases.rulesets import validate_text

EXAMPLES = sorted((Path(__file__).resolve().parents[1] / "rules" / "examples").glob("*.yaml"))


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_rule_file(path):
    checked = validate_text(path.read_text(encoding="utf-8"), path.name)
    assert not checked.problems, "\n".join(map(str, checked.problems))
    assert checked.cases, f"{path.name} has no case"
    failed = {c.name: c.failures for c in checked.cases if not c.passed}
    assert not failed, failed
    assert unexercised(checked.ruleset, checked.cases) == []
