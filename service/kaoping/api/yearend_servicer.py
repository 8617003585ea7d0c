"""YearEndService adapter: kaoping.v1 yearend messages <-> the year-end workflow's use
cases (kaoping.usecases.workflow.year_moves)."""
from __future__ import annotations

from kaoping.api import auth
from kaoping.api import convert as cv
from kaoping.api.errors import translating
from kaoping.usecases.app import Kaoping
from kaoping.usecases.workflow import Workflow
from kaoping.domain.quota import QuotaDecision
from kaoping.usecases.workflow.year_moves import YearStateView
from kaoping.v1 import yearend_pb2 as ye
from kaoping.v1 import yearend_pb2_grpc as ye_grpc


def year_state(view: YearStateView) -> ye.YearState:
    msg = ye.YearState(township_id=view.township.id, year=view.year, state=view.state,
                       months_not_approved=[f"{u.month}：{u.zh}" for u in view.unsettled],
                       next_actions=view.next_actions)
    r = view.record
    if view.ruleset is not None:
        msg.ruleset.CopyFrom(cv.ruleset_ref(view.ruleset))
    if r is not None:
        msg.aggregated_on, msg.approved_on, msg.published_on = r.aggregated_on, r.approved_on, r.published_on
        msg.notice_ends, msg.paid_on, msg.payout_reference = r.notice_ends, r.paid_on, r.payout_reference
        msg.closed_on = r.closed_on
        msg.pool = cv.money(r.pool) if r.approved_on else ""
        msg.paid_out = cv.money(r.paid_out) if r.paid_on else ""
    if view.decision is not None:
        msg.quota_decision.CopyFrom(ye.QuotaDecision(granted_official_ids=view.decision.granted_official_ids,
                                                     minutes=view.decision.minutes))
    msg.history.extend(ye.YearEvent(action=e.action, from_state=e.from_state, to_state=e.to_state,
                                    actor=e.actor, role=e.role, at=cv.stamp(e.at), note=e.note)
                       for e in view.events)
    return msg


class YearEndServicer(ye_grpc.YearEndServiceServicer):
    def __init__(self, app: Kaoping):
        self.flow = Workflow(app)

    @translating
    def GetYearState(self, request, context):
        return year_state(self.flow.year_state(auth.caller(context), request.year, request.township_id))

    @translating
    def AggregateYear(self, request, context):
        return year_state(self.flow.aggregate_year(auth.caller(context), request.year, request.township_id,
                                                   request.note))

    @translating
    def ReopenYear(self, request, context):
        return year_state(self.flow.reopen_year(auth.caller(context), request.year, request.township_id,
                                                request.note))

    @translating
    def ApproveYear(self, request, context):
        decision = None
        if request.HasField("quota_decision"):
            decision = QuotaDecision(tuple(request.quota_decision.granted_official_ids),
                                     request.quota_decision.minutes)
        return year_state(self.flow.approve_year(auth.caller(context), request.year, request.township_id,
                                                 request.content_hash, request.note, request.pool, decision))

    @translating
    def PublishYear(self, request, context):
        return year_state(self.flow.publish_year(auth.caller(context), request.year, request.township_id,
                                                 request.note))

    @translating
    def RecordYearPayout(self, request, context):
        return year_state(self.flow.record_year_payout(auth.caller(context), request.year, request.township_id,
                                                       request.reference, request.paid_on, request.note))

    @translating
    def CloseYear(self, request, context):
        return year_state(self.flow.close_year(auth.caller(context), request.year, request.township_id,
                                               request.note))
