"""What every family of the month workflow shares: the Workflow base (the app it works
through, the lookups, the guarded state move, the re-scoring of a frozen month and the
drift check) and the module-level checks and row builders."""
from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from decimal import Decimal, InvalidOperation

from sqlalchemy import update

from kaoping.domain import workflow as wf
from kaoping.domain.errors import (DomainError, FailedPrecondition, InvalidArgument, NotFound,
                                   PermissionDenied, Violation)
from kaoping.domain.principal import INTERNAL, Principal, ROLES
from kaoping.domain.yearend import MonthResult
from kaoping.rules.model import RuleSet
from kaoping.rules.evaluate import evaluate as evaluate_period
from kaoping.rules.results import OfficialIn
from kaoping.storage.models import (AppealRow, MonthEvent, MonthRecord, RuleSetRow, SnapshotLine,
                                    Township, Village)
from kaoping.storage.workflow_store import StateConflict
from kaoping.storage.year_store import YearStore
from kaoping.usecases import audit
from kaoping.usecases.app import Kaoping
from kaoping.usecases.workflow.views import MonthLine, MonthView


MAX_REASON = 2000
MAX_SIGNER = 64    # who signed a paper confirmation or appeal (e.g. 村党支部书记 王建国)
RETRIES = 20   # compare-and-set retries when concurrent callers move the same month
MAX_DECIMALS = 4   # snapshot columns hold points to 4 places; more is refused, not rounded


class WorkflowBase:
    """The state every family of the month workflow works on: the app (its store, rule sets
    and registry) and the month states (app.months)."""

    def __init__(self, app: Kaoping):
        self.app = app
        self.months = app.months
        self.years = YearStore(app.store)

    def today(self) -> date:
        return self.app.today()

    # helpers -----------------------------------------------------------------------
    def _township(self, township_id: str | None, caller: Principal = INTERNAL) -> Township:
        """The township the call is about, within the caller's reach."""
        return self.app.township_for(caller, township_id or "")

    def _year(self, year: int) -> int:
        if not 2000 <= year <= self.today().year:
            raise InvalidArgument("bad year", [Violation("year", f"{year} is not a year from 2000 to "
                                                                 f"{self.today().year}")],
                                  zh=f"年份 {year} 不对：须在 2000 至 {self.today().year} 之间")
        return year

    def _village(self, caller: Principal, village_id: str, read: bool) -> Village:
        if not village_id:
            raise InvalidArgument("village required", [Violation("village_id", "required")],
                                  zh="缺少村：请指明是哪个村（可用 kaoping villages 查看）")
        if caller.role == "village" and village_id != caller.village_id:
            verb = "reads" if read else "answers for"
            raise PermissionDenied(f"a village {verb} only its own village", [Violation(
                "village_id", f"your token is for village {caller.village_id!r}")],
                                   zh=f"村级令牌只能查看和办理本村（{caller.village_id}）的事项")
        village = self.app.store.get(Village, village_id)
        if village is None:
            raise NotFound("no such village", [Violation("village_id", _short(village_id))],
                           zh=f"村 {_short(village_id)} 不存在：请用 kaoping villages 查看本镇的村")
        self.app.township_for(caller, village.township_id, "village_id")   # within reach
        return village

    def _record(self, township_id: str, month: str) -> MonthRecord | None:
        return self.months.record(township_id, month)

    def _rules(self, content_hash: str | None, township_id: str = "") -> tuple[RuleSet, RuleSetRow]:
        with self.app.rulesets.use(content_hash, township_id) as (compiled, row):
            return compiled.ruleset, row

    def _view(self, township: Township, month: str) -> MonthView:
        record = self.months.record(township.id, month)
        state = record.state if record else wf.SCORING
        row = (self.app.store.ruleset(content_hash=record.ruleset_hash)
               if record and record.ruleset_hash else None)
        return MonthView(township, month, state, record, row, self.months.store.villages(township.id),
                         self.months.confirmations(township.id, month) if record else {},
                         self.months.events(township.id, month) if record else [])

    def _line(self, record: MonthRecord, official_id: str) -> SnapshotLine:
        return next(l for l in self.months.lines(record.township_id, record.month, record.revision)
                    if l.official_id == official_id)

    def _move(self, record: MonthRecord, values: dict, action: str, target: str, caller: Principal,
              note: str, rows=(), inside=None) -> None:
        try:
            self.months.apply(record.township_id, record.month, (record.state, record.revision), values,
                              [*rows, _event(record.township_id, record.month, action, record.state,
                                             target, caller, record.revision, note),
                               _audit(action, record.township_id, record.month, record.state, target,
                                      record.revision)], inside=inside)
        except StateConflict:
            raise self._conflict(record.township_id, record.month)

    def _answering(self, action: str, caller: Principal, on_behalf: wf.OnBehalf | None) -> None:
        """Who may confirm or appeal for a village: the village itself, or, with on_behalf
        (who signed, why it is entered), an administrator; whether the village is within
        the administrator's reach is checked where the village is known."""
        if on_behalf is None:
            wf.require_role(action, caller.role)
            return
        if caller.role == "village":
            raise InvalidArgument("a village answers for itself: on_behalf is for the township office",
                                  [Violation("on_behalf", "leave it empty with a village token")],
                                  zh="村级令牌直接以本村名义办理，无需代为登记：请去掉 --signed-by 和 --on-behalf-reason")
        if not caller.is_admin:
            raise PermissionDenied(f"only an administrator records a village's {action} on its behalf",
                                   [Violation("caller", f"{caller.name} is {caller.role}")],
                                   zh=f"只有管理员可以代村登记{wf.zh_action(action)}：你的角色是 {caller.role}")
        _need_text(on_behalf.signed_by, "on_behalf.signed_by", "who signed it on paper",
                   "谁在纸质件上签的字（如 村党支部书记 王建国）")
        _limit(MAX_SIGNER, **{"on_behalf.signed_by": on_behalf.signed_by})
        _need_text(on_behalf.reason, "on_behalf.reason", "why the office enters it for the village",
                   "为什么由镇里代村登记（如 村里递交了签字的纸质回执）")

    def appeal_refusal(self, township_id: str, month: str, record: MonthRecord | None,
                       village_id: str) -> DomainError | None:
        """Why an appeal by the village about the month would be refused now (the month's
        state, the deadline, the village's confirmation), or None: the one rule that the
        Appeal use case enforces and the notice's appeal sentence follows."""
        try:
            wf.require_state("appeal", record.state if record else wf.SCORING, f"{township_id} {month}")
        except DomainError as refused:
            return refused
        if self.today() > wf.parse_day(record.appeal_deadline):
            return FailedPrecondition(f"the appeal deadline {record.appeal_deadline} has passed",
                                      [Violation("fact_id", f"appeals for {month} closed after "
                                                            f"{record.appeal_deadline}")],
                                      zh=f"申诉期限已于 {record.appeal_deadline} 截止：不能再提出申诉")
        if self.months.confirmations(township_id, month).get(village_id):
            return _confirmed(village_id, month)
        return None

    def _conflict(self, township_id: str, month: str) -> FailedPrecondition:
        record = self.months.record(township_id, month)
        state = record.state if record else wf.SCORING
        return FailedPrecondition(f"{township_id} {month} changed meanwhile; it is now {state}",
                                  [Violation("month", f"current state: {state}")],
                                  zh=f"{township_id} {month} 刚被他人改动，现在{wf.zh_state(state)}：请查看最新状态后重试")

    def _rescore(self, record: MonthRecord, old: list[SnapshotLine], revision: int,
                 void: set[int]) -> list[SnapshotLine]:
        """The month again under its bound version, with the snapshot's officials and base
        pay (registry edits after aggregation do not leak in) and `void` facts voided."""
        township = self._township(record.township_id)
        villages = {v.id: v for v in self.months.store.villages(record.township_id)}
        members = self.app.registry.roster(villages, record.month)
        frozen = {l.official_id: l for l in old}
        with self.app.rulesets.use(record.ruleset_hash) as (compiled, _row):
            # the month as the rules see it (dates, levels, village facts, positions,
            # history), then the snapshot's officials and base pay, and `void` voided
            data = self.app._period_input(township, record.month, villages,
                                          [m for m in members if m[0].id in frozen], compiled.ruleset)
            by_id = {o.id: o for o in data.officials}
            data.officials = [replace(by_id[l.official_id], base_pay=Decimal(l.base_pay)) if l.official_id in by_id
                              else OfficialIn(l.official_id, l.village_id, "", Decimal(l.base_pay))
                              for l in old]
            data.facts = [f for f in data.facts if f.id not in void]
            results = evaluate_period(compiled, data)
        return [SnapshotLine(township_id=record.township_id, month=record.month, revision=revision,
                             official_id=l.official_id, official_name=l.official_name,
                             village_id=l.village_id, village_name=l.village_name,
                             base_pay=Decimal(l.base_pay), **_result_columns(r))
                for l, r in zip(old, results)]

    def _drift(self, view: MonthView) -> list[str]:
        """Where a live recompute under the bound version disagrees with the snapshot."""
        frozen = {l.official_id: l for l in self.months.lines(view.township.id, view.month,
                                                               view.record.revision)}
        live = self.app.monthly_scores(view.month, township_id=view.township.id,
                                       content_hash=view.record.ruleset_hash)
        found = []
        for s in live.scores:
            line = frozen.pop(s.official.id, None)
            if line is None:
                found.append(f"{s.official.id} {s.official.name}: not in the snapshot (added later)")
                continue
            was = (Decimal(line.total), line.grade, line.vetoed, Decimal(line.pay))
            now = (s.result.total, s.result.grade, s.result.vetoed, s.result.pay)
            if was != now:
                found.append(f"{s.official.id} {line.official_name}: snapshot {_d(was[0])} {was[1]} "
                             f"{was[3]:.2f}, live {_d(now[0])} {now[1]} {now[3]:.2f}")
        found += [f"{oid} {l.official_name}: in the snapshot, no longer in the registry"
                  for oid, l in frozen.items()]
        return found


# module helpers ----------------------------------------------------------------------
class _Refused(Exception):
    def __init__(self, error: DomainError):
        super().__init__(str(error))
        self.error = error


def _confirmed(village_id: str, month: str) -> FailedPrecondition:
    return FailedPrecondition(f"village {village_id} has confirmed the {month} notice; it cannot appeal now",
                              [Violation("fact_id", "the notice is confirmed")],
                              zh=f"村 {village_id} 已确认 {month} 的《反馈通知单》：不能再申诉")


def _reader(caller: Principal) -> None:
    if caller.role not in ROLES:
        raise PermissionDenied(f"unknown role {caller.role}", [Violation("caller", caller.role)],
                               zh=f"未知角色 {caller.role}：请换用有效的令牌")


# the texts the workflow asks for, as a refusal names them to a person
_FIELDS_ZH = {"note": "说明", "reason": "理由", "reference": "兑现凭证号", "pool": "奖励金总额",
              "paid_on": "兑现日期", "quota_decision.minutes": "会议纪要（--minutes）",
              "on_behalf.signed_by": "签字人（--signed-by）", "on_behalf.reason": "代为登记的原因（--on-behalf-reason）"}


def _field_zh(name: str) -> str:
    return _FIELDS_ZH.get(name, name)


def _need_text(value: str, name: str, what: str, zh_what: str = "") -> None:
    """`what` and `zh_what`: what the text should say, in English and in Chinese."""
    if not (value or "").strip():
        raise InvalidArgument(f"{name} required", [Violation(name, f"required: {what}")],
                              zh=f"缺少{_field_zh(name)}：请写明{zh_what or _field_zh(name)}")
    if len(value) > MAX_REASON:
        raise InvalidArgument(f"{name} too long", [Violation(name, f"longer than {MAX_REASON} characters")],
                              zh=f"{_field_zh(name)}过长：最多 {MAX_REASON} 个字符")


def _limit(most: int = MAX_REASON, **texts: str) -> None:
    for name, value in texts.items():
        if len(value or "") > most:
            raise InvalidArgument(f"{name} too long", [Violation(name, f"longer than {most} characters")],
                                  zh=f"{_field_zh(name)}过长：最多 {most} 个字符")


def _result_columns(r) -> dict:
    for value in (r.total, *r.categories.values()):
        if value.as_tuple().exponent < -MAX_DECIMALS:
            raise FailedPrecondition(f"{r.official_id}: {value} has more than {MAX_DECIMALS} decimal "
                                     f"places and cannot be frozen exactly", [Violation("month", str(value))],
                                     zh=f"{r.official_id} 的得分 {value} 超过 {MAX_DECIMALS} 位小数，无法准确冻结：请检查规则集的分值")
    return dict(total=r.total, grade=r.grade, vetoed=r.vetoed, veto_reason=r.veto_reason, pay=r.pay,
                categories=json.dumps({c: str(v) for c, v in r.categories.items()}, ensure_ascii=False),
                year_effects=_year_effects(r))


def _year_effects(r) -> str:
    if not (r.year_vetoes or r.year_grade_caps or r.year_deduct_yuan):
        return ""
    return json.dumps({"vetoes": list(r.year_vetoes), "grade_caps": list(r.year_grade_caps),
                       "deduct_yuan": str(r.year_deduct_yuan)}, ensure_ascii=False)


def _month_result(month: str, l: SnapshotLine) -> MonthResult:
    """A frozen month as the year-end reads it, with what its facts do to the year."""
    effects = json.loads(l.year_effects) if getattr(l, "year_effects", "") else {}
    return MonthResult(month, Decimal(l.total), l.grade, l.vetoed, Decimal(l.pay),
                       tuple(effects.get("vetoes", ())), tuple(effects.get("grade_caps", ())),
                       Decimal(effects.get("deduct_yuan", "0")))


def _snapshot_line(township_id, month, revision, official, village, result) -> SnapshotLine:
    return SnapshotLine(township_id=township_id, month=month, revision=revision,
                        official_id=official.id, official_name=official.name, village_id=village.id,
                        village_name=village.name, base_pay=Decimal(official.base_pay),
                        **_result_columns(result))


def _month_line(l: SnapshotLine) -> MonthLine:
    return MonthLine(l.official_id, l.official_name, l.village_id, l.village_name, Decimal(l.base_pay),
                     Decimal(l.total), l.grade, l.vetoed, Decimal(l.pay))


def _event(township_id, month, action, source, target, caller: Principal, revision, note) -> MonthEvent:
    return MonthEvent(township_id=township_id, month=month, action=action, from_state=source,
                      to_state=target, actor=caller.name, role=caller.role, revision=revision, note=note)


def _audit(action, township_id, month, source, target, revision, **extra):
    return audit.entry(f"month_{action}", f"{township_id} {month}", before={"state": source},
                       after={"state": target, "revision": revision, **extra})


def _decide(s, appeal_id: int, values: dict) -> list:
    done = s.execute(update(AppealRow).where(AppealRow.id == appeal_id)
                     .where(AppealRow.state == wf.PENDING).values(**values))
    if done.rowcount != 1:
        raise StateConflict(f"appeal {appeal_id} was resolved meanwhile")
    return []


def _year_months(year: int) -> list[str]:
    return [f"{year}-{m:02d}" for m in range(1, 13)]


def _previous(month: str) -> str:
    year, m = int(month[:4]), int(month[5:])
    return f"{year - 1}-12" if m == 1 else f"{year}-{m - 1:02d}"


def _mean(values: list[Decimal]) -> Decimal:
    return (sum(values, Decimal(0)) / len(values)).quantize(Decimal("0.01")) if values else Decimal(0)


def _money_arg(text: str, name: str) -> Decimal:
    try:
        value = Decimal(text.strip())
    except (InvalidOperation, AttributeError):
        value = Decimal(-1)
    if not value.is_finite() or value < 0 or value.as_tuple().exponent < -2 or value > 100_000_000:
        raise InvalidArgument(f"bad {name}", [Violation(name, f"{_short(text)!r} is not a yuan amount in whole fen")],
                              zh=f"{_field_zh(name)} {_short(text)!r} 不是以元为单位、最多两位小数的金额")
    return value


def _short(text: str, most: int = 64) -> str:
    """Input echoed in an error, cut short (an error's details travel in gRPC metadata)."""
    return text if len(text) <= most else text[:most] + "…"


def _d(value) -> str:
    text = format(Decimal(value).normalize(), "f")
    return "0" if text in ("-0", "") else text
