"""Guided manual entry: `kaoping fact add` with options missing asks step by step.

Order: month first — and whether it is still being scored (WorkflowService
GetMonthState), so nobody answers every question to be refused at the end — then
scorer (who you are: it decides which categories you may score), village, official,
category, kind, quantity, note. Every step offers only valid choices: the
villages and officials from RegistryService, the categories of the active rule set
whose `scored_by` includes your scorer's role (RuleSetService.GetActiveRuleSet) and
their kinds. A choice can be typed as its number, its id or its name. What will be
recorded is shown, and nothing is sent until you confirm (是/否 or y/n). Months and
quantities may be typed with an input method (２０２６－１０, 2026年10月, ３).

Prompting happens when --interactive is given, or when a required option is missing
and standard input is a terminal; otherwise a missing option is the usual usage error
(exit 2), so scripts behave exactly as before.
"""
from __future__ import annotations

import os
import uuid
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Callable, Optional, Sequence

import typer
from rich.prompt import Prompt
from rich.table import Table

from kaoping.text.ime import month_text, plain
from kaoping.v1 import facts_pb2 as fx
from kaoping.v1 import facts_pb2_grpc as fx_grpc
from kaoping_cli.common import (ROLE_NAMES, Catalog, Category, Kind, call, click_exceptions, console,
                                load_catalog, print_error, stub)
from kaoping_cli.names import Choice, NameProblem, find
from kaoping_cli.terminal import stdin_is_terminal, yes_no

ENV_SCORER = "KAOPING_SCORER"
REQUIRED = ("official", "category", "kind", "scorer")   # the flag-driven command's required options


def guided_add(*, official: Optional[str], category: Optional[str], kind: Optional[str],
               scorer: Optional[str], month: str, date_: str, quantity: Optional[str],
               note: Optional[str], key: str, interactive: bool) -> None:
    """Entry point from `kaoping fact add` when prompting is wanted or options are missing."""
    if not interactive and not stdin_is_terminal():
        given = dict(official=official, category=category, kind=kind, scorer=scorer)
        missing = next(name for name in REQUIRED if given[name] is None)
        raise click_exceptions.MissingParameter(param_hint=f"'--{missing}'", param_type="option")
    try:
        Session(load_catalog()).run(official=official, category=category, kind=kind, scorer=scorer,
                                    month=month, date_=date_, quantity=quantity, note=note, key=key)
    except (EOFError, KeyboardInterrupt):
        console.print("\n已取消，未记录。")
        raise typer.Exit(1)


class Session:
    def __init__(self, catalog: Catalog):
        self.catalog = catalog

    # one or more facts -----------------------------------------------------------
    def run(self, *, official, category, kind, scorer, month, date_, quantity, note, key) -> None:
        fixed = dict(official=official, category=category, kind=kind, quantity=quantity, note=note)
        month = month if (month or date_) else self.ask_month()
        self.check_open(month or date_[:7])
        scorer_row = self.pick_scorer(scorer)
        categories = self.catalog.categories_for(scorer_row.role)
        if not categories:
            print_error(f"考评人 {scorer_row.id}（{ROLE_NAMES.get(scorer_row.role, scorer_row.role)}）"
                        f"在现行规则集中没有可评的类别")
            raise typer.Exit(1)
        village_default = None
        while True:
            month_value = month
            official_row = self.pick_official(fixed["official"], village_default)
            village_default = official_row.village_id
            category_row = self.pick_category(fixed["category"], categories)
            kind_row = self.pick_kind(fixed["kind"], category_row)
            qty = self.ask_quantity(fixed["quantity"], kind_row)
            note_value = fixed["note"] if fixed["note"] is not None else \
                Prompt.ask("备注（可空）", default="", show_default=False, console=console)
            fact = fx.Fact(official_id=official_row.id, month=month_value, date=date_,
                           category=category_row.id, kind=kind_row.id, quantity=qty, note=note_value,
                           scorer_id=scorer_row.id, source="cli", idempotency_key=key or f"cli-{uuid.uuid4()}")
            self.show(fact, official_row, category_row, kind_row, scorer_row)
            if yes_no("记录这条事实？", default=True):
                from kaoping_cli.main import recorded_text
                receipt = call(stub(fx_grpc.FactServiceStub).SubmitFact, fx.SubmitFactRequest(fact=fact))
                console.print(recorded_text(receipt), highlight=False)
            else:
                console.print("未记录。")
            if key or not yes_no("再录一条？", default=False):
                return
            fixed = dict(official=None, category=None, kind=None, quantity=None, note=None)

    # the steps -----------------------------------------------------------------------
    def pick_scorer(self, given: Optional[str]):
        scorers = [s for s in self.catalog.scorers if self.catalog.categories_for(s.role)]
        default = given or os.environ.get(ENV_SCORER) or None
        if given:
            found = resolve(given, scorers, lambda s: (s.id, s.name))
            if found is not None:
                return found
            print_error(f"没有考评人 {given!r}")
            default = None
        return choose("考评人（你是谁）", scorers,
                      ("编号", "名称", "角色"),
                      lambda s: (s.id, s.name, ROLE_NAMES.get(s.role, s.role)),
                      lambda s: (s.id, s.name), default=default)

    def ask_month(self) -> str:
        default = date.today().strftime("%Y-%m")
        while True:
            text = Prompt.ask("月份（YYYY-MM，也可写 2026年10月）", default=default, console=console).strip()
            normal = normal_month(text)
            if normal:
                return normal
            print_error(f"{text!r} 不是月份：应为 YYYY-MM，如 2026-10")

    def check_open(self, month: str) -> None:
        """Before any other question: the month must still take facts."""
        from kaoping_cli.fact_checks import month_open
        townships = {v.township_id for v in self.catalog.villages}
        month_open(month, townships.pop() if len(townships) == 1 else "")

    def pick_official(self, given: Optional[str], village_default: Optional[str]):
        if given:
            found = resolve(given, self.catalog.officials, lambda o: (o.id, o.name))
            if found is not None:
                return found
            print_error(f"没有村干部 {given!r}")
        village = choose("村", self.catalog.villages, ("编号", "村"),
                         lambda v: (v.id, v.name), lambda v: (v.id, v.name), default=village_default)
        officials = self.catalog.officials_of(village.id)
        return choose(f"{village.name} 村干部", officials, ("编号", "姓名", "职务"),
                      lambda o: (o.id, o.name, o.position), lambda o: (o.id, o.name))

    def pick_category(self, given: Optional[str], allowed: list[Category]) -> Category:
        if given:
            found = resolve(given, allowed, lambda c: (c.id, c.name))
            if found is not None:
                return found
            print_error(f"类别 {given!r} 不在你可评的类别中")
        return choose("考评类别", allowed, ("编号", "类别", "满分"),
                      lambda c: (c.id, c.name, c.max), lambda c: (c.id, c.name))

    def pick_kind(self, given: Optional[str], category: Category) -> Kind:
        kinds = list(category.kinds.values())
        if given:
            found = resolve(given, kinds, lambda k: (k.id, k.name))
            if found is not None:
                return found
            print_error(f"{category.name} 没有事项 {given!r}")
        return choose(f"{category.name} 事项", kinds, ("编号", "事项", "单位", "上限"),
                      lambda k: (k.id, k.name, k.unit, k.max_quantity), lambda k: (k.id, k.name))

    def ask_quantity(self, given: Optional[str], kind: Kind) -> str:
        text = given
        while True:
            if text is None:
                text = Prompt.ask(f"数量（{kind.unit or '次'}，最多 {kind.max_quantity}）",
                                  default="1", console=console)
            text = plain(text)
            problem = quantity_problem(text, kind.max_quantity)
            if not problem:
                return text
            print_error(problem)
            text = None

    def show(self, fact, official, category: Category, kind: Kind, scorer) -> None:
        village = self.catalog.village_by_id.get(official.village_id)
        table = Table("项目", "将记录", title="请核对", show_lines=False)
        rows = [("月份", fact.month or fact.date[:7]),
                ("村", f"{village.name}（{village.id}）" if village else official.village_id),
                ("村干部", f"{official.name}（{official.id}）{official.position}"),
                ("类别", f"{category.name}（{category.id}）"),
                ("事项", f"{kind.name}（{kind.id}）"),
                ("数量", f"{fact.quantity} {kind.unit}"),
                ("备注", fact.note),
                ("考评人", f"{scorer.name}（{scorer.id}，{ROLE_NAMES.get(scorer.role, scorer.role)}）")]
        if fact.date:
            rows.insert(1, ("日期", fact.date))
        for name, value in rows:
            table.add_row(name, value)
        console.print(table)


# choosing from a list ------------------------------------------------------------------
def resolve(text: str, items: Sequence, keys: Callable) -> Optional[object]:
    """The item named by its id, its name or "id name" (as in the templates), in either
    script or full width (kaoping_cli.names); None if no single item matches."""
    return _find(text, items, keys)[0]


def _find(text: str, items: Sequence, keys: Callable, what: str = "") -> tuple[Optional[object], str]:
    """(item, "") or (None, what is wrong with suggestions) for a typed answer."""
    try:
        return find(text, [Choice(*keys(i)[:2], item=i) for i in items], what).item, ""
    except NameProblem as problem:
        return None, problem.message


def choose(title: str, items: Sequence, headers: Sequence[str], row: Callable, keys: Callable,
           default: Optional[str] = None):
    """Show a numbered table and ask until one of them is chosen (number, id or name)."""
    if not items:
        print_error(f"{title}：没有可选项")
        raise typer.Exit(1)
    table = Table("#", *headers, title=title, title_justify="left")
    for n, item in enumerate(items, start=1):
        table.add_row(str(n), *[str(cell) for cell in row(item)])
    console.print(table)
    if len(items) == 1:
        default = default or keys(items[0])[0]
    while True:
        answer = Prompt.ask("请选择（序号、编号或名称）", default=default, console=console)
        answer = (answer or "").strip()
        answer = plain(answer) if plain(answer).isdigit() else answer
        if answer.isdigit() and 1 <= int(answer) <= len(items):
            return items[int(answer) - 1]
        found, problem = _find(answer, items, keys)
        if found is not None:
            return found
        print_error(f"{answer!r} 不是可选项；{problem}")


def normal_month(text: str) -> str:
    """"2026-10", "2026/10", "２０２６－１０", "2026年10月" -> "2026-10" (kaoping.text.ime);
    "" if not a month."""
    import re
    value = month_text(text or "")
    m = re.fullmatch(r"(\d{4})-(\d{2})", value)
    return value if m and 1 <= int(m.group(2)) <= 12 else ""


def quantity_problem(text: str, max_quantity: str = "") -> str:
    try:
        value = Decimal(text)
    except (InvalidOperation, TypeError):
        return f"{text!r} 不是数字"
    if not value.is_finite() or value <= 0:
        return f"数量须大于 0：{text}"
    if max_quantity:
        try:
            if value > Decimal(max_quantity):
                return f"{text} 超过上限 {max_quantity}"
        except InvalidOperation:
            pass
    return ""
