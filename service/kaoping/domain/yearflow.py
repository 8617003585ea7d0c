"""The year-end workflow as pure rules, like kaoping.domain.workflow for the month:
states, who may do what in which state, and what a year needs before it moves.
No storage, no gRPC.

    provisional ──aggregate──▶ aggregated ──approve──▶ approved ──publish──▶ published
         ▲                        │                                            │ record_payout
         └─────────reopen─────────┘                                            ▼
                                                                 paid ──close──▶ closed

- provisional (暂定): the year is computed on demand from the approved months and the
  inspection marks; every figure is marked provisional. Inspection marks are accepted.
- aggregated (年终汇总): every month of the year is settled (approved, no appeal pending
  and none possible any more), the inspection marks are closed and the figures frozen
  for the summary meeting. If the meeting finds an error, an admin reopens (with a reason).
- approved (会议审定): the meeting approved the frozen figures: the rule-set version is
  bound, every official's year result, the quota decision and the reward pool are fixed.
- published (公示): the year's results are public for the rule set's notice period.
- paid (兑现): every official's year-end money is recorded as paid, with a reference;
  the shares add up to what was fixed at approval, to the fen.
- closed (归档): the year is over; nothing of it changes any more.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from kaoping.domain.errors import FailedPrecondition, PermissionDenied, Violation
from kaoping.domain.principal import ADMIN_ROLES
from kaoping.domain import workflow as month_flow

PROVISIONAL, AGGREGATED, APPROVED, PUBLISHED, PAID, CLOSED = (
    "provisional", "aggregated", "approved", "published", "paid", "closed")
STATES = (PROVISIONAL, AGGREGATED, APPROVED, PUBLISHED, PAID, CLOSED)
FROZEN = (AGGREGATED, APPROVED, PUBLISHED, PAID, CLOSED)   # figures come from the year's freeze
FINAL = (APPROVED, PUBLISHED, PAID, CLOSED)                # approved by the meeting
PAID_OUT = (PAID, CLOSED)                                  # the year-end money is recorded as paid

STATE_ZH = {PROVISIONAL: "暂定（未经会议审定）", AGGREGATED: "已汇总待审定", APPROVED: "已审定",
            PUBLISHED: "公示中", PAID: "已兑现", CLOSED: "已归档"}
ACTION_ZH = {"aggregate": "年终汇总", "reopen": "退回重算", "approve": "会议审定",
             "publish": "年终公示", "record_payout": "登记奖励兑现", "close": "年度归档"}


def zh_state(state: str) -> str:
    return STATE_ZH.get(state, state)


@dataclass(frozen=True)
class Action:
    name: str
    states: tuple[str, ...]
    target: str


ACTIONS: dict[str, Action] = {a.name: a for a in (
    Action("aggregate", (PROVISIONAL,), AGGREGATED),
    Action("reopen", (AGGREGATED,), PROVISIONAL),
    Action("approve", (AGGREGATED,), APPROVED),
    Action("publish", (APPROVED,), PUBLISHED),
    Action("record_payout", (PUBLISHED,), PAID),
    Action("close", (PAID,), CLOSED),
)}


def require(action: str, state: str, role: str, where: str) -> Action:
    """Role first (PERMISSION_DENIED: only administrators move a year), then state
    (FAILED_PRECONDITION naming it)."""
    spec = ACTIONS[action]
    if role not in ADMIN_ROLES:
        raise PermissionDenied(f"year {action} is for {', '.join(ADMIN_ROLES)}, not {role}",
                               [Violation("caller", f"role {role} may not {action} a year")],
                               zh=f"{ACTION_ZH[action]}只能由管理员办理，你的角色是 {role}：请换用管理员令牌")
    if state not in spec.states:
        raise FailedPrecondition(
            f"{where} is {state}; {action} needs it to be {' or '.join(spec.states)}",
            [Violation("year", f"current state: {state}")],
            zh=f"{where} 年终考核当前{zh_state(state)}，{ACTION_ZH[action]}须在"
               f"{'或'.join(zh_state(s) for s in spec.states)}时办理：请用 kaoping year state 查看进度")
    return spec


def next_actions(state: str) -> list[str]:
    return [a.name for a in ACTIONS.values() if state in a.states]


@dataclass(frozen=True)
class MonthStanding:
    """What the year needs to know of one of its months."""
    month: str
    state: str                 # the month's workflow state (kaoping.domain.workflow)
    pending_appeals: int = 0
    appeal_deadline: str = ""  # YYYY-MM-DD, once approved


@dataclass(frozen=True)
class Unsettled:
    """A month that stops the year from being frozen, and why (for the API and a person)."""
    month: str
    reason: str
    zh: str

    def violation(self) -> Violation:
        return Violation(f"months[{self.month}]", self.reason)


def unsettled(months: list[MonthStanding], today: date) -> list[Unsettled]:
    """Why the year cannot be frozen yet: a month not approved, or one whose figures may
    still change (an appeal pending, or the appeal period still running). A settled
    month can no longer change, so the frozen year never goes stale."""
    found = []
    for m in months:
        if m.state not in month_flow.BOUND:
            found.append(Unsettled(m.month, f"{m.month} is {m.state}, not approved",
                                   f"{month_flow.zh_state(m.state)}，尚未审定"))
        elif m.pending_appeals:
            found.append(Unsettled(m.month, f"{m.month} has {m.pending_appeals} appeal(s) pending",
                                   f"有 {m.pending_appeals} 件申诉待处理"))
        elif m.state == month_flow.APPROVED and m.appeal_deadline and today <= date.fromisoformat(m.appeal_deadline):
            found.append(Unsettled(m.month, f"{m.month}'s appeal period runs until {m.appeal_deadline}",
                                   f"申诉期到 {m.appeal_deadline} 结束"))
    return found


def inspection_closed(state: str) -> bool:
    """Inspection marks for the year are refused once its figures are frozen."""
    return state in FROZEN
