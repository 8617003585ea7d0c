"""Hardening point 8, authorization gaps, through the real gRPC server and tokens:
(a) a correction is made by who recorded the fact or an admin; (b) a system identity
(its name) stands for one set of categories, and a system corrects only within its
categories; (c) before publication a village sees only its own lines in rankings."""
from __future__ import annotations

from datetime import date

import grpc
import pytest

from kaoping.storage.models import ApiToken
from kaoping.usecases.tokens import Tokens, digest
from kaoping.v1 import evaluation_pb2 as ev
from kaoping.v1 import facts_pb2 as fx
from kaoping.v1 import workflow_pb2 as wf
from kaoping.usecases.workflow import Workflow
from tests.support.calls import violations
from tests.support.databases import schema_with_one_official
from tests.support.facts import fact
from tests.support.workflow import Clock, to_state


@pytest.fixture(scope="module")
def clock(grpc_servicer):
    clock = Clock(date(2026, 2, 3))
    grpc_servicer.today = clock
    return clock


def refused(call, code=grpc.StatusCode.PERMISSION_DENIED) -> dict[str, str]:
    with pytest.raises(grpc.RpcError) as err:
        call()
    assert err.value.code() == code, err.value.details()
    return violations(err.value)


def voided_by(stubs, month: str, fact_id: int) -> int:
    listed = stubs.facts.ListFacts(fx.ListFactsRequest(month=month)).facts
    return next(f.voided_by_fact_id for f in listed if f.id == fact_id)


# (a) ---------------------------------------------------------------------------------
def test_a_scorer_corrects_only_what_it_recorded(stubs, stubs_as, clock):
    main, contact = stubs_as("main"), stubs_as("contact")
    mine = main.facts.SubmitFact(fx.SubmitFactRequest(fact=fact(month="2026-01", scorer=""))).fact_id
    # attendance is scored by main_leader and contact_leader alike: sharing the
    # category does not let one void the other's fact
    bad = refused(lambda: contact.facts.CorrectFact(fx.CorrectFactRequest(
        fact_id=mine, reason="not so", idempotency_key="authz-a-1",
        replacement=fact(month="2026-01", scorer="", quantity="5", key="authz-a-1-new"))))
    assert "main-01" in bad["fact_id"]
    assert voided_by(stubs, "2026-01", mine) == 0
    keys = {f.fact.idempotency_key for f in stubs.facts.ListFacts(fx.ListFactsRequest(month="2026-01")).facts}
    assert not keys & {"authz-a-1", "authz-a-1-new"}   # nothing stored
    ok = main.facts.CorrectFact(fx.CorrectFactRequest(fact_id=mine, reason="wrong day",
                                                      idempotency_key="authz-a-2"))
    assert voided_by(stubs, "2026-01", mine) == ok.correction.fact_id


def test_a_scorer_cannot_void_a_systems_fact_but_an_admin_can(stubs, stubs_as, clock):
    sent = stubs_as("attendance_system").facts.SubmitFact(fx.SubmitFactRequest(
        fact=fact(month="2026-01", scorer="", official="v01-2"))).fact_id
    bad = refused(lambda: stubs_as("main").facts.CorrectFact(fx.CorrectFactRequest(
        fact_id=sent, reason="the clock was wrong", idempotency_key="authz-a-3")))
    assert "system:" in bad["fact_id"]
    fixed = stubs.facts.CorrectFact(fx.CorrectFactRequest(
        fact_id=sent, reason="the clock was wrong", scorer_id="main-01", idempotency_key="authz-a-4"))
    assert voided_by(stubs, "2026-01", sent) == fixed.correction.fact_id


# (b) ---------------------------------------------------------------------------------
def test_b_a_system_name_stands_for_one_set_of_categories(grpc_servicer, stubs_as, clock):
    tokens = Tokens(grpc_servicer.store)
    with pytest.raises(Exception) as err:
        tokens.create("考勤系统", "system", categories=("study",))
    assert type(err.value).__name__ == "AlreadyExists" and err.value.violations[0].field == "name"
    rotated, _ = tokens.create("考勤系统", "system", categories=("attendance",))   # rotation: allowed
    assert stubs_as(rotated).facts.SubmitFact(fx.SubmitFactRequest(
        fact=fact(month="2026-01", scorer="", official="v01-3"))).fact_id
    other, row = tokens.create("学习系统", "system", categories=("study",))
    tokens.revoke(row.id)
    assert tokens.create("学习系统", "system", categories=("attendance",))   # the old one is revoked


def test_b_a_second_token_under_the_same_name_cannot_void_outside_its_categories(
        grpc_servicer, stubs, stubs_as, clock):
    """An older database may already hold two system tokens with one name and other
    categories: the second may neither void the first one's fact nor replace it."""
    sent = stubs_as("attendance_system").facts.SubmitFact(fx.SubmitFactRequest(
        fact=fact(month="2026-01", scorer="", official="v01-4"))).fact_id
    twin = "kp_same-name-other-categories-token"
    with grpc_servicer.store.session() as s:
        s.add(ApiToken(token_hash=digest(twin), name="考勤系统", role="system", categories="study",
                       created_by="before the fix"))
        s.commit()
    bad = refused(lambda: stubs_as(twin).facts.CorrectFact(fx.CorrectFactRequest(
        fact_id=sent, reason="mine now", idempotency_key="authz-b-1",
        replacement=fact(month="2026-01", scorer="", official="v01-4", category="study",
                         kind="study_absent", key="authz-b-1-new"))))
    assert "attendance" in bad["fact_id"]
    assert voided_by(stubs, "2026-01", sent) == 0


# (c) ---------------------------------------------------------------------------------
def names(ranking) -> set[str]:
    return {v.village_id for v in ranking.villages}


def test_c_before_publication_a_village_ranks_only_itself(stubs, stubs_as, clock):
    stubs.facts.SubmitFact(fx.SubmitFactRequest(fact=fact(month="2026-02", official="v05-1", quantity="3")))
    full = stubs_as("reader").evaluation.GetRanking(ev.GetRankingRequest(month="2026-02"))
    assert len(names(full)) > 1
    own = stubs_as("village").evaluation.GetRanking(ev.GetRankingRequest(month="2026-02"))
    assert names(own) == {"v01"} and own.officials
    assert {o.official_id[:3] for o in own.officials} == {"v01"}
    ranks = {o.official_id: o.rank for o in full.officials}
    assert all(o.rank == ranks[o.official_id] for o in own.officials)   # its true positions
    ytd = stubs_as("village").workflow.GetYearToDateRanking(wf.MonthRequest(month="2026-02"))
    assert {v.village_id for v in ytd.villages} == {"v01"}
    assert {o.official_id[:3] for o in ytd.officials} == {"v01"}
    assert len(stubs_as("reader").workflow.GetYearToDateRanking(
        wf.MonthRequest(month="2026-02")).villages) == len(full.villages)


def test_c_after_publication_a_village_sees_the_township(grpc_servicer, stubs_as, clock):
    flow = Workflow(grpc_servicer)
    for month in ("2025-12", "2026-01"):
        to_state(flow, clock, month, "published")
    village = stubs_as("village")
    assert len(names(village.evaluation.GetRanking(ev.GetRankingRequest(month="2026-01")))) > 1
    ytd = village.workflow.GetYearToDateRanking(wf.MonthRequest(month="2026-01"))
    assert len({v.village_id for v in ytd.villages}) > 1


# (d) ---------------------------------------------------------------------------------
BEFORE, AFTER = "2026-05", "2026-06"   # the official moves from v01 to v02 in AFTER
MOVED = "v01-6"


def test_d_village_of_an_official_follows_the_roster_history():
    from decimal import Decimal
    from kaoping.domain.roster import Planned, ordered, state_in_month
    history = ordered([Planned("2026-05-12", "2026-05", True, "v02", "文书", Decimal(1200), id=2),
                       Planned("2000-01-01", "2000-01", True, "v01", "文书", Decimal(1200), id=1)])
    assert [state_in_month(history, m).village_id for m in ("2026-04", "2026-05", "2026-11")] == [
        "v01", "v02", "v02"]
    assert state_in_month([], "2026-05") is None


@pytest.fixture(scope="module")
def moved(grpc_servicer, stubs, clock):
    """v01-6 gets a deduction in BEFORE, moves to v02 during AFTER (the default: from the
    current month), gets one there, and a late deduction for BEFORE is entered after
    the move."""
    clock.set(date(2026, 6, 10))
    from kaoping.v1 import registry_pb2 as rg
    add = lambda month, key: stubs.facts.SubmitFact(fx.SubmitFactRequest(  # noqa: E731
        fact=fact(official=MOVED, month=month, key=key))).fact_id
    ids = {"before": add(BEFORE, "move-before")}
    official = next(o for o in stubs.registry.ListOfficials(rg.ListOfficialsRequest(village_id="v01")).officials
                    if o.id == MOVED)
    official.village_id = "v02"
    stubs.registry.PutOfficial(official)
    ids["after"], ids["late"] = add(AFTER, "move-after"), add(BEFORE, "move-late")
    listed = stubs.registry.ListOfficials(rg.ListOfficialsRequest(village_id="v02")).officials
    assert MOVED in {o.id for o in listed}   # the registry shows where he is now
    return ids


@pytest.fixture(scope="module")
def v02(grpc_servicer, stubs_as):
    return stubs_as(Tokens(grpc_servicer.store).create("火石村党支部", "village", village_id="v02")[0])


def fact_ids(stubs, month: str) -> set[int]:
    return {f.id for f in stubs.facts.ListFacts(fx.ListFactsRequest(month=month, official_id=MOVED)).facts}


def test_d_each_village_lists_and_scores_the_months_it_had_him(stubs_as, v02, moved):
    v01 = stubs_as("village")
    assert fact_ids(v01, BEFORE) == {moved["before"], moved["late"]}
    assert fact_ids(v02, AFTER) == {moved["after"]}
    for who, month in ((v01, AFTER), (v02, BEFORE)):
        refused(lambda: who.facts.ListFacts(fx.ListFactsRequest(month=month, official_id=MOVED)))
    own = {f.id for f in v02.facts.ListFacts(fx.ListFactsRequest(month=BEFORE, village_id="v02")).facts}
    assert not own & {moved["before"], moved["late"]}
    notice = lambda who, village, month: {o.official_id for o in who.evaluation.GetFeedbackNotice(  # noqa: E731
        ev.GetFeedbackNoticeRequest(village_id=village, month=month)).officials}
    assert MOVED in notice(v01, "v01", BEFORE) and MOVED not in notice(v02, "v02", BEFORE)
    assert MOVED in notice(v02, "v02", AFTER) and MOVED not in notice(v01, "v01", AFTER)
    # the late BEFORE fact counts where he was then
    scores = stubs_as("reader").evaluation.GetMonthlyScores(ev.GetMonthlyScoresRequest(
        month=BEFORE, official_id=MOVED)).scores
    assert [(s.village_id, len(s.items)) for s in scores] == [("v01", 2)]


def test_d_each_village_appeals_the_months_it_had_him(grpc_servicer, stubs_as, v02, moved, clock):
    flow = Workflow(grpc_servicer)
    clock.set(date(2026, 7, 3))
    for month in (BEFORE, AFTER):
        to_state(flow, clock, month, "approved")
    v01 = stubs_as("village")
    appeal = lambda who, fact_id: who.workflow.Appeal(wf.AppealRequest(  # noqa: E731
        fact_id=fact_id, reason="he was on leave"))
    refused(lambda: appeal(v02, moved["before"]))
    refused(lambda: appeal(v02, moved["late"]))   # entered after the move, still v01's month
    refused(lambda: appeal(v01, moved["after"]))
    assert appeal(v01, moved["before"]).village_id == "v01"
    assert appeal(v01, moved["late"]).village_id == "v01"
    assert appeal(v02, moved["after"]).village_id == "v02"


def test_d_a_move_may_take_effect_from_an_earlier_month(stubs, stubs_as, moved):
    from kaoping.v1 import registry_pb2 as rg
    official = next(o for o in stubs.registry.ListOfficials(rg.ListOfficialsRequest(village_id="v02")).officials
                    if o.id == "v02-6")
    official.village_id, official.village_from_month = "v03", "2026-03"
    stubs.registry.PutOfficial(official)
    village = lambda month: stubs_as("reader").evaluation.GetMonthlyScores(  # noqa: E731
        ev.GetMonthlyScoresRequest(month=month, official_id="v02-6")).scores[0].village_id
    assert (village("2026-02"), village("2026-03"), village("2026-06")) == ("v02", "v03", "v03")
    official.village_id, official.village_from_month = "v04", "2099-01"
    bad = refused(lambda: stubs.registry.PutOfficial(official), grpc.StatusCode.INVALID_ARGUMENT)
    assert "village_from_month" in bad
    assert village("2026-06") == "v03"   # refused: nothing changed


def test_d_existing_officials_get_their_village_as_history(db_url):
    from sqlalchemy import create_engine
    from kaoping.storage.store import Store
    engine = create_engine(db_url)
    schema_with_one_official(engine, "0005")
    engine.dispose()
    store = Store(db_url)
    try:
        from kaoping.storage.roster_store import roster_entries
        assert [(e.official_id, e.effective_on, e.from_month, e.village_id, e.on_roster)
                for e in roster_entries(store)] == [("o1", "2000-01-01", "2000-01", "v1", True)]
    finally:
        store.close()
