"""Two questions `kaoping fact add` asks the server before recording, as an office works:

- is the month still open for facts (WorkflowService.GetMonthState: "scoring")? Guided
  entry asks this first, so nobody answers eight questions to be refused at the end;
- was the very same fact already entered this month (FactService.ListFacts: same
  official or village, category, kind, level, quantity, date and note, not voided)? A
  second identical line is usually a double entry from a paper list, so it is recorded
  again only when the person says so (or --yes for scripts).
"""
from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Optional

import typer

from kaoping.v1 import facts_pb2 as fx
from kaoping.v1 import facts_pb2_grpc as fx_grpc
from kaoping.v1 import workflow_pb2 as wf
from kaoping.v1 import workflow_pb2_grpc as wf_grpc
from kaoping_cli.common import EXIT_REFUSED, STATE_NAMES, call, call_pages, stub
from kaoping_cli.terminal import console, print_error, stdin_is_terminal, yes_no


def month_open(month: str, township: str = "") -> None:
    """Ends the command (exit 1) with a plain sentence when the month no longer takes
    facts; nothing when it is being scored."""
    state = call(stub(wf_grpc.WorkflowServiceStub).GetMonthState,
                 wf.MonthRequest(month=month, township_id=township))
    if state.state == "scoring":
        return
    name = STATE_NAMES.get(state.state, state.state)
    how = (f"如需补录，请先退回考评（kaoping month reopen --month {month} --note 原因）。"
           if state.state == "aggregated" else "审定后的扣分只能通过申诉更正（kaoping appeal）。")
    print_error(f"{month} 的考评状态为「{name}」，不再接受事实录入：{how}")
    raise typer.Exit(EXIT_REFUSED)


def _quantity(text: str):
    try:
        return Decimal(text or "1")
    except InvalidOperation:
        return text


def same_fact(stored: fx.Fact, fact: fx.Fact) -> bool:
    return (stored.official_id == fact.official_id and stored.village_id == fact.village_id
            and stored.category == fact.category and stored.kind == fact.kind
            and stored.level == fact.level and stored.date == fact.date and stored.note == fact.note
            and _quantity(stored.quantity) == _quantity(fact.quantity))


def find_duplicate(fact: fx.Fact) -> Optional[fx.StoredFact]:
    """The month's fact identical to `fact` that still counts (not voided, not itself a
    correction); None when there is none or the month cannot be told."""
    month = fact.month or fact.date[:7]
    if not month or not (fact.official_id or fact.village_id):
        return None
    listed = call_pages(stub(fx_grpc.FactServiceStub).ListFacts, fx.ListFactsRequest(
        month=month, official_id=fact.official_id, village_id=fact.village_id), "facts")
    for stored in listed.facts:
        if stored.voided_by_fact_id or stored.voids_fact_id:
            continue
        if stored.fact.idempotency_key and stored.fact.idempotency_key == fact.idempotency_key:
            return None   # the same key again: the server answers with the first receipt
        if same_fact(stored.fact, fact):
            return stored
    return None


def confirm_not_duplicate(fact: fx.Fact, yes: bool) -> bool:
    """True to go on recording. An identical fact already there: ask (是/否) on a
    terminal; without one (a script) refuse unless --yes — exit 1, nothing recorded."""
    if yes:
        return True
    found = find_duplicate(fact)
    if found is None:
        return True
    if not stdin_is_terminal():
        print_error(f"已录入过相同的事实 #{found.id}（{found.recorded_at[:10]}）：这次未记录。"
                          f"确需再记录一次，请加 --yes。")
        raise typer.Exit(EXIT_REFUSED)
    try:
        again = yes_no(f"已录入过相同的事实 #{found.id}，仍要再记录一次吗？")
    except (EOFError, KeyboardInterrupt):
        again = False
    if not again:
        console.print("未记录。", highlight=False)
    return again
