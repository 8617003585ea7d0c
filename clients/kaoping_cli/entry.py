"""Guided manual entry: `kaoping fact add` with options missing asks step by step.

Order: scorer (who you are: it decides which categories you may score), month, village,
official, category, kind, quantity, note. Every step offers only valid choices: the
villages and officials from RegistryService, the categories of the active rule set
whose `scored_by` includes your scorer's role (RuleSetService.GetActiveRuleSet) and
their kinds. A choice can be typed as its number, its id or its name. What will be
recorded is shown, and nothing is sent until you confirm.

Prompting happens when --interactive is given, or when a required option is missing
and standard input is a terminal; otherwise a missing option is the usual usage error
(exit 2), so scripts behave exactly as before.
"""
from __future__ import annotations

import os
import sys
import uuid
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Callable, Optional, Sequence

import typer
from rich.prompt import Confirm, Prompt
from rich.table import Table

from kaoping.v1 import facts_pb2 as fx
from kaoping.v1 import facts_pb2_grpc as fx_grpc
from kaoping_cli.common import (ROLE_NAMES, Catalog, Category, Kind, call, click_exceptions, console,
                                load_catalog, stub)
from kaoping_cli.names import Choice, NameProblem, find

ENV_SCORER = "KAOPING_SCORER"
REQUIRED = ("official", "category", "kind", "scorer")   # the flag-driven command's required options


def stdin_is_terminal() -> bool:
    try:
        return sys.stdin.isatty()
    except (AttributeError, ValueError):
        return False


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
        console.print("\n已取消，未记录 (cancelled: nothing recorded)")
        raise typer.Exit(1)


class Session:
    def __init__(self, catalog: Catalog):
        self.catalog = catalog

    # one or more facts -----------------------------------------------------------
    def run(self, *, official, category, kind, scorer, month, date_, quantity, note, key) -> None:
        fixed = dict(official=official, category=category, kind=kind, quantity=quantity, note=note)
        scorer_row = self.pick_scorer(scorer)
        categories = self.catalog.categories_for(scorer_row.role)
        if not categories:
            console.print(f"考评人 {scorer_row.id} ({scorer_row.role}) 在现行规则集中没有可评的类别 "
                          f"(the active rule set gives role {scorer_row.role} no category)",
                          style="red", highlight=False)
            raise typer.Exit(1)
        village_default = None
        while True:
            month_value = month if (month or date_) else self.ask_month()
            official_row = self.pick_official(fixed["official"], village_default)
            village_default = official_row.village_id
            category_row = self.pick_category(fixed["category"], categories)
            kind_row = self.pick_kind(fixed["kind"], category_row)
            qty = self.ask_quantity(fixed["quantity"], kind_row)
            note_value = fixed["note"] if fixed["note"] is not None else \
                Prompt.ask("备注 note（可空 optional）", default="", show_default=False, console=console)
            fact = fx.Fact(official_id=official_row.id, month=month_value, date=date_,
                           category=category_row.id, kind=kind_row.id, quantity=qty, note=note_value,
                           scorer_id=scorer_row.id, source="cli", idempotency_key=key or f"cli-{uuid.uuid4()}")
            self.show(fact, official_row, category_row, kind_row, scorer_row)
            if Confirm.ask("记录这条事实？ Record this fact?", default=True, console=console):
                receipt = call(stub(fx_grpc.FactServiceStub).SubmitFact, fx.SubmitFactRequest(fact=fact))
                word = "already recorded as" if receipt.duplicate else "recorded as"
                console.print(f"fact {word} #{receipt.fact_id} (key {receipt.idempotency_key})",
                              highlight=False)
            else:
                console.print("未记录 (not recorded)")
            if key or not Confirm.ask("再录一条？ Another fact?", default=False, console=console):
                return
            month = month_value if not date_ else month   # keep the month for the next fact
            fixed = dict(official=None, category=None, kind=None, quantity=None, note=None)

    # the steps -----------------------------------------------------------------------
    def pick_scorer(self, given: Optional[str]):
        scorers = [s for s in self.catalog.scorers if self.catalog.categories_for(s.role)]
        default = given or os.environ.get(ENV_SCORER) or None
        if given:
            found = resolve(given, scorers, lambda s: (s.id, s.name))
            if found is not None:
                return found
            console.print(f"没有考评人 {given!r} (no such scorer)", style="red", highlight=False)
            default = None
        return choose("考评人 scorer（你是谁 who you are）", scorers,
                      ("id", "名称 name", "角色 role"),
                      lambda s: (s.id, s.name, ROLE_NAMES.get(s.role, s.role)),
                      lambda s: (s.id, s.name), default=default)

    def ask_month(self) -> str:
        default = date.today().strftime("%Y-%m")
        while True:
            text = Prompt.ask("月份 month (YYYY-MM)", default=default, console=console).strip()
            normal = normal_month(text)
            if normal:
                return normal
            console.print(f"{text!r} 不是 YYYY-MM 形式的月份 (not a month like 2026-10)", style="red",
                          highlight=False)

    def pick_official(self, given: Optional[str], village_default: Optional[str]):
        if given:
            found = resolve(given, self.catalog.officials, lambda o: (o.id, o.name))
            if found is not None:
                return found
            console.print(f"没有村干部 {given!r} (no such official)", style="red", highlight=False)
        village = choose("村 village", self.catalog.villages, ("id", "村 village"),
                         lambda v: (v.id, v.name), lambda v: (v.id, v.name), default=village_default)
        officials = self.catalog.officials_of(village.id)
        return choose(f"{village.name} 村干部 official", officials, ("id", "姓名 name", "职务 position"),
                      lambda o: (o.id, o.name, o.position), lambda o: (o.id, o.name))

    def pick_category(self, given: Optional[str], allowed: list[Category]) -> Category:
        if given:
            found = resolve(given, allowed, lambda c: (c.id, c.name))
            if found is not None:
                return found
            console.print(f"类别 {given!r} 不在你可评的类别中 (not a category you score)", style="red",
                          highlight=False)
        return choose("考评类别 category", allowed, ("id", "类别 category", "满分 max"),
                      lambda c: (c.id, c.name, c.max), lambda c: (c.id, c.name))

    def pick_kind(self, given: Optional[str], category: Category) -> Kind:
        kinds = list(category.kinds.values())
        if given:
            found = resolve(given, kinds, lambda k: (k.id, k.name))
            if found is not None:
                return found
            console.print(f"{category.name} 没有事项 {given!r} (no such kind)", style="red", highlight=False)
        return choose(f"{category.name} 事项 kind", kinds, ("id", "事项 kind", "单位 unit", "上限 max"),
                      lambda k: (k.id, k.name, k.unit, k.max_quantity), lambda k: (k.id, k.name))

    def ask_quantity(self, given: Optional[str], kind: Kind) -> str:
        text = given
        while True:
            if text is None:
                text = Prompt.ask(f"数量 quantity（{kind.unit or '次'}，最多 at most {kind.max_quantity}）",
                                  default="1", console=console).strip()
            problem = quantity_problem(text, kind.max_quantity)
            if not problem:
                return text
            console.print(problem, style="red", highlight=False)
            text = None

    def show(self, fact, official, category: Category, kind: Kind, scorer) -> None:
        village = self.catalog.village_by_id.get(official.village_id)
        table = Table("项目 field", "将记录 to be recorded", title="确认 Please check", show_lines=False)
        rows = [("月份 month", fact.month or fact.date),
                ("村 village", f"{village.name} ({village.id})" if village else official.village_id),
                ("村干部 official", f"{official.name} ({official.id}) {official.position}"),
                ("类别 category", f"{category.name} ({category.id})"),
                ("事项 kind", f"{kind.name} ({kind.id})"),
                ("数量 quantity", f"{fact.quantity} {kind.unit}"),
                ("备注 note", fact.note),
                ("考评人 scorer", f"{scorer.name} ({scorer.id}, {ROLE_NAMES.get(scorer.role, scorer.role)})")]
        if fact.date:
            rows.insert(1, ("日期 date", fact.date))
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
        console.print(f"{title}: 没有可选项 (nothing to choose from)", style="red", highlight=False)
        raise typer.Exit(1)
    table = Table("#", *headers, title=title, title_justify="left")
    for n, item in enumerate(items, start=1):
        table.add_row(str(n), *[str(cell) for cell in row(item)])
    console.print(table)
    if len(items) == 1:
        default = default or keys(items[0])[0]
    while True:
        answer = Prompt.ask("选择 choose（#、id 或名称 or name）", default=default, console=console)
        answer = (answer or "").strip()
        if answer.isdigit() and 1 <= int(answer) <= len(items):
            return items[int(answer) - 1]
        found, problem = _find(answer, items, keys)
        if found is not None:
            return found
        console.print(f"{answer!r} 不是可选项 (not one of the choices)；{problem}", style="red",
                      markup=False, highlight=False)


def normal_month(text: str) -> str:
    """"2026-10", "2026/10", "2026.10", "2026年10月" -> "2026-10"; "" if not a month."""
    import re
    m = re.fullmatch(r"\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?\s*", text or "")
    if not m or not 1 <= int(m.group(2)) <= 12:
        return ""
    return f"{m.group(1)}-{int(m.group(2)):02d}"


def quantity_problem(text: str, max_quantity: str = "") -> str:
    try:
        value = Decimal(text)
    except (InvalidOperation, TypeError):
        return f"{text!r} 不是数字 (not a number)"
    if not value.is_finite() or value <= 0:
        return f"数量须大于 0 (must be above zero): {text}"
    if max_quantity:
        try:
            if value > Decimal(max_quantity):
                return f"{text} 超过上限 {max_quantity} (more than the most plausible {max_quantity})"
        except InvalidOperation:
            pass
    return ""
