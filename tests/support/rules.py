"""Rule files for tests: the shipped sample, variants of it, and generated banded rule
files."""
from __future__ import annotations

from tests.support.apps import SHIPPED


def rule_variant(text: str, n: int) -> str:
    """The rule file with another label: the same rules, a distinct version."""
    return text.replace('label: "sample 2026-2"', f'label: "variant {n}"', 1)


def banded_rules(bands: int, kinds: int = 1, category: str = "attendance", *,
                 max_quantity: str | None = None, below_last: str | None = None) -> str:
    """A rule file with `bands` adjacent one-unit quantity bands (rule ids k0.b0,
    k0.b1, ...) on each of `kinds` kinds of one category: valid in every other
    respect. One short line per rule, so that thousands fit under the 1 MB file cap."""
    lines = ["name: hostile", "categories:", f"  {category}:", f"    name: {category}", "    max: 25",
             "    scored_by: [main_leader]", "    kinds:"]
    lines += [f"      k{k}: {{name: k{k}, max_quantity: {max_quantity or bands + 1}}}"
              for k in range(kinds)]
    lines.append("rules:")
    for k in range(kinds):
        for b in range(bands):
            below = below_last if below_last and b == bands - 1 else b + 1
            lines.append(f"  - {{id: k{k}.b{b}, category: {category}, kind: k{k}, when: "
                         f"{{quantity_at_least: {b}, quantity_below: {below}}}, deduct: 1, reason: r}}")
    lines += ["grades:", "  - {grade: 合格, min: 60}", "  - {grade: 不合格, min: 0, max: 60}",
              "pay: {form: proportional}"]
    return "\n".join(lines) + "\n"


def shipped() -> str:
    return SHIPPED.read_text(encoding="utf-8")


def stricter() -> str:
    """Candidate: meeting absence costs 2 points instead of 1 (its own case updated)."""
    return shipped().replace("    deduct: 1\n    reason: 无故缺席镇会议，每次扣1分",
                             "    deduct: 2\n    reason: 无故缺席镇会议，每次扣2分") \
                    .replace('label: "sample 2026-2"', 'label: "sample 2026-2 stricter"')
