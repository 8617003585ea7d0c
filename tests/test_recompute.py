"""kaoping.usecases.recompute scores a whole month in bulk, sharded over worker processes; its
results must be exactly Kaoping.monthly_scores' results, township by township:
same officials in the same order, same line items, totals, grades and pay."""
from __future__ import annotations

import random
from decimal import Decimal

import pytest

from kaoping.domain.errors import NotFound
from kaoping.usecases.recompute import recompute_month
from kaoping.storage.models import Official, Township, Village
from tests.support.facts import fact_input

MONTH = "2026-03"
OTHER_MONTH = "2026-02"
# (category, kind, quantities, a scorer allowed to score it)
KINDS = [
    ("study", "study_absent", ["1", "2", "8"], "main-01"),
    ("study", "study_notes_missing", ["1", "3"], "resident-01"),
    ("service_3plus5", "household_visit_missed", ["1", "15", "45"], "contact-01"),
    ("service_3plus5", "appeal_unresolved", ["1", "4", "9"], "contact-01"),
    ("service_3plus5", "ledger_missing", ["1"], "resident-01"),
    ("attendance", "meeting_absent", ["1"], "main-01"),
    ("attendance", "meeting_late", ["1", "3"], "contact-01"),
    ("attendance", "duty_missed", ["1", "2"], "resident-01"),
    ("attendance", "travel_unreported", ["2", "2.5", "3", "4"], "main-01"),
    ("attendance", "discipline_violation", ["1"], "main-01"),
    ("key_tasks", "task_not_done", ["1", "3"], "main-01"),
    ("key_tasks", "task_done_early", ["1", "3"], "contact-01"),
    ("key_tasks", "task_commended", ["1"], "main-01"),
    ("convenience", "services_handled", ["12", "35"], "station-01"),
    ("convenience", "valid_complaint", ["1", "6"], "station-01"),
    ("team_building", "committee_meeting_missed", ["1", "3"], "contact-01"),
    ("team_building", "records_incomplete", ["2", "5"], "contact-01"),
    ("team_building", "party_warning", ["1"], "main-01"),
]


def _second_township(app) -> list[str]:
    """A township t2 with three villages (one with no officials) of four officials."""
    app.put(Township(id="t2", name="第二镇"))
    # the sample's scorers score in both townships here: scorers stored before townships
    # were tenants (township "") may score in any
    for scorer in app.store.scorers():
        app.put(scorer.model_copy(update={"township_id": ""}))
    officials = []
    for v in range(1, 4):
        app.put_village(Village(id=f"t2-v{v}", township_id="t2", name=f"第二镇{v}村"))
        for p in range(1, 5 if v < 3 else 1):
            official_id = f"t2-v{v}-{p}"
            app.put_official(Official(id=official_id, village_id=f"t2-v{v}", name=f"官员{v}{p}",
                                      position="村委会主任", base_pay=Decimal(1000 + 100 * p)),
                             effective_on="2026-01-01")
            officials.append(official_id)
    return officials


def _enter_month(app, officials: list[str], month: str, count: int, seed: int) -> list[int]:
    rng = random.Random(seed)
    facts = []
    for n in range(count):
        category, kind, quantities, scorer = rng.choice(KINDS)
        facts.append(fact_input(official=rng.choice(officials), category=category, kind=kind,
                                quantity=rng.choice(quantities), scorer=scorer, month=month,
                                key=f"rc-{month}-{seed}-{n}"))
    ids = []
    for start in range(0, len(facts), 100):
        for outcome in app.submit_facts(facts[start:start + 100], first_index=start):
            assert outcome.error is None, outcome.error
            ids.append(outcome.receipt.fact_id)
    return ids


@pytest.fixture
def month(app):
    """Two townships' month with corrections (one with a replacement), officials with
    no facts, an empty village, another month beside it, and an official who moved to
    the other township after facts were recorded for him."""
    sample = [o.id for o in app.store.officials() if not o.id.startswith("t2")]
    second = _second_township(app)
    ids = _enter_month(app, sample[:-6] + second[:-1], MONTH, 600, seed=1)
    _enter_month(app, sample + second, OTHER_MONTH, 80, seed=2)
    app.correct_fact(ids[3], "entered twice", "main-01", "rc-fix-1", None)
    original = app.store.fact(ids[10])
    category = original.category
    scorer = next(k[3] for k in KINDS if k[0] == category)
    kind = next(k[1] for k in KINDS if k[0] == category)
    app.correct_fact(ids[10], "wrong quantity", scorer, "rc-fix-2",
                     fact_input(official=original.official_id, category=category, kind=kind,
                                quantity="1", scorer=scorer, month=MONTH, key="rc-fix-2-new"))
    moved = app.store.get(Official, "v02-1")
    app.put_official(Official(id=moved.id, village_id="t2-v3", name=moved.name,
                              position=moved.position, base_pay=moved.base_pay), effective_on="2026-03-05")
    # the roster by date: a new position and pay from MONTH, and one who left before it
    promoted = app.store.get(Official, "t2-v1-1")
    app.put_official(promoted.model_copy(update={"position": "党支部书记", "base_pay": Decimal(1900)}),
                     effective_on="2026-03-10")
    app.put_official(app.store.get(Official, "t2-v2-4"), left_on="2026-02-20")
    return app


def _expected(app, month: str) -> list[tuple]:
    rows = []
    for township in app.store.townships():
        for s in app.monthly_scores(month, township_id=township.id).scores:
            rows.append((township.id, s.village.id, s.official.id, s.result.comparable()))
    return rows


def _recomputed(app, month: str, **kwargs) -> tuple[list[tuple], object]:
    rows = []
    report = recompute_month(app.store, month, on_shard=lambda scores: rows.extend(
        (s.township_id, s.village_id, s.official_id, s.result.comparable()) for s in scores),
        **kwargs)
    return rows, report


@pytest.mark.parametrize("workers,per_shard", [(1, None), (1, 1), (2, 1)])
def test_recompute_gives_monthly_scores_results(month, workers, per_shard):
    expected = _expected(month, MONTH)
    got, report = _recomputed(month, MONTH, workers=workers, townships_per_shard=per_shard)
    assert got == expected
    assert report.officials == len(expected) == len(month.store.officials()) - 1   # t2-v2-4 left
    assert "t2-v2-4" not in {r[2] for r in got}
    assert "t2-v2-4" in {r[2] for r in _recomputed(month, OTHER_MONTH, workers=1)[0]}
    promoted = month.monthly_scores(MONTH, official_id="t2-v1-1").scores[0]
    assert (promoted.official.position, promoted.result.base_pay) == ("党支部书记", Decimal(1900))
    assert ("t2", "t2-v3", "v02-1") in {r[:3] for r in got}
    assert report.townships == 2 and report.villages == 20
    assert report.facts == len(month.store.facts(MONTH))
    assert report.ruleset_hash == month.rulesets.active_row.content_hash
    # the month is not trivial: corrections, a veto, caps and floors all happened
    results = [r[3] for r in got]
    assert any(r[5] for r in results)                               # vetoed
    assert any(item.points != item.requested for r in results for item in r[6])  # cut
    assert any(not r[6] for r in results)                           # an official with no facts


def test_every_fact_posted_gives_the_same_results(month):
    memo, memo_report = _recomputed(month, MONTH, workers=1)
    plain, plain_report = _recomputed(month, MONTH, workers=1, memoize=False)
    assert memo == plain
    assert plain_report.engine_calls > memo_report.engine_calls > 0
    assert memo_report.digest == plain_report.digest


def test_other_month_and_summary_only(month):
    expected = _expected(month, OTHER_MONTH)
    got, report = _recomputed(month, OTHER_MONTH, workers=2, line_items=False)
    assert [(t, v, o, r[:6]) for t, v, o, r in got] == [(t, v, o, r[:6]) for t, v, o, r in expected]
    assert all(not r[6] for _, _, _, r in got)          # no line items were sent back
    full, full_report = _recomputed(month, OTHER_MONTH, workers=1)
    assert full == expected and full_report.digest == report.digest


def test_a_named_rule_set_version(month):
    row = month.rulesets.active_row
    got, report = _recomputed(month, MONTH, workers=1, content_hash=row.content_hash)
    assert got == _expected(month, MONTH) and report.ruleset_id == row.id
    with pytest.raises(NotFound):
        recompute_month(month.store, MONTH, content_hash="0" * 64)
