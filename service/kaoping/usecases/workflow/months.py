"""A month's states and the moves between them: reading the state, aggregate (the
snapshot), reopen, approve (binds the version), publish and mark paid."""
from __future__ import annotations

from decimal import Decimal

from kaoping.domain import workflow as wf
from kaoping.domain.errors import FailedPrecondition, Violation
from kaoping.domain.principal import Principal
from kaoping.rules.sections import DEFAULT_APPEALS
from kaoping.storage.models import MonthRecord, PaymentRow, VillageConfirmation, utcnow
from kaoping.storage.workflow_store import StateConflict
from kaoping.usecases.workflow.base import (RETRIES, WorkflowBase, _audit, _event, _limit,
                                            _need_text, _reader, _snapshot_line)
from kaoping.usecases.workflow.views import MonthView


class MonthTransitions(WorkflowBase):
    # reading a month ------------------------------------------------------------
    def state(self, caller: Principal, month: str, township_id: str = "") -> MonthView:
        _reader(caller)
        township, month = self._township(township_id, caller), self.app._month(month)
        view = self._view(township, month)
        if caller.role == "village":   # other villages' appeals are theirs: see list_appeals
            view.events = [e for e in view.events if e.action not in ("appeal", "resolve_appeal")]
        elif view.state in wf.FROZEN:
            view.drift = self._drift(view)
        return view

    # transitions ----------------------------------------------------------------
    def aggregate(self, caller: Principal, month: str, township_id: str = "", note: str = "") -> MonthView:
        wf.require_role("aggregate", caller.role)
        _limit(note=note)
        township, month = self._township(township_id, caller), self.app._month(month)
        for _ in range(RETRIES):
            record = self.months.record(township.id, month)
            state = record.state if record else wf.SCORING
            wf.require("aggregate", state, caller.role, f"{township.id} {month}")
            if not wf.month_ended(month, self.today()):
                raise FailedPrecondition(f"{month} has not ended yet (today is {self.today()})",
                                         [Violation("month", "aggregate after the month is over")],
                                         zh=f"{month} 还没有结束（今天是 {self.today()}）：请在月份结束后再汇总")
            villages = [v.id for v in self.months.store.villages(township.id)]
            mark = self.months.watermark(villages, month)
            scores = self.app.monthly_scores(month, township_id=township.id)
            if self.months.watermark(villages, month) != mark:
                continue  # facts arrived while scoring: score again
            revision = (record.revision if record else 0) + 1
            lines = [_snapshot_line(township.id, month, revision, s.official, s.village, s.result)
                     for s in scores.scores]
            values = dict(state=wf.AGGREGATED, ruleset_hash=scores.ruleset.content_hash,
                          revision=revision, fact_count=mark[0], fact_max_id=mark[1],
                          pending_appeals=0, aggregated_on=self.today().isoformat(), approved_on="", appeal_deadline="", published_on="",
                          notice_ends="", paid_on="", updated_at=utcnow())
            event = _event(township.id, month, "aggregate", state, wf.AGGREGATED, caller, revision,
                           note or f"按规则集 v{scores.ruleset.id} {scores.ruleset.content_hash[:12]} "
                                   f"冻结 {len(lines)} 名村干部的分数")
            try:
                self.months.apply(township.id, month, (state, record.revision) if record else None,
                                  values, [*lines, event, _audit("aggregate", township.id, month,
                                                                 state, wf.AGGREGATED, revision)])
            except StateConflict:
                continue
            return self.state(caller, month, township.id)
        raise self._conflict(township.id, month)

    def reopen(self, caller: Principal, month: str, township_id: str = "", note: str = "") -> MonthView:
        wf.require_role("reopen", caller.role)
        _limit(note=note)
        township, month = self._township(township_id, caller), self.app._month(month)
        record = self._record(township.id, month)
        wf.require("reopen", record.state if record else wf.SCORING, caller.role, f"{township.id} {month}")
        _need_text(note, "note", "why the frozen totals are reopened", "为什么把已汇总的月份退回考评")
        values = dict(state=wf.SCORING, ruleset_hash="", updated_at=utcnow())
        self._move(record, values, "reopen", wf.SCORING, caller, note)
        return self.state(caller, month, township.id)

    def approve(self, caller: Principal, month: str, township_id: str = "", content_hash: str = "",
                note: str = "") -> MonthView:
        wf.require_role("approve", caller.role)
        _limit(note=note)
        township, month = self._township(township_id, caller), self.app._month(month)
        record = self.months.record(township.id, month)
        wf.require("approve", record.state if record else wf.SCORING, caller.role,
                   f"{township.id} {month}")
        if content_hash and content_hash != record.ruleset_hash:
            raise FailedPrecondition(
                f"the totals were aggregated under rule set {record.ruleset_hash[:12]}, not "
                f"{content_hash[:12]}; reopen and aggregate again to use another version",
                [Violation("content_hash", f"aggregated under {record.ruleset_hash}")],
                zh="本月汇总时用的是另一个规则集版本：如需换用，请先退回考评（kaoping month reopen）再重新汇总")
        villages = [v.id for v in self.months.store.villages(township.id)]
        if self.months.watermark(villages, month) != (record.fact_count, record.fact_max_id):
            raise FailedPrecondition(
                "facts changed after the totals were frozen; reopen and aggregate again",
                [Violation("month", "the month's facts differ from those aggregated")],
                zh="汇总后事实有变动：请先退回考评（kaoping month reopen）再重新汇总")
        rules, row = self._rules(record.ruleset_hash)
        appeals = rules.appeals or DEFAULT_APPEALS
        today = self.today()
        values = dict(state=wf.APPROVED, approved_on=today.isoformat(),
                      appeal_deadline=wf.appeal_deadline(today, appeals.deadline_days).isoformat(),
                      updated_at=utcnow())
        self._move(record, values, "approve", wf.APPROVED, caller,
                   note or f"会议审定，绑定规则集 v{row.id} {row.content_hash[:12]}；"
                           f"申诉截止 {values['appeal_deadline']}")
        return self.state(caller, month, township.id)

    def publish(self, caller: Principal, month: str, township_id: str = "", note: str = "") -> MonthView:
        wf.require_role("publish", caller.role)
        _limit(note=note)
        township, month = self._township(township_id, caller), self.app._month(month)
        record = self.months.record(township.id, month)
        wf.require("publish", record.state if record else wf.SCORING, caller.role,
                   f"{township.id} {month}")
        view = self._view(township, month)
        today = self.today()
        deadline = wf.parse_day(record.appeal_deadline)
        blockers = wf.publish_blockers(record.pending_appeals, view.unconfirmed, today, deadline)
        if blockers:
            raise FailedPrecondition(f"{township.id} {month} cannot be published yet", blockers,
                                     zh=f"{township.id} {month} 还不能公示：请先处理完申诉，并等各村确认或申诉期限届满")
        rules, _ = self._rules(record.ruleset_hash)
        days = (rules.appeals or DEFAULT_APPEALS).notice_days
        values = dict(state=wf.PUBLISHED, published_on=today.isoformat(),
                      notice_ends=wf.notice_ends(today, days).isoformat(), updated_at=utcnow())
        deemed = [VillageConfirmation(township_id=township.id, month=month, village_id=v,
                                      confirmed_by="逾期视为确认", deemed=True, revision=record.revision,
                                      note=f"申诉期限 {deadline} 前未确认也未申诉")
                  for v in view.unconfirmed]

        def no_pending(s):
            if s.get(MonthRecord, (township.id, month)).pending_appeals:
                raise StateConflict("an appeal arrived meanwhile")
            return deemed
        self._move(record, values, "publish", wf.PUBLISHED, caller,
                   note or f"公示 {values['published_on']} 至 {values['notice_ends']}"
                           + (f"；{len(deemed)} 个村逾期视为确认" if deemed else ""),
                   inside=no_pending)
        return self.state(caller, month, township.id)

    def mark_paid(self, caller: Principal, month: str, township_id: str = "", reference: str = "",
                  note: str = "") -> MonthView:
        wf.require_role("mark_paid", caller.role)
        _limit(note=note)
        _limit(200, reference=reference)
        township, month = self._township(township_id, caller), self.app._month(month)
        record = self.months.record(township.id, month)
        wf.require("mark_paid", record.state if record else wf.SCORING, caller.role,
                   f"{township.id} {month}")
        today = self.today()
        if today <= wf.parse_day(record.notice_ends):
            raise FailedPrecondition(f"the public notice runs until {record.notice_ends}; pay after it",
                                     [Violation("month", f"notice ends {record.notice_ends}")],
                                     zh=f"公示期到 {record.notice_ends} 结束：请在公示期满后再登记兑现")
        lines = self.months.lines(township.id, month, record.revision)
        payments = [PaymentRow(township_id=township.id, month=month, revision=record.revision,
                               official_id=l.official_id, village_id=l.village_id,
                               amount=Decimal(l.pay), paid_on=today.isoformat(),
                               reference=reference, recorded_by=caller.name) for l in lines]
        total = sum((p.amount for p in payments), Decimal(0))
        values = dict(state=wf.PAID, paid_on=today.isoformat(), updated_at=utcnow())
        self._move(record, values, "mark_paid", wf.PAID, caller,
                   note or f"兑现 {len(payments)} 笔，共 {total:.2f} 元" +
                   (f"，凭证 {reference}" if reference else ""), rows=payments)
        return self.state(caller, month, township.id)
