"""A Document as an Excel workbook (.xlsx, openpyxl), for the office that keeps its
documents in Excel and fills them in there: one worksheet per section (Page), named
after its footer; the masthead, title and paragraphs merged across the sheet; each table
with its header row, borders, the totals row in bold and room to sign where the PDF has
it; the foot with the receipt lines at the left and the issuer, date and the place for
the seal (盖章处) at the right; A4 print setup, fitted to the width, numbered pages.

Amounts in right-aligned columns are written as numbers from the document's own decimal
text (thousands separators dropped), so Excel shows and adds exactly the figures the
document prints; any other text stays text, and text that looks like a formula is
never one. Every text is converted to the document's script in `shown`, the one place
text leaves this module. Charts are placed at their printed size."""
from __future__ import annotations

import io
import math
import re
from decimal import Decimal

from kaoping.text.script import to_script
from kaoping_cli.common import display_width
from kaoping_cli.documents.model import Chart, Document, IssuerStamp, Masthead, Page, Para, Signature, TableBlock

NUMBER = re.compile(r"^-?\d{1,3}(,\d{3})*(\.\d+)?$|^-?\d+(\.\d+)?$")
MONEY_FORMAT = "#,##0.00"
MAX_COLUMN = 40            # characters: a wider cell wraps
MIN_COLUMN = 6
SHEET_NAME = 31            # Excel's limit on a worksheet's name
POINTS_PER_MM = 72 / 25.4
LINE_POINTS = 15.0         # one line of 11 pt text
SIZES = {"title": 16, "meta": 10, "heading": 12, "body": 11, "note": 11, "small": 9}
RED = "C81010"


def number_of(text: str):
    """A right-aligned cell's text as the number it shows, else None."""
    if not NUMBER.match(text):
        return None
    plain = text.replace(",", "")
    return int(plain) if "." not in plain else Decimal(plain)


def sheet_names(pages: list[Page]) -> list[str]:
    """Each section's worksheet name: its footer without the page count, cut to Excel's
    31 characters, made unique with a number; characters Excel refuses become spaces."""
    names: list[str] = []
    for n, page in enumerate(pages, start=1):
        base = (page.footer or f"第{n}节").strip()
        for ch in "[]:*?/\\":
            base = base.replace(ch, " ")
        name, k = base[:SHEET_NAME], 2
        while name in names:
            suffix = f"（{k}）"
            name, k = base[:SHEET_NAME - len(suffix)] + suffix, k + 1
        names.append(name)
    return names


def to_xlsx(doc: Document) -> bytes:
    from openpyxl import Workbook
    from openpyxl.drawing.image import Image
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    def shown(text) -> str:
        return to_script(str(text), doc.script)

    thin = Side(style="thin", color="808080")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    head_fill, total_fill = PatternFill("solid", fgColor="DDEBF7"), PatternFill("solid", fgColor="F2F2F2")
    mark_fill = PatternFill("solid", fgColor="FDECEA")
    book = Workbook()
    book.remove(book.active)
    for page, name in zip(doc.pages, sheet_names(doc.pages)):
        ws = book.create_sheet(shown(name))
        tables = [b for b in page.blocks if isinstance(b, TableBlock)]
        ncols = max([len(t.headers) for t in tables] + [6])
        widths = [MIN_COLUMN] * ncols
        for t in tables:
            for i, cells in enumerate(zip(t.headers, *t.rows)):
                widest = max(display_width(line) for c in cells for line in (str(c).split("\n") or [""]))
                widths[i] = max(widths[i], min(widest + 2, MAX_COLUMN))
        for i, w in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(i)].width = w
        row = 1

        def merged(text: str, size: float, bold=False, colour="000000", align="left", first=1, last=ncols):
            nonlocal row
            if last > first:
                ws.merge_cells(start_row=row, start_column=first, end_row=row, end_column=last)
            cell = ws.cell(row=row, column=first, value=shown(text))
            cell.font = Font(size=size, bold=bold, color=colour)
            cell.alignment = Alignment(horizontal=align, vertical="center", wrap_text=True)
            room = sum(widths[first - 1:last]) * 11 / size
            lines = sum(max(1, math.ceil(display_width(part) / max(room, 1))) for part in text.split("\n"))
            ws.row_dimensions[row].height = max(LINE_POINTS, lines * size * 1.45)
            row += 1
            return cell

        for b in page.blocks:
            if isinstance(b, Masthead):
                merged(b.issuer, 20, bold=True, colour=RED, align="center")
                if b.number:
                    merged(b.number, 11, align="center")
                for c in range(1, ncols + 1):
                    ws.cell(row=row - 1, column=c).border = Border(bottom=Side(style="thick", color=RED))
                row += 1
            elif isinstance(b, Para):
                align = "center" if b.style in ("title", "meta") else "left"
                merged(b.text, SIZES.get(b.style, 11), bold=b.style in ("title", "heading"),
                       colour="8B0000" if b.style == "note" else "000000", align=align)
            elif isinstance(b, TableBlock):
                for i, h in enumerate(b.headers, start=1):
                    cell = ws.cell(row=row, column=i, value=shown(h))
                    cell.font, cell.fill, cell.border = Font(bold=True), head_fill, box
                    cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
                ws.print_title_rows = ws.print_title_rows or f"{row}:{row}"   # the first table's header on every sheet
                row += 1
                for n, values in enumerate(b.rows):
                    for i, (value, a) in enumerate(zip(values, b.align), start=1):
                        text = str(value)
                        number = number_of(text) if a == "R" else None
                        cell = ws.cell(row=row, column=i, value=number if number is not None else shown(text))
                        if number is None:
                            cell.data_type = "s"            # text, never a formula
                        elif isinstance(number, Decimal) and len(text.rsplit(".", 1)[-1]) == 2:
                            cell.number_format = MONEY_FORMAT
                        cell.border = box
                        cell.alignment = Alignment(horizontal={"L": "left", "C": "center", "R": "right"}[a],
                                                   vertical="center", wrap_text=True)
                        if n in b.bold_rows:
                            cell.font, cell.fill = Font(bold=True), total_fill
                        elif n in b.highlight:
                            cell.fill = mark_fill
                    lines = max(1, max(len(str(v).split("\n")) for v in values))
                    ws.row_dimensions[row].height = max(b.row_height * POINTS_PER_MM, lines * LINE_POINTS)
                    row += 1
                row += 1
            elif isinstance(b, Chart):
                image = Image(io.BytesIO(b.png))
                image.width, image.height = b.width_mm * 96 / 25.4, b.height_mm * 96 / 25.4
                ws.add_image(image, f"A{row}")
                row += math.ceil(b.height_mm * POINTS_PER_MM / LINE_POINTS) + 1
                if b.caption:
                    merged(b.caption, 9, align="center")
            elif isinstance(b, IssuerStamp):
                row += 1
                left, right = max(1, ncols // 2), max(1, ncols // 2) + 1
                top = row
                for line in b.receipt + ([f"联系人及电话：{b.contact}"] if b.contact else []):
                    merged(line, 11, first=1, last=left)
                row = top
                for text, colour in (("（盖章处）", "965A5A"), (b.issuer, "000000"), (b.date, "000000")):
                    merged(text, 11, colour=colour, align="center", first=right, last=ncols)
                row = max(row, top + len(b.receipt) + (1 if b.contact else 0)) + 1
            elif isinstance(b, Signature):
                row += 1
                each = max(1, ncols // max(1, len(b.fields)))
                for n, f in enumerate(b.fields):
                    first = 1 + n * each
                    last = ncols if n == len(b.fields) - 1 else first + each - 1
                    if last > first:
                        ws.merge_cells(start_row=row, start_column=first, end_row=row, end_column=last)
                    ws.cell(row=row, column=first, value=shown(f)).font = Font(size=11)
                ws.row_dimensions[row].height = 2 * LINE_POINTS
                row += 2
        wide = doc.landscape if page.landscape is None else page.landscape
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.orientation = "landscape" if wide else "portrait"
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
        ws.oddFooter.center.text = shown(f"{page.footer}　第 &P 页，共 &N 页")
        ws.print_area = f"A1:{get_column_letter(ncols)}{max(row - 1, 1)}"
    book.properties.title = shown(doc.title)
    book.properties.creator = "kaoping"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
