"""A Document as A4 PDF (fpdf2) with the Chinese font for its script embedded as a
subset, so it prints the same on any computer.

All text reaches the page through FPDF.normalize_text, so that is where it is converted
to the document's script: one place, for body, tables, footers and the width
measurements alike. Each section (Page) numbers its own sheets ("第 1 页，共 2 页") and
its footer names it, so one file of every village's notice can be cut apart; the counts
need a first rendering to know them, so a document whose sections run over several
sheets is rendered twice. Charts are placed at the size they were drawn (never scaled),
so their font sizes are the printed sizes.
"""
from __future__ import annotations

import io
from datetime import datetime

from kaoping.text.script import to_script
from kaoping_cli.documents.model import Chart, Document, IssuerStamp, Masthead, Para, Signature, TableBlock
from kaoping_cli.fonts import find_cjk_font

FAMILY = "kaoping-cjk"
SIZES = {"title": 17, "meta": 10, "heading": 12.5, "body": 10.5, "note": 10, "small": 9}
RED = (200, 16, 16)
STAMP_HEIGHT = 46.0          # mm the issuer, date and seal need at the foot
KEEP_WITH_HEADING = 22.0     # mm of what follows a heading that must share its sheet


def to_pdf(doc: Document) -> bytes:
    data, counts = _render(doc, None)
    if any(c > 1 for c in counts):
        data, _ = _render(doc, counts)      # the footers' text does not move anything on the sheet
    return data


def _render(doc: Document, counts: list[int] | None) -> tuple[bytes, list[int]]:
    from fpdf import FPDF
    from fpdf.enums import WrapMode
    from fpdf.fonts import FontFace

    font = find_cjk_font(doc.script)
    script = doc.script

    class _PDF(FPDF):
        footer_text = ""
        section = -1
        section_start = 1

        def normalize_text(self, text):
            return super().normalize_text(to_script(text, script))

        def footer(self):
            self.set_y(-12)
            self.set_font(FAMILY, "", 8)
            self.set_text_color(100)
            k = self.page_no() - self.section_start + 1
            total = counts[self.section] if counts else k
            self.cell(0, 6, f"{self.footer_text}　第 {k} 页，共 {total} 页", align="C")
            self.set_text_color(0)

    pdf = _PDF(orientation="landscape" if doc.landscape else "portrait", unit="mm", format="A4")
    pdf.set_margins(15, 15, 15)
    pdf.set_auto_page_break(True, margin=18)
    pdf.add_font(FAMILY, "", font.path, collection_font_number=font.index)
    pdf.add_font(FAMILY, "B", font.bold_path or font.path,
                 collection_font_number=font.bold_index if font.bold_path else font.index)
    pdf.set_title(to_script(doc.title, script))
    pdf.set_creator("kaoping")
    pdf.set_lang(script)
    pdf.set_creation_date(datetime.now().astimezone())

    def room() -> float:
        return pdf.h - pdf.b_margin - pdf.get_y()

    def chart_room(chart: Chart) -> float:
        return min(chart.height_mm, _fit(chart, pdf.epw)[1]) + (7 if chart.caption else 1)

    def para(b: Para) -> None:
        bold = b.style in ("title", "heading")
        size = SIZES.get(b.style, 10.5)
        pdf.set_font(FAMILY, "B" if bold else "", size)
        if b.style == "note":
            pdf.set_text_color(139, 0, 0)
        if b.style == "heading":
            pdf.ln(2)
        align = "C" if b.style in ("title", "meta") else "L"
        pdf.multi_cell(0, size * 0.55, b.text, align=align, new_x="LMARGIN", new_y="NEXT",
                       wrapmode=WrapMode.CHAR)
        pdf.set_text_color(0)
        pdf.ln(1 if b.style != "title" else 2)

    def table(b: TableBlock) -> None:
        pdf.set_font(FAMILY, "", b.font_size)
        with pdf.table(col_widths=b.widths, text_align=tuple(b.align), wrapmode=WrapMode.CHAR,
                       line_height=b.font_size * 0.55, repeat_headings=1, padding=(1, 1.5),
                       headings_style=FontFace(emphasis="BOLD", fill_color=(221, 235, 247))) as t:
            t.row(b.headers)
            for i, row in enumerate(b.rows):
                style = None
                if i in b.highlight:
                    style = FontFace(fill_color=(253, 236, 234))
                if i in b.bold_rows:
                    style = FontFace(emphasis="BOLD", fill_color=(242, 242, 242))
                t.row([str(c) for c in row], style=style, min_height=b.row_height or None)
        pdf.ln(2)

    def chart(b: Chart) -> None:
        if room() < chart_room(b):
            pdf.add_page()
        width, height = _fit(b, pdf.epw)
        pdf.image(io.BytesIO(b.png), x=(pdf.w - width) / 2, y=pdf.get_y(), w=width, h=height,
                  alt_text=to_script(b.alt, script))
        pdf.set_y(pdf.get_y() + height)
        if b.caption:
            pdf.set_font(FAMILY, "", 9)
            pdf.cell(0, 6, b.caption, align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)

    def head(b: Masthead) -> None:
        pdf.set_text_color(*RED)
        pdf.set_font(FAMILY, "B", 22)
        pdf.multi_cell(0, 11, b.issuer, align="C", new_x="LMARGIN", new_y="NEXT", wrapmode=WrapMode.CHAR)
        pdf.set_text_color(0)
        if b.number:
            pdf.set_font(FAMILY, "", 10.5)
            pdf.cell(0, 7, b.number, align="C", new_x="LMARGIN", new_y="NEXT")
        y = pdf.get_y() + 1
        pdf.set_draw_color(*RED)
        pdf.set_line_width(0.8)
        pdf.line(pdf.l_margin, y, pdf.w - pdf.r_margin, y)
        pdf.set_line_width(0.2)
        pdf.set_draw_color(0)
        pdf.set_y(y + 4)

    def stamp(b: IssuerStamp) -> None:
        if room() < STAMP_HEIGHT:
            pdf.add_page()
        top = pdf.get_y() + 4
        right = pdf.w - pdf.r_margin
        block = 70.0
        # the seal goes over the issuer's name and the date, as on any issued document
        cx, cy, r = right - block / 2, top + 19, 19
        pdf.set_draw_color(190, 120, 120)
        pdf.set_line_width(0.3)
        with pdf.local_context():
            pdf.set_dash_pattern(dash=1.5, gap=1.2)
            pdf.circle(x=cx, y=cy, radius=r, style="D")
        pdf.set_line_width(0.2)
        pdf.set_draw_color(0)
        pdf.set_font(FAMILY, "", 8)
        pdf.set_text_color(150, 90, 90)
        pdf.set_xy(cx - r, top + 3)
        pdf.cell(2 * r, 4, "（盖章处）", align="C")
        pdf.set_text_color(0)
        # the issuer on one line under the seal: a long name is set smaller (down to 8 pt)
        # rather than broken, so no bracket is left alone on a line of its own
        size = 11.0
        pdf.set_font(FAMILY, "", size)
        while pdf.get_string_width(b.issuer) > block + 10 and size > 8:
            size -= 0.5
            pdf.set_font(FAMILY, "", size)
        pdf.set_xy(cx - block / 2 - 5, top + 14)
        pdf.multi_cell(block + 10, 6, b.issuer, align="C", new_x="LMARGIN", new_y="NEXT",
                       wrapmode=WrapMode.CHAR)
        pdf.set_font(FAMILY, "", 11)
        pdf.set_xy(cx - block / 2, top + 22)
        pdf.cell(block, 6, b.date, align="C")
        left = pdf.epw - block - 6
        pdf.set_font(FAMILY, "", 10.5)
        for n, line in enumerate(b.receipt):
            pdf.set_xy(pdf.l_margin, top + 6 + 10 * n)
            pdf.cell(left, 7, line)
        if b.contact:
            pdf.set_font(FAMILY, "", 10)
            pdf.set_xy(pdf.l_margin, top + 6 + 10 * max(len(b.receipt), 1) + 4)
            pdf.multi_cell(left, 5, f"联系人及电话：{b.contact}", align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.set_y(max(pdf.get_y(), top + 2 * r + 2))

    def signature(b: Signature) -> None:
        pdf.ln(6)
        pdf.set_font(FAMILY, "", 11)
        width = pdf.epw / max(1, len(b.fields))
        for f in b.fields:
            pdf.cell(width, 8, f)
        pdf.ln(8)

    draw = {Para: para, TableBlock: table, Chart: chart, Masthead: head, IssuerStamp: stamp, Signature: signature}
    found: list[int] = []
    for number, page in enumerate(doc.pages):
        wide = doc.landscape if page.landscape is None else page.landscape
        pdf.add_page(orientation="L" if wide else "P")   # ends the previous section's last sheet, its own footer
        pdf.section, pdf.section_start, pdf.footer_text = number, pdf.page_no(), page.footer
        for n, b in enumerate(page.blocks):
            following = page.blocks[n + 1] if n + 1 < len(page.blocks) else None
            if isinstance(b, Para) and b.style == "heading" and following is not None \
                    and room() < (chart_room(following) if isinstance(following, Chart) else KEEP_WITH_HEADING) + 12:
                pdf.add_page()            # keep a heading with its chart, or with a table's first rows
            draw[type(b)](b)
        found.append(pdf.page_no() - pdf.section_start + 1)
    return bytes(pdf.output()), found


def _fit(chart: Chart, width: float) -> tuple[float, float]:
    """The chart's printed size: as drawn, or (only if wider than the page) shrunk to it."""
    if chart.width_mm <= width:
        return chart.width_mm, chart.height_mm
    return width, chart.height_mm * width / chart.width_mm
