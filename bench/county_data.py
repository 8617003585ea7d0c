"""A county of townships, each with a rule set of its own: what the county benchmark
(bench.county) and tests/test_county_replicas.py share.

Township number n (0-based) of a county scores by the shipped sample with one
difference, its 细则: a meeting absence (attendance.absent) costs `deduction(n, r)`
points instead of 1, and the label names the township and the round r (0 for the
first version, 1, 2, ... for re-activations). So every township's version differs
from every other's in content and in what it gives, and a score that came from
another township's rule set shows at once in its total.
"""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

SAMPLE = Path(__file__).resolve().parents[1] / "rules" / "township-sample.yaml"
COUNTY = "徽县"
# the sample's meeting-absence rule, as the file spells it
ABSENT_RULE = "    deduct: 1\n    reason: 无故缺席镇会议，每次扣1分"
SAMPLE_LABEL = 'label: "sample 2026-2"'
# 徽县's towns and townships first, then made-up ones: names only, for the reader
NAMES = ("城关镇", "伏家镇", "江洛镇", "泥阳镇", "柳林镇", "嘉陵镇", "永宁镇", "银杏树镇", "水阳镇",
         "栗川镇", "麻沿河镇", "高桥镇", "榆树乡", "虞关乡", "大河店镇", "新庄镇", "白水镇", "青泥镇",
         "铁山镇", "云屏镇")


def deduction(index: int, round_: int = 0) -> Decimal:
    """Points a meeting absence costs in township `index` under its round-`round_`
    version: 0.25, 0.5, ... 5 for twenty townships, +0.1 a round after the first (never
    another township's figure, since those are multiples of 0.25)."""
    return Decimal("0.25") * (index + 1) + Decimal("0.1") * round_


def label(township_id: str, round_: int = 0) -> str:
    return f"{COUNTY} {township_id} 细则 {round_}"


def variant(township_id: str, index: int, round_: int = 0, text: str | None = None) -> str:
    """The sample rule file as township `index`'s version of round `round_`."""
    text = SAMPLE.read_text(encoding="utf-8") if text is None else text
    points = deduction(index, round_)
    if ABSENT_RULE not in text or SAMPLE_LABEL not in text:
        raise ValueError("the sample rule file no longer has the meeting-absence rule or label "
                         "the county variants change")
    return (text.replace(ABSENT_RULE, f"    deduct: {points}\n    reason: 无故缺席镇会议，每次扣{points}分")
                .replace(SAMPLE_LABEL, f'label: "{label(township_id, round_)}"'))


def name(index: int) -> str:
    return NAMES[index] if index < len(NAMES) else f"第{index + 1}镇"
