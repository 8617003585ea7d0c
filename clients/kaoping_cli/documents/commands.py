"""`kaoping print ...`: documents to pin on the wall or sign, as PDF (A4, the Chinese
font embedded) or HTML (self-contained), or both.

- `print notice`: the 《反馈通知单》 of one village, several, or all (each its own section,
  its footer naming the village);
- `print public-notice`: the month's 公示 once published;
- `print paylist`: the pay list of a month or a year, one sheet per village to sign;
- `print year-report`, `print reward-decision`, `print reward-sheet`: the year-end
  meeting's documents, as PDF or XLSX (kaoping_cli.documents.year_cmds);
- `print fonts`: which font the documents embed.

Documents print in the township's script (its setting, sent with the data) unless
`kaoping --lang` says otherwise.
"""
from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Optional

import grpc
import typer

from kaoping_cli.common import EXIT_USAGE, complete_village, console, fail, print_error, usage_error
from kaoping_cli.documents.html_writer import to_html
from kaoping_cli.documents.model import Document
from kaoping_cli.documents.notice import notice_document
from kaoping_cli.documents.paylist import pay_list_document
from kaoping_cli.documents.pdf_writer import to_pdf
from kaoping_cli.documents.public_notice import public_notice_document
from kaoping_cli.documents.year_cmds import register as register_year_documents
from kaoping_cli.fonts import FontNotFound, find_cjk_font
from kaoping_cli.names import names as lookup
from kaoping_cli.names import option as named


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


def _build(make):
    """The document, or the CLI's exit for a missing font or a refused call."""
    try:
        return make()
    except FontNotFound as exc:
        print_error(str(exc))
        raise typer.Exit(EXIT_USAGE)
    except grpc.RpcError as error:
        raise fail(error)


def _render(doc: Document, file: Path, fmt: DocFormat) -> None:
    written = _build(lambda: write_document(doc, file, fmt))
    for path in written:
        console.print(f"{doc.title}：已写入 {path}", highlight=False, markup=False)


app = typer.Typer(help="Printable documents: the 《反馈通知单》 per village, the month's 公示 and the pay "
                       "list, as PDF (A4, Chinese font embedded) or HTML, in the township's script; the "
                       "year-end meeting's 年度考核结果通报, 表彰奖励决定 and 年终奖励发放表 as PDF or XLSX.",
                  no_args_is_help=True)
FILE = typer.Argument(None, show_default=False, help="where to write (default: a name from the village and month)")
FORMAT = typer.Option(None, "--format", case_sensitive=False,
                      help="pdf, html or both (default: from FILE's extension, else pdf)")
CHART = typer.Option(True, "--chart/--no-chart", help="include the charts (ranking, each official's year)")


@app.command("notice")
def print_notice(month: str = typer.Option(..., help="YYYY-MM"),
                 village: list[str] = typer.Option([], help="村的编号或名称，如 v01 或 上山村；可重复给出多个村",
                                                   autocompletion=complete_village),
                 all_villages: bool = typer.Option(False, "--all", help="every village in one file, each on a new page"),
                 file: Optional[Path] = FILE, format: Optional[DocFormat] = FORMAT, chart: bool = CHART):
    """The 《反馈通知单》 (feedback notice) of a village for a month, as the township issues
    it: results, every deduction and addition with the fact's date, note and scorer,
    appeals and their outcome, the ranking and each official's year, the seal's place."""
    if not village and not all_villages:
        raise usage_error("give --village (id or name, e.g. v01 or 上山村) or --all")
    chosen = lookup().chosen_villages(village, all_villages)
    fmt = _format_for(format, file)
    if file is None:
        name = chosen[0].name if len(chosen) == 1 else "全镇"
        file = Path(f"反馈通知单-{name}-{month}")
    doc = _build(lambda: notice_document(chosen, month, chart))
    _render(doc, file, fmt)


@app.command("public-notice")
def print_public_notice(month: str = typer.Option(..., help="YYYY-MM (published)"),
                        file: Optional[Path] = FILE, format: Optional[DocFormat] = FORMAT, chart: bool = CHART):
    """The month's 公示 (public notice of the results) once the month is published: rank,
    name, village, total, grade and pay tier, the notice period, the villages' chart,
    the issuer, seal and contact."""
    fmt = _format_for(format, file)
    doc = _build(lambda: public_notice_document(month, chart))
    _render(doc, file if file is not None else Path(f"公示-{month}"), fmt)


@app.command("paylist")
def print_pay_list(month: str = typer.Option("", help="YYYY-MM (a month, frozen at aggregation)"),
                   year: int = typer.Option(0, help="a year: monthly pay plus the year-end money"),
                   village: str = named("village", "", "只打印这个村"),
                   file: Optional[Path] = FILE, format: Optional[DocFormat] = FORMAT):
    """The pay list (绩效报酬发放表) to sign: one sheet per village with ID number, bank
    account (masked unless you pay) and 领款人签字, then the township's summary."""
    if bool(month) == bool(year):
        raise usage_error("give --month YYYY-MM or --year YYYY")
    fmt = _format_for(format, file)
    period = month or str(year)
    doc = _build(lambda: pay_list_document(month, year, village))
    scope = f"-{village}" if village else ""
    _render(doc, file if file is not None else Path(f"报酬发放表-{period}{scope}"), fmt)


register_year_documents(app)   # year-report, reward-decision, reward-sheet


@app.command("fonts")
def print_fonts():
    """Show which Chinese font the documents embed (set KAOPING_CJK_FONT to choose one)."""
    try:
        console.print(find_cjk_font().describe(), highlight=False, markup=False)
    except FontNotFound as exc:
        print_error(str(exc))
        raise typer.Exit(EXIT_USAGE)
