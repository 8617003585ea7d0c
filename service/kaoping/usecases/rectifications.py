"""Rectification (整改) use cases, free of gRPC: record what the inspection (or a meeting)
found wrong in a village, report progress, close it with evidence (整改佐证), read items.

Who: administrators of the township (admin, county_admin within their reach) record,
report and close; a village token reads only its own village's items; every other
role reads the townships it reaches. Bad input changes nothing; every change appends a
step and an audit entry in one transaction. The pure rules (states, bounds, overdue)
are kaoping.domain.rectification; the rows kaoping.storage.rectification_store.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from kaoping.domain import rectification as rc
from kaoping.domain.errors import (FailedPrecondition, InvalidArgument, NotFound, PermissionDenied,
                                   Violation, shorten)
from kaoping.domain.principal import Principal, ROLES
from kaoping.rules.results import ScoredFact
from kaoping.storage.models import RectificationRow, RectificationStep, Township, Village
from kaoping.storage.rectification_store import AlreadyClosed, RectificationStore
from kaoping.usecases import audit

_FIELDS_ZH = {"area": "方面", "problem": "存在问题", "demand": "整改要求", "responsible": "责任人",
              "note": "说明", "evidence": "整改佐证", "deadline": "整改期限"}


@dataclass
class RectificationView:
    """An item as a reader sees it: state and overdue as of `day`."""
    row: RectificationRow
    village_name: str
    overdue: bool
    steps: list[RectificationStep] = field(default_factory=list)


class Rectifications:
    def __init__(self, app):
        self.app = app
        self.items = RectificationStore(app.store)

    def today(self) -> date:
        return self.app.today()

    # writes --------------------------------------------------------------------
    def record(self, caller: Principal, township_id: str, village_id: str, year: int, area: str,
               problem: str, demand: str, deadline: str, responsible: str,
               note: str = "") -> RectificationView:
        _admin(caller, "record")
        township = self.app.township_for(caller, township_id or "")
        today = self.today()
        bad = _texts(area=(area, rc.MAX_AREA, False), problem=(problem, rc.MAX_PROBLEM, True),
                     demand=(demand, rc.MAX_DEMAND, True), responsible=(responsible, rc.MAX_RESPONSIBLE, True),
                     note=(note, rc.MAX_NOTE, False))
        if not 2000 <= year <= today.year:
            bad.append(Violation("year", f"{year} is not a year from 2000 to {today.year}"))
        day = rc.parse_day(deadline)
        if day is None:
            bad.append(Violation("deadline", f"{shorten(deadline, 40)!r} is not a day YYYY-MM-DD"))
        elif day < today:
            bad.append(Violation("deadline", f"{deadline} is before today ({today})"))
        elif day > rc.latest_deadline(today):
            bad.append(Violation("deadline", f"{deadline} is more than {rc.MAX_DEADLINE_YEARS} years ahead"))
        if not village_id:
            bad.append(Violation("village_id", "required"))
        if bad:
            raise InvalidArgument("the rectification is not valid", bad,
                                  zh="整改事项不合格：" + "；".join(_zh(v, today) for v in bad))
        village = self._village_in(township, village_id)
        if len(self.items.items(township.id, village.id, year)) >= rc.MAX_PER_VILLAGE_YEAR:
            raise FailedPrecondition(f"village {village.id} already has {rc.MAX_PER_VILLAGE_YEAR} "
                                     f"rectification items for {year}",
                                     [Violation("village_id", f"at most {rc.MAX_PER_VILLAGE_YEAR} per village and year")],
                                     zh=f"{village.name} {year} 年的整改事项已达上限 {rc.MAX_PER_VILLAGE_YEAR} 项：请合并相近的问题")
        row = RectificationRow(township_id=township.id, village_id=village.id, year=year,
                               area=area.strip(), problem=problem.strip(), demand=demand.strip(),
                               deadline=deadline, responsible=responsible.strip(), state=rc.OPEN,
                               recorded_on=today.isoformat(), recorded_by=caller.name)
        step = RectificationStep(rectification_id=0, action=rc.RECORDED, actor=caller.name,
                                 role=caller.role, note=note.strip())
        entry = audit.entry("rectification_record", "", after={
            "village_id": village.id, "year": year, "problem": row.problem, "demand": row.demand,
            "deadline": deadline, "responsible": row.responsible, "state": rc.OPEN}, township_id=township.id)
        row = self.items.add(row, step, entry)
        return self._view(row, village.name, steps=True)

    def progress(self, caller: Principal, item_id: int, note: str, evidence: str = "") -> RectificationView:
        _admin(caller, "report progress on")
        row = self._open_item(caller, item_id)
        bad = _texts(note=(note, rc.MAX_NOTE, True), evidence=(evidence, rc.MAX_EVIDENCE, False))
        if bad:
            raise InvalidArgument("the progress report is not valid", bad,
                                  zh="整改进展不合格：" + "；".join(_zh(v, self.today()) for v in bad))
        step = RectificationStep(rectification_id=row.id, action=rc.PROGRESS, actor=caller.name,
                                 role=caller.role, note=note.strip(), evidence=evidence.strip())
        self.items.append(step, audit.entry("rectification_progress", f"rectification {row.id}",
                                            after={"note": step.note, "evidence": step.evidence},
                                            township_id=row.township_id))
        return self.get(caller, row.id)

    def close(self, caller: Principal, item_id: int, evidence: str, note: str = "") -> RectificationView:
        _admin(caller, "close")
        row = self._open_item(caller, item_id)
        bad = _texts(evidence=(evidence, rc.MAX_EVIDENCE, True), note=(note, rc.MAX_NOTE, False))
        if bad:
            raise InvalidArgument("the closing is not valid", bad,
                                  zh="销号不合格：" + "；".join(_zh(v, self.today()) for v in bad))
        today = self.today().isoformat()
        step = RectificationStep(rectification_id=row.id, action=rc.CLOSED_STEP, actor=caller.name,
                                 role=caller.role, note=note.strip(), evidence=evidence.strip())
        entry = audit.entry("rectification_close", f"rectification {row.id}", before={"state": rc.OPEN},
                            after={"state": rc.CLOSED, "closed_on": today, "evidence": step.evidence},
                            township_id=row.township_id)
        try:
            self.items.close(row.id, dict(closed_on=today, evidence=step.evidence), step, entry)
        except AlreadyClosed:
            raise _closed(self.items.item(row.id))
        return self.get(caller, row.id)

    # reads ---------------------------------------------------------------------
    def get(self, caller: Principal, item_id: int) -> RectificationView:
        _reader(caller)
        row = self._item(caller, item_id)
        return self._view(row, self._village_name(row.village_id), steps=True)

    def list(self, caller: Principal, township_id: str = "", village_id: str = "", year: int = 0,
             open_only: bool = False) -> list[RectificationView]:
        _reader(caller)
        if caller.role == "village":
            if village_id and village_id != caller.village_id:
                raise _not_own(caller)
            village_id = caller.village_id
        township = self.app.township_for(caller, township_id or "")
        if village_id:
            self._village_in(township, village_id)
        if year and not 2000 <= year <= self.today().year:
            raise InvalidArgument("bad year", [Violation("year", f"{year} is not a year from 2000 to "
                                                                 f"{self.today().year} (0: every year)")],
                                  zh=f"年份 {year} 不对：须在 2000 至 {self.today().year} 之间，或不指定")
        rows = self.items.items(township.id, village_id, year, open_only)
        names = {v.id: v.name for v in self.app.store.villages(township.id)}
        steps = self.items.steps(r.id for r in rows)
        return [self._view(r, names.get(r.village_id, r.village_id), steps=steps.get(r.id, [])) for r in rows]

    def for_notice(self, township_id: str, village_id: str, month: str) -> list[RectificationView]:
        """The village's items on its 《反馈通知单》 for `month`: open at the month's end (as far
        as it has run) or closed during it, with state and overdue as of that day."""
        today = self.today()
        day = rc.as_of(month, today)
        rows = [r for r in self.items.items(township_id, village_id) if rc.on_notice(r, month, today)]
        name = self._village_name(village_id)
        views = []
        for r in rows:
            shown = RectificationRow.model_validate(r.model_dump())
            if not rc.open_on(r, day) and r.closed_on:
                shown.state = rc.CLOSED
            else:   # closed after the notice's day: on that day it was still open
                shown.state, shown.closed_on, shown.evidence = rc.OPEN, "", ""
            views.append(RectificationView(shown, name, rc.overdue_on(r, day)))
        return views

    # helpers -------------------------------------------------------------------
    def _view(self, row: RectificationRow, village_name: str, steps=False) -> RectificationView:
        if steps is True:
            steps = self.items.steps([row.id]).get(row.id, [])
        return RectificationView(row, village_name, rc.overdue_on(row, self.today()), list(steps or []))

    def _village_name(self, village_id: str) -> str:
        village = self.app.store.get(Village, village_id)
        return village.name if village else village_id

    def _village_in(self, township: Township, village_id: str) -> Village:
        village = self.app.store.get(Village, village_id) if len(village_id) <= 64 else None
        if village is None or village.township_id != township.id:
            raise NotFound("no such village in the township", [Violation(
                "village_id", f"no village {shorten(village_id, 64)!r} in {township.id}")],
                           zh=f"{township.name}没有村 {shorten(village_id, 64)}：请用 kaoping villages 查看本镇的村")
        return village

    def _item(self, caller: Principal, item_id: int) -> RectificationRow:
        row = self.items.item(item_id)
        if row is None:
            raise NotFound("no such rectification", [Violation("id", str(item_id))],
                           zh=f"整改事项 {item_id} 不存在：请用 kaoping rectification list 查看")
        if caller.role == "village" and row.village_id != caller.village_id:
            raise _not_own(caller)
        self.app.township_for(caller, row.township_id, "id")    # within reach
        return row

    def _open_item(self, caller: Principal, item_id: int) -> RectificationRow:
        row = self._item(caller, item_id)
        if row.state != rc.OPEN:
            raise _closed(row)
        return row


def _closed(row: RectificationRow) -> FailedPrecondition:
    return FailedPrecondition(f"rectification {row.id} is closed (on {row.closed_on})",
                              [Violation("id", f"current state: {row.state}")],
                              zh=f"整改事项 {row.id} 已于 {row.closed_on} 销号（{rc.ZH_STATE[row.state]}）："
                                 f"不能再登记；如需补充，请另行登记一项")


def _admin(caller: Principal, verb: str) -> None:
    if not caller.is_admin:
        raise PermissionDenied(f"only an administrator of the township may {verb} a rectification",
                               [Violation("caller", f"{caller.name} is {caller.role}")],
                               zh=f"只有本镇管理员可以登记、报告或销号整改事项：你的角色是 {caller.role}")


def _reader(caller: Principal) -> None:
    if caller.role not in ROLES:
        raise PermissionDenied(f"unknown role {caller.role}", [Violation("caller", caller.role)],
                               zh=f"未知角色 {caller.role}：请换用有效的令牌")


def _not_own(caller: Principal) -> PermissionDenied:
    return PermissionDenied("a village reads only its own rectification items", [Violation(
        "village_id", f"your token is for village {caller.village_id!r}")],
                            zh=f"村级令牌只能查看本村（{caller.village_id}）的整改事项")


def _texts(**given: tuple[str, int, bool]) -> list[Violation]:
    """name=(text, most characters, required) -> the violations."""
    bad = []
    for name, (text, most, required) in given.items():
        text = text or ""
        if required and not text.strip():
            bad.append(Violation(name, "required"))
        elif len(text) > most:
            bad.append(Violation(name, f"longer than {most} characters"))
        elif "\x00" in text:
            bad.append(Violation(name, "contains NUL"))
    return bad


def _zh(v: Violation, today: date) -> str:
    what = _FIELDS_ZH.get(v.field, {"year": "年份", "village_id": "村"}.get(v.field, v.field))
    if v.description == "required":
        return f"缺少{what}"
    if v.description.startswith("longer than"):
        return f"{what}过长（最多 {v.description.split()[2]} 个字符）"
    if v.field == "deadline":
        return f"整改期限须为 YYYY-MM-DD 格式的日期，不早于今天（{today}），不晚于 {rc.MAX_DEADLINE_YEARS} 年后"
    if v.field == "year":
        return f"年份须在 2000 至 {today.year} 之间"
    return f"{what}不合格"


def overdue_facts(store, township_id: str, month: str, today: date, ruleset) -> list:
    """What a rule set that declares the reserved kind rc.OVERDUE_KIND sees of the
    township's items in `month`: per village with items overdue on the month's last day
    (today while the month runs), one village-level fact of that kind, quantity = the
    number of such items, dated that day. Ids are negative (-1, -2 … in village order):
    no stored fact has them, so no appeal or correction can name one. Empty when the
    rule set does not declare the kind."""
    category = ruleset.category_of_kind(rc.OVERDUE_KIND)
    if category is None:
        return []
    day = rc.as_of(month, today)
    counts: dict[str, int] = {}
    for row in RectificationStore(store).items(township_id):
        if rc.overdue_on(row, day):
            counts[row.village_id] = counts.get(row.village_id, 0) + 1
    return [ScoredFact(-n, category.id, rc.OVERDUE_KIND, Decimal(counts[v]), village_id=v,
                       date=day.isoformat(), month=month)
            for n, v in enumerate(sorted(counts), start=1)]
