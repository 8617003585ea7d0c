"""Changing the roster by date, and reading it as it stood (kaoping.domain.roster): the
rules behind RegistryUseCases.put_official, ListOfficials(month) and ListRosterEntries.

A put that changes an official's village, position or base pay appends one roster
entry dated effective_on; a departure (left_on) appends one from the month after; a
put that changes none of them appends nothing. The official's row is rewritten to his
state in the current month, with one audit entry, in the same transaction.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from kaoping.domain import roster as rs
from kaoping.domain.attributes import with_checked_attributes
from kaoping.domain.errors import InvalidArgument, NotFound, Violation
from kaoping.domain.facts import parse_month, text_problems
from kaoping.domain.principal import INTERNAL, Principal
from kaoping.storage.models import Official, RosterEntry, Village
from kaoping.storage.roster_store import put_with_entries, roster_entries
from kaoping.usecases import audit

# Column sizes (kaoping.storage.models.Official)
LIMITS = {"id": 64, "village_id": 64, "name": 200, "position": 100, "id_number": 32,
          "bank_account": 64, "village_from_month": 7, "effective_on": 10, "left_on": 10}
PERSONAL = ("id_number", "bank_account")


def _check(official: Official, village_from: str, effective_on: str, left_on: str) -> None:
    fields = {"id": official.id, "village_id": official.village_id, "name": official.name,
              "position": official.position, "village_from_month": village_from,
              "effective_on": effective_on, "left_on": left_on,
              "id_number": official.id_number or "", "bank_account": official.bank_account or ""}
    problems = text_problems(fields, LIMITS)
    named = {v.field for v in problems}
    for name in PERSONAL:   # printed on the pay list: one line, no terminal controls
        if name not in named and any(unicodedata.category(c) == "Cc" for c in fields[name]):
            problems.append(Violation(name, "contains a control character"))
    if problems:
        raise InvalidArgument("a text field is too long or holds a control character", problems,
                              zh="有文字项过长或含有控制字符：请按错误详情改正")


def _dates(app, village_from: str, effective_on: str, left_on: str) -> tuple[str, bool, str]:
    """(effective day, whether the caller dated it, leaving day), each checked."""
    today = app.today()
    problems: list[Violation] = []
    day, dated = today.isoformat(), False
    if village_from:
        month, bad = parse_month(village_from, "village_from_month", today)
        problems += bad
        if month:
            day, dated = f"{month}-01", True
    if effective_on:
        day, bad = rs.parse_day(effective_on, "effective_on", today)
        problems += bad
        dated = True
    leaving = ""
    if left_on:
        leaving, bad = rs.parse_day(left_on, "left_on", today)
        problems += bad
    if problems:
        raise InvalidArgument("bad date", problems,
                              zh="日期不合格：请写成 YYYY-MM-DD，例如 2026-10-01")
    return day, dated, leaving


def put_official(app, official: Official, village_from: str = "", effective_on: str = "",
                 left_on: str = "", caller: Principal = INTERNAL, batch=None) -> None:
    """RegistryUseCases.put_official (kaoping.usecases.registry); with a batch (a roster
    import) the writes are recorded in it, read back by the rows after it."""
    _check(official, village_from, effective_on, left_on)
    official = with_checked_attributes(official)
    store = batch or app.store
    village = store.get(Village, official.village_id)
    if village is None:
        raise NotFound("no such village", [Violation("village_id", official.village_id)],
                       zh=f"村 {official.village_id} 不存在：请用 kaoping villages 查看本镇的村")
    app.township_for(caller, village.township_id, "village_id")   # within the caller's reach
    old = store.get(Official, official.id)
    known = None
    if old is not None:   # another township's official is not moved or overwritten
        known = store.get(Village, old.village_id)
        app.township_for(caller, known.township_id if known else "", "id")
    app._check_position(official, village)
    day, dated, leaving = _dates(app, village_from, effective_on, left_on)
    if old is not None:   # older clients send no ID or account: they keep what is stored
        official = official.model_copy(update={k: getattr(official, k) or getattr(old, k) for k in PERSONAL})
    # from the database, not the registry's memory: another replica may have added some
    history = rs.ordered(roster_entries(app.store, official.id)) if old is not None else []
    row_state = rs.RosterState(old.village_id, old.position or "", Decimal(old.base_pay), True) \
        if old is not None else None
    planned = rs.plan_put(history, rs.Put(official.village_id, official.position or "",
                                          Decimal(official.base_pay), day, dated, leaving),
                          row_state, is_new=old is None)
    by = audit.current().principal.name
    entries = [RosterEntry(official_id=official.id, effective_on=p.effective_on, from_month=p.from_month,
                           on_roster=p.on_roster, village_id=p.village_id, position=p.position,
                           base_pay=p.base_pay, recorded_by=by) for p in planned]
    # the row is his state in the current month (the history decides it, not the put)
    now = rs.state_in_month(rs.ordered(history + planned), app.today().strftime("%Y-%m"))
    row = official if now is None else official.model_copy(update={
        "village_id": now.village_id, "position": now.position, "base_pay": now.base_pay})
    after = row.model_dump(mode="json")
    if entries:
        after["roster"] = [{"effective_on": e.effective_on, "from_month": e.from_month,
                            "on_roster": e.on_roster, "village_id": e.village_id,
                            "position": e.position, "base_pay": str(e.base_pay)} for e in entries]
    entry = audit.entry("put_official", official.id, before=old.model_dump(mode="json") if old else None,
                        after=after, township_id=village.township_id)
    if batch is not None:
        batch.put(row, *entries, audit=entry)
        return
    # one transaction and one audit entry (replicas re-read the registry on put_official)
    put_with_entries(app.store, row, entries, entry)
    app.registry.reload()
    # the township's months (and, for a move from another township, that one's)
    for township in {village.township_id, *([known.township_id] if known else [])}:
        app.invalidate(township)


@dataclass(frozen=True)
class ListedOfficial:
    official: Official      # as he stood in the month asked (or his row: today)
    joined_on: str
    left_on: str


def list_officials(app, village_id: str = "", township_id: str = "", month: str = "",
                   caller: Principal = INTERNAL) -> list[ListedOfficial]:
    """Officials by id: today's rows (with those who left), or with `month` the roster
    as it stood then (that month's village, position and base pay; who was not on it
    left out). ID numbers and bank accounts only for callers that pay (sees_personal)."""
    if village_id and app.village_township(caller, village_id) is None:
        raise NotFound("no such village", [Violation("village_id", village_id)],
                       zh=f"村 {village_id} 不存在：请用 kaoping villages 查看本镇的村")
    # the villages within the caller's reach (the township named, or all it reaches)
    villages = {v.id for v in app.list_villages(caller, township_id)}
    if month:
        month = app._month(month)
        rows = []
        for o in app.store.officials():
            official, state = app.registry.as_of(o, month)   # village_id: that month's
            if state.on_roster:
                rows.append(official)
    else:
        rows = app.store.officials()
    listed = []
    for o in rows:
        if (village_id and o.village_id != village_id) or o.village_id not in villages:
            continue
        if not caller.sees_personal and (o.id_number or o.bank_account):
            o = o.model_copy(update={"id_number": "", "bank_account": ""})
        entries = app.registry.entries(o.id)
        listed.append(ListedOfficial(o, rs.joined_on(entries), rs.left_on(entries)))
    return listed


def list_roster_entries(app, official_id: str, caller: Principal = INTERNAL) -> list:
    """The official's roster history in the order it holds (kaoping.domain.roster); empty
    for one recorded without history (his row held for every month)."""
    if not official_id:
        raise InvalidArgument("official required", [Violation("official_id", "required")],
                              zh="缺少干部：请指明是哪位干部（可用 kaoping officials 查看）")
    app._scope("", "", official_id, caller)
    return list(app.registry.entries(official_id))
