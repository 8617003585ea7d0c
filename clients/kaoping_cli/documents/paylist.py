"""The printable pay list (绩效报酬发放表) of a month or a year: one section per village
(each on its own sheet, for the village's officials to sign for their money), with the
ID number and bank account as the server gives them to the caller (in full to those who
pay, masked for everyone else), a signature column (领款人签字) tall enough to sign in,
the village's total and the lines for who drew up and checked it; then the township's
summary with the issuer, date and seal."""
from __future__ import annotations

from decimal import Decimal

from kaoping.v1 import workflow_pb2 as wf
from kaoping.v1 import workflow_pb2_grpc as wf_grpc
from kaoping_cli.common import STATE_NAMES, YEAR_STATE_NAMES, call, stub
from kaoping_cli.documents.letterhead import document_script, issuer_stamp, masthead
from kaoping_cli.documents.model import Block, Document, Page, Para, Signature, TableBlock
from kaoping_cli.documents.notice import SIGN_LINE, dec

SIGN_ROW_MM = 10.0
PROVISIONAL_NOTE = "注：年终考核尚未经会议审定，年终奖励为暂定金额，可能变动，不得据此发放。"
MASKED_NOTE = "注：身份证号、银行账号按查看人的权限显示，带 * 的为部分隐去；发放时以财务留存的完整信息为准。"


def _money(value: Decimal) -> str:
    return format(value.quantize(Decimal("0.01")), ",f")


def pay_list_document(month: str = "", year: int = 0, village: str = "") -> Document:
    pay = call(stub(wf_grpc.WorkflowServiceStub).GetPayList,
               wf.GetPayListRequest(month=month, year=year, village_id=village))
    return pay_document(pay, yearly=bool(year))


def pay_document(pay: wf.PayList, yearly: bool) -> Document:
    script = document_script(pay.letterhead)
    period = pay.period
    title = f"{period} 村干部绩效报酬发放表"
    state = (YEAR_STATE_NAMES if yearly else STATE_NAMES).get(pay.state, pay.state)
    # a year's list before the meeting approved it: its year-end money is not final
    provisional = yearly and any(l.reward_state == "provisional" for l in pay.lines)
    by_village: dict[str, list[wf.PayLine]] = {}
    for line in pay.lines:
        by_village.setdefault(line.village_id, []).append(line)
    headers = ["序号", "姓名", "得分", "等次"]
    widths = [6, 11, 8, 8]
    align = ["C", "L", "R", "C"]
    if yearly:
        headers += ["月度报酬（元）", "年终奖励（元）"]
        widths += [13, 13]
        align += ["R", "R"]
    headers += ["应发金额（元）", "身份证号", "银行账号", "领款人签字"]
    widths += [13, 26, 30, 22]
    align += ["R", "L", "L", "L"]
    masked = any("*" in (l.id_number + l.bank_account) for l in pay.lines)
    pages = []
    for village_id, lines in by_village.items():
        name = lines[0].village_name
        rows = []
        for n, l in enumerate(lines, start=1):
            row = [str(n), l.official_name, l.score, l.grade]
            if yearly:
                row += [_money(dec(l.monthly_pay)),
                        _money(dec(l.reward)) + ("（暂定）" if l.reward_state == "provisional" else "")]
            row += [_money(dec(l.amount)), l.id_number, l.bank_account, ""]
            rows.append(row)
        total = sum((dec(l.amount) for l in lines), Decimal(0))
        totals = ["", f"合计 {len(lines)} 人", "", ""] + (["", ""] if yearly else []) + [_money(total), "", "", ""]
        blocks: list[Block] = [masthead(pay.letterhead), Para(title, "title"),
                               Para(f"村：{name}（{village_id}）　期间：{period}　状态：{state}", "meta"),
                               TableBlock(headers, rows + [totals], widths, align, bold_rows={len(rows)},
                                          font_size=9.5, row_height=SIGN_ROW_MM)]
        if provisional:
            blocks.append(Para(PROVISIONAL_NOTE, "small"))
        if masked:
            blocks.append(Para(MASKED_NOTE, "small"))
        if len(by_village) == 1:          # one village's list is the whole document: its foot is the issuer's
            blocks.append(issuer_stamp(pay.letterhead, receipt=[f"制表人：{SIGN_LINE}　　审核人：{SIGN_LINE}",
                                                                 f"村党支部书记：{SIGN_LINE}"]))
        else:
            blocks.append(Signature([f"制表人：{SIGN_LINE}", f"审核人：{SIGN_LINE}", f"村党支部书记：{SIGN_LINE}"]))
        pages.append(Page(blocks, f"{title}　{name}"))
    if len(by_village) != 1:
        rows = [[v.village_id, v.village_name, str(v.officials), _money(dec(v.amount))] for v in pay.villages]
        rows.append(["", "全镇合计", str(sum(v.officials for v in pay.villages)), _money(dec(pay.township_total))])
        blocks = [masthead(pay.letterhead), Para(f"{period} 村干部绩效报酬发放汇总表", "title"),
                  Para(f"期间：{period}　状态：{state}" + ("　（全部兑现）" if pay.complete else ""), "meta"),
                  TableBlock(["编号", "村", "人数", "应发金额（元）"], rows, [15, 30, 15, 25], ["C", "L", "R", "R"],
                             bold_rows={len(rows) - 1})]
        blocks += [Para(n, "small") for n in pay.notes]
        blocks.append(issuer_stamp(pay.letterhead, receipt=[f"制表人：{SIGN_LINE}", f"审核人：{SIGN_LINE}",
                                                             f"分管领导：{SIGN_LINE}"]))
        # a column of villages: upright, so the table, the signatures and the seal share one sheet
        pages.append(Page(blocks, f"{title}　汇总", landscape=False))
    if not pages:
        pages.append(Page([masthead(pay.letterhead), Para(title, "title"), Para("本期无发放记录。", "body")], title))
    return Document(title, pages, script=script, landscape=True)
