"""The monthly workflow as pure rules: states, who may do what in which state, and
the calendar of the feedback and public-notice periods. No storage, no gRPC.

    scoring ──aggregate──▶ aggregated ──approve──▶ approved ──publish──▶ published ──mark_paid──▶ paid
       ▲                       │                    │  confirm (village)
       └────────reopen─────────┘                    │  appeal (village) / resolve_appeal (admin)

- scoring: scorers submit facts (the only state that accepts ordinary facts).
- aggregated (统一汇总): totals are frozen into a snapshot for the meeting; facts are
  refused. If the meeting finds an error before approving, an admin reopens the month.
- approved (会议审定): the meeting approved the frozen totals; the rule-set version
  they were computed under is bound to the month. Feedback (反馈确认) happens here:
  each village confirms its 《反馈通知单》 or appeals individual deductions until the
  appeal deadline; an admin resolves appeals (an overturn voids the fact through a
  correcting fact and recomputes the month under the bound version).
- published (公示): results are public for the notice period; only scores, grades and
  pay tier, with no identifiers beyond name and village.
- paid (兑现): the amounts paid are recorded.

Publishing needs every appeal resolved, and every village's confirmation or the
appeal deadline passed (a village that did not answer in time is deemed to have
confirmed, 逾期视为确认). Paying needs the notice period over.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from kaoping.domain.errors import FailedPrecondition, PermissionDenied, Violation
from kaoping.domain.principal import ADMIN_ROLES

SCORING, AGGREGATED, APPROVED, PUBLISHED, PAID = "scoring", "aggregated", "approved", "published", "paid"
STATES = (SCORING, AGGREGATED, APPROVED, PUBLISHED, PAID)
FROZEN = (AGGREGATED, APPROVED, PUBLISHED, PAID)          # totals come from the snapshot
BOUND = (APPROVED, PUBLISHED, PAID)                        # approved by the meeting
PUBLIC = (PUBLISHED, PAID)

# how a refusal names states and actions to a person (kaoping.domain.errors zh)
STATE_ZH = {SCORING: "评分中", AGGREGATED: "已汇总", APPROVED: "已审定", PUBLISHED: "已公示", PAID: "已兑现"}
ACTION_ZH = {"aggregate": "月度汇总", "reopen": "退回重算", "approve": "会议审定", "confirm": "反馈确认",
             "appeal": "申诉", "resolve_appeal": "处理申诉", "publish": "公示", "mark_paid": "登记兑现"}


def zh_state(state: str) -> str:
    return STATE_ZH.get(state, state)


def zh_action(action: str) -> str:
    return ACTION_ZH.get(action, action)


PENDING, UPHELD, OVERTURNED = "pending", "upheld", "overturned"
DECISIONS = (UPHELD, OVERTURNED)
APPELLANTS = ("village", "official")


@dataclass(frozen=True)
class Action:
    name: str
    states: tuple[str, ...]     # the states it may be taken in
    roles: tuple[str, ...]
    target: str | None          # the state it moves to; None: stays


ACTIONS: dict[str, Action] = {a.name: a for a in (
    Action("aggregate", (SCORING,), ADMIN_ROLES, AGGREGATED),
    Action("reopen", (AGGREGATED,), ADMIN_ROLES, SCORING),
    Action("approve", (AGGREGATED,), ADMIN_ROLES, APPROVED),
    Action("confirm", (APPROVED,), ("village",), None),
    Action("appeal", (APPROVED,), ("village",), None),
    Action("resolve_appeal", (APPROVED,), ADMIN_ROLES, None),
    Action("publish", (APPROVED,), ADMIN_ROLES, PUBLISHED),
    Action("mark_paid", (PUBLISHED,), ADMIN_ROLES, PAID),
)}


@dataclass(frozen=True)
class OnBehalf:
    """The township office entering a village's paper-signed confirmation or appeal
    (代为登记): who signed it and why the office enters it."""
    signed_by: str
    reason: str

    def recorded_as(self, admin: str, most: int = 200) -> str:
        """The confirmation's or appeal's `by`: 代为登记：<signer>（<admin>）, within `most`."""
        head = f"代为登记：{self.signed_by.strip()}（"
        return head + admin[:max(0, most - len(head) - 1)] + "）"


def require_role(action: str, role: str) -> Action:
    spec = ACTIONS[action]
    if role not in spec.roles:
        raise PermissionDenied(f"{action} is for {', '.join(spec.roles)}, not {role}",
                               [Violation("caller", f"role {role} may not {action}")],
                               zh=f"{zh_action(action)}只能由 {'、'.join(spec.roles)} 办理，你的角色是 {role}：请换用相应的令牌")
    return spec


def require(action: str, state: str, role: str, where: str) -> Action:
    """Role first (PERMISSION_DENIED), then state (FAILED_PRECONDITION naming it)."""
    spec = require_role(action, role)
    require_state(action, state, where)
    return spec


def require_state(action: str, state: str, where: str) -> Action:
    """FAILED_PRECONDITION naming the state unless `action` may be taken in it."""
    spec = ACTIONS[action]
    if state not in spec.states:
        raise FailedPrecondition(
            f"{where} is {state}; {action} needs it to be {' or '.join(spec.states)}",
            [Violation("month", f"current state: {state}")],
            zh=f"{where} 当前{zh_state(state)}，{zh_action(action)}须在"
               f"{'或'.join(zh_state(s) for s in spec.states)}时办理：请用 kaoping month state 查看本月进度")
    return spec


def next_actions(state: str) -> list[str]:
    return [a.name for a in ACTIONS.values() if state in a.states]


def facts_open(state: str) -> bool:
    return state == SCORING


def facts_closed(township_id: str, month: str, state: str, field: str) -> FailedPrecondition:
    return FailedPrecondition(
        f"{township_id} {month} is {state}: facts are closed once a month is aggregated; "
        f"after approval only an appeal resolution changes it",
        [Violation(field, f"month {month} is {state}")],
        zh=f"{township_id} {month} {zh_state(state)}：月度汇总后不能再录入或更正事实；审定后只能通过申诉更正")


def month_ended(month: str, today: date) -> bool:
    return month < today.strftime("%Y-%m")


def appeal_deadline(approved_on: date, days: int) -> date:
    """The last day on which an appeal is accepted."""
    return approved_on + timedelta(days=days)


def notice_ends(published_on: date, days: int) -> date:
    """The last day of the public notice; payment is recorded from the day after."""
    return published_on + timedelta(days=days - 1)


def publish_blockers(pending_appeals: int, unconfirmed: list[str], today: date,
                     deadline: date) -> list[Violation]:
    blockers = []
    if pending_appeals:
        blockers.append(Violation("appeals", f"{pending_appeals} appeal(s) not yet resolved"))
    if unconfirmed and today <= deadline:
        blockers.append(Violation("confirmations", (
            f"villages {', '.join(unconfirmed)} have neither confirmed nor let the appeal "
            f"deadline {deadline.isoformat()} pass")))
    return blockers


def pay_tier(pay: Decimal, base: Decimal) -> str:
    """Pay as a share of base pay ("100%", "85%"): the public notice shows this, not money."""
    if base <= 0:
        return "—"
    return f"{(pay * 100 / base).quantize(Decimal(1), rounding=ROUND_HALF_UP)}%"


def parse_day(text: str) -> date | None:
    return date.fromisoformat(text) if text else None
