"""The reward pay sheet (年终奖励发放表): one section per village, each on its own sheet for
the rewarded officials to sign for their money — position, grade, the parts of the
year-end money and the amount (year_payout), ID number and bank account as the server
gives them to the caller (GetPayList: in full to those who pay, masked for everyone
else), whether it is paid, and a 领款人签字 column tall enough to sign in; the village's
total and the lines for who drew it up and checked it. Then the township's summary: the
villages' totals, which add up to the township's total exactly (whole fen, Decimal), set
against the pool the meeting fixed and, once paid, the payout recorded.

Only approved figures are paid from (NotFinal otherwise); a reward shows 已发放 only when
the year is paid or closed and the official's reward_paid is recorded."""
from __future__ import annotations

import grpc

from kaoping.v1 import workflow_pb2 as wf
from kaoping.v1 import workflow_pb2_grpc as wf_grpc
from kaoping_cli.common import fail, stub
from kaoping_cli.documents.letterhead import date_text, document_script, issuer_stamp, masthead
from kaoping_cli.documents.model import Block, Document, Page, Para, Signature, TableBlock
from kaoping_cli.documents.notice import SIGN_LINE, dec
from kaoping_cli.documents.paylist import MASKED_NOTE, SIGN_ROW_MM
from kaoping_cli.documents.reward_decision import PARTS, refuse_unless_final
from kaoping_cli.documents.year_report import fetch_year, villages_of
from kaoping_cli.documents.year_words import (PAID, PAID_STATES, UNPAID, approved_on, is_paid, money, ruleset_text,
                                              shared, state_text, total, year_state_of)


def fetched_reward_sheet(year: int, village: str = "") -> Document:
    year_end, state = fetch_year(year)
    refuse_unless_final(year_end, state, "年终奖励发放表")      # before asking for the personal data
    try:
        pay = stub(wf_grpc.WorkflowServiceStub).GetPayList(wf.GetPayListRequest(year=year, village_id=village),
                                                            timeout=60)
    except grpc.RpcError as error:
        raise fail(error)
    return reward_sheet_document(year_end, state, pay, village)


def payees(year_end: wf.YearEnd, village_id: str) -> list:
    return sorted((o for o in year_end.officials if o.village_id == village_id and dec(o.year_payout) > 0),
                  key=lambda o: o.official_id)


def _paid_text(year_end, year_state, o) -> str:
    if not is_paid(year_end, year_state, o):
        return UNPAID
    return PAID if dec(o.reward_paid) == dec(o.year_payout) else f"{PAID} {money(o.reward_paid)}"


def reward_sheet_document(year_end: wf.YearEnd, year_state, pay_list: wf.PayList | None,
                          village: str = "") -> Document:
    refuse_unless_final(year_end, year_state, "年终奖励发放表")
    script = document_script(year_end.letterhead)
    year = year_end.year
    title = f"{year}年度村干部年终奖励发放表"
    personal = {l.official_id: l for l in (pay_list.lines if pay_list is not None else [])}
    chosen = [(v, name, payees(year_end, v)) for v, name in villages_of(year_end, village)]
    chosen = [c for c in chosen if c[2]]
    everyone = [o for _, _, people in chosen for o in people]
    parts = [(key, label) for key, label in PARTS if any(dec(getattr(o, key)) != 0 for o in everyone)]
    state = year_state_of(year_end, year_state)
    meeting = approved_on(year_end, year_state)
    meta = f"年度：{year}　状态：{state_text(year_end, year_state)}　会议审定：{date_text(meeting) if meeting else '—'}"

    headers = ["序号", "姓名", "职务", "等次"] + [label for _, label in parts] + \
              ["应发金额", "身份证号", "银行账号", "发放状态", "领款人签字"]
    widths = [8, 10, 17, 8] + [14] * len(parts) + [15, 27, 29, 13, 20]
    align = ["C", "L", "L", "C"] + ["R"] * len(parts) + ["R", "L", "L", "C", "L"]
    masked = any("*" in (l.id_number + l.bank_account) for l in personal.values())
    pages = []
    for village_id, name, people in chosen:
        rows = []
        for n, o in enumerate(people, start=1):
            line = personal.get(o.official_id)
            rows.append([str(n), o.official_name, o.position, o.grade]
                        + [money(getattr(o, key)) for key, _ in parts]
                        + [money(o.year_payout), line.id_number if line else "", line.bank_account if line else "",
                           _paid_text(year_end, year_state, o), ""])
        rows.append(["", "合计", f"{len(people)} 人", ""] + [money(total(getattr(o, k) for o in people))
                                                            for k, _ in parts]
                    + [money(total(o.year_payout for o in people)), "", "", "", ""])
        blocks: list[Block] = [masthead(year_end.letterhead), Para(title, "title"),
                               Para(f"村：{name}（{village_id}）　{meta}　金额单位：元", "meta"),
                               TableBlock(headers, rows, widths, align, bold_rows={len(rows) - 1},
                                          font_size=8.5, row_height=SIGN_ROW_MM)]
        if masked:
            blocks.append(Para(MASKED_NOTE, "small"))
        blocks.append(Signature([f"制表人：{SIGN_LINE}", f"审核人：{SIGN_LINE}", f"村党支部书记：{SIGN_LINE}"]))
        pages.append(Page(blocks, f"{title}　{name}"))
    pages.append(_summary(year_end, year_state, chosen, title, meta, state, village))
    return Document(title, pages, script=script, landscape=True)


def _summary(year_end, year_state, chosen, title, meta, state, village) -> Page:
    """The township's (or the one village's) totals, the pool and the payout set against them."""
    rows = [[v, name, str(len(people)), money(total(o.reward for o in people)),
             money(total(o.year_payout for o in people))] for v, name, people in chosen]
    everyone = [o for _, _, people in chosen for o in people]
    reward, payout = total(o.reward for o in everyone), total(o.year_payout for o in everyone)
    rows.append(["", "合计", str(len(everyone)), money(reward), money(payout)])
    blocks: list[Block] = [masthead(year_end.letterhead), Para(title.replace("发放表", "发放汇总表"), "title"),
                           Para(meta, "meta"),
                           TableBlock(["编号", "村", "人数", "其中年终奖励（元）", "应发金额（元）"], rows,
                                      [14, 26, 12, 24, 24], ["C", "L", "R", "R", "R"], bold_rows={len(rows) - 1})]
    lines = [f"规则集：{ruleset_text(year_end.ruleset)}"]
    paid_out = shared(year_end)
    whole = reward == paid_out
    if whole:
        lines.append(f"年终奖励合计 {money(reward)} 元，与会议确定的奖励总额 {money(year_end.pool)} 元"
                     f"按规则分配的 {money(paid_out)} 元一致。")
    notes = []
    if not whole and not village:
        notes.append(f"注意：本表年终奖励合计 {money(reward)} 元，与全镇分配总额 {money(paid_out)} 元相差 "
                     f"{money(reward - paid_out)} 元：本表应含全镇的，请核对后再发放。")
    elif not whole:
        lines.append(f"本表只含 {len(chosen)} 个村；全镇年终奖励分配总额 {money(paid_out)} 元。")
    if state in PAID_STATES and year_state is not None:
        recorded = total(o.reward_paid for o in everyone if o.reward_paid)
        lines.append(f"已于 {date_text(year_state.paid_on)} 发放，凭证号 {year_state.payout_reference or '—'}，"
                     f"登记发放 {money(year_state.paid_out)} 元。")
        if whole and dec(year_state.paid_out) != recorded:
            notes.append(f"注意：本表已发放合计 {money(recorded)} 元，与登记发放的 {money(year_state.paid_out)} 元"
                         "不一致，请核对。")
    else:
        lines.append("尚未发放：领款人签字后凭此表发放；发放后登记发放凭证号。")
    blocks += [Para(line, "body") for line in lines] + [Para(n, "note") for n in notes]
    blocks.append(issuer_stamp(year_end.letterhead, on=approved_on(year_end, year_state),
                               receipt=[f"制表人：{SIGN_LINE}", f"审核人：{SIGN_LINE}", f"分管领导：{SIGN_LINE}"]))
    return Page(blocks, f"{title}　汇总", landscape=False)

