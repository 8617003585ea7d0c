"""A village's confirmation of its month's feedback (kaoping.usecases.workflow.feedback), and appeals: filing one,
upholding or overturning it (an overturn re-scores the frozen month) and listing them."""
from __future__ import annotations

from decimal import Decimal

from kaoping.rules.lines import is_deduction
from kaoping.domain import workflow as wf
from kaoping.domain.errors import (AlreadyExists, FailedPrecondition, InvalidArgument, NotFound,
                                   PermissionDenied, Violation)
from kaoping.domain.principal import Principal
from kaoping.storage.models import AppealRow, FactRow, MonthRecord, VillageConfirmation, utcnow
from kaoping.storage.workflow_store import StateConflict
from kaoping.usecases.corrections import CORRECTION_KIND
from kaoping.usecases.workflow.base import (RETRIES, WorkflowBase, _Refused, _audit, _confirmed, _d, _decide,
                                            _event, _limit, _need_text, _reader,
                                            _short, _year_months)
from kaoping.usecases.workflow.views import Feedback


class Appeals(WorkflowBase):
    def confirm(self, caller: Principal, month: str, village_id: str = "", note: str = "",
                on_behalf: wf.OnBehalf | None = None) -> Feedback:
        """The village confirms its notice, or (on_behalf) an administrator of its township
        records the confirmation it signed on paper."""
        self._answering("confirm", caller, on_behalf)
        _limit(note=note)
        village = self._village(caller, village_id or caller.village_id, read=False)
        township, month = self._township(village.township_id, caller), self.app._month(month)
        record = self.months.record(township.id, month)
        wf.require_state("confirm", record.state if record else wf.SCORING, f"{township.id} {month}")
        if village.id in self.months.confirmations(township.id, month):
            return self.feedback(caller, village.id, month)   # confirming twice changes nothing
        pending = self.months.appeals(township.id, [month], village.id, wf.PENDING)
        if pending:
            raise FailedPrecondition(
                f"village {village.id} has {len(pending)} appeal(s) pending; confirm once they are resolved",
                [Violation("village_id", f"pending appeals {', '.join(f'#{a.id}' for a in pending)}")],
                zh=f"村 {village.id} 还有 {len(pending)} 件申诉未处理：请等申诉处理完后再确认")
        by = on_behalf.recorded_as(caller.name) if on_behalf else caller.name
        row = VillageConfirmation(township_id=township.id, month=month, village_id=village.id,
                                  confirmed_by=by, revision=record.revision, note=note)

        def still_clear(s):
            if self.months.appeals(township.id, [month], village.id, wf.PENDING):
                raise StateConflict("an appeal arrived meanwhile")
            return [row]
        try:
            self.months.apply(township.id, month, (wf.APPROVED, None), {"updated_at": utcnow()},
                              [_event(township.id, month, "confirm", wf.APPROVED, wf.APPROVED, caller,
                                      record.revision, f"村 {village.id} 确认了反馈通知单"
                                      + _paper(on_behalf) + (f": {note}" if note else "")),
                               _audit("confirm", township.id, month, wf.APPROVED, wf.APPROVED,
                                      record.revision, village=village.id, **_signed(on_behalf))],
                              inside=still_clear)
        except StateConflict:
            if village.id not in self.months.confirmations(township.id, month):
                raise self._conflict(township.id, month)
        return self.feedback(caller, village.id, month)

    def appeal(self, caller: Principal, fact_id: int, reason: str, appellant: str = "village",
               on_behalf: wf.OnBehalf | None = None) -> AppealRow:
        """The village disputes a deduction, or (on_behalf) an administrator of its
        township files the appeal it signed on paper."""
        self._answering("appeal", caller, on_behalf)
        _need_text(reason, "reason", "why the deduction is wrong", "这项扣分为什么不对（如 当天请假已批准）")
        appellant = appellant or "village"
        if appellant not in wf.APPELLANTS:
            raise InvalidArgument("unknown appellant", [Violation(
                "appellant", f"{_short(appellant)!r}; one of {', '.join(wf.APPELLANTS)}")],
                                  zh=f"申诉人 {_short(appellant)!r} 不对：只能是 village（村）或 official（干部）")
        fact = self.app.store.fact(fact_id) if fact_id > 0 else None
        if fact is None:
            raise NotFound("no such fact", [Violation("fact_id", f"no fact {fact_id}")],
                           zh=f"事实 {fact_id} 不存在：请在《反馈通知单》上核对扣分对应的事实编号")
        # the village the official belonged to in the fact's month (kaoping.domain.roster)
        village_id = self.app.registry.village_of(fact.official_id, fact.month) or fact.village_id
        if on_behalf is None and village_id != caller.village_id:
            raise PermissionDenied("a village appeals only its own deductions", [Violation(
                "fact_id", f"fact {fact_id} is about village {village_id} in {fact.month}, your token "
                           f"is for {caller.village_id!r}")],
                                   zh=f"只能对本村的扣分申诉：事实 {fact_id} 属于村 {village_id}")
        township = self._township(self.months.township_of(village_id), caller)
        month = fact.month
        record = self.months.record(township.id, month)
        refusal = self.appeal_refusal(township.id, month, record, village_id)
        if refusal is not None:
            raise refusal
        scores = self.app.monthly_scores(month, official_id=fact.official_id) if fact.official_id else None
        item = next((i for i in scores.scores[0].result.items if i.fact_id == fact_id), None) if scores else None
        if item is None or not is_deduction(scores.rules, item):
            what = "gave no points" if item is None else f"gave {item.points} points"
            raise InvalidArgument("only a deduction can be appealed", [Violation(
                "fact_id", f"fact {fact_id} is not a deduction of the approved month ({what})")],
                                  zh=f"事实 {fact_id} 不是本月的扣分项，不能申诉：请在《反馈通知单》上选择扣分行")
        row = AppealRow(township_id=township.id, month=month, village_id=village_id,
                        official_id=fact.official_id, fact_id=fact_id, rule_id=item.rule_id,
                        points=item.points, deduction_reason=item.reason, appellant=appellant,
                        reason=reason.strip(), state=wf.PENDING,
                        submitted_by=on_behalf.recorded_as(caller.name) if on_behalf else caller.name)

        def first_and_unconfirmed(s):
            if self.months.confirmations(township.id, month).get(village_id):   # meanwhile
                raise _Refused(_confirmed(village_id, month))
            earlier = [a for a in self.months.appeals(township.id, [month], village_id)
                       if a.fact_id == fact_id]
            if earlier:
                raise _Refused(AlreadyExists("this deduction is already appealed", [Violation(
                    "fact_id", f"appeal #{earlier[0].id} ({earlier[0].state})")],
                                             zh=f"这项扣分已经申诉过（申诉 #{earlier[0].id}）：不能重复申诉"))
            s.add(row)
            s.flush()
            return [_event(township.id, month, "appeal", wf.APPROVED, wf.APPROVED, caller,
                           record.revision, f"对事实 #{fact_id}（{_d(item.points)} {item.rule_id}）"
                                            f"提出申诉 #{row.id}{_paper(on_behalf)}："
                                            f"{reason.strip()}"),
                    _audit("appeal", township.id, month, wf.APPROVED, wf.APPROVED, record.revision,
                           appeal=row.id, fact=fact_id, village=village_id, **_signed(on_behalf))]
        try:
            self.months.apply(township.id, month, (wf.APPROVED, None),
                              {"pending_appeals": MonthRecord.pending_appeals + 1,
                               "updated_at": utcnow()}, inside=first_and_unconfirmed)
        except _Refused as refused:
            raise refused.error
        except StateConflict:
            raise self._conflict(township.id, month)
        return self.months.appeal(row.id)

    def resolve_appeal(self, caller: Principal, appeal_id: int, decision: str, reason: str) -> AppealRow:
        wf.require_role("resolve_appeal", caller.role)
        _need_text(reason, "reason", "why the appeal is upheld or overturned", "为什么维持扣分或撤销扣分")
        if decision not in wf.DECISIONS:
            raise InvalidArgument("unknown decision", [Violation(
                "decision", f"{_short(decision)!r}; one of {', '.join(wf.DECISIONS)}")],
                                  zh=f"处理结果 {_short(decision)!r} 不对：只能是 upheld（维持）或 overturned（撤销扣分）")
        for _ in range(RETRIES):
            appeal = self.months.appeal(appeal_id) if appeal_id > 0 else None
            if appeal is None:
                raise NotFound("no such appeal", [Violation("appeal_id", f"no appeal {appeal_id}")],
                               zh=f"申诉 #{appeal_id} 不存在：请用 kaoping appeal list 查看")
            self._township(appeal.township_id, caller)   # another township's appeal is not ours
            if appeal.state != wf.PENDING:
                raise FailedPrecondition(f"appeal #{appeal_id} is already {appeal.state}",
                                         [Violation("appeal_id", f"resolved by {appeal.resolved_by}")],
                                         zh=f"申诉 #{appeal_id} 已处理（{appeal.state}）：不能重复处理")
            record = self.months.record(appeal.township_id, appeal.month)
            wf.require("resolve_appeal", record.state if record else wf.SCORING, caller.role,
                       f"{appeal.township_id} {appeal.month}")
            try:
                if decision == wf.UPHELD:
                    self._uphold(caller, appeal, record, reason.strip())
                else:
                    self._overturn(caller, appeal, record, reason.strip())
            except StateConflict:
                continue   # another resolution moved the month on: read again and redo
            return self.months.appeal(appeal_id)
        raise self._conflict(appeal.township_id, appeal.month)

    def _uphold(self, caller, appeal: AppealRow, record: MonthRecord, reason: str) -> None:
        line = self._line(record, appeal.official_id)
        decided = dict(state=wf.UPHELD, decision_reason=reason, resolved_by=caller.name,
                       resolved_at=utcnow(), before_total=line.total, before_grade=line.grade,
                       before_pay=line.pay, after_total=line.total, after_grade=line.grade,
                       after_pay=line.pay, revision_after=record.revision)
        self.months.apply(record.township_id, record.month, (wf.APPROVED, record.revision),
                          {"pending_appeals": MonthRecord.pending_appeals - 1, "updated_at": utcnow()},
                          inside=lambda s: _decide(s, appeal.id, decided) + [
                              _event(record.township_id, record.month, "resolve_appeal", wf.APPROVED,
                                     wf.APPROVED, caller, record.revision,
                                     f"申诉 #{appeal.id} 维持原扣分：{reason}"),
                              _audit("resolve_appeal", record.township_id, record.month, wf.APPROVED,
                                     wf.APPROVED, record.revision, appeal=appeal.id, decision=wf.UPHELD)])

    def _overturn(self, caller, appeal: AppealRow, record: MonthRecord, reason: str) -> None:
        voider = self.app.store.voiding_fact(appeal.fact_id)
        if voider is not None:
            raise FailedPrecondition("the disputed fact is already voided",
                                     [Violation("appeal_id", f"fact {appeal.fact_id} voided by {voider.id}")],
                                     zh=f"被申诉的事实 {appeal.fact_id} 已被作废：无需再撤销")
        original = self.app.store.fact(appeal.fact_id)
        why = f"appeal #{appeal.id} overturned: {reason}"
        correction = FactRow(idempotency_key=f"appeal-{appeal.id}-overturned",
                             payload_hash=f"void:{appeal.fact_id}:{why}"[:64],
                             official_id=original.official_id, village_id=original.village_id,
                             month=original.month, category=original.category, kind=CORRECTION_KIND,
                             quantity=Decimal(0), note=why, scorer_id=caller.name[:64],
                             scorer_role=caller.role, source="appeal", voids_fact_id=appeal.fact_id,
                             void_reason=why, void_claim=appeal.fact_id)
        old = self.months.lines(record.township_id, record.month, record.revision)
        revision = record.revision + 1
        lines = self._rescore(record, old, revision, {appeal.fact_id})
        before = next(l for l in old if l.official_id == appeal.official_id)
        after = next(l for l in lines if l.official_id == appeal.official_id)

        def write(s):
            s.add(correction)
            s.flush()
            decided = dict(state=wf.OVERTURNED, decision_reason=reason, resolved_by=caller.name,
                           resolved_at=utcnow(), correction_fact_id=correction.id,
                           before_total=before.total, before_grade=before.grade, before_pay=before.pay,
                           after_total=after.total, after_grade=after.grade, after_pay=after.pay,
                           revision_after=revision)
            note = (f"申诉 #{appeal.id} 撤销扣分：事实 #{appeal.fact_id} 由事实 #{correction.id} 作废；"
                    f"{appeal.official_id} 总分 {_d(before.total)} → {_d(after.total)}，等次 "
                    f"{before.grade} → {after.grade}，报酬 {before.pay:.2f} → {after.pay:.2f}；{reason}")
            return _decide(s, appeal.id, decided) + lines + [
                _event(record.township_id, record.month, "resolve_appeal", wf.APPROVED, wf.APPROVED,
                       caller, revision, note),
                _audit("resolve_appeal", record.township_id, record.month, wf.APPROVED, wf.APPROVED,
                       revision, appeal=appeal.id, decision=wf.OVERTURNED,
                       before={"total": str(before.total), "grade": before.grade, "pay": str(before.pay)},
                       after={"total": str(after.total), "grade": after.grade, "pay": str(after.pay)})]
        self.months.apply(record.township_id, record.month, (wf.APPROVED, record.revision),
                          {"revision": revision, "pending_appeals": MonthRecord.pending_appeals - 1,
                           "updated_at": utcnow()}, inside=write)

    def list_appeals(self, caller: Principal, township_id: str = "", month: str = "", year: int = 0,
                     village_id: str = "", state: str = "") -> list[AppealRow]:
        _reader(caller)
        if caller.role == "village":
            village_id = self._village(caller, village_id or caller.village_id, read=True).id
        township = self._township(township_id, caller)
        if state and state not in (wf.PENDING, *wf.DECISIONS):
            raise InvalidArgument("unknown appeal state", [Violation("state", _short(state))],
                                  zh=f"申诉状态 {_short(state)!r} 不对：只能是 pending（待处理）、upheld 或 overturned")
        months = None
        if month:
            months = [self.app._month(month)]
        elif year:
            months = _year_months(self._year(year))
        return self.months.appeals(township.id, months, village_id, state)


def _paper(on_behalf: wf.OnBehalf | None) -> str:
    """The trail's words for an entry the office made from a paper the village signed."""
    return f"（{on_behalf.signed_by.strip()} 在纸质件上签字，镇里代为登记：" \
           f"{on_behalf.reason.strip()}）" if on_behalf else ""


def _signed(on_behalf: wf.OnBehalf | None) -> dict:
    """What the audit entry records of an entry made on a village's behalf."""
    if on_behalf is None:
        return {}
    return {"on_behalf": {"signed_by": on_behalf.signed_by.strip(), "reason": on_behalf.reason.strip()}}
