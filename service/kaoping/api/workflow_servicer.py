"""WorkflowService adapter: kaoping.v1 workflow messages <-> kaoping.usecases.workflow use cases."""
from __future__ import annotations

from decimal import Decimal

from kaoping.api import auth
from kaoping.api import convert as cv
from kaoping.api import paging
from kaoping.api.errors import translating
from kaoping.api.rectification_servicer import rectification
from kaoping.usecases.app import Kaoping
from kaoping.domain.workflow import BOUND, OnBehalf, pay_tier
from kaoping.storage.models import AppealRow
from kaoping.v1 import workflow_pb2 as wf
from kaoping.v1 import workflow_pb2_grpc as wf_grpc
from kaoping.usecases.workflow import Workflow
from kaoping.usecases.workflow.views import Feedback, FeedbackDeduction, MonthView, TrendPoint, YearEnd

NOTICE_TITLE = "反馈通知单"
PUBLIC_TITLE = "绩效考评结果公示"


def month_state(view: MonthView) -> wf.MonthState:
    r = view.record
    msg = wf.MonthState(township_id=view.township.id, month=view.month, state=view.state,
                        next_actions=view.next_actions, drift=view.drift)
    if view.ruleset is not None:
        msg.ruleset.CopyFrom(cv.ruleset_ref(view.ruleset))
    if r is not None:
        msg.revision, msg.approved_on, msg.appeal_deadline = r.revision, r.approved_on, r.appeal_deadline
        msg.published_on, msg.notice_ends, msg.paid_on = r.published_on, r.notice_ends, r.paid_on
        msg.pending_appeals = r.pending_appeals
    for v in view.villages:
        msg.villages.append(confirmation(v, view.confirmations.get(v.id)))
    msg.history.extend(wf.MonthEvent(action=e.action, from_state=e.from_state, to_state=e.to_state,
                                     actor=e.actor, role=e.role, at=cv.stamp(e.at),
                                     revision=e.revision, note=e.note) for e in view.events)
    return msg


def confirmation(village, row) -> wf.VillageConfirmation:
    msg = wf.VillageConfirmation(village_id=village.id, village_name=village.name,
                                 state="unconfirmed")
    if row is not None:
        msg.state = "deemed_confirmed" if row.deemed else "confirmed"
        msg.confirmed_by, msg.at, msg.note = row.confirmed_by, cv.stamp(row.at), row.note
    return msg


def _outcome(total, grade, pay) -> wf.Outcome:
    if total is None:
        return wf.Outcome()
    return wf.Outcome(total=cv.dec(Decimal(total)), grade=grade, pay=cv.money(Decimal(pay)))


def appeal(row: AppealRow, names: dict[str, str] | None = None) -> wf.AppealRecord:
    return wf.AppealRecord(
        id=row.id, township_id=row.township_id, month=row.month, village_id=row.village_id,
        official_id=row.official_id, official_name=(names or {}).get(row.official_id, ""),
        fact_id=row.fact_id, rule_id=row.rule_id, points=cv.dec(Decimal(row.points)),
        deduction_reason=row.deduction_reason, appellant=row.appellant, reason=row.reason,
        submitted_by=row.submitted_by, submitted_at=cv.stamp(row.submitted_at), state=row.state,
        decision_reason=row.decision_reason, resolved_by=row.resolved_by,
        resolved_at=cv.stamp(row.resolved_at) if row.resolved_at else "",
        correction_fact_id=row.correction_fact_id or 0,
        before=_outcome(row.before_total, row.before_grade, row.before_pay),
        after=_outcome(row.after_total, row.after_grade, row.after_pay),
        revision_after=row.revision_after)


def letterhead(head) -> wf.Letterhead:
    if head is None:
        return wf.Letterhead()
    return wf.Letterhead(township_name=head.township_name, issuer=head.issuer,
                         document_number=head.document_number, issued_on=head.issued_on,
                         contact=head.contact, script=head.script)


def _line(d: FeedbackDeduction) -> wf.FeedbackDeduction:
    return wf.FeedbackDeduction(item=cv.line_item(d.item), appeal_id=d.appeal.id if d.appeal else 0,
                                appeal_state=d.appeal.state if d.appeal else "", fact_date=d.fact_date,
                                fact_note=d.fact_note, scorer_name=d.scorer_name, cut=d.cut)


def _trend(p: TrendPoint) -> wf.TrendPoint:
    return wf.TrendPoint(month=p.month, total="" if p.total is None else cv.dec(p.total),
                         grade=p.grade, status=p.status)


def feedback(fb: Feedback, names: dict[str, str]) -> wf.VillageFeedback:
    record = fb.month.record
    msg = wf.VillageFeedback(
        title=f"{fb.village.name} {fb.month.month} 绩效考评《{NOTICE_TITLE}》",
        township_id=fb.month.township.id, village_id=fb.village.id, village_name=fb.village.name,
        month=fb.month.month, month_state=fb.month.state, provisional=fb.provisional,
        ruleset=cv.ruleset_ref(fb.ruleset),
        confirmation=confirmation(fb.village, fb.confirmation),
        appeal_deadline=record.appeal_deadline if record else "",
        total_deducted=cv.dec(fb.total_deducted), total_added=cv.dec(fb.total_added),
        appeals=[appeal(a, names) for a in fb.appeals], letterhead=letterhead(fb.letterhead),
        appeal_open=fb.appeal_open, rectifications=[rectification(r) for r in fb.rectifications])
    for o in fb.officials:
        msg.officials.add(official_id=o.official_id, official_name=o.name, total=cv.dec(o.total),
                          grade=o.grade, pay=cv.money(o.pay), position=o.position,
                          deductions=[_line(d) for d in o.deductions],
                          additions=[_line(d) for d in o.additions],
                          trend=[_trend(p) for p in o.trend])
    return msg


def year_end(ye: YearEnd) -> wf.YearEnd:
    rules = ye.rules.year_end
    record = ye.record
    msg = wf.YearEnd(township_id=ye.township.id, year=ye.year, ruleset=cv.ruleset_ref(ye.ruleset),
                     complete=ye.complete, missing_months=ye.missing, unpaid_months=ye.unpaid,
                     formula=rules.formula(), excellent_grade=ye.quota.grade or "",
                     excellent_limit=-1 if ye.quota.limit is None else ye.quota.limit,
                     excellent_candidates=ye.quota.candidates, excellent_granted=ye.quota.granted,
                     pool=cv.money(ye.pool), paid_out=cv.money(ye.paid_out), shared=cv.money(ye.shared),
                     inspection_recorded=ye.inspection_recorded, notes=ye.notes,
                     state=ye.state, provisional=ye.provisional,
                     approved_on=record.approved_on if record else "",
                     paid_on=record.paid_on if record else "",
                     payout_reference=record.payout_reference if record else "",
                     letterhead=letterhead(ye.letterhead),
                     tie_break=ye.quota.tie_break, tied=ye.tied, places_left=ye.places_left,
                     months=[wf.MonthStatus(month=m, state=s, provisional=s not in BOUND) for m, s in ye.months])
    for o in ye.officials:
        line = o.line
        paid = ye.paid.get(line.official_id)
        msg.officials.add(
            rank=line.rank, official_id=line.official_id, official_name=o.name,
            village_id=o.village_id, village_name=o.village_name, months_counted=len(line.months),
            monthly_component=cv.dec(line.component.quantize(Decimal("0.01"))),
            inspection_score=cv.dec(line.inspection.score), score=cv.dec(line.score), grade=line.grade,
            grade_before_quota=line.grade_before_quota, quota_cut=line.quota_cut, vetoed=line.vetoed,
            veto_reasons=line.veto_reasons, monthly_pay=cv.money(line.monthly_pay),
            reward=cv.money(line.reward),
            inspection_items=[cv.line_item(i) for i in line.inspection.items],
            award=cv.money(line.award), per_month=cv.money(line.per_month),
            pool_share=cv.money(line.pool_share), deducted=cv.money(line.deducted),
            year_payout=cv.money(line.year_payout), commendations=line.commendations,
            position=line.position, months_served=o.months_served, tied=line.tied,
            quota_note=line.quota_note, reward_paid=cv.money(paid) if paid is not None else "")
    return msg


def _on_behalf(request) -> OnBehalf | None:
    """Given (even empty: then it is refused for its missing parts) or not at all."""
    if not request.HasField("on_behalf"):
        return None
    return OnBehalf(request.on_behalf.signed_by, request.on_behalf.reason)


class WorkflowServicer(wf_grpc.WorkflowServiceServicer):
    def __init__(self, app: Kaoping):
        self.flow = Workflow(app)
        self.app = app

    def _names(self) -> dict[str, str]:
        return {o.id: o.name for o in self.app.store.officials()}

    @translating
    def GetMonthState(self, request, context):
        return month_state(self.flow.state(auth.caller(context), request.month, request.township_id))

    @translating
    def Aggregate(self, request, context):
        return month_state(self.flow.aggregate(auth.caller(context), request.month, request.township_id,
                                               request.note))

    @translating
    def Reopen(self, request, context):
        return month_state(self.flow.reopen(auth.caller(context), request.month, request.township_id,
                                            request.note))

    @translating
    def Approve(self, request, context):
        return month_state(self.flow.approve(auth.caller(context), request.month, request.township_id,
                                             request.content_hash, request.note))

    @translating
    def Publish(self, request, context):
        return month_state(self.flow.publish(auth.caller(context), request.month, request.township_id,
                                             request.note))

    @translating
    def MarkPaid(self, request, context):
        return month_state(self.flow.mark_paid(auth.caller(context), request.month, request.township_id,
                                               request.reference, request.note))

    @translating
    def Confirm(self, request, context):
        fb = self.flow.confirm(auth.caller(context), request.month, request.village_id, request.note,
                               _on_behalf(request))
        return feedback(fb, self._names())

    @translating
    def Appeal(self, request, context):
        row = self.flow.appeal(auth.caller(context), request.fact_id, request.reason, request.appellant,
                               _on_behalf(request))
        return appeal(row, self._names())

    @translating
    def ResolveAppeal(self, request, context):
        row = self.flow.resolve_appeal(auth.caller(context), request.appeal_id, request.decision,
                                       request.reason)
        return appeal(row, self._names())

    @translating
    def ListAppeals(self, request, context):
        page = paging.page_request(request, "appeals", request.township_id, request.month,
                                   request.year, request.village_id, request.state)
        rows = self.flow.list_appeals(auth.caller(context), request.township_id, request.month,
                                      request.year, request.village_id, request.state)
        names = self._names()
        response = wf.ListAppealsResponse()
        response.next_page_token = paging.fill(   # a township's appeals: paged in memory by id
            response.appeals, paging.after(rows, page), lambda r: appeal(r, names), page)
        return response

    @translating
    def GetVillageFeedback(self, request, context):
        fb = self.flow.feedback(auth.caller(context), request.village_id, request.month)
        return feedback(fb, self._names())

    @translating
    def GetPublicNotice(self, request, context):
        view, lines = self.flow.public_notice(auth.caller(context), request.month, request.township_id)
        r = view.record
        msg = wf.PublicNotice(title=f"{view.township.name} {view.month} 村干部{PUBLIC_TITLE}",
                              month=view.month, published_on=r.published_on, notice_ends=r.notice_ends,
                              letterhead=letterhead(self.flow.public_letterhead(view)))
        previous, rank = None, 0
        for position, l in enumerate(lines, start=1):
            if (l.vetoed, Decimal(l.total)) != previous:
                rank, previous = position, (l.vetoed, Decimal(l.total))
            msg.lines.add(rank=rank, official_name=l.official_name, village_name=l.village_name,
                          total=cv.dec(Decimal(l.total)), grade=l.grade,
                          pay_tier=pay_tier(Decimal(l.pay), Decimal(l.base_pay)))
        return msg

    @translating
    def GetYearToDateRanking(self, request, context):
        ranking = self.flow.ytd_ranking(auth.caller(context), request.month, request.township_id)
        msg = wf.YearToDateRanking(township_id=ranking.township.id, month=ranking.month, months=[
            wf.MonthStatus(month=m.month, state=m.state, provisional=m.provisional) for m in ranking.months],
            missing_months=[m.month for m in ranking.months if m.state not in BOUND])
        for o in ranking.officials:
            msg.officials.add(
                rank=o.rank, previous_rank=o.previous_rank or 0,
                rank_change=(o.previous_rank - o.rank) if o.previous_rank else 0,
                official_id=o.line.official_id, official_name=o.line.official_name,
                village_name=o.line.village_name, total=cv.dec(o.line.total),
                total_change=cv.dec(o.line.total - o.previous_total) if o.previous_total is not None else "",
                grade=o.line.grade, vetoed=o.line.vetoed,
                ytd_average="" if o.ytd_average is None else cv.money(o.ytd_average),
                ytd_rank=o.ytd_rank, months_counted=o.months_counted, vetoed_months=o.vetoed_months)
        for v in ranking.villages:
            msg.villages.add(rank=v.rank, previous_rank=v.previous_rank or 0,
                             rank_change=(v.previous_rank - v.rank) if v.previous_rank else 0,
                             village_id=v.village_id, village_name=v.village_name,
                             average=cv.money(v.average),
                             ytd_average="" if v.ytd_average is None else cv.money(v.ytd_average),
                             ytd_rank=v.ytd_rank)
        return msg

    @translating
    def GetYearEnd(self, request, context):
        return year_end(self.flow.year_end(auth.caller(context), request.year, request.township_id,
                                           request.pool))

    @translating
    def GetPayList(self, request, context):
        pay = self.flow.pay_list(auth.caller(context), request.township_id, request.month, request.year,
                                 request.village_id)
        return wf.PayList(
            township_id=pay.township.id, period=pay.period, state=pay.state, complete=pay.complete,
            notes=pay.notes, township_total=cv.money(pay.total), letterhead=letterhead(pay.letterhead),
            lines=[wf.PayLine(official_id=l.official_id, official_name=l.official_name,
                              village_id=l.village_id, village_name=l.village_name, score=cv.dec(l.score),
                              grade=l.grade, monthly_pay=cv.money(l.monthly_pay), reward=cv.money(l.reward),
                              amount=cv.money(l.amount), paid=cv.money(l.paid), id_number=l.id_number,
                              bank_account=l.bank_account, reward_state=l.reward_state,
                              reward_paid="" if l.reward_paid is None else cv.money(l.reward_paid))
                   for l in pay.lines],
            villages=[wf.PayTotal(village_id=v, village_name=name, amount=cv.money(amount), officials=n)
                      for v, name, amount, n in pay.village_totals()])
