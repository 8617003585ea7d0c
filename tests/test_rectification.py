"""Rectification (整改) over a real gRPC server (kaoping.ops.server.Server on loopback, the
production auth interceptor, real tokens): record → progress → close with evidence, every
bad input refused with its field and nothing changed, who may write and read, the audit
trail, the village's 《反馈通知单》 listing an item until it is closed, and a rule set that
deducts for an overdue item (rules/README.md "Rectification facts") changing the month's
total — and a frozen month keeping it."""
import re
from datetime import date
from pathlib import Path

import grpc
import pytest

from kaoping.domain import rectification as rc_domain
from kaoping.storage.models import Township, Village
from kaoping.usecases.recompute import recompute_month
from kaoping.usecases.ruleset_validation import validate_text
from kaoping.usecases.tokens import Tokens
from kaoping.v1 import audit_pb2 as au
from kaoping.v1 import evaluation_pb2 as ev
from kaoping.v1 import facts_pb2 as fx
from kaoping.v1 import rectification_pb2 as rc
from kaoping.v1 import workflow_pb2 as wf
from tests.support.apps import make_app, new_database_url
from tests.support.calls import refused_with, stubs_for, violations
from tests.support.servers import LocalServer
from tests.support.workflow import Clock

ROOT = Path(__file__).resolve().parents[1]
OK = grpc.StatusCode.OK
BAD, DENIED, GONE, STATE = (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.PERMISSION_DENIED,
                            grpc.StatusCode.NOT_FOUND, grpc.StatusCode.FAILED_PRECONDITION)


def readme_rules(tmp: Path) -> Path:
    """The README's example rule set (整改落实: 3 points per overdue item, at most 9)."""
    text = (ROOT / "rules" / "README.md").read_text(encoding="utf-8")
    body = re.search(r"```yaml\n(# file: rectification-overdue\.yaml\n.*?)^```$", text, re.S | re.M).group(1)
    path = tmp / "rectification-overdue.yaml"
    path.write_text(body, encoding="utf-8")
    return path


class World:
    def __init__(self, app, server, clock, tokens):
        self.app, self.server, self.clock, self.tokens = app, server, clock, tokens

    def stubs(self, who: str = "admin"):
        return stubs_for(self.server.channel, self.tokens[who])

    def items(self) -> list:
        return list(self.stubs().rectification.ListRectifications(rc.ListRectificationsRequest()).rectifications)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("rectification")
    app = make_app(new_database_url(tmp), rules=readme_rules(tmp))
    clock = Clock(date(2026, 7, 1))
    app.today = clock
    issue = Tokens(app.store).create
    tokens = {"admin": issue("镇党政办", "admin")[0],
              "v01": issue("上山村党支部", "village", village_id="v01")[0],
              "v02": issue("火石村党支部", "village", village_id="v02")[0],
              "reader": issue("审计", "reader")[0],
              "main": issue("主要领导", "main_leader", scorer_id="main-01")[0]}
    server = LocalServer(app, insecure_dev=False)
    yield World(app, server, clock, tokens)
    server.stop()


def record(stub, **given) -> rc.Rectification:
    fields = dict(village_id="v01", year=2026, area="班子自身建设", problem="会议记录不全",
                  demand="补齐全年会议记录", deadline="2026-07-10", responsible="村党支部书记 王建国")
    fields.update(given)
    return stub.rectification.RecordRectification(rc.RecordRectificationRequest(**fields))


def audit_actions(world, target: str) -> list[str]:
    entries = world.stubs().audit.ListAuditEntries(au.ListAuditEntriesRequest(target=target)).entries
    return [e.action for e in entries]


# the life of an item ------------------------------------------------------------------------
def test_record_progress_close_each_a_step_in_the_trail_and_the_audit_log(world):
    world.clock.set(date(2026, 7, 1))
    admin = world.stubs()
    item = record(admin, note="年中督查发现")
    assert (item.state, item.overdue, item.recorded_on, item.closed_on) == ("open", False, "2026-07-01", "")
    assert (item.village_name, item.township_id, item.deadline) == ("上山村", "dahedian", "2026-07-10")
    assert [(s.action, s.note) for s in item.steps] == [("recorded", "年中督查发现")]

    world.clock.set(date(2026, 7, 11))   # past the deadline, still open: overdue
    item = admin.rectification.ReportProgress(rc.ReportProgressRequest(id=item.id, note="已补齐1至6月",
                                                                       evidence="会议记录本"))
    assert (item.state, item.overdue) == ("open", True)
    assert [s.action for s in item.steps] == ["recorded", "progress"]
    assert item.steps[1].evidence == "会议记录本" and item.steps[1].actor == "镇党政办"

    item = admin.rectification.CloseRectification(rc.CloseRectificationRequest(
        id=item.id, evidence="镇党政办查验会议记录本", note="已全部补齐"))
    assert (item.state, item.overdue, item.closed_on, item.evidence) == ("closed", False, "2026-07-11",
                                                                         "镇党政办查验会议记录本")
    assert [s.action for s in item.steps] == ["recorded", "progress", "closed"]
    assert admin.rectification.GetRectification(rc.GetRectificationRequest(id=item.id)) == item

    # closing twice, or reporting on a closed item: FAILED_PRECONDITION naming the state
    for call in (lambda: admin.rectification.CloseRectification(rc.CloseRectificationRequest(id=item.id, evidence="又一次")),
                 lambda: admin.rectification.ReportProgress(rc.ReportProgressRequest(id=item.id, note="补充"))):
        error = refused_with(call, STATE)
        assert "is closed" in error.details() and violations(error) == {"id": "current state: closed"}
    assert admin.rectification.GetRectification(rc.GetRectificationRequest(id=item.id)) == item
    assert audit_actions(world, f"rectification {item.id}") == [
        "rectification_record", "rectification_progress", "rectification_close"]


# bad input: the field named, nothing changed --------------------------------------------------
LONG = {"area": rc_domain.MAX_AREA, "problem": rc_domain.MAX_PROBLEM, "demand": rc_domain.MAX_DEMAND,
        "responsible": rc_domain.MAX_RESPONSIBLE, "note": rc_domain.MAX_NOTE}


@pytest.mark.parametrize("name,most", LONG.items())
def test_every_text_at_its_bound_is_taken_one_more_is_refused(world, name, most):
    world.clock.set(date(2026, 7, 1))
    admin = world.stubs()
    before = len(world.items())
    assert getattr(record(admin, village_id="v09", **{name: "字" * most}), name, "字" * most) == "字" * most
    error = refused_with(lambda: record(admin, village_id="v09", **{name: "字" * (most + 1)}), BAD)
    assert violations(error) == {name: f"longer than {most} characters"}
    assert len(world.items()) == before + 1


@pytest.mark.parametrize("given,field", [
    (dict(problem=""), "problem"), (dict(demand="  "), "demand"), (dict(responsible=""), "responsible"),
    (dict(deadline=""), "deadline"), (dict(deadline="2026-7-20"), "deadline"),
    (dict(deadline="2026-02-30"), "deadline"), (dict(deadline="2026年7月20日"), "deadline"),
    (dict(deadline="2026-06-30"), "deadline"),                     # before today
    (dict(deadline="2029-07-02"), "deadline"),                     # more than three years ahead
    (dict(year=1999), "year"), (dict(year=2027), "year"), (dict(year=0), "year"),
    (dict(village_id=""), "village_id")])
def test_bad_fields_are_refused_with_the_field_and_nothing_is_recorded(world, given, field):
    world.clock.set(date(2026, 7, 1))
    before = len(world.items())
    error = refused_with(lambda: record(world.stubs(), **given), BAD)
    assert field in violations(error)
    assert len(world.items()) == before


def test_the_deadline_may_be_today_and_three_years_ahead(world):
    world.clock.set(date(2026, 7, 1))
    admin = world.stubs()
    assert record(admin, village_id="v10", deadline="2026-07-01").deadline == "2026-07-01"
    assert record(admin, village_id="v10", deadline="2029-07-01").deadline == "2029-07-01"


def test_a_village_outside_the_township_or_unknown_is_not_found(world):
    before = len(world.items())
    error = refused_with(lambda: record(world.stubs(), village_id="v99"), GONE)
    assert "village_id" in violations(error)
    assert len(world.items()) == before


def test_progress_needs_a_note_and_closing_needs_evidence(world):
    world.clock.set(date(2026, 7, 1))
    admin = world.stubs()
    item = record(admin, village_id="v11")
    for call, field in (
            (lambda: admin.rectification.ReportProgress(rc.ReportProgressRequest(id=item.id, note=" ")), "note"),
            (lambda: admin.rectification.ReportProgress(rc.ReportProgressRequest(
                id=item.id, note="做了", evidence="证" * (rc_domain.MAX_EVIDENCE + 1))), "evidence"),
            (lambda: admin.rectification.CloseRectification(rc.CloseRectificationRequest(id=item.id)), "evidence"),
            (lambda: admin.rectification.CloseRectification(rc.CloseRectificationRequest(
                id=item.id, evidence="证" * (rc_domain.MAX_EVIDENCE + 1))), "evidence")):
        assert field in violations(refused_with(call, BAD))
    assert admin.rectification.GetRectification(rc.GetRectificationRequest(id=item.id)) == item
    closed = admin.rectification.CloseRectification(rc.CloseRectificationRequest(
        id=item.id, evidence="证" * rc_domain.MAX_EVIDENCE))
    assert closed.state == "closed" and len(closed.evidence) == rc_domain.MAX_EVIDENCE
    for missing in (0, -1, 2**31, 999_999):
        refused_with(lambda: admin.rectification.GetRectification(rc.GetRectificationRequest(id=missing)), GONE)
        refused_with(lambda: admin.rectification.CloseRectification(
            rc.CloseRectificationRequest(id=missing, evidence="x")), GONE)


def test_a_village_holds_at_most_fifty_items_a_year(world):
    world.clock.set(date(2026, 7, 1))
    admin = world.stubs()
    for n in range(rc_domain.MAX_PER_VILLAGE_YEAR):
        record(admin, village_id="v12", problem=f"问题 {n + 1}")
    error = refused_with(lambda: record(admin, village_id="v12", problem="第51项"), STATE)
    assert "village_id" in violations(error)
    assert record(admin, village_id="v12", year=2025, problem="上一年度的").year == 2025   # per year
    listed = admin.rectification.ListRectifications(rc.ListRectificationsRequest(village_id="v12", year=2026))
    assert len(listed.rectifications) == rc_domain.MAX_PER_VILLAGE_YEAR


# who may do what -------------------------------------------------------------------------------
def test_only_administrators_write_and_a_village_reads_only_its_own(world):
    world.clock.set(date(2026, 7, 1))
    admin = world.stubs()
    own, other = record(admin, village_id="v01", problem="上山村的"), record(admin, village_id="v02", problem="火石村的")
    before = len(world.items())
    for who in ("v01", "reader", "main"):
        s = world.stubs(who)
        refused_with(lambda: record(s, village_id="v01"), DENIED)
        refused_with(lambda: s.rectification.CloseRectification(
            rc.CloseRectificationRequest(id=own.id, evidence="x")), DENIED)
        refused_with(lambda: s.rectification.ReportProgress(rc.ReportProgressRequest(id=own.id, note="x")), DENIED)
    assert len(world.items()) == before

    v01 = world.stubs("v01").rectification
    listed = v01.ListRectifications(rc.ListRectificationsRequest()).rectifications
    assert listed and {r.village_id for r in listed} == {"v01"}
    assert v01.GetRectification(rc.GetRectificationRequest(id=own.id)).problem == "上山村的"
    refused_with(lambda: v01.GetRectification(rc.GetRectificationRequest(id=other.id)), DENIED)
    refused_with(lambda: v01.ListRectifications(rc.ListRectificationsRequest(village_id="v02")), DENIED)
    everyone = world.stubs("reader").rectification.ListRectifications(rc.ListRectificationsRequest())
    assert {"v01", "v02"} <= {r.village_id for r in everyone.rectifications}


def test_a_township_admin_cannot_reach_another_township(tmp_path):
    app = make_app(new_database_url(tmp_path), rules=readme_rules(tmp_path))
    app.today = Clock(date(2026, 7, 1))
    app.store.put(Township(id="xiaohe", name="小河镇", county="徽县"),
                  Village(id="x01", township_id="xiaohe", name="小河村"))
    token = Tokens(app.store).create("小河镇党政办", "admin", township_id="xiaohe")[0]
    server = LocalServer(app, insecure_dev=False)
    try:
        s = stubs_for(server.channel, token).rectification
        request = dict(year=2026, problem="p", demand="d", deadline="2026-07-10", responsible="r")
        refused_with(lambda: s.RecordRectification(rc.RecordRectificationRequest(
            township_id="dahedian", village_id="v01", **request)), DENIED)
        refused_with(lambda: s.RecordRectification(rc.RecordRectificationRequest(village_id="v01", **request)),
                     GONE)   # not a village of 小河镇
        assert s.RecordRectification(rc.RecordRectificationRequest(village_id="x01", **request)).township_id == "xiaohe"
        assert {r.village_id for r in s.ListRectifications(rc.ListRectificationsRequest()).rectifications} == {"x01"}
    finally:
        server.stop()


# the notice ---------------------------------------------------------------------------------------
def notice(world, village: str, month: str, who: str = "admin") -> wf.VillageFeedback:
    return world.stubs(who).workflow.GetVillageFeedback(wf.VillageFeedbackRequest(village_id=village, month=month))


def test_the_notice_lists_an_open_item_until_it_is_closed(world):
    world.clock.set(date(2026, 8, 3))
    admin = world.stubs()
    item = record(admin, village_id="v05", problem="村务公开栏未更新", deadline="2026-08-20")
    shown = {r.id: r for r in notice(world, "v05", "2026-08").rectifications}
    assert shown[item.id].state == "open" and not shown[item.id].overdue
    assert item.id not in {r.id for r in notice(world, "v05", "2026-07").rectifications}   # recorded later
    assert not notice(world, "v06", "2026-08").rectifications                              # another village

    world.clock.set(date(2026, 9, 2))
    assert {r.id: r.overdue for r in notice(world, "v05", "2026-09").rectifications}[item.id] is True
    admin.rectification.CloseRectification(rc.CloseRectificationRequest(id=item.id, evidence="公开栏照片"))
    closed = {r.id: r for r in notice(world, "v05", "2026-09").rectifications}[item.id]  # closed in September
    assert (closed.state, closed.closed_on, closed.overdue) == ("closed", "2026-09-02", False)
    august = {r.id: r for r in notice(world, "v05", "2026-08").rectifications}[item.id]   # still open on 31 Aug
    assert (august.state, august.overdue, august.closed_on) == ("open", True, "")

    world.clock.set(date(2026, 10, 5))
    assert item.id not in {r.id for r in notice(world, "v05", "2026-10").rectifications}  # gone once closed


# overdue as a fact of the rules ---------------------------------------------------------------------
def totals(world, village: str, month: str) -> set[str]:
    scores = world.stubs().evaluation.GetMonthlyScores(ev.GetMonthlyScoresRequest(month=month, village_id=village))
    return {s.total for s in scores.scores}


def test_an_overdue_item_is_a_fact_a_rule_deducts_for_until_closed_and_a_frozen_month_keeps_it(world):
    admin = world.stubs()
    world.clock.set(date(2026, 10, 5))
    first = record(admin, village_id="v03", problem="集体资产台账不全", deadline="2026-10-10")
    assert totals(world, "v03", "2026-10") == {"100"}          # not overdue yet

    world.clock.set(date(2026, 10, 20))
    assert totals(world, "v03", "2026-10") == {"97"}           # 3 off 整改落实 for every official
    assert totals(world, "v04", "2026-10") == {"100"}
    lines = [d for o in notice(world, "v03", "2026-10").officials for d in o.deductions]
    assert {(d.item.rule_id, d.item.points) for d in lines} == {("zhenggai.overdue", "-3")}
    second = record(admin, village_id="v03", problem="人居环境整治不到位", deadline="2026-10-25")

    world.clock.set(date(2026, 10, 28))
    assert totals(world, "v03", "2026-10") == {"94"}           # two overdue: 3 × 2
    admin.rectification.CloseRectification(rc.CloseRectificationRequest(id=first.id, evidence="台账已建立"))
    assert totals(world, "v03", "2026-10") == {"97"}           # closed before the month's end: gone

    world.clock.set(date(2026, 11, 2))
    state = admin.workflow.Aggregate(wf.MonthRequest(month="2026-10"))
    assert state.state == "aggregated"
    frozen = {l.official_id: str(l.total.normalize()) for l in _snapshot(world, "2026-10") if l.village_id == "v03"}
    assert set(frozen.values()) == {"97"}
    world.clock.set(date(2026, 11, 3))
    admin.rectification.CloseRectification(rc.CloseRectificationRequest(id=second.id, evidence="整治验收表"))
    # the month ended with it overdue: its figures, live or frozen, do not change
    assert totals(world, "v03", "2026-10") == {"97"}
    assert {o.total for o in notice(world, "v03", "2026-10").officials} == {"97"}
    assert admin.workflow.GetMonthState(wf.MonthRequest(month="2026-10")).drift == []
    assert totals(world, "v03", "2026-11") == {"100"}          # November: nothing overdue
    # the province-scale recompute (worker view of the store) sees the same fact
    rows = []
    recompute_month(world.app.store, "2026-10", workers=1,
                    on_shard=lambda scores: rows.extend(s for s in scores if s.village_id == "v03"))
    assert rows and {str(s.result.total) for s in rows} == {"97"}


def _snapshot(world, month: str):
    record_ = world.app.months.record("dahedian", month)
    return world.app.months.lines("dahedian", month, record_.revision)


def test_nobody_submits_the_derived_kind(world):
    world.clock.set(date(2026, 12, 2))
    forged = fx.Fact(village_id="v07", month="2026-12", category="zhenggai", kind="rectification_overdue",
                     quantity="1", scorer_id="main-01", idempotency_key="forged-overdue")
    error = refused_with(lambda: world.stubs().facts.SubmitFact(fx.SubmitFactRequest(fact=forged)), BAD)
    assert "fact.kind" in violations(error)


def test_validation_refuses_the_kind_outside_a_village_month_category(tmp_path):
    text = readme_rules(tmp_path).read_text(encoding="utf-8")
    assert validate_text(text).ruleset is not None
    moved = text.replace("    scope: village\n", "", 1)
    problems = validate_text(moved).problems
    assert any("rectification_overdue" in p.location and "scope: village" in p.message for p in problems), problems
