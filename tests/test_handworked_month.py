"""A month worked out by hand, every rule kind exercised, on the shipped SAMPLE rule
set (pay form: full pay at >= 90 points, 20 yuan less per point below, 0 on a veto).

Officials of 上山村 (v01) in 2026-03, base pay from the sample registry:

A  v01-1 base 1800
   meeting_absent x1, x1        -1, -1        attendance 25 - 3.5 = 21.5
   meeting_late qty 3           -1.5
   travel_unreported 2 days      0 (rule needs >= 3 days: no match)
   study_absent qty 8           -8 asked, rule cap 6 -> -6      study 10 - 6 = 4
   task_done_early qty 1        +2                              key_tasks 27
   total 21.5 + 4 + 27 + 20 + 10 + 10 = 92.5 -> 优秀, pay 1800.00
B  v01-2 base 1600
   appeal_unresolved qty 4      -8
   household_visit_missed 15    -3 (15 x 0.2)                   service_3plus5 9
   valid_complaint qty 1        -2
   services_handled 35          +3.5 asked, bonus cap 3 -> +3   convenience 11
   party_warning                grade at most 合格
   total 25 + 11 + 25 + 9 + 10 + 10 = 90 -> band 优秀, capped to 合格; pay 1600.00
C  v01-3 base 1300
   task_not_done qty 3          -9                              key_tasks 16
   duty_missed qty 2            -4                              attendance 21
   ledger_missing (per fact)    -3                              service_3plus5 17
   meeting_absent, then voided by a correction: no effect
   total 84 -> 良好; pay 1300 - (90 - 84) x 20 = 1180.00
D  v01-4 base 1200
   discipline_violation         veto
   study_notes_missing qty 3    -1.5                            study 8.5
   total 98.5, vetoed -> 不合格, pay 0.00
E  v01-5 base 1100
   committee_meeting_missed 3   -6
   records_incomplete qty 5     -5 asked, floor leaves 4 -> -4  team_building 0
   study_absent qty 4           -4                              study 6
   total 86 -> 良好; pay 1100 - 4 x 20 = 1020.00
F  v01-6 base 1000: no facts -> 100, 优秀, 1000.00

Notice for 上山村: deducted 9.5 + 13 + 16 + 1.5 + 14 = 54.
Ranking: non-vetoed by total (A 92.5, B 90, E 86, C 84 ... F 100 first), D last.
"""
from decimal import Decimal

import pytest

from kaoping.usecases.app import Kaoping
from tests.support.apps import make_app
from tests.support.facts import fact_input

MONTH = "2026-03"
FACTS = [
    ("v01-1", "attendance", "meeting_absent", "1", "main-01"),
    ("v01-1", "attendance", "meeting_absent", "1", "contact-01"),
    ("v01-1", "attendance", "meeting_late", "3", "main-01"),
    ("v01-1", "attendance", "travel_unreported", "2", "resident-01"),
    ("v01-1", "study", "study_absent", "8", "resident-01"),
    ("v01-1", "key_tasks", "task_done_early", "1", "contact-01"),
    ("v01-2", "service_3plus5", "appeal_unresolved", "4", "contact-01"),
    ("v01-2", "service_3plus5", "household_visit_missed", "15", "resident-01"),
    ("v01-2", "convenience", "valid_complaint", "1", "station-01"),
    ("v01-2", "convenience", "services_handled", "35", "station-01"),
    ("v01-2", "team_building", "party_warning", "1", "main-01"),
    ("v01-3", "key_tasks", "task_not_done", "3", "main-01"),
    ("v01-3", "attendance", "duty_missed", "2", "resident-01"),
    ("v01-3", "service_3plus5", "ledger_missing", "1", "contact-01"),
    ("v01-4", "attendance", "discipline_violation", "1", "main-01"),
    ("v01-4", "study", "study_notes_missing", "3", "main-01"),
    ("v01-5", "team_building", "committee_meeting_missed", "3", "contact-01"),
    ("v01-5", "team_building", "records_incomplete", "5", "contact-01"),
    ("v01-5", "study", "study_absent", "4", "main-01"),
]
EXPECTED = {  # official: (total, grade, vetoed, pay)
    "v01-1": ("92.5", "优秀", False, "1800.00"),
    "v01-2": ("90", "合格", False, "1600.00"),
    "v01-3": ("84", "良好", False, "1180.00"),
    "v01-4": ("98.5", "不合格", True, "0.00"),
    "v01-5": ("86", "良好", False, "1020.00"),
    "v01-6": ("100", "优秀", False, "1000.00"),
}


def enter_month(app: Kaoping) -> None:
    for i, (official, category, kind, qty, scorer) in enumerate(FACTS):
        app.submit_fact(fact_input(official=official, category=category, kind=kind, quantity=qty,
                                   scorer=scorer, month=MONTH, key=f"hand-{i}"))
    wrong = app.submit_fact(fact_input(official="v01-3", kind="meeting_absent", month=MONTH,
                                       key="hand-wrong"))
    app.correct_fact(wrong.fact_id, "entered for the wrong official", "main-01", "hand-fix", None)


def test_hand_worked_month(app):
    enter_month(app)
    scores = {s.official.id: s.result for s in app.monthly_scores(MONTH, village_id="v01").scores}
    for official, (total, grade, vetoed, pay) in EXPECTED.items():
        r = scores[official]
        assert (r.total, r.grade, r.vetoed, r.pay) == (Decimal(total), grade, vetoed, Decimal(pay)), official
    a = scores["v01-1"]
    assert a.categories == {"study": 4, "service_3plus5": 20, "attendance": Decimal("21.5"),
                            "key_tasks": 27, "convenience": 10, "team_building": 10,
                            "village_work": 0}
    capped = [i for i in a.items if i.rule_id == "study.absent"][0]
    assert (capped.requested, capped.points) == (-8, -6)
    b = scores["v01-2"]
    assert b.categories["convenience"] == 11 and b.categories["service_3plus5"] == 9
    e = scores["v01-5"]
    floor_cut = [i for i in e.items if i.rule_id == "team.records"][0]
    assert (floor_cut.requested, floor_cut.points) == (-5, -4)
    assert e.categories["team_building"] == 0
    # every line item of a category adds up to its score minus its max
    for r in scores.values():
        for cid, score in r.categories.items():
            assert sum(i.points for i in r.items if i.category == cid) == score - app.rulesets.active.categories[cid].max


def test_notice_and_ranking(app):
    enter_month(app)
    notice = app.feedback_notice("v01", MONTH)
    deducted = sum(-i.points for s in notice.scores for i in s.result.items if i.points < 0)
    assert deducted == Decimal("54")
    _, officials, villages = app.ranking(MONTH)
    order = [s.official.id for _, s in officials if s.village.id == "v01"]
    assert order == ["v01-6", "v01-1", "v01-2", "v01-5", "v01-3", "v01-4"]
    ranks = {s.official.id: rank for rank, s in officials}
    assert ranks["v01-4"] == len(officials)        # the vetoed official is last
    # 上山村 averages (92.5 + 90 + 84 + 98.5 + 86 + 100) / 6 = 91.83; every other village 100
    last_rank, (village, average, count) = villages[-1]
    assert (village.id, average, count, last_rank) == ("v01", Decimal("91.83"), 6, 17)
    assert villages[0][0] == 1 and villages[1][0] == 1


def test_recompute_from_stored_facts_is_identical(app, db_url):
    """Reproducible: a fresh process (new engine, new cache) over the same stored facts and
    the same rule-set version gives identical line items, totals, grades and pay."""
    enter_month(app)
    first = app.monthly_scores(MONTH)
    again = make_app(db_url, sample=False)
    try:
        second = again.monthly_scores(MONTH, content_hash=first.ruleset.content_hash)
        assert second.ruleset.id == first.ruleset.id
        assert [s.result.comparable() for s in second.scores] == \
               [s.result.comparable() for s in first.scores]
    finally:
        again.rulesets.close()
        again.store.close()


@pytest.mark.parametrize("month", ["2026-03"])
def test_month_without_facts_scores_everyone_full(app, month):
    scores = app.monthly_scores(month)
    assert len(scores.scores) == 17 * 6
    assert {s.result.total for s in scores.scores} == {Decimal(100)}
