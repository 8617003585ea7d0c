"""The township office records a village's paper-signed confirmation or appeal (代为登记,
issue 15.6) over a real gRPC server: an administrator of the village's township with
on_behalf {signed_by, reason}; the audit log names the administrator and records who
signed and why. Refused: a missing or too long part, a village token giving on_behalf,
an administrator without on_behalf, another township's administrator, a reader."""
import json
from datetime import date

import grpc
import pytest

from kaoping.usecases.tokens import Tokens
from kaoping.v1 import audit_pb2 as au
from kaoping.v1 import facts_pb2 as fx
from kaoping.v1 import registry_pb2 as rg
from kaoping.v1 import workflow_pb2 as wf
from tests.support.calls import refused_with, violations
from tests.support.facts import fact
from tests.support.workflow import Clock

MONTH = "2026-03"
SIGNER, WHY = "村党支部书记 王建国", "纸质回执已签字盖章，交镇党政办"


refused = refused_with


@pytest.fixture(scope="module")
def month(grpc_servicer, stubs):
    clock = Clock(date(2026, 3, 20))
    grpc_servicer.today = clock
    ids = {o: stubs.facts.SubmitFact(fx.SubmitFactRequest(fact=fact(official=o, month=MONTH, key=f"ob-{o}")))
           .fact_id for o in ("v01-1", "v02-1", "v03-1")}
    clock.set(date(2026, 4, 3))
    stubs.workflow.Aggregate(wf.MonthRequest(month=MONTH))
    stubs.workflow.Approve(wf.ApproveRequest(month=MONTH))
    ids["township"] = stubs.workflow.GetMonthState(wf.MonthRequest(month=MONTH)).township_id
    assert ids["township"] == "dahedian"
    return ids


@pytest.fixture(scope="module")
def office(stubs, stubs_as, grpc_servicer, month):
    """An administrator bound to the sample township, and one of another township."""
    home = month["township"]
    stubs.registry.CreateTownship(rg.Township(id="xiaohe", name="小河镇"))
    issue = Tokens(grpc_servicer.store).create
    return (stubs_as(issue("镇党政办 李芳", "admin", township_id=home)[0]).workflow,
            stubs_as(issue("小河镇党政办", "admin", township_id="xiaohe")[0]).workflow)


def _month(stubs) -> wf.MonthState:
    return stubs.workflow.GetMonthState(wf.MonthRequest(month=MONTH, township_id="dahedian"))


def _state(stubs, village_id: str) -> wf.VillageConfirmation:
    return next(v for v in _month(stubs).villages if v.village_id == village_id)


def _appeals(stubs) -> list[wf.AppealRecord]:
    return list(stubs.workflow.ListAppeals(wf.ListAppealsRequest(month=MONTH, township_id="dahedian")).appeals)


def _audit(stubs, action: str) -> list[au.AuditEntry]:
    return list(stubs.audit.ListAuditEntries(au.ListAuditEntriesRequest(action=action)).entries)


def test_bad_on_behalf_is_refused_and_changes_nothing(stubs, stubs_as, office, month):
    admin, _ = office
    cases = [(wf.OnBehalf(reason=WHY), "on_behalf.signed_by"),
             (wf.OnBehalf(signed_by=SIGNER), "on_behalf.reason"),
             (wf.OnBehalf(), "on_behalf.signed_by"),
             (wf.OnBehalf(signed_by="  ", reason=WHY), "on_behalf.signed_by"),
             (wf.OnBehalf(signed_by="王" * 65, reason=WHY), "on_behalf.signed_by"),
             (wf.OnBehalf(signed_by=SIGNER, reason="因" * 2001), "on_behalf.reason")]
    for on_behalf, field in cases:
        error = refused(lambda: admin.Confirm(wf.ConfirmRequest(month=MONTH, village_id="v02",
                                                                on_behalf=on_behalf)),
                        grpc.StatusCode.INVALID_ARGUMENT)
        assert field in violations(error), (on_behalf, violations(error))
        error = refused(lambda: admin.Appeal(wf.AppealRequest(fact_id=month["v02-1"], reason="x",
                                                              on_behalf=on_behalf)),
                        grpc.StatusCode.INVALID_ARGUMENT)
        assert field in violations(error)
    # on behalf of no village
    error = refused(lambda: admin.Confirm(wf.ConfirmRequest(month=MONTH, on_behalf=wf.OnBehalf(
        signed_by=SIGNER, reason=WHY))), grpc.StatusCode.INVALID_ARGUMENT)
    assert "village_id" in violations(error)
    # a village's own token answers for itself
    village = stubs_as("village").workflow
    error = refused(lambda: village.Confirm(wf.ConfirmRequest(month=MONTH, on_behalf=wf.OnBehalf(
        signed_by=SIGNER, reason=WHY))), grpc.StatusCode.INVALID_ARGUMENT)
    assert "on_behalf" in violations(error)
    error = refused(lambda: village.Appeal(wf.AppealRequest(fact_id=month["v01-1"], reason="x",
                                                            on_behalf=wf.OnBehalf(signed_by=SIGNER, reason=WHY))),
                    grpc.StatusCode.INVALID_ARGUMENT)
    assert "on_behalf" in violations(error)
    # an administrator without on_behalf stays refused, as before
    refused(lambda: admin.Confirm(wf.ConfirmRequest(month=MONTH, village_id="v02")),
            grpc.StatusCode.PERMISSION_DENIED)
    refused(lambda: admin.Appeal(wf.AppealRequest(fact_id=month["v02-1"], reason="x")),
            grpc.StatusCode.PERMISSION_DENIED)
    assert _state(stubs, "v02").state == "unconfirmed" and _state(stubs, "v01").state == "unconfirmed"
    assert not _appeals(stubs)
    assert not _audit(stubs, "month_confirm") and not _audit(stubs, "month_appeal")


def test_only_an_administrator_of_the_villages_township(stubs, stubs_as, office, month):
    _, outsider = office
    paper = wf.OnBehalf(signed_by=SIGNER, reason=WHY)
    for who in (outsider, stubs_as("reader").workflow, stubs_as("main").workflow):
        refused(lambda: who.Confirm(wf.ConfirmRequest(month=MONTH, village_id="v02", on_behalf=paper)),
                grpc.StatusCode.PERMISSION_DENIED)
        refused(lambda: who.Appeal(wf.AppealRequest(fact_id=month["v02-1"], reason="x", on_behalf=paper)),
                grpc.StatusCode.PERMISSION_DENIED)
    assert _state(stubs, "v02").state == "unconfirmed"
    assert not _appeals(stubs)


def test_confirmation_on_behalf_names_signer_admin_and_reason(stubs, office, month):
    admin, _ = office
    feedback = admin.Confirm(wf.ConfirmRequest(month=MONTH, village_id="v02", note="两委会议无异议",
                                               on_behalf=wf.OnBehalf(signed_by=SIGNER, reason=WHY)))
    assert feedback.confirmation.state == "confirmed"
    assert feedback.confirmation.confirmed_by == f"代为登记：{SIGNER}（镇党政办 李芳）"
    assert _state(stubs, "v02").confirmed_by == f"代为登记：{SIGNER}（镇党政办 李芳）"
    [entry] = _audit(stubs, "month_confirm")
    assert (entry.actor, entry.role) == ("镇党政办 李芳", "admin")
    after = json.loads(entry.after)
    assert after["village"] == "v02" and after["on_behalf"] == {"signed_by": SIGNER, "reason": WHY}
    history = _month(stubs).history
    note = next(e for e in history if e.action == "confirm")
    assert note.actor == "镇党政办 李芳" and SIGNER in note.note and WHY in note.note


def test_appeal_on_behalf_names_signer_admin_and_reason(stubs, stubs_as, office, month):
    admin, _ = office
    appeal = admin.Appeal(wf.AppealRequest(fact_id=month["v03-1"], reason="当天请假已批准",
                                           on_behalf=wf.OnBehalf(signed_by="村委会主任 张海燕",
                                                                 reason="村里递交纸质申诉书")))
    assert (appeal.state, appeal.village_id, appeal.reason) == ("pending", "v03", "当天请假已批准")
    assert appeal.submitted_by == "代为登记：村委会主任 张海燕（镇党政办 李芳）"
    [entry] = _audit(stubs, "month_appeal")
    assert entry.actor == "镇党政办 李芳"
    after = json.loads(entry.after)
    assert (after["appeal"], after["fact"], after["village"]) == (appeal.id, month["v03-1"], "v03")
    assert after["on_behalf"] == {"signed_by": "村委会主任 张海燕", "reason": "村里递交纸质申诉书"}
    # the same rules as the village's own: the confirmed village cannot appeal now
    error = refused(lambda: admin.Appeal(wf.AppealRequest(fact_id=month["v02-1"], reason="x",
                                                          on_behalf=wf.OnBehalf(signed_by=SIGNER, reason=WHY))),
                    grpc.StatusCode.FAILED_PRECONDITION)
    assert "confirmed" in error.details()
    # the village's own appeal and confirmation work as before
    village = stubs_as("village").workflow
    own = village.Appeal(wf.AppealRequest(fact_id=month["v01-1"], reason="那天在镇上开会"))
    assert own.submitted_by == "上山村党支部"
