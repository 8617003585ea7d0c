"""Rule files are data: checked completely, every problem reported with its place."""
from pathlib import Path

import pytest

from kaoping.rules.model import RuleSetInvalid
from kaoping.rules.parse import parse
from kaoping.usecases.rulesets import validate_text

SHIPPED = Path(__file__).resolve().parents[1] / "rules" / "township-sample.yaml"


def shipped() -> str:
    return SHIPPED.read_text(encoding="utf-8")


def problems(text: str) -> list[str]:
    with pytest.raises(RuleSetInvalid) as err:
        parse(text, "t.yaml")
    return [str(p) for p in err.value.problems]


def test_shipped_rule_set_is_valid_and_its_cases_pass():
    checked = validate_text(shipped(), SHIPPED.name)
    assert checked.valid, checked.problems
    assert len(checked.cases) >= 6 and all(c.passed for c in checked.cases)
    covered = {f["category"] for case in checked.ruleset.cases for f in case.facts}
    assert covered == set(checked.ruleset.categories), "a case for every category"


def test_every_problem_is_listed_not_just_the_first():
    text = shipped().replace("deduct: 0.5\n    reason: 学习笔记缺失", "subtract: 0.5\n    reason: 学习笔记缺失") \
                    .replace("category: convenience\n    kind: valid_complaint", "category: sports\n    kind: valid_complaint") \
                    .replace("{grade: 良好, min: 80, max: 90}", "{grade: 良好, min: 80, max: 85}") \
                    .replace("full_at: 90", "full_at: ninety")
    found = problems(text)
    joined = "\n".join(found)
    assert "study.notes" in joined and "unknown key 'subtract'" in joined
    assert "convenience.complaint" in joined and "unknown category 'sports'" in joined
    assert "gap: no grade covers totals from 85 to 90" in joined
    assert "pay.full_at" in joined
    assert len(found) >= 5
    assert any(":" in p.split(" ")[0] for p in found), "locations carry line numbers"


@pytest.mark.parametrize("old,new,message", [
    ("    cap: 6\n    reason: 无故缺席集中学习", "    cap: 60\n    reason: 无故缺席集中学习", "can never bind"),
    ("    when: {quantity_at_least: 3}", "    when: {quantity_at_least: 40}", "unreachable"),
    ("  - {grade: 合格, min: 60, max: 80}", "  - {grade: 合格, min: 55, max: 80}", "overlap"),
    ("form: threshold", "form: free_code", "unknown pay form"),
    ("    veto: true", "    veto: yes please", "write `veto: true`"),
    ("    grade_at_most: 合格", "    grade_at_most: 特优", "is not one of the grades"),
    ("      study_absent: {name: 无故缺席集中学习, unit: 次, max_quantity: 10}",
     "      study_absent: {name: 无故缺席集中学习, unit: 次, max_quantity: 10}\n      study_notes_missing2: {name: x}",
     None),
])
def test_single_defects(old, new, message):
    text = shipped()
    assert old in text
    text = text.replace(old, new, 1)
    if message is None:
        parse(text)   # declaring an extra kind without a rule is allowed
        return
    assert any(message in p for p in problems(text)), problems(text)


def test_overlapping_rules_are_rejected():
    text = shipped().replace("  - id: attendance.late", """  - id: attendance.absent_again
    category: attendance
    kind: meeting_absent
    deduct: 2
    reason: overlaps attendance.absent
  - id: attendance.late""")
    assert any("overlap" in p and "attendance.absent_again" in p for p in problems(text))


@pytest.mark.parametrize("text,message", [
    ("rules: [unclosed", "malformed YAML"),
    ("- just\n- a list", "must be a mapping"),
    ("name: x\ncategories: 5\nrules: []\ngrades: []\npay: {}\n", "categories"),
    ("!!python/object/apply:os.system ['echo hacked']", "malformed YAML"),
])
def test_malformed_files(text, message):
    assert any(message in p for p in problems(text))


def test_huge_file_is_refused():
    assert any("larger than" in p for p in problems("# " + "x" * 1_100_000))


def test_failing_case_makes_the_set_invalid():
    text = shipped().replace("expect: {total: 100, grade: 优秀, pay: 1500}", "expect: {total: 99}")
    checked = validate_text(text)
    assert not checked.valid
    assert any("expected 99, got 100" in p.message for p in checked.problems)
