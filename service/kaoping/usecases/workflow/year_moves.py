"""A year's states and the moves between them (kaoping.domain.yearflow): reading the
state, aggregate (freeze for the summary meeting), reopen, approve (binds the version,
fixes the quota decision and the pool), publish (公示), record the payout, close."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from kaoping.domain import workflow as wf
from kaoping.domain import yearflow as yf
from kaoping.domain.errors import FailedPrecondition, InvalidArgument, Violation
from kaoping.domain.principal import Principal
from kaoping.domain.quota import QuotaDecision, require_settled
from kaoping.rules.sections import DEFAULT_APPEALS
from kaoping.storage.models import RuleSetRow, Township, YearEvent, YearLine, YearPayment, YearRecord, utcnow
from kaoping.storage.workflow_store import StateConflict
from kaoping.usecases import audit
from kaoping.usecases.workflow import year_freeze
from kaoping.usecases.workflow.base import WorkflowBase, _limit, _money_arg, _need_text, _reader
from kaoping.usecases.workflow.views import YearEnd

MAX_REFERENCE = 200

@dataclass
class YearStateView:
    township: Township
    year: int
    record: YearRecord | None
    ruleset: RuleSetRow | None
    unsettled: list[yf.Unsettled]
    events: list[YearEvent] = field(default_factory=list)

    @property
    def state(self) -> str:
        return self.record.state if self.record else yf.PROVISIONAL

    @property
    def next_actions(self) -> list[str]:
        return yf.next_actions(self.state)

    @property
    def decision(self) -> QuotaDecision | None:
        if not self.record or not self.record.quota_decision:
            return None
        data = json.loads(self.record.quota_decision)
        return QuotaDecision(tuple(data["granted"]), data["minutes"])


class YearTransitions(WorkflowBase):
    def year_state(self, caller: Principal, year: int, township_id: str = "") -> YearStateView:
        _reader(caller)
        township, year = self._township(township_id, caller), self._year(year)
        record = self.years.record(township.id, year)
        row = (self.app.store.ruleset(content_hash=record.ruleset_hash)
               if record and record.ruleset_hash else None)
        return YearStateView(township, year, record, row, self._unsettled(township, year),
                             self.years.events(township.id, year))

    def _marks(self, township: Township, year: int) -> tuple[int, int]:
        """The year's inspection facts as (count, highest id): what a freeze read."""
        return self.months.inspection_watermark([v.id for v in self.months.store.villages(township.id)], year)

    def _unsettled(self, township: Township, year: int) -> list[yf.Unsettled]:
        records, states, _unpaid = self._month_states(township, year)   # kaoping.usecases.workflow.year_end
        standing = [yf.MonthStanding(m, s, r.pending_appeals, r.appeal_deadline) if (r := records.get(m))
                    else yf.MonthStanding(m, s) for m, s in states]
        return yf.unsettled(standing, self.today())

    def _begin(self, action: str, caller: Principal, year: int, township_id: str, note: str):
        yf.ACTIONS[action]   # a known move
        _limit(note=note)
        township, year = self._township(township_id, caller), self._year(year)
        record = self.years.record(township.id, year)
        yf.require(action, record.state if record else yf.PROVISIONAL, caller.role, f"{township.id} {year}")
        return township, year, record

    def _write(self, township: Township, year: int, record: YearRecord | None, action: str, values: dict,
               caller: Principal, note: str, rows=(), revision: int | None = None) -> YearStateView:
        source = record.state if record else yf.PROVISIONAL
        target = yf.ACTIONS[action].target
        revision = record.revision if revision is None else revision
        event = YearEvent(township_id=township.id, year=year, action=action, from_state=source,
                          to_state=target, actor=caller.name, role=caller.role, revision=revision, note=note)
        entry = audit.entry(f"year_{action}", f"{township.id} {year}", before={"state": source},
                            after={"state": target, "revision": revision,
                                   **{k: str(v) for k, v in values.items() if k in ("pool", "paid_out",
                                                                                   "payout_reference")}})
        try:
            self.years.apply(township.id, year, (source, record.revision) if record else None,
                             dict(state=target, updated_at=utcnow(), **values), [*rows, event, entry])
        except StateConflict:
            now = self.years.record(township.id, year)
            state = now.state if now else yf.PROVISIONAL
            raise FailedPrecondition(f"{township.id} {year} changed meanwhile; it is now {state}",
                                     [Violation("year", f"current state: {state}")],
                                     zh=f"{township.id} {year} 年终考核刚被他人改动，现在{yf.zh_state(state)}：请查看最新状态后重试")
        return self.year_state(caller, year, township.id)

    def _freeze_rows(self, township: Township, year: int, revision: int, ye: YearEnd) -> list[YearLine]:
        return [YearLine(township_id=township.id, year=year, revision=revision, official_id=o.line.official_id,
                         village_id=o.village_id, payout=o.line.year_payout,
                         line=year_freeze.dump_line(o.line, o.name, o.village_id, o.village_name, o.months_served))
                for o in ye.officials]

    # moves -------------------------------------------------------------------------
    def aggregate_year(self, caller: Principal, year: int, township_id: str = "", note: str = "") -> YearStateView:
        township, year, record = self._begin("aggregate", caller, year, township_id, note)
        blockers = self._unsettled(township, year)
        if blockers:
            raise FailedPrecondition(
                f"{township.id} {year} cannot be aggregated: {len(blockers)} month(s) not settled",
                [b.violation() for b in blockers],
                zh=f"{township.id} {year} 还不能年终汇总：{len(blockers)} 个月份未审定或仍在申诉期内"
                   f"（{'；'.join(f'{b.month} {b.zh}' for b in blockers)}）：请先把十二个月都审定并等申诉期满")
        marks = self._marks(township, year)
        ye = self._compute(caller, township, year)
        if self._marks(township, year) != marks:
            raise FailedPrecondition("inspection marks arrived while the year was computed; aggregate again",
                                     [Violation("year", "inspection facts changed during aggregation")],
                                     zh="汇总期间又有年终考核事实录入：请重新执行年终汇总")
        if not ye.inspection_recorded and ye.rules.year_end.inspection_weight:
            raise FailedPrecondition(
                f"no inspection marks recorded for {year}", [Violation("year", "record the inspection first")],
                zh=f"{year} 年尚未录入年终考核事实：请先录入年终考核（kaoping fact add --category inspection …）再汇总")
        revision = (record.revision if record else 0) + 1
        values = dict(ruleset_hash=ye.ruleset.content_hash, revision=revision,
                      aggregated_on=self.today().isoformat(), approved_on="", published_on="", notice_ends="",
                      paid_on="", payout_reference="", closed_on="", pool=ye.pool, paid_out=Decimal(0),
                      quota_decision="",
                      summary=year_freeze.dump_summary(ye.quota, ye.pool, ye.shared, ye.inspection_recorded,
                                                       ye.notes, marks))
        return self._write(township, year, record, "aggregate", values, caller,
                           note or f"按规则集 v{ye.ruleset.id} {ye.ruleset.content_hash[:12]} 冻结 "
                                   f"{len(ye.officials)} 名村干部的年终结果，年终考核事实截止",
                           self._freeze_rows(township, year, revision, ye), revision)

    def reopen_year(self, caller: Principal, year: int, township_id: str = "", note: str = "") -> YearStateView:
        township, year, record = self._begin("reopen", caller, year, township_id, note)
        _need_text(note, "note", "why the frozen year is reopened", "为什么把已汇总的年终考核退回重算")
        return self._write(township, year, record, "reopen", dict(ruleset_hash="", summary=""), caller, note)

    def approve_year(self, caller: Principal, year: int, township_id: str = "", content_hash: str = "",
                     note: str = "", pool: str = "", decision: QuotaDecision | None = None) -> YearStateView:
        township, year, record = self._begin("approve", caller, year, township_id, note)
        if content_hash and content_hash != record.ruleset_hash:
            raise FailedPrecondition(
                f"the year was aggregated under rule set {record.ruleset_hash[:12]}, not {content_hash[:12]}",
                [Violation("content_hash", f"aggregated under {record.ruleset_hash}")],
                zh="年终汇总时用的是另一个规则集版本：如需换用，请先退回重算（kaoping year reopen）再重新汇总")
        if pool:
            _money_arg(pool, "pool")   # refused before any work
        marks = year_freeze.marks_of(record.summary)
        if self._marks(township, year) != marks:
            raise FailedPrecondition("inspection facts changed after the year was frozen; reopen and aggregate again",
                                     [Violation("year", "the year's inspection facts differ from those aggregated")],
                                     zh="年终汇总后年终考核事实有变动：请先退回重算（kaoping year reopen）再重新汇总")
        ye = self._compute(caller, township, year, pool, decision)   # a bad decision: InvalidArgument
        if ye.ruleset.content_hash != record.ruleset_hash:
            raise FailedPrecondition("the year's figures no longer compute under the aggregated version",
                                     [Violation("year", "reopen and aggregate again")],
                                     zh="年终结果与汇总时的规则集版本不一致：请先退回重算（kaoping year reopen）再重新汇总")
        require_settled(ye.quota)     # a tie at the quota the tie-break left open needs the meeting's word
        revision = record.revision + 1
        values = dict(revision=revision, approved_on=self.today().isoformat(), pool=ye.pool,
                      quota_decision=json.dumps({"granted": list(ye.quota.decision.granted_official_ids),
                                                 "minutes": ye.quota.decision.minutes},
                                                ensure_ascii=False) if ye.quota.decision else "",
                      summary=year_freeze.dump_summary(ye.quota, ye.pool, ye.shared, ye.inspection_recorded,
                                                       ye.notes, marks))
        total = sum((o.line.year_payout for o in ye.officials), Decimal(0))
        return self._write(township, year, record, "approve", values, caller,
                           note or f"会议审定，绑定规则集 v{ye.ruleset.id} {ye.ruleset.content_hash[:12]}；"
                                   f"奖励金 {ye.pool:.2f} 元，年终兑现合计 {total:.2f} 元"
                                   + (f"；并列名额按会议决定（{ye.quota.decision.minutes}）" if ye.quota.decision else ""),
                           self._freeze_rows(township, year, revision, ye), revision)

    def publish_year(self, caller: Principal, year: int, township_id: str = "", note: str = "") -> YearStateView:
        township, year, record = self._begin("publish", caller, year, township_id, note)
        rules, _ = self._rules(record.ruleset_hash)
        days = (rules.appeals or DEFAULT_APPEALS).notice_days
        today = self.today()
        values = dict(published_on=today.isoformat(), notice_ends=wf.notice_ends(today, days).isoformat())
        return self._write(township, year, record, "publish", values, caller,
                           note or f"年终考核结果公示 {values['published_on']} 至 {values['notice_ends']}")

    def record_year_payout(self, caller: Principal, year: int, township_id: str = "", reference: str = "",
                           paid_on: str = "", note: str = "") -> YearStateView:
        township, year, record = self._begin("record_payout", caller, year, township_id, note)
        _need_text(reference, "reference", "the payment's reference, e.g. the bank batch number",
                   "兑现凭证号（如银行批次号）")
        _limit(MAX_REFERENCE, reference=reference)
        today = self.today()
        day = _day(paid_on, "paid_on") if paid_on else today
        ends = wf.parse_day(record.notice_ends)
        if today <= ends:
            raise FailedPrecondition(f"the public notice runs until {record.notice_ends}; pay after it",
                                     [Violation("year", f"notice ends {record.notice_ends}")],
                                     zh=f"年终公示期到 {record.notice_ends} 结束：请在公示期满后再登记兑现")
        if day <= ends or day > today:
            raise InvalidArgument(f"paid_on {day} must be after the notice ({record.notice_ends}) and not after today",
                                  [Violation("paid_on", f"after {ends} and not after {today}")],
                                  zh=f"兑现日期 {day} 不对：须在公示期满（{record.notice_ends}）之后、且不晚于今天（{today}）")
        lines = self.years.lines(township.id, year, record.revision)
        payments = [YearPayment(township_id=township.id, year=year, revision=record.revision,
                                official_id=l.official_id, village_id=l.village_id, amount=Decimal(l.payout),
                                paid_on=day.isoformat(), reference=reference, recorded_by=caller.name)
                    for l in lines if Decimal(l.payout) > 0]
        total = sum((p.amount for p in payments), Decimal(0))
        values = dict(paid_on=day.isoformat(), payout_reference=reference, paid_out=total)
        return self._write(township, year, record, "record_payout", values, caller,
                           note or f"年终兑现 {len(payments)} 笔，共 {total:.2f} 元，凭证 {reference}", payments)

    def close_year(self, caller: Principal, year: int, township_id: str = "", note: str = "") -> YearStateView:
        township, year, record = self._begin("close", caller, year, township_id, note)
        return self._write(township, year, record, "close", dict(closed_on=self.today().isoformat()), caller,
                           note or "年度考评归档")


def _day(text: str, name: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except (ValueError, AttributeError):
        raise InvalidArgument(f"bad {name}", [Violation(name, f"{text[:32]!r} is not a date YYYY-MM-DD")],
                              zh=f"日期 {text[:32]!r} 不对：请写成 YYYY-MM-DD，如 2027-01-20")
