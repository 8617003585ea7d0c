"""`kaoping print year-report | reward-decision | reward-sheet`: the year-end meeting's
documents (年度考核结果通报, 表彰奖励决定, 年终奖励发放表) as PDF, XLSX or both, written into
a folder under names from the year and the village.

A document that cannot be issued from the year's figures (a reward decision or pay sheet
before the meeting approved the year) is refused with the reason in Chinese and exit 1,
as the server's own refusals are; nothing is written. The figures come from
WorkflowService.GetYearEnd, the year's state from YearEndService.GetYearState, the
problems from RectificationService.ListRectifications and the personal data on the pay
sheet from WorkflowService.GetPayList."""
from __future__ import annotations

from enum import Enum
from pathlib import Path

import typer

from kaoping_cli.common import EXIT_REFUSED, EXIT_USAGE, console, print_error
from kaoping_cli.documents.model import Document
from kaoping_cli.documents.pdf_writer import to_pdf
from kaoping_cli.documents.reward_decision import fetched_reward_decision
from kaoping_cli.documents.reward_sheet import fetched_reward_sheet
from kaoping_cli.documents.xlsx_writer import to_xlsx
from kaoping_cli.documents.year_report import fetched_year_report
from kaoping_cli.documents.year_words import NotFinal
from kaoping_cli.fonts import FontNotFound
from kaoping_cli.names import option as named

# a usage error outside these (2000: the server's first year); the server itself refuses a year
# after the current one
YEAR_MIN, YEAR_MAX = 2000, 2100


class YearFormat(str, Enum):
    pdf = "pdf"
    xlsx = "xlsx"
    both = "both"


def write_year_document(doc: Document, folder: Path, stem: str, fmt: YearFormat) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    if fmt in (YearFormat.pdf, YearFormat.both):
        target = folder / f"{stem}.pdf"
        target.write_bytes(to_pdf(doc))
        written.append(target)
    if fmt in (YearFormat.xlsx, YearFormat.both):
        target = folder / f"{stem}.xlsx"
        target.write_bytes(to_xlsx(doc))
        written.append(target)
    return written


def _issue(make, folder: Path, stem: str, fmt: YearFormat) -> None:
    try:
        doc = make()
        written = write_year_document(doc, folder, stem, fmt)
    except NotFinal as refused:
        print_error(str(refused))
        raise typer.Exit(EXIT_REFUSED)
    except FontNotFound as exc:
        print_error(str(exc))
        raise typer.Exit(EXIT_USAGE)
    except OSError as exc:
        print_error(f"无法写入 {folder}：{exc.strerror or exc}")
        raise typer.Exit(EXIT_USAGE)
    for path in written:
        console.print(f"{doc.title}：已写入 {path}", highlight=False, markup=False)


YEAR = typer.Option(..., "--year", min=YEAR_MIN, max=YEAR_MAX, help="年度，如 2026")
FORMAT = typer.Option(YearFormat.pdf, "--format", case_sensitive=False, help="pdf、xlsx 或 both（两种都写）")
OUT = typer.Option(Path("."), "--out", file_okay=False, help="写入的文件夹（默认：当前文件夹）")


def year_report(year: int = YEAR, village: str = named("village", "", "只打印这个村（默认：每村一节）"),
                format: YearFormat = FORMAT, out: Path = OUT):
    """年度考核结果通报：每村一节，列出每人的得分、等次和名次，以及该村的存在问题和整改要求。

    得分含计入月数、月度得分、年终考核得分、年度综合得分；末尾有落款、日期和盖章处。年度未经会议审定时标明“暂定（未经会议审定）”。
    """
    scope = f"-{village}" if village else ""
    _issue(lambda: fetched_year_report(year, village), out, f"年度考核结果通报-{year}{scope}", format)


def reward_decision(year: int = YEAR, format: YearFormat = FORMAT, out: Path = OUT):
    """表彰奖励决定：受表彰的人（姓名、村、职务）、等次、奖励金额及其构成和会议审定日期。

    列出依据的规则：计分办法、优秀名额、奖励总额的分配、规则集版本和内容校验。年度经会议审定之后才能打印。
    """
    _issue(lambda: fetched_reward_decision(year), out, f"表彰奖励决定-{year}", format)


def reward_sheet(year: int = YEAR, village: str = named("village", "", "只打印这个村"),
                 format: YearFormat = FORMAT, out: Path = OUT):
    """年终奖励发放表：每村一页，含应发金额、身份证号、银行账号、发放状态和领款人签字栏，最后是全镇汇总。

    身份证号、银行账号按权限显示（非管理员部分隐去）。年度经会议审定之后才能打印，登记发放之后才显示“已发放”。
    """
    scope = f"-{village}" if village else ""
    _issue(lambda: fetched_reward_sheet(year, village), out, f"年终奖励发放表-{year}{scope}", format)


def register(app: typer.Typer) -> None:
    app.command("year-report")(year_report)
    app.command("reward-decision")(reward_decision)
    app.command("reward-sheet")(reward_sheet)
