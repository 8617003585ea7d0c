"""The reward decision (表彰奖励决定) the year-end meeting adopts: who is rewarded (official,
village, position), the grade and any honour, the amount and its parts (the pool's
reward, the award for grade and position, the amount per month served, the village
pool's share, less the year's deductions: year_payout), and the rule that gave it — the
year formula, the excellent quota and how a tie was settled, the pool and its split, the
rule-set version bound at approval (label and content hash) — with the meeting's date,
the issuer and the seal.

A decision exists only once the meeting approved the year: for figures not yet approved
the builder refuses (NotFinal) rather than print a decision no one took."""
from __future__ import annotations

from kaoping.v1 import workflow_pb2 as wf
from kaoping_cli.documents.letterhead import date_text, document_script, issuer_stamp, masthead
from kaoping_cli.documents.model import Block, Document, Page, Para, TableBlock
from kaoping_cli.documents.notice import dec
from kaoping_cli.documents.year_report import fetch_year
from kaoping_cli.documents.year_words import (NotFinal, approved_on, excellent_text, formula_zh, is_final, money,
                                              note_zh, ruleset_text, shared, state_text, total)

# the parts of the year-end money, as YearEndOfficial names them; a part nobody has is left out
PARTS = [("reward", "年终奖励"), ("award", "等次奖励"), ("per_month", "按月计发"), ("pool_share", "村奖励池分成"),
         ("deducted", "扣减")]
NUMERALS = "一二三四五六七八九十"


def fetched_reward_decision(year: int) -> Document:
    year_end, state = fetch_year(year)
    return reward_decision_document(year_end, state)


def rewarded(year_end: wf.YearEnd) -> list:
    """Whom the decision names: money to pay or an honour, best rank first."""
    return sorted((o for o in year_end.officials if dec(o.year_payout) > 0 or o.commendations),
                  key=lambda o: (o.rank or 10 ** 6, o.village_id, o.official_id))


def refuse_unless_final(year_end: wf.YearEnd, year_state, what: str) -> None:
    if not is_final(year_end, year_state):
        raise NotFinal(f"{year_end.year}年度考核结果尚未经会议审定（当前状态：{state_text(year_end, year_state)}），"
                       f"不能出具{what}：请在会议审定年度结果之后再打印。")


def reward_decision_document(year_end: wf.YearEnd, year_state) -> Document:
    refuse_unless_final(year_end, year_state, "《表彰奖励决定》")
    script = document_script(year_end.letterhead)
    year = year_end.year
    title = f"关于表彰奖励{year}年度优秀村干部的决定"
    meeting = approved_on(year_end, year_state)
    people = rewarded(year_end)
    parts = [(key, label) for key, label in PARTS if any(dec(getattr(o, key)) != 0 for o in people)]
    amount = total(o.year_payout for o in people)

    blocks: list[Block] = [masthead(year_end.letterhead), Para(title, "title")]
    when = f"经{date_text(meeting)}镇考核工作会议审定" if meeting else "经镇考核工作会议审定"
    if people:
        blocks.append(Para(f"各村党支部、村民委员会：\n　　根据《{ruleset_text(year_end.ruleset)}》年终考核办法，"
                           f"{when}，决定对{year}年度考核中成绩突出的 {len(people)} 名村干部予以表彰，"
                           f"并发放年终奖励共计 {money(amount)} 元。", "body"))
    else:
        blocks.append(Para(f"各村党支部、村民委员会：\n　　根据《{ruleset_text(year_end.ruleset)}》年终考核办法，"
                           f"{when}，{year}年度无符合表彰奖励条件的村干部。", "body"))

    blocks.append(Para("一、表彰奖励名单", "heading"))
    blocks.append(Para("金额单位：元", "small"))
    headers = ["序号", "姓名", "村", "职务", "等次"] + [label for _, label in parts] + ["合计"]
    widths = [6, 11, 11, 17, 9] + [13] * len(parts) + [14]
    align = ["C", "L", "L", "L", "C"] + ["R"] * len(parts) + ["R"]
    rows = []
    for n, o in enumerate(people, start=1):
        grade = o.grade + "".join(f"\n{c}" for c in o.commendations)
        rows.append([str(n), o.official_name, o.village_name, o.position, grade]
                    + [money(getattr(o, key)) for key, _ in parts] + [money(o.year_payout)])
    if rows:
        rows.append(["", "合计", f"{len(people)} 人", "", ""]
                    + [money(total(getattr(o, key) for o in people)) for key, _ in parts] + [money(amount)])
    blocks.append(TableBlock(headers, rows, widths, align, bold_rows={len(rows) - 1} if rows else set(),
                             font_size=9))

    blocks.append(Para("二、表彰奖励依据", "heading"))
    basis = [f"规则集：{ruleset_text(year_end.ruleset)}（会议审定时确定的版本）"]
    if year_end.formula:
        basis.append(f"计分办法：{formula_zh(year_end.formula)}，按此得分评定等次")
    if excellent_text(year_end):
        basis.append(f"优秀名额：{excellent_text(year_end)}")
    decision = year_state.quota_decision if year_state is not None else None
    if decision is not None and decision.minutes:
        basis.append(f"并列名额由会议决定：{decision.minutes}")
    settled = [f"{o.official_name}（{o.quota_note}）" for o in people if o.quota_note]
    if settled:
        basis.append("名额确定：" + "；".join(settled))
    pool = year_state.pool if year_state is not None and year_state.pool else year_end.pool
    if dec(pool) > 0:
        basis.append(f"奖励总额：{money(pool)} 元，按规则集的分配办法分配 {money(shared(year_end))} 元，"
                     "分到每人精确到分，各人之和等于分配总额")
    if any(key != "reward" for key, _ in parts):
        formula = " + ".join(label for key, label in parts if key != "deducted")
        if any(key == "deducted" for key, _ in parts):
            formula += " − 扣减（扣减不使合计低于 0）"
        basis.append(f"每人合计 = {formula}")
    basis += [note_zh(n) for n in year_end.notes]
    blocks += [Para(f"（{NUMERALS[n] if n < len(NUMERALS) else n + 1}）{line}", "body") for n, line in enumerate(basis)]
    if people:
        blocks.append(Para("希望受到表彰的同志珍惜荣誉、再接再厉；各村干部以先进为榜样，扎实做好各项工作。", "body"))
    blocks.append(issuer_stamp(year_end.letterhead, on=meeting))
    number = f"{year_end.letterhead.document_number}　" if year_end.letterhead.document_number else ""
    return Document(title, [Page(blocks, f"{number}{title}")], script=script)

