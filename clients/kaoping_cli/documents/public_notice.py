"""The month's 公示 (public notice of the results) once published: the township's
masthead and document number, rank, name, village, total, grade and pay tier (nothing
else, as the server decides), the notice period, the villages' chart, and at the foot
the issuer, date, seal and the contact to whom objections go."""
from __future__ import annotations

from decimal import Decimal

from kaoping.v1 import workflow_pb2 as wf
from kaoping.v1 import workflow_pb2_grpc as wf_grpc
from kaoping_cli.common import call, stub
from kaoping_cli.documents.charts import ranking_chart
from kaoping_cli.documents.letterhead import document_script, issuer_stamp, masthead
from kaoping_cli.documents.model import Block, Document, Page, Para, TableBlock
from kaoping_cli.documents.notice import dec


def _mean(values: list[Decimal]) -> Decimal:
    return (sum(values, Decimal(0)) / len(values)).quantize(Decimal("0.01")) if values else Decimal(0)


def public_notice_document(month: str, with_chart: bool = True) -> Document:
    notice = call(stub(wf_grpc.WorkflowServiceStub).GetPublicNotice, wf.MonthRequest(month=month))
    script = document_script(notice.letterhead)
    contact = notice.letterhead.contact
    whom = f"（联系人及电话：{contact}）" if contact else ""
    blocks: list[Block] = [masthead(notice.letterhead), Para(notice.title, "title"),
                           Para(f"公示期：{notice.published_on} 至 {notice.notice_ends}", "meta"),
                           Para(f"现将本月村干部绩效考评结果公示如下。公示期间如有异议，请向镇考评工作机构反映{whom}。",
                                "body")]
    rows = [[str(l.rank), l.official_name, l.village_name, l.total, l.grade, l.pay_tier] for l in notice.lines]
    blocks.append(TableBlock(["名次", "姓名", "村", "总分", "等次", "报酬档次"], rows,
                             [10, 18, 18, 12, 12, 14], ["C", "L", "L", "R", "C", "R"]))
    if with_chart and notice.lines:
        per_village: dict[str, list[Decimal]] = {}
        for l in notice.lines:
            per_village.setdefault(l.village_name, []).append(dec(l.total))
        bars = sorted(((name, _mean(v)) for name, v in per_village.items()), key=lambda b: (-b[1], b[0]))
        blocks.append(Para("各村平均分排名", "heading"))
        blocks.append(ranking_chart(bars, f"{notice.month} 各村平均分", script=script, caption="各村村干部平均分"))
    blocks.append(issuer_stamp(notice.letterhead, on=notice.published_on))
    number = f"{notice.letterhead.document_number}　" if notice.letterhead.document_number else ""
    return Document(notice.title, [Page(blocks, f"{number}{notice.title}")], script=script)
