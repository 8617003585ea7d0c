"""`kaoping print ...`: documents to pin on the wall.

- `kaoping print notice`: the 《反馈通知单》 (feedback notice) of one village, several, or
  all (each starting on a new page): every official's total, grade and pay, every
  deduction with its reason, category, scorer and appeal state, the village's place in a
  bar chart of all villages' average scores, and a line for the village to sign on receipt.
- `kaoping print public-notice`: the month's 公示 (public notice) once published: rank,
  name, village, total, grade and pay tier (nothing else, as the server decides), the
  notice period, and a bar chart of the villages' average scores.

Each is written as PDF (A4, the Chinese font embedded as a subset, so it prints the
same on any computer; fpdf2) or as a self-contained HTML page (the chart inlined), or
both. The chart is drawn with matplotlib in the same font. Data come from
WorkflowService (GetVillageFeedback, GetPublicNotice, GetYearToDateRanking), with
EvaluationService as the fallback for the notice and the chart.
"""
from __future__ import annotations

import base64
import html
import io
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from enum import Enum
from pathlib import Path
from typing import Optional, Union

import grpc
import typer

from kaoping.v1 import evaluation_pb2 as ev
from kaoping.v1 import evaluation_pb2_grpc as ev_grpc
from kaoping.v1 import registry_pb2 as rg
from kaoping.v1 import registry_pb2_grpc as rg_grpc
from kaoping.v1 import rulesets_pb2 as rs
from kaoping.v1 import rulesets_pb2_grpc as rs_grpc
from kaoping.v1 import workflow_pb2 as wf
from kaoping.v1 import workflow_pb2_grpc as wf_grpc
from kaoping_cli.common import (EXIT_USAGE, amount_text, ROLE_NAMES, STATE_NAMES, call, call_pages, complete_village, console, fail,
                                stub, usage_error)
from kaoping_cli.names import names as lookup
from kaoping_cli.fonts import FontNotFound, find_cjk_font

APPEAL_NAMES = {"pending": "申诉处理中", "upheld": "申诉维持", "overturned": "申诉撤销"}
SIGN_LINE = "＿＿＿＿＿＿＿＿"


# the document model ----------------------------------------------------------------------
@dataclass
class Para:
    text: str
    style: str = "body"          # title | meta | heading | body | note


@dataclass
class TableBlock:
    headers: list[str]
    rows: list[list[str]]
    widths: list[float]          # relative
    align: list[str]             # L | C | R per column
    highlight: set = field(default_factory=set)   # row indexes drawn emphasised


@dataclass
class Chart:
    png: bytes
    caption: str = ""


@dataclass
class Signature:
    fields: list[str]


Block = Union[Para, TableBlock, Chart, Signature]


@dataclass
class Page:
    blocks: list[Block]
    footer: str = ""


@dataclass
class Document:
    title: str
    pages: list[Page]


# the chart --------------------------------------------------------------------------------
def ranking_chart(bars: list[tuple[str, Decimal]], title: str, highlight: str = "") -> bytes:
    """A horizontal bar chart (best at the top) as PNG, labelled in the embedded font."""
    import matplotlib
    matplotlib.use("Agg")
    from matplotlib import font_manager
    from matplotlib.figure import Figure

    font = find_cjk_font()
    font_manager.fontManager.addfont(font.path)
    registered = any(f.name == font.family for f in font_manager.fontManager.ttflist)
    # a matplotlib that registers only a collection's first face still gets every glyph from the file
    props = font_manager.FontProperties(family=font.family) if font.family and registered else \
        font_manager.FontProperties(fname=font.path)
    names = [b[0] for b in bars][::-1]
    values = [float(b[1]) for b in bars][::-1]
    colours = ["#c0392b" if n == highlight else "#7f8c8d" for n in names]
    fig = Figure(figsize=(8, 0.24 * len(bars) + 1.1), dpi=200)
    ax = fig.add_subplot()
    ax.barh(range(len(names)), values, color=colours, height=0.7)
    ax.set_yticks(range(len(names)), labels=names, fontproperties=props, fontsize=10)
    low = min(values + [100.0])
    ax.set_xlim(max(0.0, low - 5), max(values + [100.0]) + 1.5)
    for y, v in enumerate(values):
        ax.text(v + 0.15, y, f"{v:g}", va="center", fontsize=9, fontproperties=props)
    ax.set_title(title, fontproperties=props, fontsize=12)
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(axis="x", labelsize=8)
    fig.tight_layout()
    out = io.BytesIO()
    fig.savefig(out, format="png")
    return out.getvalue()


def _mean(values: list[Decimal]) -> Decimal:
    return (sum(values, Decimal(0)) / len(values)).quantize(Decimal("0.01")) if values else Decimal(0)


def village_averages(month: str) -> list[tuple[str, str, Decimal]]:
    """(village id, name, average) best first, from the workflow's ranking (the frozen
    figures once aggregated), else the live ranking. Empty if the caller may not see it."""
    try:
        ytd = stub(wf_grpc.WorkflowServiceStub).GetYearToDateRanking(wf.MonthRequest(month=month), timeout=60)
        rows = [(v.village_id, v.village_name, Decimal(v.average)) for v in ytd.villages]
    except grpc.RpcError as error:
        if error.code() not in (grpc.StatusCode.UNIMPLEMENTED, grpc.StatusCode.PERMISSION_DENIED):
            raise
        try:
            ranking = stub(ev_grpc.EvaluationServiceStub).GetRanking(ev.GetRankingRequest(month=month), timeout=60)
        except grpc.RpcError as error2:
            if error2.code() == grpc.StatusCode.PERMISSION_DENIED:
                return []
            raise
        rows = [(v.village_id, v.village_name, Decimal(v.average)) for v in ranking.villages]
    rows.sort(key=lambda r: (-r[2], r[0]))
    return rows


# building the documents ----------------------------------------------------------------------
def _reason(item) -> str:
    text = item.reason
    if getattr(item, "village_level", False):
        text += "（村级）"
    detail = getattr(item, "detail", "")
    if detail and getattr(item, "effect", "") != "multiplier":
        text += f"（{detail}）"
    return text


def _facts(item) -> str:
    ids = list(getattr(item, "fact_ids", []) or ([item.fact_id] if item.fact_id else []))
    return " ".join(f"#{i}" for i in ids)


def _dec(text: str) -> Decimal:
    try:
        return Decimal(text or "0")
    except InvalidOperation:
        return Decimal(0)


def _feedback(village_id: str, month: str) -> wf.VillageFeedback:
    """The workflow's feedback notice; an older server's EvaluationService notice as the fallback."""
    try:
        return stub(wf_grpc.WorkflowServiceStub).GetVillageFeedback(
            wf.VillageFeedbackRequest(village_id=village_id, month=month), timeout=60)
    except grpc.RpcError as error:
        if error.code() != grpc.StatusCode.UNIMPLEMENTED:
            raise
    notice = call(stub(ev_grpc.EvaluationServiceStub).GetFeedbackNotice,
                  ev.GetFeedbackNoticeRequest(village_id=village_id, month=month))
    fb = wf.VillageFeedback(title=notice.title, village_id=notice.village_id, village_name=notice.village_name,
                            month=notice.month, provisional=True, total_deducted=notice.total_deducted)
    fb.ruleset.CopyFrom(notice.ruleset)
    for o in notice.officials:
        fb.officials.add(official_id=o.official_id, official_name=o.official_name, total=o.total, grade=o.grade,
                         deductions=[wf.FeedbackDeduction(item=d) for d in o.deductions])
    return fb


def notice_page(fb: wf.VillageFeedback, positions: dict, categories: dict,
                averages: list[tuple[str, str, Decimal]], with_chart: bool) -> Page:
    state = STATE_NAMES.get(fb.month_state, fb.month_state) if fb.month_state else ""
    meta = [f"月份：{fb.month}"]
    if state:
        meta.append(f"状态：{state}")
    meta.append(f"规则集：{fb.ruleset.label}（v{fb.ruleset.id}）")
    if fb.confirmation.state:
        meta.append({"confirmed": "本村已确认", "deemed_confirmed": "逾期视为确认",
                     "unconfirmed": "待本村确认"}.get(fb.confirmation.state, fb.confirmation.state))
    blocks: list[Block] = [Para(fb.title or f"{fb.village_name} {fb.month} 绩效考评《反馈通知单》", "title"),
                           Para("　".join(meta), "meta")]
    if fb.provisional:
        blocks.append(Para("本月尚在考评中，以下为即时数据，以汇总审定后的结果为准。", "note"))
    blocks.append(Para("一、考评结果", "heading"))
    results = []
    for o in fb.officials:
        deducted = sum((-_dec(d.item.points) for d in o.deductions if _dec(d.item.points) < 0), Decimal(0))
        results.append([o.official_name, positions.get(o.official_id, ""), o.total, o.grade,
                        o.pay or "", format(deducted, "f") if deducted else "0"])
    blocks.append(TableBlock(["姓名", "职务", "总分", "等次", "绩效报酬（元）", "扣分合计"], results,
                             [16, 20, 12, 12, 20, 14], ["L", "L", "R", "C", "R", "R"]))
    blocks.append(Para("二、扣分明细", "heading"))
    details = []
    for o in fb.officials:
        for d in o.deductions:
            item = d.item
            details.append([o.official_name, amount_text(item), _reason(item),
                            categories.get(item.category, item.category),
                            ROLE_NAMES.get(item.scorer_role, item.scorer_role), _facts(item),
                            APPEAL_NAMES.get(d.appeal_state, d.appeal_state)])
    if details:
        blocks.append(TableBlock(["姓名", "扣分", "事由", "类别", "考评人", "事实", "申诉"], details,
                                 [13, 8, 36, 18, 13, 8, 12], ["L", "R", "L", "L", "L", "R", "C"]))
    else:
        blocks.append(Para("本月无扣分。", "body"))
    blocks.append(Para(f"扣分合计：{fb.total_deducted or '0'} 分", "body"))
    if with_chart and averages:
        rank = next((i for i, a in enumerate(averages, start=1) if a[0] == fb.village_id), None)
        blocks.append(Para("三、全镇各村平均分排名", "heading"))
        png = ranking_chart([(a[1], a[2]) for a in averages], f"{fb.month} 各村平均分", highlight=fb.village_name)
        caption = f"本村排名：第 {rank} 名，共 {len(averages)} 个村" if rank else ""
        blocks.append(Chart(png, caption))
    if fb.appeal_deadline:
        blocks.append(Para(f"如对扣分有异议，请于 {fb.appeal_deadline} 前提出申诉；逾期未申诉亦未确认的，视为确认。",
                           "note"))
    blocks.append(Signature([f"村党支部书记（签收）：{SIGN_LINE}", f"日期：{SIGN_LINE}"]))
    return Page(blocks, f"{fb.village_name} {fb.month} 反馈通知单")


def notice_document(villages: list, month: str, with_chart: bool = True) -> Document:
    summary = call(stub(rs_grpc.RuleSetServiceStub).GetActiveRuleSet, rs.GetActiveRuleSetRequest())
    categories = {c.id: c.name for c in summary.categories}
    averages = village_averages(month) if with_chart else []
    if with_chart and not averages:
        console.print("(no ranking chart: this token may not read the township's ranking)", highlight=False)
    pages = []
    for v in villages:
        fb = _feedback(v.id, month)
        positions = {o.id: o.position for o in call_pages(stub(rg_grpc.RegistryServiceStub).ListOfficials,
                                                          rg.ListOfficialsRequest(village_id=v.id),
                                                          "officials").officials}
        pages.append(notice_page(fb, positions, categories, averages, with_chart))
    title = pages[0].blocks[0].text if len(pages) == 1 else f"{month} 绩效考评《反馈通知单》"
    return Document(title, pages)


def public_notice_document(month: str, with_chart: bool = True) -> Document:
    notice = call(stub(wf_grpc.WorkflowServiceStub).GetPublicNotice, wf.MonthRequest(month=month))
    blocks: list[Block] = [Para(notice.title, "title"),
                           Para(f"公示期：{notice.published_on} 至 {notice.notice_ends}", "meta"),
                           Para("现将本月村干部绩效考评结果公示如下。公示期间如有异议，请向镇考评工作机构反映。", "body")]
    rows = [[str(l.rank), l.official_name, l.village_name, l.total, l.grade, l.pay_tier] for l in notice.lines]
    blocks.append(TableBlock(["名次", "姓名", "村", "总分", "等次", "报酬档次"], rows,
                             [10, 18, 18, 12, 12, 14], ["C", "L", "L", "R", "C", "R"]))
    if with_chart and notice.lines:
        per_village: dict[str, list[Decimal]] = {}
        for l in notice.lines:
            per_village.setdefault(l.village_name, []).append(_dec(l.total))
        bars = sorted(((name, _mean(v)) for name, v in per_village.items()), key=lambda b: (-b[1], b[0]))
        blocks.append(Para("各村平均分排名", "heading"))
        blocks.append(Chart(ranking_chart(bars, f"{notice.month} 各村平均分"), "各村村干部平均分"))
    blocks.append(Signature([f"公示日期：{notice.published_on}"]))
    return Document(notice.title, [Page(blocks, notice.title)])


# HTML --------------------------------------------------------------------------------------------
CSS = """
@page { size: A4; margin: 15mm 15mm 18mm 15mm; }
body { font-family: "Noto Sans CJK TC", "Noto Sans TC", "Source Han Sans TC", "Microsoft JhengHei",
       "PingFang TC", "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; font-size: 11pt; color: #000; }
@media screen { body { max-width: 190mm; margin: 0 auto; padding: 10mm; } }
section.page { page-break-after: always; break-after: page; }
section.page:last-child { page-break-after: auto; break-after: auto; }
h1 { text-align: center; font-size: 17pt; margin: 0 0 6pt; }
h2 { font-size: 12.5pt; margin: 12pt 0 4pt; }
p.meta { text-align: center; color: #333; margin: 0 0 8pt; }
p.note { color: #8b0000; }
table { border-collapse: collapse; width: 100%; margin: 4pt 0; }
thead { display: table-header-group; }
tr { page-break-inside: avoid; break-inside: avoid; }
th { background: #ddebf7; }
th, td { border: 1px solid #666; padding: 2pt 5pt; vertical-align: top; }
td.R { text-align: right; } td.C { text-align: center; }
tr.highlight td { background: #fdecea; }
figure { margin: 8pt 0; text-align: center; }
figure img { width: 100%; max-width: 170mm; }
@media print { figure img { width: auto; max-width: 100%; max-height: 85mm; } footer { display: none; } }
figcaption { font-size: 10pt; }
div.signature { margin-top: 24pt; display: flex; justify-content: space-between; }
footer { margin-top: 12pt; font-size: 8pt; color: #666; text-align: center; }
"""


def to_html(doc: Document) -> str:
    e = html.escape
    parts = ["<!DOCTYPE html>", '<html lang="zh-Hant"><head><meta charset="utf-8">',
             '<meta name="generator" content="kaoping">', f"<title>{e(doc.title)}</title>",
             f"<style>{CSS}</style></head><body>"]
    for page in doc.pages:
        parts.append('<section class="page">')
        for b in page.blocks:
            if isinstance(b, Para):
                tag = {"title": "h1", "heading": "h2"}.get(b.style, "p")
                css = f' class="{b.style}"' if tag == "p" else ""
                parts.append(f"<{tag}{css}>{e(b.text)}</{tag}>")
            elif isinstance(b, TableBlock):
                parts.append("<table><thead><tr>" + "".join(f"<th>{e(h)}</th>" for h in b.headers) +
                             "</tr></thead><tbody>")
                for i, row in enumerate(b.rows):
                    css = ' class="highlight"' if i in b.highlight else ""
                    parts.append(f"<tr{css}>" + "".join(
                        f'<td class="{a}">{e(str(c))}</td>' for c, a in zip(row, b.align)) + "</tr>")
                parts.append("</tbody></table>")
            elif isinstance(b, Chart):
                data = base64.b64encode(b.png).decode("ascii")
                parts.append(f'<figure><img alt="{e(b.caption or "chart")}" src="data:image/png;base64,{data}">'
                             + (f"<figcaption>{e(b.caption)}</figcaption>" if b.caption else "") + "</figure>")
            elif isinstance(b, Signature):
                parts.append('<div class="signature">' + "".join(f"<span>{e(f)}</span>" for f in b.fields)
                             + "</div>")
        if page.footer:
            parts.append(f"<footer>{e(page.footer)}</footer>")
        parts.append("</section>")
    parts.append("</body></html>")
    return "\n".join(parts)


# PDF ----------------------------------------------------------------------------------------------
FAMILY = "kaoping-cjk"
SIZES = {"title": 17, "meta": 10, "heading": 12.5, "body": 10.5, "note": 10}


def to_pdf(doc: Document) -> bytes:
    from fpdf import FPDF
    from fpdf.enums import WrapMode
    from fpdf.fonts import FontFace

    font = find_cjk_font()

    class _PDF(FPDF):
        footer_text = ""

        def footer(self):
            self.set_y(-12)
            self.set_font(FAMILY, "", 8)
            self.set_text_color(100)
            self.cell(0, 6, f"{self.footer_text}　第 {self.page_no()} 页 / 共 {{nb}} 页", align="C")
            self.set_text_color(0)

    pdf = _PDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_margins(15, 15, 15)
    pdf.set_auto_page_break(True, margin=18)
    pdf.add_font(FAMILY, "", font.path, collection_font_number=font.index)
    pdf.add_font(FAMILY, "B", font.bold_path or font.path,
                 collection_font_number=font.bold_index if font.bold_path else font.index)
    pdf.set_title(doc.title)
    pdf.set_creator("kaoping")
    pdf.set_lang("zh-Hant")
    pdf.set_creation_date(datetime.now().astimezone())
    def ratio_of(chart: Chart) -> float:
        from PIL import Image
        with Image.open(io.BytesIO(chart.png)) as img:
            return img.height / img.width

    def room() -> float:
        return pdf.h - pdf.b_margin - pdf.get_y()

    def after(blocks: list) -> float:
        """Height the small blocks after a chart need on its page (notes, signature)."""
        return sum(22 if isinstance(x, Signature) else 8 for x in blocks if isinstance(x, (Para, Signature)))

    def chart_height(chart: Chart, reserve: float) -> float:
        """10 cm, or less to share the page with what follows, but never below 6 cm."""
        caption = 7 if chart.caption else 1
        fits = room() - reserve - caption
        return max(60.0, min(100.0, fits)) if fits >= 60 else 100.0

    planned: dict[int, float] = {}
    for page in doc.pages:
        pdf.footer_text = page.footer
        pdf.add_page()
        for n, b in enumerate(page.blocks):
            following = page.blocks[n + 1] if n + 1 < len(page.blocks) else None
            if isinstance(b, Para) and b.style == "heading" and isinstance(following, Chart):
                reserve = after(page.blocks[n + 2:]) + 12
                height = chart_height(following, reserve)
                if room() < height + reserve:         # keep a heading with its chart
                    pdf.add_page()
                    height = chart_height(following, reserve)
                planned[id(following)] = height
            if isinstance(b, Para):
                bold = b.style in ("title", "heading")
                pdf.set_font(FAMILY, "B" if bold else "", SIZES.get(b.style, 10.5))
                if b.style == "note":
                    pdf.set_text_color(139, 0, 0)
                if b.style == "heading":
                    pdf.ln(2)
                align = "C" if b.style in ("title", "meta") else "L"
                pdf.multi_cell(0, SIZES.get(b.style, 10.5) * 0.55, b.text, align=align,
                               new_x="LMARGIN", new_y="NEXT", wrapmode=WrapMode.CHAR)
                pdf.set_text_color(0)
                pdf.ln(1 if b.style != "title" else 2)
            elif isinstance(b, TableBlock):
                pdf.set_font(FAMILY, "", 9.5)
                with pdf.table(col_widths=b.widths, text_align=tuple(b.align), wrapmode=WrapMode.CHAR,
                               line_height=5.2, headings_style=FontFace(emphasis="BOLD", fill_color=(221, 235, 247)),
                               repeat_headings=1, padding=(1, 1.5)) as table:
                    table.row(b.headers)
                    for i, row in enumerate(b.rows):
                        style = FontFace(fill_color=(253, 236, 234)) if i in b.highlight else None
                        table.row([str(c) for c in row], style=style)
                pdf.ln(2)
            elif isinstance(b, Chart):
                height = planned.get(id(b)) or chart_height(b, after(page.blocks[n + 1:]))
                ratio = ratio_of(b)
                width = min(170.0, pdf.epw, height / ratio)
                if room() < width * ratio + (7 if b.caption else 1):
                    pdf.add_page()
                pdf.image(io.BytesIO(b.png), x=(pdf.w - width) / 2, w=width, alt_text=b.caption or "ranking chart")
                if b.caption:
                    pdf.set_font(FAMILY, "", 9.5)
                    pdf.cell(0, 6, b.caption, align="C", new_x="LMARGIN", new_y="NEXT")
            elif isinstance(b, Signature):
                pdf.ln(8)
                pdf.set_font(FAMILY, "", 11)
                width = pdf.epw / max(1, len(b.fields))
                for f in b.fields:
                    pdf.cell(width, 8, f)
                pdf.ln(8)
    return bytes(pdf.output())


# writing --------------------------------------------------------------------------------------------
class DocFormat(str, Enum):
    pdf = "pdf"
    html = "html"
    both = "both"


def write_document(doc: Document, file: Path, fmt: DocFormat) -> list[Path]:
    written = []
    stem = file.with_suffix("") if file.suffix.lower() in (".pdf", ".html", ".htm") else file
    if fmt in (DocFormat.pdf, DocFormat.both):
        keep = fmt == DocFormat.pdf and file.suffix.lower() == ".pdf"
        target = file if keep else stem.with_name(stem.name + ".pdf")
        target.write_bytes(to_pdf(doc))
        written.append(target)
    if fmt in (DocFormat.html, DocFormat.both):
        target = file if (fmt == DocFormat.html and file.suffix.lower() in (".html", ".htm")) else \
            stem.with_name(stem.name + ".html")
        target.write_text(to_html(doc), encoding="utf-8")
        written.append(target)
    return written


def _format_for(fmt: Optional[DocFormat], file: Optional[Path]) -> DocFormat:
    if fmt is not None:
        return fmt
    if file is not None and file.suffix.lower() in (".html", ".htm"):
        return DocFormat.html
    return DocFormat.pdf


# commands -------------------------------------------------------------------------------------------
app = typer.Typer(help="Printable documents: the 《反馈通知单》 per village and the month's 公示, as PDF "
                       "(A4, Chinese font embedded) or HTML, with a ranking bar chart.", no_args_is_help=True)
FILE = typer.Argument(None, show_default=False, help="where to write (default: a name from the village and month)")
FORMAT = typer.Option(None, "--format", case_sensitive=False,
                      help="pdf, html or both (default: from FILE's extension, else pdf)")
CHART = typer.Option(True, "--chart/--no-chart", help="include the ranking bar chart")


def _render(doc: Document, file: Path, fmt: DocFormat) -> None:
    try:
        written = write_document(doc, file, fmt)
    except FontNotFound as exc:
        console.print(str(exc), style="red", markup=False, highlight=False)
        raise typer.Exit(EXIT_USAGE)
    for path in written:
        console.print(f"{doc.title}: written to {path}", highlight=False)


@app.command("notice")
def print_notice(month: str = typer.Option(..., help="YYYY-MM"),
                 village: list[str] = typer.Option([], help="村的编号或名称，如 v01 或 上山村；可重复给出多个村",
                                                   autocompletion=complete_village),
                 all_villages: bool = typer.Option(False, "--all", help="every village in one file, each on a new page"),
                 file: Optional[Path] = FILE, format: Optional[DocFormat] = FORMAT, chart: bool = CHART):
    """The 《反馈通知单》 (feedback notice) of a village for a month, ready to print: results,
    every deduction with its reason, the ranking chart and a line to sign on receipt."""
    if not village and not all_villages:
        raise usage_error("give --village (id or name, e.g. v01 or 上山村) or --all")
    chosen = lookup().chosen_villages(village, all_villages)
    fmt = _format_for(format, file)
    if file is None:
        name = chosen[0].name if len(chosen) == 1 else "全镇"
        file = Path(f"反馈通知单-{name}-{month}")
    try:
        doc = notice_document(chosen, month, chart)
    except FontNotFound as exc:
        console.print(str(exc), style="red", markup=False, highlight=False)
        raise typer.Exit(EXIT_USAGE)
    except grpc.RpcError as error:
        raise fail(error)
    _render(doc, file, fmt)


@app.command("public-notice")
def print_public_notice(month: str = typer.Option(..., help="YYYY-MM (published)"),
                        file: Optional[Path] = FILE, format: Optional[DocFormat] = FORMAT, chart: bool = CHART):
    """The month's 公示 (public notice of the results) once the month is published: rank,
    name, village, total, grade and pay tier, the notice period, and the villages' chart."""
    fmt = _format_for(format, file)
    try:
        doc = public_notice_document(month, chart)
    except FontNotFound as exc:
        console.print(str(exc), style="red", markup=False, highlight=False)
        raise typer.Exit(EXIT_USAGE)
    _render(doc, file if file is not None else Path(f"公示-{month}"), fmt)


@app.command("fonts")
def print_fonts():
    """Show which Chinese font the documents embed (set KAOPING_CJK_FONT to choose one)."""
    try:
        console.print(find_cjk_font().describe(), highlight=False, markup=False)
    except FontNotFound as exc:
        console.print(str(exc), style="red", markup=False, highlight=False)
        raise typer.Exit(EXIT_USAGE)
