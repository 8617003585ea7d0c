"""What the year-end meeting's documents (年度考核结果通报, 表彰奖励决定, 奖励发放表) share:
whether the year's figures are final, the year's states and the rule set as a reader
names them, money as printed, and the server's year-end formula and notes in Chinese.

The figures are final only once the meeting approved the year (YearEndService.ApproveYear):
YearState.state approved, published, paid or closed, and YearEnd.provisional false. An
older server without the year workflow sends neither: its year is never final. A reward
is paid only when the year is paid or closed and the official's reward_paid is set."""
from __future__ import annotations

import re
from decimal import Decimal

from kaoping_cli.documents.notice import dec

FINAL_STATES = ("approved", "published", "paid", "closed")
PAID_STATES = ("paid", "closed")
YEAR_STATE_NAMES = {"provisional": "暂定", "aggregated": "已汇总", "approved": "已审定", "published": "公示中",
                    "paid": "已兑现", "closed": "已结束", "": "暂定"}
PROVISIONAL_MARK = "暂定（未经会议审定）"
PROVISIONAL_NOTE = ("本通报所列为暂定数据，年度考核结果尚未经镇考核工作会议审定，不作为奖励发放依据；"
                    "以会议审定后的结果为准。")
PAID, UNPAID = "已发放", "未发放"


class NotFinal(Exception):
    """A document that cannot be issued from these figures; the message says why, in Chinese."""


def year_state_of(year_end, year_state) -> str:
    """The year's state: the workflow's (YearState) when the server has one, else the one
    sent with the figures; "" from a server without the year workflow."""
    return (year_state.state if year_state is not None and year_state.state else "") or year_end.state


def is_final(year_end, year_state) -> bool:
    return not year_end.provisional and year_state_of(year_end, year_state) in FINAL_STATES


def is_paid(year_end, year_state, official) -> bool:
    """已发放: the payout is recorded for the year and for this official."""
    return year_state_of(year_end, year_state) in PAID_STATES and bool(official.reward_paid)


def state_text(year_end, year_state) -> str:
    state = year_state_of(year_end, year_state)
    return YEAR_STATE_NAMES.get(state, state)


def ruleset_text(ref) -> str:
    """The rule-set version the figures were computed (and, once approved, bound) under."""
    digest = f"，内容校验 {ref.content_hash[:12]}" if ref.content_hash else ""
    return f"{ref.label or '规则集'}（v{ref.id}{digest}）"


def approved_on(year_end, year_state) -> str:
    return (year_state.approved_on if year_state is not None and year_state.approved_on else "") \
        or year_end.approved_on


def shared(year_end) -> Decimal:
    """What the pool's shares add up to (YearEnd.shared: the pool, or 0 if nobody qualifies).
    A server before the year workflow sent it as paid_out, which now is what was paid."""
    return dec(year_end.shared) if year_end.shared else dec(year_end.paid_out)


def money(value) -> str:
    amount = value if isinstance(value, Decimal) else dec(value)
    return format(amount.quantize(Decimal("0.01")), ",f")


def total(values) -> Decimal:
    return sum((dec(v) if not isinstance(v, Decimal) else v for v in values), Decimal(0))


_FORMULA = re.compile(r"^\s*([\d.]+) × (average|sum) of monthly totals \+ ([\d.]+) × inspection score\s*$")


def formula_zh(formula: str) -> str:
    """The server's year formula (kaoping.rules.sections.YearEndRules.formula) as the
    documents print it; a formula in another wording is printed as sent."""
    found = _FORMULA.match(formula or "")
    if not found:
        return formula
    weight, form, inspection = found.groups()
    monthly = "各月总分平均" if form == "average" else "各月总分之和"
    return f"年度综合得分 = 月度得分（{monthly}）× {weight} + 年终考核得分 × {inspection}"


# The year-end's notes (kaoping.usecases.workflow.year_end, kaoping.domain.yearend,
# kaoping.rules.year_money) are English today; the documents print them in Chinese. A
# note in other words (or already in Chinese) is printed as sent.
_NOTES = [
    (re.compile(r"^not counted \(not approved\): (.+)$"), "未经审定、未计入的月份：{0}"),
    (re.compile(r"^approved but not yet paid: (.+)$"), "已审定、尚未兑现的月份：{0}"),
    (re.compile(r"^no inspection marks recorded for (\d+): every official has the full inspection score$"),
     "{0}年未录入年终考核扣分：每人的年终考核按满分计"),
    (re.compile(r"^inspection marks for officials with no approved month are not used: (.+)$"),
     "以下人员没有已审定的月份，其年终考核扣分未使用：{0}"),
    (re.compile(r"^nobody qualifies for the reward: ([\d.]+) yuan not paid out$"), "无人符合奖励条件：{0} 元未分配"),
    (re.compile(r"^(\d+) officials tie at score ([\d.]+) for the last (\d+) (\S+) place\(s\): .*$"),
     "{0} 人以 {1} 分并列争最后 {2} 个“{3}”名额，由会议决定"),
    (re.compile(r"^village (\S+) has no (.+): no reward pool$"), "{0} 村没有“{1}”数据：无村级奖励池"),
    (re.compile(r"^on the roster for part of (\d+) \(only the months served count\): (.+)$"),
     "{0}年只任职部分月份（只计任职月份）：{1}"),
]


def note_zh(note: str) -> str:
    for pattern, text in _NOTES:
        found = pattern.match(note)
        if found:
            return text.format(*found.groups())
    return note


def excellent_text(year_end) -> str:
    """The excellent quota as decided: granted of the limit, the candidates, the tie-break."""
    if not year_end.excellent_grade:
        return ""
    if year_end.excellent_limit < 0:
        text = f"“{year_end.excellent_grade}”不限名额，共 {year_end.excellent_granted} 人"
    else:
        text = (f"“{year_end.excellent_grade}”名额 {year_end.excellent_limit} 个，候选 "
                f"{year_end.excellent_candidates} 人，评定 {year_end.excellent_granted} 人")
    if year_end.tie_break:
        text += f"；并列时依次按 {year_end.tie_break} 确定"
    return text
