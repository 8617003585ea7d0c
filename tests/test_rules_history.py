"""Reproducible scores with history and year-to-date rules (issue 13, point 2): a rule
that reads earlier months reads their frozen, approved snapshots — never live data —
and a year-to-date aggregate reads stored facts, so recomputing a month from the store
under its recorded version gives identical numbers: in a fresh process, after the
roster changes, and in the province recompute."""
from pathlib import Path

from kaoping.usecases.recompute import recompute_month
from kaoping.storage.models import Official
from tests.support.apps import make_app
from tests.support.facts import fact_input
from tests.support.workflow import ADMIN, add, after_month, to_state, workflow

SHIPPED = Path(__file__).resolve().parents[1] / "rules" / "township-sample.yaml"
HISTORY_RULES = """  - id: history.failed_twice
    category: attendance
    history: {months: 2, grade: 不合格}
    grade_at_most: 合格
    reason: 连续两个月考评不合格，本月等次最高为合格
  - id: attendance.absent_year
    category: attendance
    aggregate: {count: [meeting_absent], over: year}
    at_least: 3
    deduct: 2
    reason: 本年累计无故缺席镇会议3次以上，另扣2分
"""


def history_rules() -> str:
    text = SHIPPED.read_text(encoding="utf-8").replace('label: "sample 2026-2"', 'label: "history"')
    return text.replace("  - id: tasks.not_done\n", HISTORY_RULES + "  - id: tasks.not_done\n", 1)


def scores(app, month: str) -> dict:
    return {s.official.id: (s.result.total, s.result.grade, s.result.pay, s.result.vetoed,
                            sorted((i.rule_id, i.points) for i in s.result.items))
            for s in app.monthly_scores(month, township_id="dahedian").scores}


def test_history_comes_from_approved_snapshots_and_recomputes_identically(db_url):
    app = make_app(db_url)
    row = app.rulesets.upload(history_rules(), "history.yaml", "history", "test")
    app.rulesets.activate(row.id, row.content_hash, "test")
    flow, clock = workflow(app, after_month("2026-07"))
    official = "v01-1"
    # July and August: vetoed (严重违纪违法) -> 不合格, one absence each; both approved
    for month in ("2026-07", "2026-08"):
        clock.set(after_month(month))
        add(app, official, month, kind="discipline_violation")
        add(app, official, month)
        to_state(flow, clock, month, "approved")
    # September: a clean month but one absence: the third of the year -> -2 more;
    # two failed months before it -> the grade is at most 合格
    clock.set(after_month("2026-09"))
    add(app, official, "2026-09")
    first = scores(app, "2026-09")
    total, grade, _, vetoed, items = first[official]
    assert (total, grade, vetoed) == (97, "合格", False)       # 100 - 1 - 2
    assert ("history.failed_twice", 0) in items and ("attendance.absent_year", -2) in items
    other = first["v01-2"]
    assert other[1] == "优秀" and not any(r.startswith("history") for r, _ in other[4])
    # live data changes that history must not see: the roster's base pay, and a late
    # fact for August, which is closed (refused), so nothing else reaches the snapshot
    with app.store.session() as s:
        row_ = s.get(Official, official)
        row_.base_pay = row_.base_pay * 2
        s.add(row_)
        s.commit()
    try:
        app.submit_fact(fact_input(official=official, month="2026-08", kind="meeting_absent", key="late"))
    except Exception as exc:
        assert "2026-08" in str(exc)
    app.rulesets.close()
    app.store.close()
    # a fresh process over the same database gives the same September (pay doubles with
    # the base pay; everything else is identical)
    again = make_app(db_url, sample=False)
    try:
        second = scores(again, "2026-09")
        assert {o: v[:2] + v[3:] for o, v in second.items()} == {o: v[:2] + v[3:] for o, v in first.items()}
        # and the province recompute agrees with the request path, line for line
        got = []
        recompute_month(again.store, "2026-09", workers=1, on_shard=got.extend)
        bulk = {s.official_id: (s.result.total, s.result.grade, s.result.pay, s.result.vetoed,
                                sorted((i.rule_id, i.points) for i in s.result.items))
                for s in got}
        assert {o: bulk[o] for o in second} == second
    finally:
        again.rulesets.close()
        again.store.close()
