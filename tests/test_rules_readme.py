"""rules/README.md is tested: every fenced ```yaml block whose first line is
`# file: NAME.yaml` is a complete rule file that must validate (kaoping.usecases.rulesets.
validate_text: parse, engine probe, cases) with every case and year case passing; the
walkthrough files for R02 and R32 are among them; and every file in rules/examples/
is mentioned by name, so the README cannot silently fall behind the corpus."""
import re
from pathlib import Path

import pytest

from kaoping.usecases.rulesets import validate_text

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "rules" / "README.md"
EXAMPLES = sorted((ROOT / "rules" / "examples").glob("*.yaml"))
FENCE = re.compile(r"^```yaml\n(.*?)^```$", re.S | re.M)
MARK = re.compile(r"# file: ([A-Za-z0-9_.-]+\.yaml)\s*$")


def _blocks() -> list[tuple[str, str]]:
    found = []
    for match in FENCE.finditer(README.read_text(encoding="utf-8")):
        body = match.group(1)
        mark = MARK.fullmatch(body.split("\n", 1)[0])
        if mark:
            found.append((mark.group(1), body))
    return found


BLOCKS = _blocks()


def test_readme_has_complete_files():
    names = [name for name, _ in BLOCKS]
    assert len(names) == len(set(names)), f"two blocks share a file name: {names}"
    for needed in ("R02-walkthrough.yaml", "R32-walkthrough.yaml"):
        assert needed in names, f"the {needed} walkthrough is not a complete `# file:` block"


@pytest.mark.parametrize("name,text", BLOCKS, ids=[name for name, _ in BLOCKS])
def test_readme_rule_file(name, text):
    checked = validate_text(text, name)
    assert not checked.problems, "\n".join(map(str, checked.problems))
    assert checked.cases, f"{name} has no case"
    failed = {c.name: c.failures for c in checked.cases if not c.passed}
    assert not failed, failed


def test_readme_mentions_every_example():
    text = README.read_text(encoding="utf-8")
    missing = [p.name for p in EXAMPLES if p.name not in text]
    assert not missing, f"rules/README.md does not mention {missing}"
