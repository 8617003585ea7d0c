"""A whole year walked through for the sample township (17 villages, 102 officials):
twelve months of generated facts, aggregation, meeting approval, feedback (village
confirmations, one appeal overturned, one upheld), publication, payment; a rule-set
change in mid-year that the approved months ignore; then the year-end inspection,
the year-end evaluation with the 24,700 yuan pool, rankings and pay lists."""
import random
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest

from kaoping.domain.errors import DomainError, FailedPrecondition, InvalidArgument, PermissionDenied
from kaoping.domain.quota import QuotaDecision
from tests.support.apps import make_app, new_database_url
from tests.support.facts import fact_input
from tests.support.workflow import ADMIN, READER, add, after_month, village, workflow

YEAR = 2025
MONTHS = [f"{YEAR}-{m:02d}" for m in range(1, 13)]
CATALOG = [  # category, kind, quantity range, scorer
    ("attendance", "meeting_absent", (1, 2), "main-01"),
    ("attendance", "meeting_late", (1, 3), "contact-01"),
    ("attendance", "duty_missed", (1, 2), "resident-01"),
    ("study", "study_absent", (1, 3), "resident-01"),
    ("study", "study_notes_missing", (1, 4), "main-01"),
    ("service_3plus5", "household_visit_missed", (1, 20), "contact-01"),
    ("key_tasks", "task_not_done", (1, 2), "main-01"),
    ("key_tasks", "task_done_early", (1, 2), "contact-01"),
    ("convenience", "services_handled", (5, 40), "station-01"),
    ("convenience", "valid_complaint", (1, 2), "station-01"),
    ("team_building", "records_incomplete", (1, 3), "contact-01"),
]
CENT = Decimal("0.01")


def generate(app, month: str, rng: random.Random) -> None:
    facts = []
    for official in app.store.officials():
        for n in range(rng.choice([0, 0, 1, 1, 2, 3, 4, 6, 8])):   # some months go badly
            category, kind, (low, high), scorer = rng.choice(CATALOG)
            facts.append(fact_input(official=official.id, month=month, category=category, kind=kind,
                                    quantity=str(rng.randint(low, high)), scorer=scorer,
                                    key=f"gen-{month}-{official.id}-{n}"))
    # a chronically weak official, and one who fails three months (年度一票否决 by failed_months)
    facts += [fact_input(official="v09-4", month=month, category="key_tasks", kind="task_not_done",
                         quantity="5", key=f"weak-{month}-1"),
              fact_input(official="v09-4", month=month, kind="duty_missed", quantity="4",
                         scorer="resident-01", key=f"weak-{month}-2")]
    if month in ("2025-02", "2025-04", "2025-06"):
        facts += [fact_input(official="v11-2", month=month, category="key_tasks", kind="task_not_done",
                             quantity="8", key=f"fail-{month}-1"),
                  fact_input(official="v11-2", month=month, category="service_3plus5",
                             kind="appeal_unresolved", quantity="10", scorer="contact-01",
                             key=f"fail-{month}-2"),
                  fact_input(official="v11-2", month=month, kind="duty_missed", quantity="10",
                             scorer="resident-01", key=f"fail-{month}-3")]
    outcomes = app.submit_facts(facts)
    assert all(o.error is None for o in outcomes), [o.error for o in outcomes if o.error][:3]


@pytest.fixture(scope="module")
def year(tmp_path_factory):
    """Runs the year once; the tests below read what it left behind."""
    app = make_app(new_database_url(tmp_path_factory.mktemp("year")))
    flow, clock = workflow(app, date(YEAR, 2, 1))
    rng = random.Random(2017)
    seen = {}
    for month in MONTHS:
        clock.set(after_month(month, 1))
        generate(app, month, rng)
        if month == "2025-03":
            seen["disputed"] = add(app, "v02-1", month, kind="duty_missed", quantity="2",
                                   scorer="resident-01", key="disputed")
        if month == "2025-05":
            seen["upheld"] = add(app, "v03-2", month, key="upheld")
        if month == "2025-07":
            add(app, "v05-2", month, kind="discipline_violation", key="veto")
        clock.set(after_month(month, 3))
        flow.aggregate(ADMIN, month, note="统一汇总")
        with pytest.raises(FailedPrecondition):
            add(app, "v01-1", month, key=f"late-{month}")
        if month == "2025-12":
            seen["dec_aggregated"] = flow.year_end(ADMIN, YEAR)
        clock.advance(1)
        approved = flow.approve(ADMIN, month, note="党委会议审定")
        if month == "2025-12":
            seen["dec_approved"] = flow.year_end(ADMIN, YEAR)
        flow.confirm(village("v01"), month)
        if month == "2025-03":
            seen["before"] = flow.pay_list(ADMIN, month=month)
            appeal = flow.appeal(village("v02"), seen["disputed"], "当天在县里参加培训，有通知为证",
                                 appellant="official")
            seen["overturned"] = flow.resolve_appeal(ADMIN, appeal.id, "overturned",
                                                     "培训通知属实，不在岗扣分撤销")
            flow.confirm(village("v02"), month, note="申诉已处理，确认")
        if month == "2025-05":
            appeal = flow.appeal(village("v03"), seen["upheld"], "会议时间与村里选举冲突")
            seen["upheld_appeal"] = flow.resolve_appeal(ADMIN, appeal.id, "upheld", "未请假，扣分维持")
        if month == "2025-06":
            seen["june_hash"] = approved.record.ruleset_hash
            # mid-year the township adopts a new version: absence now costs 2 points
            text = app.rulesets.active.text.replace(
                "deduct: 1\n    reason: 无故缺席镇会议，每次扣1分", "deduct: 2\n    reason: 无故缺席镇会议，每次扣2分")
            text = text.replace('label: "sample 2026-2"', 'label: "sample 2025-7"')
            row = app.rulesets.upload(text, "v2.yaml", "", "test")
            app.rulesets.activate(row.id, "", "test")
        clock.set(date.fromisoformat(approved.record.appeal_deadline) + timedelta(days=1))
        published = flow.publish(ADMIN, month)
        clock.set(date.fromisoformat(published.record.notice_ends) + timedelta(days=1))
        flow.mark_paid(ADMIN, month, reference=f"BANK-{month}")
    # the year-end inspection (听汇报、查资料、实地看), entered as December facts after payment
    clock.set(date(YEAR + 1, 1, 12))
    for i, official in enumerate(app.store.officials()):
        if i % 3 == 0:
            add(app, official.id, "2025-12", "inspection", "records_missing", str(1 + i % 5))
        if i % 11 == 0:
            add(app, official.id, "2025-12", "inspection", "site_outstanding", "1")
    add(app, "v07-1", "2025-12", "inspection", "serious_finding", "1")
    clock.set(date(YEAR + 1, 1, 20))
    seen["year_end"] = flow.year_end(ADMIN, YEAR)
    seen["other_pool"] = flow.year_end(ADMIN, YEAR, pool="10000.01")
    seen["pay_provisional"] = flow.pay_list(ADMIN, year=YEAR)
    year_workflow(app, flow, clock, seen)
    yield app, flow, seen
    app.rulesets.close()
    app.store.close()


def _refused(call):
    try:
        call()
    except DomainError as error:
        return error
    raise AssertionError("not refused")


def year_workflow(app, flow, clock, seen) -> None:
    """The summary meeting's year: aggregate, approve, publish, pay, close — with the
    refusals a new user would run into on the way."""
    seen["village_aggregates"] = _refused(lambda: flow.aggregate_year(village("v01"), YEAR))
    seen["approve_provisional"] = _refused(lambda: flow.approve_year(ADMIN, YEAR))
    seen["aggregated"] = flow.aggregate_year(ADMIN, YEAR, note="年终汇总，提交总结大会")
    seen["late_inspection"] = _refused(lambda: add(app, "v01-1", "2025-12", "inspection", "records_missing", "1"))
    seen["reopen_no_reason"] = _refused(lambda: flow.reopen_year(ADMIN, YEAR))
    flow.reopen_year(ADMIN, YEAR, note="v01 年终检查分漏录")
    seen["inspection_after_reopen"] = add(app, "v01-2", "2025-12", "inspection", "records_missing", "1")
    flow.aggregate_year(ADMIN, YEAR)
    seen["year_aggregated"] = flow.year_end(ADMIN, YEAR)
    seen["pool_when_frozen"] = _refused(lambda: flow.year_end(ADMIN, YEAR, pool="1"))
    seen["approve_wrong_hash"] = _refused(lambda: flow.approve_year(ADMIN, YEAR, content_hash="0" * 64))
    seen["decision_without_tie"] = _refused(lambda: flow.approve_year(
        ADMIN, YEAR, decision=QuotaDecision(("v01-1",), "党委会议纪要〔2026〕1号")))
    clock.set(date(YEAR + 1, 1, 22))
    seen["approved"] = flow.approve_year(ADMIN, YEAR, note="1月22日镇党委会审定")
    seen["reopen_approved"] = _refused(lambda: flow.reopen_year(ADMIN, YEAR, note="太晚了"))
    seen["year_approved"] = flow.year_end(ADMIN, YEAR)
    seen["pay_approved"] = flow.pay_list(ADMIN, year=YEAR)
    seen["pay_before_publish"] = _refused(lambda: flow.record_year_payout(ADMIN, YEAR, reference="B"))
    seen["published"] = flow.publish_year(ADMIN, YEAR)
    seen["pay_during_notice"] = _refused(lambda: flow.record_year_payout(ADMIN, YEAR, reference="B"))
    clock.set(date.fromisoformat(seen["published"].record.notice_ends) + timedelta(days=1))
    seen["pay_no_reference"] = _refused(lambda: flow.record_year_payout(ADMIN, YEAR))
    seen["pay_bad_day"] = _refused(lambda: flow.record_year_payout(ADMIN, YEAR, reference="B", paid_on="2026-01-01"))
    seen["paid"] = flow.record_year_payout(ADMIN, YEAR, reference="BANK-2026-02-01")
    seen["pay_twice"] = _refused(lambda: flow.record_year_payout(ADMIN, YEAR, reference="BANK-2"))
    seen["year_paid"] = flow.year_end(ADMIN, YEAR)
    seen["pay_paid"] = flow.pay_list(ADMIN, year=YEAR)
    seen["closed"] = flow.close_year(ADMIN, YEAR, note="2025 年度考评归档")


def test_every_month_went_the_whole_way(year):
    app, flow, _ = year
    for month in MONTHS:
        view = flow.state(ADMIN, month)
        assert view.state == "paid" and view.drift == [], month
        actions = [e.action for e in view.events]
        assert actions[:2] == ["aggregate", "approve"] and actions[-2:] == ["publish", "mark_paid"]
        assert all(e.actor for e in view.events)
    assert flow.state(ADMIN, "2025-03").record.revision == 2      # one overturn
    assert flow.state(ADMIN, "2025-05").record.revision == 1      # upheld: no change


def test_each_month_keeps_the_version_it_was_approved_under(year):
    app, flow, seen = year
    june, july = (flow.state(ADMIN, m).record.ruleset_hash for m in ("2025-06", "2025-07"))
    assert june == seen["june_hash"] != july == app.rulesets.active_row.content_hash
    assert app.monthly_scores("2025-03").ruleset.content_hash == june   # bound, not the active one
    # an absence in June cost 1 point, in July 2 points
    for month, points in (("2025-06", Decimal(-1)), ("2025-07", Decimal(-2))):
        items = [i for s in app.monthly_scores(month).scores for i in s.result.items
                 if i.rule_id == "attendance.absent"]
        assert items and {i.points / Decimal(app.store.fact(i.fact_id).quantity) for i in items} == {points}


def test_the_overturned_appeal_is_a_correcting_fact_with_a_trail(year):
    app, flow, seen = year
    appeal = seen["overturned"]
    assert appeal.state == "overturned" and appeal.appellant == "official"
    assert appeal.resolved_by == ADMIN.name and appeal.submitted_by == village("v02").name
    assert appeal.decision_reason == "培训通知属实，不在岗扣分撤销"
    assert appeal.after_total - appeal.before_total == Decimal(4)       # duty_missed x2, 2 each
    correction = app.store.fact(appeal.correction_fact_id)
    assert correction.voids_fact_id == seen["disputed"] and correction.source == "appeal"
    # the recompute (bound version, snapshot members) changed v02-1 and nobody else
    before = {l.official_id: l for l in seen["before"].lines}
    after = {l.official_id: l for l in flow.pay_list(ADMIN, month="2025-03").lines}
    changed = {o for o in before if (before[o].score, before[o].amount) != (after[o].score, after[o].amount)}
    assert changed == {"v02-1"}
    assert after["v02-1"].score == appeal.after_total and after["v02-1"].amount == appeal.after_pay
    live = app.monthly_scores("2025-03", official_id="v02-1").scores[0].result
    assert (live.total, live.pay) == (appeal.after_total, appeal.after_pay)
    # the trail: who, when, why, before and after
    trail = flow.list_appeals(READER, year=YEAR)
    assert [(a.state, a.month) for a in trail] == [("overturned", "2025-03"), ("upheld", "2025-05")]
    note = [e.note for e in flow.state(ADMIN, "2025-03").events if e.action == "resolve_appeal"][0]
    assert "v02-1" in note and "→" in note and "培训通知属实" in note
    upheld = seen["upheld_appeal"]
    assert upheld.before_total == upheld.after_total and upheld.correction_fact_id is None
    # a village sees only its own appeals
    assert [a.village_id for a in flow.list_appeals(village("v02"))] == ["v02"]


def test_feedback_notice_lists_deductions_appeals_and_confirmation(year):
    app, flow, seen = year
    notice = flow.feedback(village("v02"), "v02", "2025-03")
    assert notice.confirmation_state == "confirmed" and not notice.provisional
    items = [d.item for o in notice.officials for d in o.deductions]
    assert items and all(i.points < 0 and i.reason and i.scorer_role for i in items)
    assert seen["disputed"] not in {i.fact_id for i in items}      # overturned: no longer deducted
    assert [a.state for a in notice.appeals] == ["overturned"]
    v03 = flow.feedback(READER, "v03", "2025-05")
    appealed = [d for o in v03.officials for d in o.deductions if d.appeal is not None]
    assert [(d.item.fact_id, d.appeal.state) for d in appealed] == [(seen["upheld"], "upheld")]
    assert v03.confirmation_state == "deemed_confirmed"
    assert flow.feedback(village("v01"), "v01", "2025-08").confirmation_state == "confirmed"


def test_year_end_months_missing_or_unpaid_are_reported_not_zero(year):
    _, _, seen = year
    aggregated, approved = seen["dec_aggregated"], seen["dec_approved"]
    assert aggregated.missing == ["2025-12"] and aggregated.unpaid == [] and not aggregated.complete
    assert {len(o.line.months) for o in aggregated.officials} == {11}
    one = aggregated.officials[0].line
    assert one.component == sum(m.total for m in one.months) / 11       # an average over 11, not 12
    assert any("不计入" in n and "2025-12（已汇总）" in n for n in aggregated.notes)
    assert approved.missing == [] and approved.unpaid == ["2025-12"] and not approved.complete
    assert {len(o.line.months) for o in approved.officials} == {12}


def test_year_end_grades_quota_vetoes_and_the_24700_yuan_pool(year):
    app, flow, seen = year
    ye = seen["year_end"]
    # every month paid, the year not yet approved: provisional, not complete
    assert ye.provisional and not ye.complete and ye.unpaid == [] and ye.missing == []
    assert ye.inspection_recorded and len(ye.officials) == 102
    assert ye.ruleset.content_hash == app.rulesets.active_row.content_hash   # December's version
    by = {o.line.official_id: o.line for o in ye.officials}
    # veto list: a vetoed month (v05-2, July), an inspection veto (v07-1)
    assert by["v05-2"].vetoed and by["v05-2"].grade == "不合格" and "2025-07" in by["v05-2"].veto_reasons[0]
    assert by["v07-1"].vetoed and by["v07-1"].veto_reasons[0].startswith("年终考核")
    assert by["v05-2"].reward == by["v07-1"].reward == Decimal(0)
    assert by["v11-2"].vetoed and by["v11-2"].veto_reasons == [
        "3 个月考评为不合格（2025-02, 2025-04, 2025-06）"]
    weak = by["v09-4"]
    assert weak.grade in ("良好", "合格") and weak.reward == 0
    assert weak.monthly_pay < 12 * Decimal(1200) and "优秀" not in {m.grade for m in weak.months}
    # the formula, by hand, for one official: 0.7 x average of 12 months + 0.3 x inspection
    one = by["v01-1"]
    average = sum(m.total for m in one.months) / 12
    assert one.inspection.score == 100 - 2 * 1 + 5     # i = 0: records_missing x1, site_outstanding x1
    assert one.score == (Decimal("0.7") * average + Decimal("0.3") * one.inspection.score).quantize(
        CENT, ROUND_HALF_UP)
    # excellent quota: at most 20 % of 102 = 20
    excellent = [l for l in by.values() if l.grade == "优秀"]
    assert ye.quota.limit == 20 and 0 < len(excellent) <= 20 == ye.quota.limit
    assert ye.quota.candidates >= len(excellent)
    assert all(l.grade_before_quota == "优秀" and l.grade == "良好" for l in by.values() if l.quota_cut)
    assert min(l.score for l in excellent) > max((l.score for l in by.values() if l.quota_cut),
                                                 default=Decimal(0)) or ye.quota.notes
    # the pool: 24,700.00 split over the 优秀 by score, to the fen, adding up exactly
    assert ye.pool == Decimal("24700") and ye.shared == Decimal("24700.00")
    assert ye.paid_out == 0 and ye.provisional     # nothing recorded paid, nothing approved
    assert sum(l.reward for l in by.values()) == Decimal("24700.00")
    assert {o for o, l in by.items() if l.reward} == {l.official_id for l in excellent}
    total_score = sum(l.score for l in excellent)
    for l in excellent:
        assert abs(l.reward - Decimal(24700) * l.score / total_score) < CENT
        assert l.reward == l.reward.quantize(CENT)


def test_year_end_with_another_pool_and_for_a_year_not_started(year):
    app, flow, seen = year
    other = seen["other_pool"]
    assert sum(o.line.reward for o in other.officials) == Decimal("10000.01")
    empty = flow.year_end(ADMIN, YEAR + 1)
    assert empty.officials == [] and len(empty.missing) == 12 and not empty.complete
    mine = flow.year_end(village("v04"), YEAR)
    assert {o.village_id for o in mine.officials} == {"v04"} and len(mine.officials) == 6


def test_pay_lists_add_up_exactly(year):
    app, flow, seen = year
    month = flow.pay_list(ADMIN, month="2025-03")
    assert len(month.lines) == 102 and month.complete and month.state == "paid"
    assert sum(v[2] for v in month.village_totals()) == month.total == sum(l.amount for l in month.lines)
    assert all(l.paid == l.amount for l in month.lines)           # recorded as paid
    assert all(l.amount == l.amount.quantize(CENT) for l in month.lines)
    annual = flow.pay_list(ADMIN, year=YEAR)     # the year closed: every reward recorded paid
    assert annual.complete and len(annual.lines) == 102 and annual.state == "closed"
    monthly = {m: {l.official_id: l.amount for l in flow.pay_list(ADMIN, month=m).lines} for m in MONTHS}
    for line in annual.lines:
        assert line.monthly_pay == sum(monthly[m][line.official_id] for m in MONTHS)
        assert line.amount == line.monthly_pay + line.reward
        assert line.paid == line.monthly_pay + (line.reward_paid or 0) and line.reward_state == "paid"
        assert (line.reward_paid or 0) == line.reward
    assert annual.total == sum(sum(v.values()) for v in monthly.values()) + Decimal("24700.00")
    assert sum(v[2] for v in annual.village_totals()) == annual.total
    scoped = flow.pay_list(village("v01"), month="2025-03")
    assert {l.village_id for l in scoped.lines} == {"v01"}


def test_rankings_month_and_year_to_date(year):
    app, flow, _ = year
    ranking = flow.ytd_ranking(READER, "2025-12")
    assert [m.month for m in ranking.months] == MONTHS and not any(m.provisional for m in ranking.months)
    assert len(ranking.officials) == 102 and len(ranking.villages) == 17
    november = flow.ytd_ranking(READER, "2025-11")
    before = {o.line.official_id: o.rank for o in november.officials}
    for o in ranking.officials:
        assert o.previous_rank == before[o.line.official_id] and o.months_counted == 12
    ranks = [o.rank for o in ranking.officials]
    assert ranks == sorted(ranks) and ranks[0] == 1
    vetoed = [o for o in ranking.officials if o.vetoed_months]
    assert vetoed and all(o.ytd_rank > max(x.ytd_rank for x in ranking.officials if not x.vetoed_months)
                          for o in vetoed)
    january = flow.ytd_ranking(READER, "2025-01")
    assert len(january.months) == 1 and all(o.previous_rank is not None for o in january.officials)
    assert any(m.provisional for m in [flow.month_results(ranking.township, "2024-12")])


def test_public_notice_only_once_published(year):
    app, flow, _ = year
    view, lines = flow.public_notice(READER, "2025-03")
    assert view.state == "paid" and len(lines) == 102
    with pytest.raises(FailedPrecondition) as err:
        flow.public_notice(READER, "2026-01")
    assert "is scoring" in err.value.message


def test_the_year_moves_only_in_order_and_says_why_not(year):
    _, _, seen = year
    assert isinstance(seen["village_aggregates"], PermissionDenied)
    for name, state in (("approve_provisional", "provisional"), ("reopen_approved", "approved"),
                        ("pay_before_publish", "approved"), ("pay_twice", "paid")):
        error = seen[name]
        assert isinstance(error, FailedPrecondition) and error.violations[0].description == f"current state: {state}", name
    assert "暂定" in seen["approve_provisional"].zh and "kaoping year state" in seen["approve_provisional"].zh
    assert isinstance(seen["reopen_no_reason"], InvalidArgument) and seen["reopen_no_reason"].violations[0].field == "note"
    assert isinstance(seen["late_inspection"], FailedPrecondition) and "年终汇总后" in seen["late_inspection"].zh
    assert seen["inspection_after_reopen"] > 0           # reopened: the inspection takes marks again
    assert seen["pool_when_frozen"].violations[0].field == "pool"
    assert seen["approve_wrong_hash"].violations[0].field == "content_hash"
    assert isinstance(seen["decision_without_tie"], InvalidArgument)
    assert isinstance(seen["pay_during_notice"], FailedPrecondition) and "公示期" in seen["pay_during_notice"].zh
    assert seen["pay_no_reference"].violations[0].field == "reference"
    assert seen["pay_bad_day"].violations[0].field == "paid_on"


def test_aggregation_freezes_and_approval_binds_the_year(year):
    app, flow, seen = year
    frozen, approved = seen["year_aggregated"], seen["year_approved"]
    assert frozen.state == "aggregated" and frozen.provisional       # frozen for the meeting, not final
    assert approved.state == "approved" and not approved.provisional
    assert seen["approved"].record.ruleset_hash == frozen.ruleset.content_hash == approved.ruleset.content_hash
    # the reopened year took the late inspection mark: v01-2 lost a point against the first computation
    before = {o.line.official_id: o.line for o in seen["year_end"].officials}
    after = {o.line.official_id: o.line for o in approved.officials}
    assert after["v01-2"].inspection.score == before["v01-2"].inspection.score - 2
    # read back exactly: every official's line as it was frozen at approval
    later = flow.year_end(ADMIN, YEAR)
    assert [(o.line.official_id, o.line.score, o.line.grade, o.line.reward, o.line.rank) for o in later.officials] \
        == [(o.line.official_id, o.line.score, o.line.grade, o.line.reward, o.line.rank) for o in approved.officials]
    assert later.officials[0].line.months[0].month == "2025-01" and later.officials[0].line.inspection.items is not None
    # a later rule-set activation does not move an approved year
    assert later.ruleset.content_hash == seen["approved"].record.ruleset_hash
    # the trail and the audit log have every step
    actions = [e.action for e in seen["closed"].events]
    assert actions == ["aggregate", "reopen", "aggregate", "approve", "publish", "record_payout", "close"]
    assert seen["closed"].events[1].note == "v01 年终检查分漏录"
    logged = [e.action for e in app.store.audit_entries(limit=100_000) if e.action.startswith("year_")]
    assert logged == ["year_" + a for a in actions]


def test_money_is_shown_paid_only_once_paid_and_final_only_once_approved(year):
    _, _, seen = year
    provisional, approved, paid = seen["pay_provisional"], seen["pay_approved"], seen["pay_paid"]
    assert provisional.state == "provisional" and not provisional.complete
    assert {l.reward_state for l in provisional.lines} == {"provisional"}
    assert all(l.reward_paid is None and l.paid == l.monthly_pay for l in provisional.lines)
    assert any("暂定" in n and "不得据此发放" in n for n in provisional.notes)
    assert {l.reward_state for l in approved.lines} == {"approved"} and approved.state == "approved"
    assert all(l.reward_paid is None and l.paid == l.monthly_pay for l in approved.lines)
    assert {l.reward_state for l in paid.lines} == {"paid"}
    ye = seen["year_paid"]
    assert ye.paid_out == sum(l.reward for l in paid.lines) == Decimal("24700.00") == ye.shared
    assert seen["paid"].record.paid_out == Decimal("24700.00")
    assert seen["paid"].record.payout_reference == "BANK-2026-02-01"
    assert seen["year_end"].paid_out == seen["year_approved"].paid_out == 0
