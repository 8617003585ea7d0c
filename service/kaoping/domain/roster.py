"""The roster by date: an official's village, position and base pay in a month, and
whether he served in it at all. The scores, fact submission, fact listing, feedback
notices, appeals and the year-end all follow this one rule, so that a change on a
date leaves every earlier month as it stood.

History is a list of roster entries (kaoping.storage.models.RosterEntry), each holding
from its from_month on: a change dated D holds from D's month (from_month = D[:7]);
a departure dated D leaves D's month served and holds from the month after
(on_roster False). The state in month M is the latest entry with from_month <= M;
ties go to the later effective_on, then the higher id (the one recorded later).
Entries are only ever added (plan_put), never changed.

Anything with the entry's attributes will do (ORM rows, the bulk recompute's tuples).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Iterable, NamedTuple, Sequence

from kaoping.domain.errors import FailedPrecondition, InvalidArgument, Violation

EARLIEST_DAY = "2000-01-01"   # kaoping.domain.facts.EARLIEST_MONTH's first day
# ASCII digits only, matched whole (as kaoping.domain.facts reads dates)
_DAY = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")


class RosterState(NamedTuple):
    village_id: str
    position: str
    base_pay: Decimal
    on_roster: bool


def _order(entry) -> tuple:
    return entry.from_month, entry.effective_on, entry.id or 0


def ordered(entries: Iterable) -> list:
    return sorted(entries, key=_order)


def _state(entry, on_roster: bool | None = None) -> RosterState:
    return RosterState(entry.village_id, entry.position or "", Decimal(entry.base_pay),
                       entry.on_roster if on_roster is None else on_roster)


def entry_in_month(entries: Sequence, month: str):
    """The entry that holds in `month` (entries in `ordered` order), or None before the
    first one."""
    found = None
    for e in entries:
        if e.from_month > month:
            break
        found = e
    return found


def state_in_month(entries: Sequence, month: str) -> RosterState | None:
    """The official as he stood in `month` (entries in `ordered` order). None for no
    history (the caller then uses the official's row, which held for every month).
    Before his first entry he was not on the roster yet: his first village, position
    and pay with on_roster False, so his records still have a village to belong to."""
    if not entries:
        return None
    found = entry_in_month(entries, month)
    return _state(entries[0], False) if found is None else _state(found)


def joined_on(entries: Sequence) -> str:
    """The day of his first entry on the roster, "" without history."""
    return next((e.effective_on for e in entries if e.on_roster), "")


def _departure(entries: Sequence, holding) -> str:
    """The day of the departure that put him off the roster at `holding` (an off entry):
    the first of the run of off entries up to it (a departure recorded again earlier)."""
    at = next(n for n, e in enumerate(entries) if e is holding)
    while at > 0 and not entries[at - 1].on_roster:
        at -= 1
    return entries[at].effective_on


def left_on(entries: Sequence) -> str:
    """The day he left, when the latest entry is a departure; "" while serving."""
    return _departure(entries, entries[-1]) if entries and not entries[-1].on_roster else ""


def off_roster_reason(entries: Sequence, month: str) -> str:
    """Why he has no month `month` on the roster, or "" when he served in it."""
    state = state_in_month(entries, month)
    if state is None or state.on_roster:
        return ""
    before = entry_in_month(entries, month)
    if before is None:
        return f"not on the roster in {month}: joined on {joined_on(entries)}"
    return f"not on the roster in {month}: left on {_departure(entries, before)}"


def served_months(entries: Sequence, months: Iterable[str]) -> list[str]:
    """Those of `months` he was on the roster in (all of them without history)."""
    return [m for m in months if (s := state_in_month(entries, m)) is None or s.on_roster]


def as_of(official, state: RosterState | None):
    """The official (ORM row or named tuple) with the month's village, position and base
    pay; the same object when nothing differs."""
    if state is None or (official.village_id == state.village_id and
                         (official.position or "") == state.position and
                         Decimal(official.base_pay) == state.base_pay):
        return official
    values = {"village_id": state.village_id, "position": state.position, "base_pay": state.base_pay}
    if hasattr(official, "_replace"):
        return official._replace(**values)
    return official.model_copy(update=values)


def next_month(month: str) -> str:
    year, m = int(month[:4]), int(month[5:7])
    return f"{year + m // 12}-{m % 12 + 1:02d}"


# Planning a change ------------------------------------------------------------------------
@dataclass(frozen=True)
class Planned:
    """An entry to add (kaoping.storage.models.RosterEntry without its bookkeeping)."""
    effective_on: str
    from_month: str
    on_roster: bool
    village_id: str
    position: str
    base_pay: Decimal
    id: int = 2**62   # recorded after every stored entry: wins a tie of month and day


@dataclass(frozen=True)
class Put:
    """What a PutOfficial asks of the roster. `effective_on` is the day the change
    holds from; `dated` says the caller gave it (a default of today does not re-join
    an official who left); `left_on` is the day he leaves, or ""."""
    village_id: str
    position: str
    base_pay: Decimal
    effective_on: str
    dated: bool = False
    left_on: str = ""


def parse_day(value: str, field: str, today: date) -> tuple[str, list[Violation]]:
    """A day YYYY-MM-DD from 2000-01-01 up to the end of the current month (the
    official's row is his state in the current month, so no later change is kept)."""
    text = value or ""
    match = _DAY.fullmatch(text)
    try:
        day = date(*map(int, match.groups())) if match else None
    except ValueError:
        day = None
    if day is None:
        shown = repr(text) if len(text) <= 40 else repr(text[:40]) + "…"
        return "", [Violation(field, f"{shown} is not a day in the form YYYY-MM-DD")]
    if text < EARLIEST_DAY:
        return "", [Violation(field, f"{text} is before {EARLIEST_DAY}")]
    if text[:7] > today.strftime("%Y-%m"):
        return "", [Violation(field, f"{text} is in a future month")]
    return text, []


def plan_put(entries: Sequence, put: Put, row: RosterState | None, is_new: bool) -> list[Planned]:
    """The entries a put adds to the history `entries` (in `ordered` order), in order;
    [] when it changes nothing (a re-put of the same data). `row` is the official's
    stored row for one recorded without history (the sample, a restore): it held from
    2000-01 and is recorded as such before the first change. Raises InvalidArgument
    (an end before the start) or FailedPrecondition (a change for one who left, with
    no day given; a second, different departure)."""
    baseline: list[Planned] = []
    if not entries and not is_new and row is not None:
        baseline = [Planned(EARLIEST_DAY, EARLIEST_DAY[:7], True, row.village_id, row.position,
                            row.base_pay)]
    history = list(entries) + baseline
    month = put.effective_on[:7]
    wanted = RosterState(put.village_id, put.position, put.base_pay, True)
    now = state_in_month(history, month)
    added: list[Planned] = []
    if now != wanted:
        left = now is not None and not now.on_roster and entry_in_month(history, month) is not None
        if left and not put.dated:
            if now._replace(on_roster=True) != wanted:
                raise FailedPrecondition("the official has left", [Violation(
                    "effective_on", f"left on {left_on(history) or '?'}; to re-join or change him, give "
                                    f"the day it takes effect (after he left)")],
                                         zh="该干部已离任：如需重新到岗或变更，请填写离任之后的生效日期（effective_on）")
        else:
            added.append(Planned(put.effective_on, month, True, *wanted[:3]))
    if put.left_on:
        added += _leaving(ordered(history + added), put, bool(added))
    return baseline + added if added else []


def _leaving(history: list, put: Put, changed: bool) -> list[Planned]:
    start = joined_on(history)
    if not start:
        raise FailedPrecondition("the official was never on the roster", [Violation(
            "left_on", "give effective_on: the day he joined")],
                                 zh="该干部从未在册：请填写到岗日期（effective_on）")
    if put.left_on < start:
        raise InvalidArgument("the end is before the start", [Violation(
            "left_on", f"{put.left_on} is before he joined on {start}")],
                              zh=f"离任日期 {put.left_on} 早于到岗日期 {start}：请改正日期")
    if (put.dated or changed) and put.left_on < put.effective_on:
        raise InvalidArgument("the end is before the start", [Violation(
            "left_on", f"{put.left_on} is before effective_on {put.effective_on}")],
                              zh=f"离任日期 {put.left_on} 早于生效日期 {put.effective_on}：请改正日期")
    after = next_month(put.left_on[:7])
    state = state_in_month(history, after)
    if not state.on_roster:
        gone = entry_in_month(history, after)
        if gone is not None and gone.effective_on == put.left_on:
            return []   # recorded already
        raise FailedPrecondition("the official has already left", [Violation(
            "left_on", f"he left on {_departure(history, gone) if gone else '?'}; for a later day, "
                       f"re-join him (effective_on) and give it")],
                                 zh="该干部已经离任：如要改成更晚的离任日期，请先按生效日期重新登记到岗")
    served = state_in_month(history, put.left_on[:7])
    return [Planned(put.left_on, after, False, served.village_id, served.position, served.base_pay)]
