"""Hardening point 8, authorization gaps, through the real gRPC server and tokens:
(a) a correction is made by who recorded the fact or an admin; (b) a system identity
(its name) stands for one set of categories, and a system corrects only within its
categories; (c) before publication a village sees only its own lines in rankings."""
from __future__ import annotations

from datetime import date

import grpc
import pytest

from kaoping.storage.models import ApiToken
from kaoping.tokens import Tokens, digest
from kaoping.v1 import evaluation_pb2 as ev
from kaoping.v1 import facts_pb2 as fx
from kaoping.v1 import workflow_pb2 as wf
from kaoping.workflow import Workflow
from tests.helpers import fact, violations
from tests.workflow_helpers import Clock, to_state


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
        tokens.create("考勤系統", "system", categories=("study",))
    assert type(err.value).__name__ == "AlreadyExists" and err.value.violations[0].field == "name"
    rotated, _ = tokens.create("考勤系統", "system", categories=("attendance",))   # rotation: allowed
    assert stubs_as(rotated).facts.SubmitFact(fx.SubmitFactRequest(
        fact=fact(month="2026-01", scorer="", official="v01-3"))).fact_id
    other, row = tokens.create("學習系統", "system", categories=("study",))
    tokens.revoke(row.id)
    assert tokens.create("學習系統", "system", categories=("attendance",))   # the old one is revoked


def test_b_a_second_token_under_the_same_name_cannot_void_outside_its_categories(
        grpc_servicer, stubs, stubs_as, clock):
    """An older database may already hold two system tokens with one name and other
    categories: the second may neither void the first one's fact nor replace it."""
    sent = stubs_as("attendance_system").facts.SubmitFact(fx.SubmitFactRequest(
        fact=fact(month="2026-01", scorer="", official="v01-4"))).fact_id
    twin = "kp_same-name-other-categories-token"
    with grpc_servicer.store.session() as s:
        s.add(ApiToken(token_hash=digest(twin), name="考勤系統", role="system", categories="study",
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
