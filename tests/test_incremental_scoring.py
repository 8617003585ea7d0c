"""Issue 16, point 1: a fact rescores only what it touches, and the result is always what
a full recompute gives.

A property test: seeded random sequences of facts (official and village-level, in the
month and in earlier months of the year), corrections (with and without a
replacement), activations of another version, and the workflow of the month before
(approval, appeals upheld or overturned: what history rules read). After every step the
cached month (kaoping.usecases.scores, rescored from the kept state) is compared with the
month scored afresh from the store — every official's result, and the encoded reply
(kaoping.api.convert.score_chunk, kept per view) — and the run must have taken the
incremental path for most facts, so the comparison is not of two full recomputes.
Real database (SQLite, or PostgreSQL with KAOPING_TEST_PG_URL).
"""
from __future__ import annotations

import random
from pathlib import Path

import pytest

from kaoping.api import convert as cv
from kaoping.domain.errors import DomainError
from kaoping.domain.facts import FactInput
from kaoping.usecases.workflow import Workflow
from kaoping.v1 import evaluation_pb2 as ev
from tests.support.apps import make_app
from tests.support.workflow import ADMIN, MAIN, village

RULES = Path(__file__).parent / "data" / "incremental-rules.yaml"
TOWNSHIP = "dahedian"
MONTH, BEFORE = "2026-10", "2026-09"
VILLAGES = ("v01", "v02", "v03", "v04")
OFFICIALS = [f"{v}-{n}" for v in VILLAGES for n in range(1, 7)]
SEEDS = range(10)
STEPS = 32


def _versions(app):
    text = RULES.read_text(encoding="utf-8")
    other = (text.split("\ncases:")[0].replace("label: incremental A", "label: incremental B")
             .replace("    deduct: 2\n    reason: 旷工每天扣2分", "    deduct: 3\n    reason: 旷工每天扣3分")
             .replace("    at_least: 20\n", "    at_least: 15\n"))
    assert other.count("incremental B") == 1 and "旷工每天扣3分" in other
    a, _ = app.upload_ruleset(text, RULES.name, "incremental A", ADMIN, TOWNSHIP)
    b, _ = app.upload_ruleset(other, RULES.name, "incremental B", ADMIN, TOWNSHIP)
    app.activate_ruleset(a.id, "", ADMIN, TOWNSHIP)
    return [a, b]


class Sequence:
    def __init__(self, app, seed: int):
        self.app, self.rng = app, random.Random(seed)
        self.flow = Workflow(app)
        self.versions = _versions(app)
        self.active = 0
        self.live: list[int] = []            # fact ids of MONTH and earlier months not voided
        self.before: list[int] = []          # absences of BEFORE (appealable once approved)
        self.keys = 0
        self.appeals: list[int] = []
        self.before_state = "scoring"

    def key(self) -> str:
        self.keys += 1
        return f"p{self.keys}"

    def _month(self) -> tuple[str, str]:
        """(month, date) of a new fact: mostly the month, sometimes an earlier open one."""
        rng = self.rng
        if rng.random() < 0.25:
            earlier = [f"2026-{m:02d}" for m in range(1, 9)]
            if self.before_state == "scoring":
                earlier.append(BEFORE)
            month = rng.choice(earlier)
        else:
            month = MONTH
        return month, f"{month}-{rng.randint(1, 28):02d}"

    def official_fact(self) -> FactInput:
        rng = self.rng
        kind, category, quantity, level = rng.choice([
            ("late", "work", "1", ""), ("absent_day", "work", "1", ""),
            # tenths too: rows read after the kept mark must come back as exact decimals
            ("visit", "work", rng.choice([str(rng.randint(1, 30)), f"{rng.randint(0, 29)}.3"]), ""),
            ("criticized", "work", "1", ""),
            ("honour", "work", "1", rng.choice(["县级", "市级"])), ("study_note", "study", "1", "")])
        month, day = self._month()
        return FactInput(rng.choice(OFFICIALS), "", day, category, kind, quantity, "", "main-01",
                         "test", self.key(), level)

    def village_fact(self) -> FactInput:
        rng = self.rng
        kind, quantity = rng.choice([("village_task_missed", str(rng.randint(1, 3))),
                                     ("collected", str(rng.randint(1, 50)))])
        month, day = self._month()
        return FactInput("", "", day, "village_work", kind, quantity, "", "main-01", "test",
                         self.key(), "", rng.choice(VILLAGES))

    def step(self) -> str:
        rng, app = self.rng, self.app
        roll = rng.random()
        if roll < 0.45:
            self.live.append(app.submit_fact(self.official_fact()).fact_id)
            return "official fact"
        if roll < 0.62:
            self.live.append(app.submit_fact(self.village_fact()).fact_id)
            return "village fact"
        if roll < 0.78 and self.live:
            fact_id = self.live.pop(rng.randrange(len(self.live)))
            new = self.official_fact() if rng.random() < 0.5 else None
            try:
                _, replacement = app.correct_fact(fact_id, "录入有误", "main-01", self.key(), new, MAIN)
            except DomainError:     # e.g. the fact's month was approved meanwhile
                return "correction refused"
            if replacement is not None:
                self.live.append(replacement.fact_id)
            return "correction" + (" with replacement" if new else "")
        if roll < 0.85:
            self.active = 1 - self.active
            app.activate_ruleset(self.versions[self.active].id, "", ADMIN, TOWNSHIP)
            return "activation"
        return self.workflow_step()

    def workflow_step(self) -> str:
        """The month before moves: aggregated and approved (history rules read it), then
        appeals on its absences, each upheld or overturned (a new revision each)."""
        flow, rng = self.flow, self.rng
        if self.before_state == "scoring":
            for n in range(3):    # absences to appeal later: deductions in the snapshot
                self.before.append(self.app.submit_fact(FactInput(
                    rng.choice(OFFICIALS), "", f"{BEFORE}-{10 + n:02d}", "work", "absent_day", "1",
                    "", "main-01", "test", self.key())).fact_id)
            flow.aggregate(ADMIN, BEFORE, TOWNSHIP)
            flow.approve(ADMIN, BEFORE, TOWNSHIP)
            self.before_state = "approved"
            return "approved the month before"
        if self.appeals:
            appeal = self.appeals.pop()
            flow.resolve_appeal(ADMIN, appeal, rng.choice(["upheld", "overturned"]), "经核实")
            return "resolved an appeal"
        if self.before:
            fact_id = self.before.pop()
            row = self.app.store.fact(fact_id)
            self.appeals.append(flow.appeal(village(row.village_id), fact_id, "当天在村开会").id)
            return "appealed"
        return "nothing to move"


def _encoded(view, scores) -> bytes:
    ref = cv.ruleset_ref(scores.ruleset, scores.township.id)
    return ev.MonthlyScores(scores=[cv.official_score(view, scores.rules, scores.ruleset, ref)]).SerializeToString()


def _chunk(view, scores) -> bytes:
    ref = cv.ruleset_ref(scores.ruleset, scores.township.id)
    return cv.score_chunk(view, scores.rules, scores.ruleset, ref,
                          (scores.ruleset.content_hash, scores.township.id))


def check(app, what: str) -> None:
    cached = app.monthly_scores(MONTH, township_id=TOWNSHIP)
    with app.rulesets.use(None, TOWNSHIP) as (compiled, row):
        fresh = app._compute(cached.township, MONTH, compiled, row)
    assert cached.ruleset.content_hash == fresh.ruleset.content_hash, what
    assert [v.official.id for v in cached.scores] == [v.official.id for v in fresh.scores], what
    for got, want in zip(cached.scores, fresh.scores):
        assert got.result == want.result, f"after {what}: {got.official.id} differs"
        assert _chunk(got, cached) == _encoded(want, fresh), f"after {what}: {got.official.id}'s reply"


@pytest.mark.parametrize("seed", SEEDS)
def test_incremental_rescoring_always_equals_a_full_recompute(db_url, seed):
    app = make_app(db_url)
    full, real = [0], app._kept

    def counted(*args, **kwargs):
        full[0] += 1
        return real(*args, **kwargs)
    app._kept = counted
    try:
        sequence = Sequence(app, seed)
        check(app, "the start")
        steps = []
        for n in range(STEPS):
            steps.append(sequence.step())
            check(app, f"step {n} ({steps[-1]}) of seed {seed}: {steps}")
        facts = sum(1 for s in steps if s.endswith("fact") or s.startswith("correction"))
        # every activation and workflow move is a new slot (scored whole), and a fact
        # moving village ranks is scored whole too; plain facts must mostly not be
        assert full[0] <= 2 + (len(steps) - facts) + facts // 3, (full[0], steps)
    finally:
        app.rulesets.close()
        app.store.close()


def test_a_fact_rescores_only_its_official_and_a_village_fact_its_village(db_url):
    app = make_app(db_url)
    try:
        _versions(app)
        sequence = Sequence(app, 99)
        for _ in range(20):
            app.submit_fact(sequence.official_fact())
        before = {v.official.id: v for v in app.monthly_scores(MONTH, township_id=TOWNSHIP).scores}
        app.submit_fact(FactInput("v02-3", "", f"{MONTH}-05", "work", "absent_day", "1", "",
                                  "main-01", "test", "one-more"))
        after = {v.official.id: v for v in app.monthly_scores(MONTH, township_id=TOWNSHIP).scores}
        changed = {o for o in after if after[o] is not before[o]}
        assert changed == {"v02-3"}
        app.submit_fact(FactInput("", "", f"{MONTH}-06", "village_work", "village_task_missed", "1",
                                  "", "main-01", "test", "village-one", "", "v03"))
        again = {v.official.id: v for v in app.monthly_scores(MONTH, township_id=TOWNSHIP).scores}
        assert {o for o in again if again[o] is not after[o]} == {f"v03-{n}" for n in range(1, 7)}
        check(app, "the two facts")
    finally:
        app.rulesets.close()
        app.store.close()


def test_a_row_committed_late_below_the_kept_mark_is_not_missed(db_url):
    """On PostgreSQL a fact's id is drawn before it commits, so a row may appear below the
    highest id already read. Such a row (here inserted with a free lower id) makes the
    kept month be read whole again, never silently skipped."""
    from sqlalchemy import insert
    from kaoping.storage.models import FactRow
    app = make_app(db_url)
    try:
        _versions(app)
        sequence = Sequence(app, 7)
        first = app.submit_fact(sequence.official_fact()).fact_id
        for _ in range(5):
            app.submit_fact(sequence.official_fact())
        gap = app.submit_fact(sequence.official_fact()).fact_id + 50
        app.submit_fact(FactInput("v01-2", "", f"{MONTH}-03", "work", "absent_day", "1", "",
                                  "main-01", "test", "after-the-gap"))   # id beyond the gap
        with app.store.engine.begin() as conn:          # move it beyond the gap
            conn.execute(FactRow.__table__.update().where(FactRow.__table__.c.idempotency_key == "after-the-gap")
                         .values(id=gap))
        app.monthly_scores(MONTH, township_id=TOWNSHIP)  # kept: mark (count, gap)
        row = app.store.fact(first)
        values = {c.name: getattr(row, c.name) for c in FactRow.__table__.columns}
        values.update(id=gap - 10, idempotency_key="late-row", official_id="v03-4", village_id="v03",
                      kind="absent_day", quantity=1, date=f"{MONTH}-04", month=MONTH, category="work")
        with app.store.engine.begin() as conn:
            conn.execute(insert(FactRow.__table__).values(**values))
        full, real = [0], app._kept

        def counted(*args, **kwargs):
            full[0] += 1
            return real(*args, **kwargs)
        app._kept = counted
        scores = {v.official.id: v for v in app.monthly_scores(MONTH, township_id=TOWNSHIP).scores}
        assert full[0] == 1                     # read whole: the count below the mark grew
        assert any(i.fact_id == gap - 10 for i in scores["v03-4"].result.items)
        check(app, "the late row")
    finally:
        app.rulesets.close()
        app.store.close()
