"""RectificationService adapter: kaoping.v1 rectification messages <->
kaoping.usecases.rectifications (整改)."""
from __future__ import annotations

from kaoping.api import auth
from kaoping.api import convert as cv
from kaoping.api.errors import translating
from kaoping.usecases.app import Kaoping
from kaoping.usecases.rectifications import Rectifications, RectificationView
from kaoping.v1 import rectification_pb2 as rc
from kaoping.v1 import rectification_pb2_grpc as rc_grpc


def rectification(view: RectificationView) -> rc.Rectification:
    r = view.row
    return rc.Rectification(
        id=r.id, township_id=r.township_id, village_id=r.village_id, village_name=view.village_name,
        year=r.year, area=r.area, problem=r.problem, demand=r.demand, deadline=r.deadline,
        responsible=r.responsible, state=r.state, overdue=view.overdue, recorded_on=r.recorded_on,
        closed_on=r.closed_on, evidence=r.evidence,
        steps=[rc.RectificationStep(action=s.action, at=cv.stamp(s.at), actor=s.actor, note=s.note,
                                    evidence=s.evidence) for s in view.steps])


class RectificationServicer(rc_grpc.RectificationServiceServicer):
    def __init__(self, app: Kaoping):
        self.items = Rectifications(app)

    @translating
    def RecordRectification(self, request, context):
        return rectification(self.items.record(
            auth.caller(context), request.township_id, request.village_id, request.year, request.area,
            request.problem, request.demand, request.deadline, request.responsible, request.note))

    @translating
    def ReportProgress(self, request, context):
        return rectification(self.items.progress(auth.caller(context), request.id, request.note,
                                                 request.evidence))

    @translating
    def CloseRectification(self, request, context):
        return rectification(self.items.close(auth.caller(context), request.id, request.evidence,
                                              request.note))

    @translating
    def GetRectification(self, request, context):
        return rectification(self.items.get(auth.caller(context), request.id))

    @translating
    def ListRectifications(self, request, context):
        rows = self.items.list(auth.caller(context), request.township_id, request.village_id,
                               request.year, request.open_only)
        return rc.ListRectificationsResponse(rectifications=[rectification(v) for v in rows])
