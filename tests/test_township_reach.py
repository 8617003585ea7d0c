"""Every RPC × every role × (own township, other township): no cross-township read or
write (issue 14, point 4). Real server on loopback with the production interceptor,
real tokens bound to a township or a county, real database.

Two townships in two counties: `xinzhuang` (成县) is the callers' own, the sample's
`dahedian` (徽县) is the other. Each role's token is bound to xinzhuang (county roles:
to 成县). For every method, a request aimed at dahedian (its township, village,
official, fact, appeal, rule-set version, token) must be refused — PERMISSION_DENIED
or NOT_FOUND — and after all of them nothing in the database has changed; lists asked
for without a township show nothing of dahedian; and the same requests aimed at
xinzhuang are never refused for reach.
"""
from __future__ import annotations

from dataclasses import dataclass

import grpc
import pytest
from google.protobuf import message_factory
from sqlalchemy import func
from sqlmodel import select

from kaoping.storage import models as m
from kaoping.v1 import audit_pb2
from kaoping.v1 import rectification_pb2 as rc
from kaoping.v1 import evaluation_pb2 as ev
from kaoping.v1 import facts_pb2 as fx
from kaoping.v1 import registry_pb2 as rg
from kaoping.v1 import rulesets_pb2 as rs
from kaoping.v1 import tokens_pb2 as tk
from kaoping.v1 import workflow_pb2 as wf
from kaoping.v1 import yearend_pb2 as ye
from kaoping.ops.server import SERVICES
from kaoping.api.policy import POLICY
from tests.support.apps import make_app, new_database_url
from tests.support.calls import stubs_for
from tests.support.rules import stricter
from tests.support.servers import LocalServer

MONTH = "2026-10"
OWN_COUNTY, OTHER_COUNTY = "成县", "徽县"
MODULES = SERVICES   # the server's own list: every service, present and future
ROLES = ("admin", "reader", "main_leader", "contact_leader", "station", "resident_cadre", "system",
         "village", "county_admin", "county_reader")
OTHER_MARKS = ("dahedian", "v01", "main-01")   # ids only the other township has
# answers that do not depend on any township: OK is right for them
TOWNSHIP_FREE = {"ValidateRuleSet"}


@dataclass
class Target:
    township: str
    county: str
    village: str
    official: str
    scorer: str
    fact_id: int
    appeal_id: int
    ruleset_id: int
    token_id: int
    rectification_id: int = 0


def _fact(t: Target, key: str) -> fx.Fact:
    return fx.Fact(official_id=t.official, month=MONTH, category="attendance", kind="meeting_absent",
                   quantity="1", scorer_id=t.scorer, idempotency_key=key)


def requests(t: Target, role: str, n: int) -> dict:
    """One request per method, every id in it pointing at `t` (a township's things)."""
    key = f"reach-{role}-{n}-{t.township}"
    return {
        "SubmitFact": fx.SubmitFactRequest(fact=_fact(t, key)),
        "SubmitFacts": fx.FactBatch(facts=[_fact(t, key + "-b")]),
        "StreamFacts": fx.FactBatch(facts=[_fact(t, key + "-s")], sequence=1),
        "CorrectFact": fx.CorrectFactRequest(fact_id=t.fact_id, reason="录入错误", scorer_id=t.scorer,
                                             idempotency_key=key + "-c"),
        "ListFacts": fx.ListFactsRequest(month=MONTH, township_id=t.township),
        "GetMonthlyScores": ev.GetMonthlyScoresRequest(month=MONTH, township_id=t.township),
        "WatchScores": ev.WatchScoresRequest(month=MONTH, township_id=t.township),
        "GetRanking": ev.GetRankingRequest(month=MONTH, township_id=t.township),
        "GetFeedbackNotice": ev.GetFeedbackNoticeRequest(village_id=t.village, month=MONTH),
        "ExplainScore": ev.ExplainScoreRequest(official_id=t.official, month=MONTH),
        "ValidateRuleSet": rs.RuleSetSource(text=stricter(), township_id=t.township),
        "UploadRuleSet": rs.RuleSetSource(text=stricter() + f"\n# {key}\n", township_id=t.township),
        "ActivateRuleSet": rs.ActivateRuleSetRequest(id=t.ruleset_id, township_id=t.township),
        "RollbackRuleSet": rs.RollbackRuleSetRequest(township_id=t.township),
        "ListRuleSets": rs.ListRuleSetsRequest(township_id=t.township),
        "DryRunRuleSet": rs.DryRunRequest(candidate=rs.RuleSetSource(text=stricter()), month=MONTH,
                                          township_id=t.township),
        "GetActiveRuleSet": rs.GetActiveRuleSetRequest(township_id=t.township),
        "PublishTemplate": rs.PublishTemplateRequest(county=t.county, id=t.ruleset_id),
        "GetTemplate": rs.GetTemplateRequest(county=t.county),
        "CreateTownship": rg.Township(id=f"new-{role}-{n}", name="新镇", county=t.county),
        "UpdateTownship": rg.Township(id=t.township, name="改名镇"),
        "ListTownships": rg.ListTownshipsRequest(county=t.county),
        "GetTownship": rg.GetTownshipRequest(id=t.township),
        "ListVillages": rg.ListVillagesRequest(township_id=t.township),
        "ListOfficials": rg.ListOfficialsRequest(village_id=t.village),
        "ListScorers": rg.ListScorersRequest(township_id=t.township),
        "PutVillage": rg.Village(id=t.village, township_id=t.township, name="改名村"),
        "PutOfficial": rg.Official(id=t.official, village_id=t.village, name="改名", position="书记",
                                   base_pay="1"),
        "PutScorer": rg.Scorer(id=t.scorer, name="改名", role="main_leader", township_id=t.township),
        "ImportRoster": rg.ImportRosterRequest(township_id=t.township, rows=[rg.RosterRow(
            sheet="villages", row=2, village=rg.Village(id=f"{t.village}-new", name="新村"))]),
        "ListRosterEntries": rg.ListRosterEntriesRequest(official_id=t.official),
        "ListAuditEntries": audit_pb2.ListAuditEntriesRequest(township_id=t.township),
        "GetMonthState": wf.MonthRequest(township_id=t.township, month=MONTH),
        "Aggregate": wf.MonthRequest(township_id=t.township, month=MONTH),
        "Reopen": wf.MonthRequest(township_id=t.township, month=MONTH, note="重新汇总"),
        "Approve": wf.ApproveRequest(township_id=t.township, month=MONTH),
        "Confirm": wf.ConfirmRequest(township_id=t.township, month=MONTH, village_id=t.village),
        "Appeal": wf.AppealRequest(fact_id=t.fact_id, reason="有假条"),
        "ResolveAppeal": wf.ResolveAppealRequest(appeal_id=t.appeal_id, decision="upheld", reason="维持"),
        "ListAppeals": wf.ListAppealsRequest(township_id=t.township, month=MONTH),
        "Publish": wf.MonthRequest(township_id=t.township, month=MONTH),
        "MarkPaid": wf.MarkPaidRequest(township_id=t.township, month=MONTH, reference="银行回单"),
        "GetVillageFeedback": wf.VillageFeedbackRequest(village_id=t.village, month=MONTH),
        "GetPublicNotice": wf.MonthRequest(township_id=t.township, month=MONTH),
        "GetYearToDateRanking": wf.MonthRequest(township_id=t.township, month=MONTH),
        "GetYearEnd": wf.GetYearEndRequest(township_id=t.township, year=2026),
        "GetPayList": wf.GetPayListRequest(township_id=t.township, month=MONTH),
        "GetYearState": ye.YearRequest(township_id=t.township, year=2026),
        "AggregateYear": ye.YearRequest(township_id=t.township, year=2026),
        "ReopenYear": ye.YearRequest(township_id=t.township, year=2026, note="重算"),
        "ApproveYear": ye.ApproveYearRequest(township_id=t.township, year=2026),
        "PublishYear": ye.YearRequest(township_id=t.township, year=2026),
        "RecordYearPayout": ye.YearPayoutRequest(township_id=t.township, year=2026, reference="银行回单"),
        "CloseYear": ye.YearRequest(township_id=t.township, year=2026),
        "IssueToken": tk.IssueTokenRequest(name=f"新令牌-{role}-{n}", role="reader", township_id=t.township),
        "RevokeToken": tk.RevokeTokenRequest(id=t.token_id),
        "ListTokens": tk.ListTokensRequest(township_id=t.township),
        "RecordRectification": rc.RecordRectificationRequest(
            township_id=t.township, village_id=t.village, year=2026, problem=f"问题-{role}-{n}", demand="整改",
            deadline="2026-12-31", responsible="村党支部书记"),
        "ReportProgress": rc.ReportProgressRequest(id=t.rectification_id, note="已整改一半"),
        "CloseRectification": rc.CloseRectificationRequest(id=t.rectification_id, evidence="整改佐证"),
        "GetRectification": rc.GetRectificationRequest(id=t.rectification_id),
        "ListRectifications": rc.ListRectificationsRequest(township_id=t.township),
    }


def methods():
    for module in MODULES:
        for service in module.DESCRIPTOR.services_by_name.values():
            for method in service.methods:
                yield f"/{service.full_name}/{method.name}", method


def invoke(channel, token: str, path: str, method, request):
    response_cls = message_factory.GetMessageClass(method.output_type)
    request_cls = message_factory.GetMessageClass(method.input_type)
    kinds = {(False, False): channel.unary_unary, (True, False): channel.stream_unary,
             (False, True): channel.unary_stream, (True, True): channel.stream_stream}
    call = kinds[(method.client_streaming, method.server_streaming)](
        path, request_serializer=request_cls.SerializeToString, response_deserializer=response_cls.FromString)
    metadata = (("authorization", f"Bearer {token}"),)
    if method.client_streaming and method.server_streaming:   # every reply, errors raised here
        return list(call(iter([request]), metadata=metadata, timeout=60))
    if method.server_streaming:   # the first reply (or the refusal), then hang up
        stream = call(request, metadata=metadata, timeout=60)
        try:
            return next(stream, None)
        finally:
            stream.cancel()
    if method.client_streaming:
        return call(iter([request]), metadata=metadata, timeout=60)
    return call(request, metadata=metadata, timeout=60)


class World:
    def __init__(self, tmp_path):
        self.app = app = make_app(new_database_url(tmp_path))
        app.store.put(m.Township(id="dahedian", name="大河店镇（示例）", county=OTHER_COUNTY))
        self.local = LocalServer(app, insecure_dev=False)
        host = self.local.server.tokens
        deployment = stubs_for(self.local.channel, host.create("县信息中心", "admin")[0])
        # the other township: a fact, a month approved with an appeal pending, its own
        # rule-set version and a token of its own
        ruleset = deployment.rulesets.UploadRuleSet(rs.RuleSetSource(text=stricter(), township_id="dahedian"))
        fact = deployment.facts.SubmitFact(fx.SubmitFactRequest(fact=_fact(
            Target("dahedian", "", "v01", "v01-1", "main-01", 0, 0, 0, 0), "other-fact")))
        deployment.workflow.Aggregate(wf.MonthRequest(township_id="dahedian", month=MONTH))
        deployment.workflow.Approve(wf.ApproveRequest(township_id="dahedian", month=MONTH))
        village_token = host.create("上山村党支部", "village", village_id="v01")[0]
        appeal = stubs_for(self.local.channel, village_token).workflow.Appeal(
            wf.AppealRequest(fact_id=fact.fact_id, reason="有假条"))
        other_token = host.create("大河店镇审计", "reader", township_id="dahedian")[1]
        item = deployment.rectification.RecordRectification(rc.RecordRectificationRequest(
            township_id="dahedian", village_id="v01", year=2026, problem="会议记录不全", demand="补齐",
            deadline="2026-12-31", responsible="村党支部书记"))
        self.other = Target("dahedian", OTHER_COUNTY, "v01", "v01-1", "main-01", fact.fact_id, appeal.id,
                            ruleset.ref.id, other_token.id, item.id)
        # the callers' own township, built through the API by its county's admin
        deployment.registry.CreateTownship(rg.Township(id="xinzhuang", name="新庄镇", county=OWN_COUNTY))
        county = stubs_for(self.local.channel, host.create("成县管理员", "county_admin", county=OWN_COUNTY)[0])
        county.registry.PutVillage(rg.Village(id="xz-v1", township_id="xinzhuang", name="河坝村"))
        county.registry.PutOfficial(rg.Official(id="xz-o1", village_id="xz-v1", name="李文华",
                                                position="党支部书记", base_pay="1500",
                                                effective_on="2026-01-01"))
        for role in ("main_leader", "contact_leader", "station", "resident_cadre"):
            county.registry.PutScorer(rg.Scorer(id=f"xz-{role}", name=role, role=role, township_id="xinzhuang"))
        own_ruleset = county.rulesets.UploadRuleSet(rs.RuleSetSource(text=stricter() + "\n# own\n",
                                                                     township_id="xinzhuang"))
        own_fact = county.facts.SubmitFact(fx.SubmitFactRequest(fact=_fact(
            Target("xinzhuang", "", "xz-v1", "xz-o1", "xz-main_leader", 0, 0, 0, 0), "own-fact")))
        spare = county.tokens.IssueToken(tk.IssueTokenRequest(name="备用", role="reader", township_id="xinzhuang"))
        own_item = county.rectification.RecordRectification(rc.RecordRectificationRequest(
            township_id="xinzhuang", village_id="xz-v1", year=2026, problem="账目不清", demand="清理",
            deadline="2026-12-31", responsible="村主任"))
        self.own = Target("xinzhuang", OWN_COUNTY, "xz-v1", "xz-o1", "xz-main_leader", own_fact.fact_id, 0,
                          own_ruleset.ref.id, spare.info.id, own_item.id)
        bound = {"township_id": "xinzhuang"}
        self.tokens = {
            "admin": host.create("新庄镇管理员", "admin", **bound)[0],
            "reader": host.create("新庄镇纪委", "reader", **bound)[0],
            **{role: host.create(f"新庄镇{role}", role, scorer_id=f"xz-{role}", **bound)[0]
               for role in ("main_leader", "contact_leader", "station", "resident_cadre")},
            "system": host.create("新庄镇考勤系统", "system", categories=("attendance",), **bound)[0],
            "village": host.create("河坝村党支部", "village", village_id="xz-v1")[0],
            "county_admin": host.create("成县管理员二", "county_admin", county=OWN_COUNTY)[0],
            "county_reader": host.create("成县读者", "county_reader", county=OWN_COUNTY)[0],
        }

    def counts(self) -> dict[str, int]:
        tables = (m.Township, m.Village, m.Official, m.Scorer, m.RosterEntry, m.FactRow, m.RuleSetRow,
                  m.TownshipRuleSet, m.Activation, m.ApiToken, m.AuditEntry, m.MonthRecord, m.MonthEvent,
                  m.AppealRow, m.SnapshotLine, m.VillageConfirmation, m.PaymentRow, m.YearRecord, m.YearEvent,
                  m.YearLine, m.YearPayment, m.RectificationRow, m.RectificationStep)
        with self.app.store.session() as s:
            counts = {t.__name__: s.exec(select(func.count()).select_from(t)).one() for t in tables}
            counts["revoked"] = s.exec(select(func.count()).select_from(m.ApiToken)
                                       .where(m.ApiToken.revoked_at.is_not(None))).one()
            counts["names"] = hash(tuple(s.exec(select(m.Village.name).order_by(m.Village.id))))
        return counts


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    w = World(tmp_path_factory.mktemp("reach"))
    yield w
    w.local.stop()


def test_the_request_table_covers_every_rpc(world):
    names = {path.rsplit("/", 1)[1] for path, _ in methods()}
    assert names == set(requests(world.own, "admin", 0)), "add the new RPC to requests()"
    assert {path for path, _ in methods()} == set(POLICY)


def test_nothing_of_another_township_is_read_or_written_by_any_role(world):
    before = world.counts()
    leaks = []
    for role in ROLES:
        token = world.tokens[role]
        for n, (path, method) in enumerate(methods()):
            name = path.rsplit("/", 1)[1]
            request = requests(world.other, role, n)[name]
            try:
                response = invoke(world.local.channel, token, path, method, request)
            except grpc.RpcError as error:
                if error.code() not in (grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.NOT_FOUND):
                    leaks.append(f"{role} {name}: {error.code().name} {error.details()} (not refused for reach)")
                continue
            text = str(response)
            if name == "SubmitFacts":   # per-fact outcomes in an OK reply: each must be the refusal
                if response.accepted or not all(o.code in (7, 5) for o in response.outcomes):
                    leaks.append(f"{role} {name}: a fact about the other township was not refused: {text[:200]}")
            elif name == "StreamFacts":   # the same, in each acknowledgement
                if not response or any(a.accepted or not all(o.code in (7, 5) for o in a.outcomes)
                                       for a in response):
                    leaks.append(f"{role} {name}: a fact about the other township was not refused: {text[:200]}")
            elif name not in TOWNSHIP_FREE and name != "ListTownships":
                leaks.append(f"{role} {name}: answered OK about the other township")
            elif any(mark in text for mark in OTHER_MARKS):
                leaks.append(f"{role} {name}: the reply shows the other township: {text[:200]}")
    assert not leaks, "\n".join(leaks)
    assert world.counts() == before, "a refused call wrote something"


LISTS = {
    "ListFacts": fx.ListFactsRequest(month=MONTH),
    "ListTownships": rg.ListTownshipsRequest(),
    "ListVillages": rg.ListVillagesRequest(),
    "ListOfficials": rg.ListOfficialsRequest(),
    "ListScorers": rg.ListScorersRequest(),
    "ListRuleSets": rs.ListRuleSetsRequest(),
    "GetActiveRuleSet": rs.GetActiveRuleSetRequest(),
    "ListAuditEntries": audit_pb2.ListAuditEntriesRequest(),
    "ListAppeals": wf.ListAppealsRequest(month=MONTH),
    "ListTokens": tk.ListTokensRequest(include_revoked=True),
    "GetMonthlyScores": ev.GetMonthlyScoresRequest(month=MONTH),
    "WatchScores": ev.WatchScoresRequest(month=MONTH),
    "GetYearToDateRanking": wf.MonthRequest(month=MONTH),
    "ListRectifications": rc.ListRectificationsRequest(),
}


@pytest.mark.parametrize("role", ROLES)
def test_lists_without_a_township_show_only_what_is_within_reach(world, role):
    for path, method in methods():
        name = path.rsplit("/", 1)[1]
        if name not in LISTS or role not in POLICY[path]:
            continue
        try:
            response = invoke(world.local.channel, world.tokens[role], path, method, LISTS[name])
        except grpc.RpcError as error:   # e.g. a county reader must say which township
            assert error.code() in (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.PERMISSION_DENIED), \
                (role, name, error.details())
            continue
        text = str(response)
        assert not any(mark in text for mark in OTHER_MARKS), (role, name, text[:300])


def test_own_township_requests_are_never_refused_for_reach(world):
    over_refused = []
    for role in ROLES:
        for n, (path, method) in enumerate(methods()):
            if role not in POLICY[path]:
                continue
            name = path.rsplit("/", 1)[1]
            request = requests(world.own, role, n)[name]
            try:
                invoke(world.local.channel, world.tokens[role], path, method, request)
            except grpc.RpcError as error:
                # other refusals (a state the month is not in, a scorer's categories, a
                # village answering only for itself) are the workflow's, not reach's
                if "outside your reach" in (error.details() or ""):
                    over_refused.append(f"{role} {name}: {error.details()}")
    assert not over_refused, "\n".join(over_refused)
