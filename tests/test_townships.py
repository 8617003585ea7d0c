"""Townships as tenants (issue 14): created and changed over the API, each with its own
roster and its own rule-set versions; activating in one changes nothing in another;
a county's template is what its new townships start from; a township-bound caller
reaches nothing outside its township. Real server on loopback, real database."""
from __future__ import annotations

import grpc
import pytest

from kaoping.domain.errors import NotFound, PermissionDenied
from kaoping.domain.facts import FactInput
from kaoping.domain.principal import Principal
from kaoping.storage.models import Village
from kaoping.v1 import evaluation_pb2 as ev
from kaoping.v1 import facts_pb2 as fx
from kaoping.v1 import registry_pb2 as rg
from kaoping.v1 import rulesets_pb2 as rs
from tests.support.apps import make_app, new_database_url
from tests.support.calls import stubs_for, violations
from tests.support.rules import stricter
from tests.support.servers import LocalServer

MONTH = "2026-10"


@pytest.fixture
def served(tmp_path):
    app = make_app(new_database_url(tmp_path))
    server = LocalServer(app)   # --insecure-dev: every call is a deployment admin
    yield app, stubs_for(server.channel, "")
    server.stop()


def _second_township(stubs, township_id="xinzhuang", county="徽县"):
    stubs.registry.CreateTownship(rg.Township(id=township_id, name="新庄镇", county=county,
                                              issuer="中共新庄镇委员会", doc_prefix="新庄发"))
    stubs.registry.PutVillage(rg.Village(id=f"{township_id}-v1", township_id=township_id, name="河坝村",
                                         attributes={"star": "4"}))
    stubs.registry.PutOfficial(rg.Official(id=f"{township_id}-o1", village_id=f"{township_id}-v1",
                                           name="李文华", position="书记", base_pay="1500",
                                           effective_on="2026-01-01"))
    stubs.registry.PutScorer(rg.Scorer(id=f"{township_id}-main", name="新庄镇主要领导",
                                       role="main_leader", township_id=township_id))


def _absence(official, scorer, key, month=MONTH):
    return fx.SubmitFactRequest(fact=fx.Fact(official_id=official, month=month, category="attendance",
                                             kind="meeting_absent", quantity="1", scorer_id=scorer,
                                             idempotency_key=key))


def test_a_township_is_created_listed_changed_and_read(served):
    _app, stubs = served
    created = stubs.registry.CreateTownship(rg.Township(id="xinzhuang", name="新庄镇", county="两当县",
                                                        contact="党政办 0939-7000000"))
    assert (created.script, created.county) == ("zh-Hans", "两当县")   # Simplified unless asked
    listed = {t.id: t for t in stubs.registry.ListTownships(rg.ListTownshipsRequest()).townships}
    assert set(listed) == {"dahedian", "xinzhuang"}
    assert [t.id for t in stubs.registry.ListTownships(rg.ListTownshipsRequest(county="两当县")).townships] \
        == ["xinzhuang"]
    changed = stubs.registry.UpdateTownship(rg.Township(id="xinzhuang", name="新庄镇", script="zh-Hant",
                                                        issuer="中共新庄镇委员会", doc_prefix="新庄发"))
    assert (changed.script, changed.issuer, changed.county) == ("zh-Hant", "中共新庄镇委员会", "两当县")
    assert stubs.registry.GetTownship(rg.GetTownshipRequest(id="xinzhuang")) == changed


@pytest.mark.parametrize("township, fields", [
    (rg.Township(id="", name="无名镇"), {"id"}),
    (rg.Township(id="x y", name="空格镇"), {"id"}),
    (rg.Township(id="blank"), {"name"}),
    (rg.Township(id="hant", name="繁体镇", script="zh-CN"), {"script"}),
    (rg.Township(id="long", name="长" * 201), {"name"}),
])
def test_a_bad_township_is_refused_with_its_fields_and_nothing_is_written(served, township, fields):
    app, stubs = served
    with pytest.raises(grpc.RpcError) as err:
        stubs.registry.CreateTownship(township)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert set(violations(err.value)) == fields
    assert [t.id for t in app.store.townships()] == ["dahedian"]


def test_a_taken_id_is_already_exists(served):
    _app, stubs = served
    with pytest.raises(grpc.RpcError) as err:
        stubs.registry.CreateTownship(rg.Township(id="dahedian", name="又一个大河店镇"))
    assert err.value.code() == grpc.StatusCode.ALREADY_EXISTS


def test_activating_in_one_township_changes_nothing_in_the_other(served):
    app, stubs = served
    _second_township(stubs)
    default = stubs.rulesets.GetActiveRuleSet(rs.GetActiveRuleSetRequest(township_id="dahedian")).ref
    started = stubs.rulesets.GetActiveRuleSet(rs.GetActiveRuleSetRequest(township_id="xinzhuang")).ref
    assert (started.id, started.township_id) == (default.id, "xinzhuang")   # the deployment default
    stubs.facts.SubmitFact(_absence("v01-1", "main-01", "t-a"))
    stubs.facts.SubmitFact(_absence("xinzhuang-o1", "xinzhuang-main", "t-b"))
    before = stubs.evaluation.GetMonthlyScores(ev.GetMonthlyScoresRequest(month=MONTH, township_id="dahedian"))

    own = stubs.rulesets.UploadRuleSet(rs.RuleSetSource(text=stricter(), township_id="xinzhuang"))
    active = stubs.rulesets.ActivateRuleSet(rs.ActivateRuleSetRequest(id=own.ref.id, township_id="xinzhuang"))
    assert (active.active, active.township_id) == (True, "xinzhuang")

    assert stubs.rulesets.GetActiveRuleSet(rs.GetActiveRuleSetRequest(township_id="dahedian")).ref.id == default.id
    after = stubs.evaluation.GetMonthlyScores(ev.GetMonthlyScoresRequest(month=MONTH, township_id="dahedian"))
    assert after == before   # same totals, same version, same township
    assert (after.township_id, after.ruleset.township_id, after.ruleset.id) == ("dahedian", "dahedian", default.id)
    theirs = stubs.evaluation.GetMonthlyScores(ev.GetMonthlyScoresRequest(month=MONTH, township_id="xinzhuang"))
    (score,) = theirs.scores
    assert (theirs.township_id, score.ruleset.id, score.ruleset.township_id) == ("xinzhuang", own.ref.id, "xinzhuang")
    mine = {s.official_id: s for s in after.scores}["v01-1"]
    assert float(score.total) == float(mine.total) - 1   # the stricter 细则: 2 points, not 1
    # each township lists its own versions; the default ones stay usable to both
    listed = stubs.rulesets.ListRuleSets(rs.ListRuleSetsRequest(township_id="dahedian")).versions
    assert own.ref.id not in [v.ref.id for v in listed]
    # rolling back returns xinzhuang to what it served before, and dahedian is untouched
    back = stubs.rulesets.RollbackRuleSet(rs.RollbackRuleSetRequest(township_id="xinzhuang"))
    assert back.ref.id == default.id
    assert app.rulesets.active_row_for("dahedian").id == default.id


def test_new_townships_of_a_county_start_from_its_template(served):
    _app, stubs = served
    _second_township(stubs)
    own = stubs.rulesets.UploadRuleSet(rs.RuleSetSource(text=stricter(), township_id="xinzhuang"))
    stubs.rulesets.PublishTemplate(rs.PublishTemplateRequest(county="徽县", id=own.ref.id))
    template = stubs.rulesets.GetTemplate(rs.GetTemplateRequest(county="徽县"))
    assert (template.version.ref.id, template.text) == (own.ref.id, stricter())
    stubs.registry.CreateTownship(rg.Township(id="jialing", name="嘉陵镇", county="徽县"))
    stubs.registry.CreateTownship(rg.Township(id="other", name="外县镇", county="成县"))
    assert stubs.rulesets.GetActiveRuleSet(rs.GetActiveRuleSetRequest(township_id="jialing")).ref.id == own.ref.id
    assert stubs.rulesets.GetActiveRuleSet(rs.GetActiveRuleSetRequest(township_id="other")).ref.id != own.ref.id
    # xinzhuang itself uploaded it but never activated it: publishing moves no township
    assert stubs.rulesets.GetActiveRuleSet(rs.GetActiveRuleSetRequest(township_id="xinzhuang")).ref.id \
        != own.ref.id


# Reach, at the use cases (every RPC goes through them; the RPC x role x township walk
# is tests/test_township_reach.py) ---------------------------------------------------
def _outside(call) -> PermissionDenied | NotFound:
    with pytest.raises((PermissionDenied, NotFound)) as err:
        call()
    return err.value


def test_a_township_admin_reaches_nothing_in_another_township(served):
    app, stubs = served
    _second_township(stubs)
    own = stubs.rulesets.UploadRuleSet(rs.RuleSetSource(text=stricter(), township_id="xinzhuang")).ref
    theirs = Principal("新庄镇管理员", "admin", township_id="xinzhuang")
    audit_before = len(app.store.audit_entries(limit=100000))
    refusals = [
        lambda: app.monthly_scores(MONTH, township_id="dahedian", caller=theirs),
        lambda: app.monthly_scores(MONTH, village_id="v01", caller=theirs),
        lambda: app.put_village(Village(id="v99", township_id="dahedian", name="新村"), theirs),
        lambda: app.submit_fact(FactInput("v01-1", MONTH, "", "attendance", "meeting_absent", "1", "",
                                          "xinzhuang-main", "t", "x-1"), theirs),
        lambda: app.activate_ruleset(0, "", theirs, "dahedian"),
        lambda: app.list_facts(MONTH, village_id="v01", caller=theirs),
    ]
    for call in refusals:
        error = _outside(call)
        assert error.violations, call
    assert len(app.store.audit_entries(limit=100000)) == audit_before   # nothing written
    # a version uploaded into xinzhuang is NOT_FOUND to dahedian's admin
    ours = Principal("大河店镇管理员", "admin", township_id="dahedian")
    with pytest.raises(NotFound) as err:
        app.activate_ruleset(own.id, "", ours, "dahedian")
    assert [v.field for v in err.value.violations] == ["id"]
    # and within its own township it sees only its own
    assert [v.id for v in app.list_villages(theirs)] == ["xinzhuang-v1"]
    assert [o.official.id for o in app.list_officials(caller=theirs)] == ["xinzhuang-o1"]
    assert {s.id for s in app.list_scorers(theirs)} == {"xinzhuang-main"} | {
        s.id for s in app.store.scorers() if not s.township_id}


def test_a_scorer_of_one_township_scores_nothing_in_another(served):
    app, stubs = served
    _second_township(stubs)
    with pytest.raises(grpc.RpcError) as err:
        stubs.facts.SubmitFact(_absence("v01-1", "xinzhuang-main", "cross-1"))
    assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert set(violations(err.value)) == {"fact.scorer_id"}
    assert not app.store.facts_by_keys(["cross-1"])


def test_a_roster_write_in_one_township_leaves_the_others_months_warm(served):
    app, stubs = served
    _second_township(stubs)
    for township in ("dahedian", "xinzhuang"):
        app.monthly_scores(MONTH, township_id=township)
    computed = app.month_cache.computed
    stubs.registry.PutVillage(rg.Village(id="xinzhuang-v2", township_id="xinzhuang", name="新村"))
    app.monthly_scores(MONTH, township_id="dahedian")        # warm: not computed again
    assert app.month_cache.computed == computed
    app.monthly_scores(MONTH, township_id="xinzhuang")       # its roster changed: computed again
    assert app.month_cache.computed == computed + 1
