"""Every transition refuses the wrong role (PERMISSION_DENIED) and the wrong state
(FAILED_PRECONDITION naming the current state); facts are closed after aggregation;
deadlines, notice periods and village scoping hold. Use-case level, real SQLite."""
from datetime import date, timedelta
from decimal import Decimal

import pytest

from kaoping.domain.errors import (AlreadyExists, FailedPrecondition, InvalidArgument,
                                   PermissionDenied)
from kaoping.storage.models import Official
from tests.support.facts import fact_input
from tests.support.workflow import ADMIN, MAIN, READER, add, after_month, to_state, village, workflow

STATES = {"2026-01": "scoring", "2026-02": "aggregated", "2026-03": "approved",
          "2026-04": "published", "2026-05": "paid"}
ADMIN_ACTIONS = ("aggregate", "reopen", "approve", "publish", "mark_paid")


@pytest.fixture
def months(app):
    """One month in each state, each with an appealable deduction of 上山村 (v01)."""
    flow, clock = workflow(app, date(2026, 6, 3))
    facts = {m: add(app, "v01-1", m, key=f"m-{m}") for m in STATES}
    for m, target in STATES.items():
        to_state(flow, clock, m, target)
    clock.set(date(2026, 9, 1))   # every deadline and notice period is over
    assert {m: flow.state(ADMIN, m).state for m in STATES} == STATES
    return flow, clock, facts


def call(flow, facts, action, who, month):
    return {
        "aggregate": lambda: flow.aggregate(who, month),
        "reopen": lambda: flow.reopen(who, month, note="the meeting found an error"),
        "approve": lambda: flow.approve(who, month),
        "publish": lambda: flow.publish(who, month),
        "mark_paid": lambda: flow.mark_paid(who, month),
        "confirm": lambda: flow.confirm(who, month, "v01"),
        "appeal": lambda: flow.appeal(who, facts[month], "we were at the county meeting"),
    }[action]()


@pytest.mark.parametrize("action", [*ADMIN_ACTIONS, "confirm", "appeal"])
def test_wrong_role_is_refused_in_every_state(months, action):
    flow, _, facts = months
    wrong = [village("v01"), READER, MAIN] if action in ADMIN_ACTIONS else [ADMIN, READER, MAIN]
    for month in STATES:
        for who in wrong:
            with pytest.raises(PermissionDenied):
                call(flow, facts, action, who, month)
    assert {m: flow.state(ADMIN, m).state for m in STATES} == STATES   # nothing moved


@pytest.mark.parametrize("action,allowed", [
    ("aggregate", {"scoring"}), ("reopen", {"aggregated"}), ("approve", {"aggregated"}),
    ("publish", {"approved"}), ("mark_paid", {"published"}), ("confirm", {"approved"}),
    ("appeal", {"approved"}),
])
def test_wrong_state_is_refused_naming_the_current_state(months, action, allowed):
    flow, _, facts = months
    who = village("v01") if action in ("confirm", "appeal") else ADMIN
    for month, state in STATES.items():
        if state in allowed:
            continue
        with pytest.raises(FailedPrecondition) as err:
            call(flow, facts, action, who, month)
        assert f"is {state}" in err.value.message, err.value.message
        assert err.value.violations[0].description == f"current state: {state}"
    assert {m: flow.state(ADMIN, m).state for m in STATES} == STATES


def test_resolve_appeal_checks_role_and_that_it_is_still_pending(months):
    flow, clock, facts = months
    clock.set(date(2026, 3, 1))
    flow2_month = "2026-01"
    to_state(flow, clock, flow2_month, "approved")
    appeal = flow.appeal(village("v01"), facts[flow2_month], "we were at the county meeting")
    for who in (village("v01"), READER, MAIN):
        with pytest.raises(PermissionDenied):
            flow.resolve_appeal(who, appeal.id, "overturned", "x")
    with pytest.raises(InvalidArgument):
        flow.resolve_appeal(ADMIN, appeal.id, "maybe", "x")
    with pytest.raises(InvalidArgument):
        flow.resolve_appeal(ADMIN, appeal.id, "upheld", "  ")
    done = flow.resolve_appeal(ADMIN, appeal.id, "upheld", "the register shows the absence")
    assert done.state == "upheld" and done.before_total == done.after_total
    with pytest.raises(FailedPrecondition) as err:
        flow.resolve_appeal(ADMIN, appeal.id, "overturned", "changed our mind")
    assert "already upheld" in err.value.message


def test_facts_are_closed_from_aggregation_on(app):
    flow, clock = workflow(app, date(2026, 4, 2))
    add(app, "v01-1", "2026-03", key="before")
    flow.aggregate(ADMIN, "2026-03")
    with pytest.raises(FailedPrecondition) as err:
        add(app, "v01-2", "2026-03")
    assert "aggregated" in err.value.message and err.value.violations[0].field == "fact.month"
    # a resend of a fact stored before still gets its first receipt
    assert app.submit_fact(fact_input(official="v01-1", month="2026-03", key="before")).duplicate
    # a batch: the closed month's fact is refused on its own, the open month's is kept
    outcomes = app.submit_facts([fact_input(official="v01-3", month="2026-03"),
                                 fact_input(official="v01-3", month="2026-02")])
    assert isinstance(outcomes[0].error, FailedPrecondition) and outcomes[1].receipt is not None
    assert outcomes[0].error.violations[0].field == "facts[0].month"
    # corrections too
    fact_id = app.store.facts("2026-03")[0].id
    with pytest.raises(FailedPrecondition):
        app.correct_fact(fact_id, "wrong official", "main-01", "fix-1", None)
    # year-end inspection marks are not monthly facts: accepted in any month state
    add(app, "v01-1", "2026-03", category="inspection", kind="records_missing", quantity="2")
    assert flow.state(ADMIN, "2026-03").drift == []
    # another township month is unaffected; reopening opens the month again
    flow.reopen(ADMIN, "2026-03", note="v01-2 absence was missed")
    assert add(app, "v01-2", "2026-03")
    view = flow.aggregate(ADMIN, "2026-03")
    assert view.record.revision == 2 and [e.action for e in view.events] == ["aggregate", "reopen", "aggregate"]


def test_reopen_needs_a_reason_and_approve_checks_version_and_facts(app):
    flow, clock = workflow(app, date(2026, 4, 2))
    flow.aggregate(ADMIN, "2026-03")
    with pytest.raises(InvalidArgument):
        flow.reopen(ADMIN, "2026-03", note="")
    with pytest.raises(FailedPrecondition) as err:
        flow.approve(ADMIN, "2026-03", content_hash="0" * 64)
    assert "aggregated under rule set" in err.value.message
    bound = flow.state(ADMIN, "2026-03").record.ruleset_hash
    assert flow.approve(ADMIN, "2026-03", content_hash=bound).state == "approved"


def test_a_month_must_be_over_before_it_is_aggregated(app):
    flow, clock = workflow(app, date(2026, 3, 31))
    with pytest.raises(FailedPrecondition) as err:
        flow.aggregate(ADMIN, "2026-03")
    assert "has not ended" in err.value.message


def test_appeal_rules(app):
    flow, clock = workflow(app, after_month("2026-03"))
    deduction = add(app, "v01-1", "2026-03")
    addition = add(app, "v01-2", "2026-03", category="key_tasks", kind="task_done_early", scorer="contact-01")
    other = add(app, "v02-1", "2026-03")
    second = add(app, "v01-3", "2026-03", kind="meeting_late")
    to_state(flow, clock, "2026-03", "approved")
    v01 = village("v01")
    with pytest.raises(PermissionDenied):
        flow.appeal(v01, other, "not ours")                       # another village's deduction
    with pytest.raises(InvalidArgument) as err:
        flow.appeal(v01, addition, "no")                          # an addition is not a deduction
    assert "not a deduction" in err.value.violations[0].description
    with pytest.raises(InvalidArgument):
        flow.appeal(v01, deduction, "")                           # a reason is required
    with pytest.raises(InvalidArgument):
        flow.appeal(v01, deduction, "x", appellant="lawyer")
    appeal = flow.appeal(v01, deduction, "on approved leave", appellant="official")
    assert (appeal.state, appeal.points, appeal.rule_id, appeal.appellant) == \
        ("pending", Decimal("-1"), "attendance.absent", "official")
    with pytest.raises(AlreadyExists):
        flow.appeal(v01, deduction, "again")
    with pytest.raises(PermissionDenied):
        flow.confirm(v01, "2026-03", "v02")                       # another village's notice
    with pytest.raises(FailedPrecondition) as err:
        flow.confirm(v01, "2026-03")                              # own appeal still pending
    assert "pending" in err.value.message
    with pytest.raises(FailedPrecondition) as err:
        flow.publish(ADMIN, "2026-03")                            # appeal pending, villages unconfirmed
    fields = {v.field for v in err.value.violations}
    assert fields == {"appeals", "confirmations"}
    flow.resolve_appeal(ADMIN, appeal.id, "upheld", "no leave slip on file")
    feedback = flow.confirm(v01, "2026-03", note="两委会议讨论，无异议")
    assert feedback.confirmation_state == "confirmed"
    assert flow.confirm(v01, "2026-03").confirmation_state == "confirmed"    # twice: no change
    with pytest.raises(FailedPrecondition) as err:
        flow.appeal(v01, second, "confirmed already")             # a confirmed notice is final
    assert "confirmed" in err.value.message
    flow.confirm(village("v02"), "2026-03")
    clock.set(date.fromisoformat(flow.state(ADMIN, "2026-03").record.appeal_deadline) + timedelta(days=1))
    with pytest.raises(FailedPrecondition) as err:
        flow.appeal(village("v02"), other, "too late")
    assert "deadline" in err.value.message
    view = flow.publish(ADMIN, "2026-03")
    states = {v: ("deemed_confirmed" if c.deemed else "confirmed") for v, c in view.confirmations.items()}
    assert states["v01"] == states["v02"] == "confirmed" and states["v03"] == "deemed_confirmed"
    assert len(states) == 17
    with pytest.raises(FailedPrecondition) as err:
        flow.mark_paid(ADMIN, "2026-03")                          # the notice period runs
    assert "public notice runs until" in err.value.message


def test_approved_month_keeps_its_version_and_snapshot(app, tmp_path):
    flow, clock = workflow(app, after_month("2026-03"))
    add(app, "v01-1", "2026-03")
    to_state(flow, clock, "2026-03", "approved")
    bound = flow.state(ADMIN, "2026-03").record.ruleset_hash
    # a new rule-set version: absence now costs 2 points
    text = app.rulesets.active.text.replace("deduct: 1\n    reason: 无故缺席镇会议，每次扣1分",
                                            "deduct: 2\n    reason: 无故缺席镇会议，每次扣2分")
    text = text.replace('label: "sample 2026-2"', 'label: "sample 2026-3"')
    row = app.rulesets.upload(text, "v2.yaml", "", "test")
    app.rulesets.activate(row.id, "", "test")
    assert app.rulesets.active_row.content_hash != bound
    scores = app.monthly_scores("2026-03", official_id="v01-1")
    assert scores.ruleset.content_hash == bound and scores.scores[0].result.total == Decimal(99)
    # registry edits after approval are not silent: the snapshot stands, drift is reported
    official = app.store.get(Official, "v01-1")
    app.put_official(Official(id="v01-1", village_id="v01", name=official.name,
                              position=official.position, base_pay=Decimal("2000")),
                     effective_on="2026-03-01")   # back-dated into the approved month
    view = flow.state(ADMIN, "2026-03")
    assert len(view.drift) == 1 and view.drift[0].startswith("v01-1")
    pay = flow.pay_list(ADMIN, month="2026-03")
    assert [l.amount for l in pay.lines if l.official_id == "v01-1"] == [Decimal("1800.00")]
    assert flow.state(village("v01"), "2026-03").drift == []     # village callers see no drift details


def test_role_is_checked_before_anything_else(app):
    flow, clock = workflow(app, date(2026, 6, 3))
    for call in (lambda: flow.aggregate(village("v01"), "not-a-month"),
                 lambda: flow.mark_paid(READER, "", reference="x" * 500),
                 lambda: flow.confirm(ADMIN, ""),
                 lambda: flow.appeal(ADMIN, 0, ""),
                 lambda: flow.resolve_appeal(village("v01"), 0, "", "")):
        with pytest.raises(PermissionDenied):
            call()


def test_concurrent_overturns_of_one_month_all_land(app):
    """Six admins overturn six appeals of one month at once: each recompute starts from
    the revision before it (compare-and-set, retried), so none is lost."""
    import threading
    flow, clock = workflow(app, after_month("2026-03"))
    facts = {f"v0{i}": add(app, f"v0{i}-1", "2026-03", kind="duty_missed", quantity="2") for i in range(1, 7)}
    to_state(flow, clock, "2026-03", "approved")
    appeals = [flow.appeal(village(v), fact_id, "not on duty that day") for v, fact_id in facts.items()]
    errors, start = [], threading.Barrier(len(appeals))

    def resolve(appeal_id):
        try:
            start.wait()
            flow.resolve_appeal(ADMIN, appeal_id, "overturned", "duty roster shows leave")
        except Exception as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)
    threads = [threading.Thread(target=resolve, args=(a.id,)) for a in appeals]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    record = flow.state(ADMIN, "2026-03").record
    assert record.revision == 1 + len(appeals) and record.pending_appeals == 0
    final = {l.official_id: l for l in app.months.lines(app.months.store.townships()[0].id, "2026-03",
                                                        record.revision)}
    assert {final[f"{v}-1"].total for v in facts} == {Decimal(100)}
    assert sorted(a.revision_after for a in flow.list_appeals(ADMIN, month="2026-03")) == list(range(2, 8))
