"""Fact.level and village-level facts (Fact.village_id): the inputs the rule language
reads from facts. Checked against the kind's declared levels and the category's scope,
stored without changing any existing fact's payload hash, listed with their village,
correctable, and harmless to everything that assumes an official."""
from dataclasses import replace
from decimal import Decimal

import grpc
import pytest

from kaoping.domain.errors import DomainError, InvalidArgument, NotFound, PermissionDenied
from kaoping.domain.facts import CheckedFact, FactInput, check_fact
from kaoping.domain.principal import Principal
from kaoping.v1 import facts_pb2 as fx
from tests.support.apps import TODAY
from tests.support.calls import violations
from tests.support.facts import fact, fact_input
from tests.support.rule_inputs import LEVELS, VILLAGE_CATEGORY, ServingRuleInputs

MONTH = "2026-05"


@pytest.fixture
def kp(app):
    app.rulesets = ServingRuleInputs(app.rulesets)
    return app


def village_fact(**kwargs) -> FactInput:
    base = fact_input(official="", category=VILLAGE_CATEGORY, kind="collective_task", month=MONTH)
    return replace(base, **{"village_id": "v01", **kwargs})


def refused(call) -> DomainError:
    with pytest.raises(DomainError) as err:
        call()
    return err.value


def fields(error: DomainError) -> dict[str, str]:
    return {v.field: v.description for v in error.violations}


# payload hash ---------------------------------------------------------------------
# Computed by the code before levels and village-level facts existed (commit ddcb40f):
# a fact without them must hash exactly as it did, or every resend of an old fact
# would become a key conflict. (The note keeps the Traditional characters it was hashed
# with when kaoping's text was still written in Traditional.)
OLD_HASHES = [
    (FactInput("o1", "2026-03", "", "attendance", "meeting_absent", "1", "10月8日例會", "main-01",
               "test", "old-1"), "2026-03", "1",
     "b0bb5c79ecd0a9c733dc539d996a4d238e04c531f0a41f5467ef2b71e3d1aeb4"),
    (FactInput("o1", "", "2026-03-08", "attendance", "meeting_late", "2.50", "", "main-01", "cli",
               "old-2"), "2026-03", "2.50",
     "27c047ff71cd242363427a271f7d6894b09f46c968bf325a8c715b4da0636b9e"),
]


@pytest.mark.parametrize("given, month, quantity, expected", OLD_HASHES)
def test_a_fact_without_level_or_village_hashes_as_before(given, month, quantity, expected):
    checked = CheckedFact(given, month, Decimal(quantity), "v1", "main_leader")
    assert checked.payload_hash() == expected


def test_level_and_village_are_part_of_the_hash_when_given():
    base = OLD_HASHES[0][0]
    hashes = {CheckedFact(f, "2026-03", Decimal(1), "v1", "main_leader").payload_hash()
              for f in (base, replace(base, level="镇级"), replace(base, level="市级"),
                        replace(base, official_id="", village_id="v1"))}
    assert len(hashes) == 4


# levels ---------------------------------------------------------------------------
def test_a_declared_level_is_stored(kp):
    receipt = kp.submit_fact(replace(fact_input(month=MONTH), level="市级"))
    assert kp.store.fact(receipt.fact_id).level == "市级"
    again = kp.submit_fact(replace(fact_input(month=MONTH, key=receipt.idempotency_key), level="市级"))
    assert again.duplicate and again.fact_id == receipt.fact_id


def test_the_same_key_with_another_level_is_a_conflict(kp):
    first = kp.submit_fact(replace(fact_input(month=MONTH), level="镇级"))
    error = refused(lambda: kp.submit_fact(replace(fact_input(month=MONTH, key=first.idempotency_key),
                                                   level="市级")))
    assert "fact.idempotency_key" in fields(error)


def test_a_level_exactly_32_characters_long_is_accepted_33_is_not(kp):
    assert len(LEVELS[2]) == 32
    receipt = kp.submit_fact(replace(fact_input(month=MONTH), level=LEVELS[2]))
    assert kp.store.fact(receipt.fact_id).level == LEVELS[2]
    error = refused(lambda: kp.submit_fact(replace(fact_input(month=MONTH), level=LEVELS[2] + "级")))
    assert isinstance(error, InvalidArgument)
    assert "32" in fields(error)["fact.level"]


@pytest.mark.parametrize("level, why", [
    ("省级", "allowed: 镇级, 市级"),     # not one of the kind's levels: they are listed
    ("", "required"),                    # the kind declares levels: one must be given
    ("镇\n级", "control character"),
    ("镇\x00级", "NUL"),
])
def test_a_level_outside_the_kinds_levels_is_refused(kp, level, why):
    before = len(kp.list_facts(MONTH))
    error = refused(lambda: kp.submit_fact(replace(fact_input(month=MONTH), level=level)))
    assert isinstance(error, InvalidArgument)
    assert why in fields(error)["fact.level"]
    assert len(kp.list_facts(MONTH)) == before


def test_a_kind_without_levels_refuses_a_level(kp):
    error = refused(lambda: kp.submit_fact(replace(fact_input(month=MONTH, kind="meeting_late"),
                                                   level="镇级")))
    assert isinstance(error, InvalidArgument)
    assert fields(error)["fact.level"] == "kind meeting_late has no levels; leave level empty"


def test_the_shipped_rule_set_declares_no_levels(app):
    """Today's Kind has no `levels`: every fact goes in without one, as before."""
    app.submit_fact(fact_input(month=MONTH))
    error = refused(lambda: app.submit_fact(replace(fact_input(month=MONTH), level="镇级")))
    assert "has no levels" in fields(error)["fact.level"]


# village-level facts ----------------------------------------------------------------
def test_a_village_level_fact_is_stored_about_its_village(kp):
    receipt = kp.submit_fact(village_fact(quantity="2", note="集体经济任务未完成"))
    row = kp.store.fact(receipt.fact_id)
    assert (row.official_id, row.village_id, row.category, row.level) == (None, "v01", VILLAGE_CATEGORY, "")
    again = kp.submit_fact(village_fact(quantity="2", note="集体经济任务未完成",
                                        idempotency_key=receipt.idempotency_key))
    assert again.duplicate and again.fact_id == receipt.fact_id


def test_a_village_level_fact_with_a_level(kp):
    receipt = kp.submit_fact(village_fact(kind="ranked", level="优秀"))
    assert kp.store.fact(receipt.fact_id).level == "优秀"
    error = refused(lambda: kp.submit_fact(village_fact(kind="ranked", level="良好")))
    assert "allowed: 优秀, 合格" in fields(error)["fact.level"]


@pytest.mark.parametrize("change, wrong", [
    (dict(official_id="v01-1"), {"fact.official_id", "fact.village_id"}),          # both
    (dict(village_id=""), {"fact.village_id"}),                                    # neither
])
def test_exactly_one_of_official_and_village(kp, change, wrong):
    error = refused(lambda: kp.submit_fact(village_fact(**change)))
    assert isinstance(error, InvalidArgument)
    assert wrong <= set(fields(error))


def test_neither_official_nor_village_in_an_official_category(kp):
    error = refused(lambda: kp.submit_fact(fact_input(official="", month=MONTH)))
    assert isinstance(error, InvalidArgument)
    assert {"fact.official_id", "fact.village_id"} <= set(fields(error))


def test_the_category_scope_decides_official_or_village(kp):
    about_village = replace(fact_input(official="", month=MONTH, kind="meeting_late"), village_id="v01")
    error = refused(lambda: kp.submit_fact(about_village))
    assert isinstance(error, InvalidArgument)
    assert "scored per official" in fields(error)["fact.village_id"]
    about_official = replace(village_fact(), official_id="v01-1", village_id="")
    error = refused(lambda: kp.submit_fact(about_official))
    assert isinstance(error, InvalidArgument)
    assert "scored per village" in fields(error)["fact.official_id"]


def test_an_unknown_village_is_not_found(kp):
    error = refused(lambda: kp.submit_fact(village_fact(village_id="v99")))
    assert isinstance(error, NotFound)
    assert "fact.village_id" in fields(error)


def test_a_village_token_answers_only_for_its_own_village(kp):
    caller = Principal("上山村", "village", village_id="v01")
    assert check_fact(village_fact(), kp.rulesets.active, kp.registry, TODAY, caller=caller).village_id == "v01"
    error = refused(lambda: check_fact(village_fact(village_id="v02"), kp.rulesets.active, kp.registry,
                                       TODAY, caller=caller))
    assert isinstance(error, PermissionDenied)
    assert "fact.village_id" in fields(error)


def test_a_batch_of_refused_facts_stores_nothing(kp):
    before = len(kp.list_facts(MONTH))
    outcomes = kp.submit_facts([village_fact(official_id="v01-1"), village_fact(village_id="v99"),
                                replace(fact_input(month=MONTH), level="省级"),
                                village_fact(kind="ranked")])
    assert [o.receipt for o in outcomes] == [None] * 4
    assert len(kp.list_facts(MONTH)) == before


def test_listing_by_village_includes_its_village_level_facts(kp):
    own = kp.submit_fact(village_fact()).fact_id
    other = kp.submit_fact(village_fact(village_id="v02")).fact_id
    official = kp.submit_fact(replace(fact_input(month=MONTH), level="镇级")).fact_id
    v01 = [f.id for f in kp.list_facts(MONTH, village_id="v01")]
    assert own in v01 and official in v01 and other not in v01
    assert own not in [f.id for f in kp.list_facts(MONTH, official_id="v01-1")]
    assert {own, other, official} <= {f.id for f in kp.list_facts(MONTH)}
    # keyset pages over officials' and village-level facts alike
    paged, after = [], None
    while True:
        page = kp.list_facts(MONTH, village_id="v01", after_id=after, limit=1)
        if not page:
            break
        paged += [f.id for f in page]
        after = page[-1].id
    assert paged == v01


def test_scores_skip_village_level_facts(kp):
    before = kp.monthly_scores(MONTH, village_id="v01")
    kp.submit_fact(village_fact(quantity="3"))
    after = kp.monthly_scores(MONTH, village_id="v01")
    assert [(s.official.id, s.result.total) for s in after.scores] == \
        [(s.official.id, s.result.total) for s in before.scores]
    assert kp.ranking(MONTH)[1]


def test_correcting_a_village_level_fact(kp):
    original = kp.submit_fact(village_fact(quantity="2")).fact_id
    correction, replacement = kp.correct_fact(original, "只差一项", "main-01", "corr-v-1",
                                              village_fact(quantity="1", idempotency_key="repl-v-1"))
    row = kp.store.fact(correction.fact_id)
    assert (row.official_id, row.village_id, row.voids_fact_id) == (None, "v01", original)
    new = kp.store.fact(replacement.fact_id)
    assert (new.official_id, new.village_id, new.quantity) == (None, "v01", Decimal(1))
    listed = {f.id for f in kp.list_facts(MONTH, village_id="v01")}
    assert {original, correction.fact_id, replacement.fact_id} <= listed
    assert kp.store.voiders([original]) == {original: correction.fact_id}


# over gRPC ------------------------------------------------------------------------
@pytest.fixture
def serving(grpc_servicer, monkeypatch):
    monkeypatch.setattr(grpc_servicer, "rulesets", ServingRuleInputs(grpc_servicer.rulesets))


def test_grpc_village_level_fact_round_trip(stubs, serving):
    msg = fact(official="", category=VILLAGE_CATEGORY, kind="ranked", month=MONTH, key="grpc-v-1")
    msg.village_id, msg.level = "v01", "合格"
    receipt = stubs.facts.SubmitFact(fx.SubmitFactRequest(fact=msg))
    listed = stubs.facts.ListFacts(fx.ListFactsRequest(month=MONTH, village_id="v01")).facts
    stored = next(f for f in listed if f.id == receipt.fact_id)
    assert (stored.fact.official_id, stored.fact.village_id, stored.fact.level) == ("", "v01", "合格")
    official = stubs.facts.SubmitFact(fx.SubmitFactRequest(fact=fact(month=MONTH, kind="meeting_late",
                                                                     key="grpc-v-2")))
    shown = next(f for f in stubs.facts.ListFacts(fx.ListFactsRequest(month=MONTH)).facts
                 if f.id == official.fact_id)
    assert (shown.fact.official_id, shown.fact.village_id) == ("v01-1", "")  # as it was submitted
    with pytest.raises(grpc.RpcError) as err:
        stubs.facts.SubmitFact(fx.SubmitFactRequest(fact=fact(month=MONTH, key="grpc-v-4")))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT   # the kind now declares levels
    assert "required: kind meeting_absent has levels 镇级, 市级" in violations(err.value)["fact.level"]


def test_grpc_both_official_and_village_is_invalid(stubs, serving):
    msg = fact(month=MONTH, key="grpc-v-3")
    msg.village_id, msg.level = "v01", "镇级"
    with pytest.raises(grpc.RpcError) as err:
        stubs.facts.SubmitFact(fx.SubmitFactRequest(fact=msg))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert {"fact.official_id", "fact.village_id"} <= set(violations(err.value))


def test_cli_adds_and_lists_a_village_level_fact(grpc_addr, tokens, stubs, serving):
    from tests.support.cli import run, run_json
    added = run(grpc_addr, tokens["main"], "fact", "add", "--village", "v02", "--month", MONTH,
                "--category", VILLAGE_CATEGORY, "--kind", "ranked", "--level", "优秀",
                "--scorer", "main-01", "--key", "cli-v-1")
    assert added.exit_code == 0, added.output
    listed = run_json(grpc_addr, tokens["admin"], "fact", "list", "--month", MONTH, "--village", "v02")
    mine = [f for f in listed["facts"] if f["fact"]["idempotency_key"] == "cli-v-1"]
    assert [(f["fact"].get("village_id"), f["fact"].get("level")) for f in mine] == [("v02", "优秀")]
    table = run(grpc_addr, tokens["admin"], "fact", "list", "--month", MONTH, "--village", "v02")
    assert table.exit_code == 0 and "村 v02" in table.output and "ranked (优秀)" in table.output


def test_a_village_level_fact_is_not_an_appealable_deduction(kp):
    """Today's evaluator gives it no points: an appeal against it is refused with the
    field named, and the month's workflow is not disturbed by it."""
    from tests.support.workflow import ADMIN, after_month, to_state, village, workflow
    month = "2026-06"
    fact_id = kp.submit_fact(village_fact(month=month)).fact_id
    official = kp.submit_fact(fact_input(month=month, kind="meeting_late")).fact_id
    flow, clock = workflow(kp, after_month(month))
    to_state(flow, clock, month, "approved")
    error = refused(lambda: flow.appeal(village("v01"), fact_id, "本村已完成"))
    assert isinstance(error, InvalidArgument) and "gave no points" in fields(error)["fact_id"]
    appeal = flow.appeal(village("v01"), official, "有假条")
    assert appeal.fact_id == official
    error = refused(lambda: flow.appeal(village("v02"), fact_id, "本村已完成"))
    assert isinstance(error, PermissionDenied)
    flow.resolve_appeal(ADMIN, appeal.id, "overturned", "假条属实")
    to_state(flow, clock, month, "paid")
    assert flow.state(ADMIN, month).state == "paid"
