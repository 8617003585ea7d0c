"""The pay list of a month or a year."""
from __future__ import annotations

from decimal import Decimal

from kaoping.domain import workflow as wf
from kaoping.domain import yearflow as yf
from kaoping.domain.errors import FailedPrecondition, InvalidArgument, Violation
from kaoping.domain.personal import as_seen
from kaoping.domain.principal import Principal
from kaoping.usecases.workflow.base import WorkflowBase, _reader, _year_months
from kaoping.usecases.workflow.letterhead import frozen_on, letterhead
from kaoping.usecases.workflow.views import PayLine, PayList


class PayLists(WorkflowBase):
    def pay_list(self, caller: Principal, township_id: str = "", month: str = "", year: int = 0,
                 village_id: str = "") -> PayList:
        _reader(caller)
        if caller.role == "village":
            village_id = self._village(caller, village_id or caller.village_id, read=True).id
        township = self._township(township_id, caller)
        if bool(month) == bool(year):
            raise InvalidArgument("give a month or a year", [Violation("month", "one of month, year")],
                                  zh="请指定月份（--month）或年份（--year），二者选一")
        if month:
            month = self.app._month(month)
            record = self.months.record(township.id, month)
            state = record.state if record else wf.SCORING
            if state not in wf.FROZEN:
                raise FailedPrecondition(f"{township.id} {month} is {state}: there is no frozen pay "
                                         f"list before aggregation", [Violation("month", f"current state: {state}")],
                                         zh=(f"{township.id} {month} 当前{wf.zh_state(state)}："
                                             "汇总之前没有报酬发放表，请先汇总（kaoping month aggregate）"))
            paid = {p.official_id: Decimal(p.amount) for p in self.months.payments(township.id, [month])}
            lines = [PayLine(l.official_id, l.official_name, l.village_id, l.village_name,
                             Decimal(l.total), l.grade, Decimal(l.pay), Decimal(0), Decimal(l.pay),
                             paid.get(l.official_id, Decimal(0)))
                     for l in self.months.lines(township.id, month, record.revision)]
            notes = {wf.AGGREGATED: ["已汇总，尚未经会议审定：金额可能变动"],
                     wf.APPROVED: ["已审定，尚未公示、尚未兑现"],
                     wf.PUBLISHED: [f"公示中，公示期至 {record.notice_ends}"],
                     wf.PAID: [f"已于 {record.paid_on} 兑现"]}[state]
            result = PayList(township, month, state, lines, state == wf.PAID, notes,
                             letterhead(township, "", frozen_on(record, self.today())))
        else:
            ye = self.year_end(Principal("pay-list", "admin"), year, township.id)
            paid: dict[str, Decimal] = {}
            for p in self.months.payments(township.id, _year_months(ye.year)):
                paid[p.official_id] = paid.get(p.official_id, Decimal(0)) + Decimal(p.amount)
            # the year-end money is final only once approved, and paid only once recorded
            standing = "paid" if ye.state in yf.PAID_OUT else "provisional" if ye.provisional else "approved"
            lines = [PayLine(o.line.official_id, o.name, o.village_id, o.village_name, o.line.score,
                             o.line.grade, o.line.monthly_pay, o.line.year_payout,
                             o.line.monthly_pay + o.line.year_payout,
                             paid.get(o.line.official_id, Decimal(0)) + ye.paid.get(o.line.official_id, Decimal(0)),
                             reward_state=standing, reward_paid=ye.paid.get(o.line.official_id)
                             if ye.state in yf.PAID_OUT else None)
                     for o in ye.officials]
            notes = ["月度报酬为已审定月份之和；年终奖励含奖励金、奖项、按月奖励和村奖励池分成，减去年内扣减"
                     "（已发放：已登记兑现的月度报酬与年终奖励）",
                     {"provisional": f"{ye.year} 年终考核{yf.zh_state(ye.state)}：年终奖励为暂定金额，"
                                     f"会议审定前可能变动，不得据此发放",
                      "approved": f"{ye.year} 年终考核已于 {ye.record.approved_on if ye.record else ''} 审定，"
                                  f"年终奖励尚未兑现",
                      "paid": f"{ye.year} 年终奖励已于 {ye.record.paid_on if ye.record else ''} 兑现，"
                              f"凭证 {ye.record.payout_reference if ye.record else ''}"}[standing]]
            result = PayList(township, str(ye.year), ye.state, lines, ye.complete, notes + ye.notes,
                             letterhead(township, "", self.today().isoformat()))
        if village_id:
            result.lines = [l for l in result.lines if l.village_id == village_id]
        result.lines.sort(key=lambda l: (l.village_id, l.official_id))
        # ID number and bank account: in full for the roles that pay, masked for the others
        for line in result.lines:
            official = self.app.registry.official(line.official_id)
            if official is not None:
                line.id_number = as_seen(official.id_number, caller.sees_personal)
                line.bank_account = as_seen(official.bank_account, caller.sees_personal)
        return result
