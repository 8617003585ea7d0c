"""`kaoping scores` as a table a township office can read in an 80-column terminal.

The full table has one column per category of the rule set (seven or eight in the
sample): wider than 80 columns once names are Chinese, and Rich would squeeze names and
totals into unreadable wrapping. So the full table is shown when it fits the terminal
(or, with --wide, at its own width); otherwise the compact one: village, official, total, grade, pay and
one 失分 cell listing only the categories that lost points (short names), folded
inside its own column.
"""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from rich.console import Console
from rich.measure import Measurement
from rich.table import Table

from kaoping.v1 import evaluation_pb2 as ev

SHORT_NAME = 4   # characters of a category's name in a header or a 失分 entry


def short(name: str, ident: str) -> str:
    """A category's name cut to SHORT_NAME characters ("镇村中心…"), its id when it has none."""
    name = (name or ident).strip()
    return name if len(name) <= SHORT_NAME else name[:SHORT_NAME] + "…"


def _grade(s) -> str:
    return s.grade + ("（一票否决）" if s.vetoed else "")


def _title(response: ev.GetMonthlyScoresResponse) -> str:
    return (f"{response.township_id} {response.month} 绩效月考评 · 规则集 {response.ruleset.label} "
            f"v{response.ruleset.id}")


def _lost(c) -> str:
    """"出勤履职 -2" for a category below its maximum, "" otherwise."""
    try:
        gap = Decimal(c.max) - Decimal(c.score)
    except (InvalidOperation, TypeError):
        return ""
    if gap <= 0:
        return ""
    return f"{short(c.name, c.category)} -{gap.normalize():f}"


def full_table(response: ev.GetMonthlyScoresResponse) -> Table:
    categories = list(response.scores[0].categories) if response.scores else []
    table = Table(title=_title(response))
    table.add_column("村", no_wrap=True)
    table.add_column("村干部", no_wrap=True)
    for c in categories:
        table.add_column(short(c.name, c.category), justify="right", no_wrap=True)
    for header in ("总分", "等次", "报酬(元)"):
        table.add_column(header, justify="right" if header != "等次" else "left", no_wrap=True)
    for s in response.scores:
        table.add_row(s.village_name, s.official_name, *[c.score for c in s.categories], s.total,
                      _grade(s), s.pay)
    return table


def compact_table(response: ev.GetMonthlyScoresResponse) -> Table:
    table = Table(title=_title(response), caption="失分：低于满分的类别及所失分数；全部类别见 --wide")
    table.add_column("村", no_wrap=True)
    table.add_column("村干部", no_wrap=True)
    table.add_column("总分", justify="right", no_wrap=True)
    table.add_column("等次", no_wrap=True)
    table.add_column("报酬(元)", justify="right", no_wrap=True)
    table.add_column("失分", overflow="fold", ratio=1, min_width=12)
    for s in response.scores:
        lost = [text for text in (_lost(c) for c in s.categories) if text]
        table.add_row(s.village_name, s.official_name, s.total, _grade(s), s.pay, "、".join(lost) or "—")
    return table


def print_scores(response: ev.GetMonthlyScoresResponse, console: Console, wide: bool = False) -> None:
    """The full table when it fits the console, else the compact one; --wide prints the
    full table at its own width (for `less -S` or a file), never squeezed."""
    full = full_table(response)
    # measured without the console's width, which would clamp the answer to it
    needed = Measurement.get(console, console.options.update_width(1_000_000), full).maximum
    if needed <= console.width:
        console.print(full)
    elif wide:   # a console of the table's width on the same stream (print(width=) clamps to the terminal)
        Console(file=console.file, width=needed, force_terminal=console.is_terminal,
                color_system=console.color_system).print(full)
    else:
        console.print(compact_table(response))
