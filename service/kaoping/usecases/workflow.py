"""Use cases of the monthly workflow, appeals, rankings, year-end and pay lists.

Free of gRPC like kaoping.usecases.app: every method takes the calling Principal, applies
the role and data-scope checks (a village answers only for its own village), and
raises DomainErrors. The pure rules live in kaoping.domain.workflow (states) and
kaoping.domain.yearend (arithmetic); the transactions in
kaoping.storage.workflow_store.

What is authoritative when: while a month is `scoring` its scores are computed live
from the facts. From `aggregated` on, the month's totals, grades and pay are the
*snapshot* written at aggregation (one row per official, names and base pay
included), under the rule-set version recorded on the month — which approval binds.
Facts are then closed (kaoping.usecases.app refuses them); an appeal overturn is the only
change after approval: it adds a correcting fact, recomputes the month under the
bound version with the snapshot's members and base pay, and writes the next
snapshot revision, recording the official's before and after. A live recompute that
disagrees with the snapshot (say the registry's base pay was edited) is reported as
drift by `state`, and never changes the snapshot.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from sqlalchemy import update

from kaoping.usecases import audit
from kaoping.usecases.app import Kaoping
from kaoping.usecases.corrections import CORRECTION_KIND
from kaoping.domain import workflow as wf
from kaoping.domain.errors import (AlreadyExists, DomainError, FailedPrecondition, InvalidArgument,
                                   NotFound, PermissionDenied, Violation)
from kaoping.domain.facts import EARLIEST_MONTH
from kaoping.domain.principal import ROLES, Principal
from kaoping.rules.model import INSPECTION, RuleSet
from kaoping.rules.results import LineItem, ScoredFact
from kaoping.rules.sections import DEFAULT_APPEALS
from kaoping.domain.yearend import (InspectionResult, MonthResult, Quota, YearEndLine,
                                    evaluate_year, inspection_result, split_reward)
from kaoping.usecases.evaluator import OfficialInput, evaluate
from kaoping.storage.models import (AppealRow, FactRow, MonthEvent, MonthRecord, PaymentRow,
                                    RuleSetRow, SnapshotLine, Township, Village, VillageConfirmation,
                                    utcnow)
from kaoping.storage.workflow_store import StateConflict

MAX_REASON = 2000
RETRIES = 20   # compare-and-set retries when concurrent callers move the same month
MAX_DECIMALS = 4   # snapshot columns hold points to 4 places; more is refused, not rounded


# views -------------------------------------------------------------------------
@dataclass
class MonthView:
    township: Township
    month: str
    state: str
    record: MonthRecord | None
    ruleset: RuleSetRow | None
    villages: list[Village]
    confirmations: dict[str, VillageConfirmation]
    events: list[MonthEvent]
    drift: list[str] = field(default_factory=list)

    @property
    def next_actions(self) -> list[str]:
        return wf.next_actions(self.state)

    @property
    def unconfirmed(self) -> list[str]:
        return [v.id for v in self.villages if v.id not in self.confirmations]


@dataclass
class FeedbackDeduction:
    item: LineItem
    appeal: AppealRow | None


@dataclass
class FeedbackOfficial:
    official_id: str
    name: str
    total: Decimal
    grade: str
    pay: Decimal
    deductions: list[FeedbackDeduction]


@dataclass
class Feedback:
    month: MonthView
    village: Village
    ruleset: RuleSetRow
    provisional: bool
    officials: list[FeedbackOfficial]
    appeals: list[AppealRow]
    confirmation: VillageConfirmation | None

    @property
    def confirmation_state(self) -> str:
        if self.confirmation is None:
            return "unconfirmed"
        return "deemed_confirmed" if self.confirmation.deemed else "confirmed"

    @property
    def total_deducted(self) -> Decimal:
        return sum((-d.item.points for o in self.officials for d in o.deductions if d.item.points < 0),
                   Decimal(0))


@dataclass(frozen=True)
class MonthLine:
    """One official's month: the snapshot once frozen, else the live score."""
    official_id: str
    official_name: str
    village_id: str
    village_name: str
    base_pay: Decimal
    total: Decimal
    grade: str
    vetoed: bool
    pay: Decimal


@dataclass
class MonthResults:
    month: str
    state: str
    provisional: bool
    lines: dict[str, MonthLine]


@dataclass
class RankedOfficialYtd:
    line: MonthLine
    rank: int
    previous_rank: int | None
    previous_total: Decimal | None
    ytd_average: Decimal
    ytd_rank: int
    months_counted: int
    vetoed_months: int


@dataclass
class RankedVillageYtd:
    village_id: str
    village_name: str
    average: Decimal
    rank: int
    previous_rank: int | None
    ytd_average: Decimal
    ytd_rank: int


@dataclass
class YtdRanking:
    township: Township
    month: str
    months: list[MonthResults]
    officials: list[RankedOfficialYtd]
    villages: list[RankedVillageYtd]


@dataclass
class YearEndOfficial:
    line: YearEndLine
    name: str
    village_id: str
    village_name: str


@dataclass
class YearEnd:
    township: Township
    year: int
    ruleset: RuleSetRow
    rules: RuleSet
    months: list[tuple[str, str]]          # (month, state)
    missing: list[str]                      # not approved: not counted
    unpaid: list[str]                       # counted, not yet paid
    officials: list[YearEndOfficial]
    quota: Quota
    pool: Decimal
    paid_out: Decimal
    inspection_recorded: bool
    notes: list[str]

    @property
    def complete(self) -> bool:
        return not self.missing and not self.unpaid


@dataclass
class PayLine:
    official_id: str
    official_name: str
    village_id: str
    village_name: str
    score: Decimal
    grade: str
    monthly_pay: Decimal
    reward: Decimal
    amount: Decimal
    paid: Decimal


@dataclass
class PayList:
    township: Township
    period: str
    state: str
    lines: list[PayLine]
    complete: bool
    notes: list[str]

    def village_totals(self) -> list[tuple[str, str, Decimal, int]]:
        totals: dict[str, list] = {}
        for line in self.lines:
            entry = totals.setdefault(line.village_id, [line.village_name, Decimal(0), 0])
            entry[1] += line.amount
            entry[2] += 1
        return [(vid, name, amount, n) for vid, (name, amount, n) in sorted(totals.items())]

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal(0))


# the use cases -------------------------------------------------------------------
class Workflow:
    def __init__(self, app: Kaoping):
        self.app = app
        self.months = app.months

    def today(self) -> date:
        return self.app.today()

    # reading a month ------------------------------------------------------------
    def state(self, caller: Principal, month: str, township_id: str = "") -> MonthView:
        _reader(caller)
        township, month = self._township(township_id), self.app._month(month)
        view = self._view(township, month)
        if caller.role == "village":   # other villages' appeals are theirs: see list_appeals
            view.events = [e for e in view.events if e.action not in ("appeal", "resolve_appeal")]
        elif view.state in wf.FROZEN:
            view.drift = self._drift(view)
        return view

    # transitions ----------------------------------------------------------------
    def aggregate(self, caller: Principal, month: str, township_id: str = "", note: str = "") -> MonthView:
        wf.require_role("aggregate", caller.role)
        _limit(note=note)
        township, month = self._township(township_id), self.app._month(month)
        for _ in range(RETRIES):
            record = self.months.record(township.id, month)
            state = record.state if record else wf.SCORING
            wf.require("aggregate", state, caller.role, f"{township.id} {month}")
            if not wf.month_ended(month, self.today()):
                raise FailedPrecondition(f"{month} has not ended yet (today is {self.today()})",
                                         [Violation("month", "aggregate after the month is over")])
            villages = [v.id for v in self.months.store.villages(township.id)]
            mark = self.months.watermark(villages, month)
            scores = self.app.monthly_scores(month, township_id=township.id)
            if self.months.watermark(villages, month) != mark:
                continue  # facts arrived while scoring: score again
            revision = (record.revision if record else 0) + 1
            lines = [_snapshot_line(township.id, month, revision, s.official, s.village, s.result)
                     for s in scores.scores]
            values = dict(state=wf.AGGREGATED, ruleset_hash=scores.ruleset.content_hash,
                          revision=revision, fact_count=mark[0], fact_max_id=mark[1],
                          pending_appeals=0, approved_on="", appeal_deadline="", published_on="",
                          notice_ends="", paid_on="", updated_at=utcnow())
            event = _event(township.id, month, "aggregate", state, wf.AGGREGATED, caller, revision,
                           note or f"totals of {len(lines)} officials frozen under rule set "
                                   f"v{scores.ruleset.id} {scores.ruleset.content_hash[:12]}")
            try:
                self.months.apply(township.id, month, (state, record.revision) if record else None,
                                  values, [*lines, event, _audit("aggregate", township.id, month,
                                                                 state, wf.AGGREGATED, revision)])
            except StateConflict:
                continue
            return self.state(caller, month, township.id)
        raise self._conflict(township.id, month)

    def reopen(self, caller: Principal, month: str, township_id: str = "", note: str = "") -> MonthView:
        wf.require_role("reopen", caller.role)
        _limit(note=note)
        township, month = self._township(township_id), self.app._month(month)
        record = self._record(township.id, month)
        wf.require("reopen", record.state if record else wf.SCORING, caller.role, f"{township.id} {month}")
        _need_text(note, "note", "why the frozen totals are reopened")
        values = dict(state=wf.SCORING, ruleset_hash="", updated_at=utcnow())
        self._move(record, values, "reopen", wf.SCORING, caller, note)
        return self.state(caller, month, township.id)

    def approve(self, caller: Principal, month: str, township_id: str = "", content_hash: str = "",
                note: str = "") -> MonthView:
        wf.require_role("approve", caller.role)
        _limit(note=note)
        township, month = self._township(township_id), self.app._month(month)
        record = self.months.record(township.id, month)
        wf.require("approve", record.state if record else wf.SCORING, caller.role,
                   f"{township.id} {month}")
        if content_hash and content_hash != record.ruleset_hash:
            raise FailedPrecondition(
                f"the totals were aggregated under rule set {record.ruleset_hash[:12]}, not "
                f"{content_hash[:12]}; reopen and aggregate again to use another version",
                [Violation("content_hash", f"aggregated under {record.ruleset_hash}")])
        villages = [v.id for v in self.months.store.villages(township.id)]
        if self.months.watermark(villages, month) != (record.fact_count, record.fact_max_id):
            raise FailedPrecondition(
                "facts changed after the totals were frozen; reopen and aggregate again",
                [Violation("month", "the month's facts differ from those aggregated")])
        rules, row = self._rules(record.ruleset_hash)
        appeals = rules.appeals or DEFAULT_APPEALS
        today = self.today()
        values = dict(state=wf.APPROVED, approved_on=today.isoformat(),
                      appeal_deadline=wf.appeal_deadline(today, appeals.deadline_days).isoformat(),
                      updated_at=utcnow())
        self._move(record, values, "approve", wf.APPROVED, caller,
                   note or f"approved by the meeting; rule set v{row.id} {row.content_hash[:12]} "
                           f"bound; appeals until {values['appeal_deadline']}")
        return self.state(caller, month, township.id)

    def publish(self, caller: Principal, month: str, township_id: str = "", note: str = "") -> MonthView:
        wf.require_role("publish", caller.role)
        _limit(note=note)
        township, month = self._township(township_id), self.app._month(month)
        record = self.months.record(township.id, month)
        wf.require("publish", record.state if record else wf.SCORING, caller.role,
                   f"{township.id} {month}")
        view = self._view(township, month)
        today = self.today()
        deadline = wf.parse_day(record.appeal_deadline)
        blockers = wf.publish_blockers(record.pending_appeals, view.unconfirmed, today, deadline)
        if blockers:
            raise FailedPrecondition(f"{township.id} {month} cannot be published yet", blockers)
        rules, _ = self._rules(record.ruleset_hash)
        days = (rules.appeals or DEFAULT_APPEALS).notice_days
        values = dict(state=wf.PUBLISHED, published_on=today.isoformat(),
                      notice_ends=wf.notice_ends(today, days).isoformat(), updated_at=utcnow())
        deemed = [VillageConfirmation(township_id=township.id, month=month, village_id=v,
                                      confirmed_by="逾期視為確認", deemed=True, revision=record.revision,
                                      note=f"no answer by the appeal deadline {deadline}")
                  for v in view.unconfirmed]

        def no_pending(s):
            if s.get(MonthRecord, (township.id, month)).pending_appeals:
                raise StateConflict("an appeal arrived meanwhile")
            return deemed
        self._move(record, values, "publish", wf.PUBLISHED, caller,
                   note or f"public notice {values['published_on']} to {values['notice_ends']}"
                           + (f"; {len(deemed)} villages deemed to have confirmed" if deemed else ""),
                   inside=no_pending)
        return self.state(caller, month, township.id)

    def mark_paid(self, caller: Principal, month: str, township_id: str = "", reference: str = "",
                  note: str = "") -> MonthView:
        wf.require_role("mark_paid", caller.role)
        _limit(note=note)
        _limit(200, reference=reference)
        township, month = self._township(township_id), self.app._month(month)
        record = self.months.record(township.id, month)
        wf.require("mark_paid", record.state if record else wf.SCORING, caller.role,
                   f"{township.id} {month}")
        today = self.today()
        if today <= wf.parse_day(record.notice_ends):
            raise FailedPrecondition(f"the public notice runs until {record.notice_ends}; pay after it",
                                     [Violation("month", f"notice ends {record.notice_ends}")])
        lines = self.months.lines(township.id, month, record.revision)
        payments = [PaymentRow(township_id=township.id, month=month, revision=record.revision,
                               official_id=l.official_id, village_id=l.village_id,
                               amount=Decimal(l.pay), paid_on=today.isoformat(),
                               reference=reference, recorded_by=caller.name) for l in lines]
        total = sum((p.amount for p in payments), Decimal(0))
        values = dict(state=wf.PAID, paid_on=today.isoformat(), updated_at=utcnow())
        self._move(record, values, "mark_paid", wf.PAID, caller,
                   note or f"{len(payments)} payments, {total:.2f} yuan" +
                   (f", reference {reference}" if reference else ""), rows=payments)
        return self.state(caller, month, township.id)

    # feedback: confirmations and appeals ------------------------------------------
    def feedback(self, caller: Principal, village_id: str, month: str) -> Feedback:
        _reader(caller)
        village = self._village(caller, village_id, read=True)
        township, month = self._township(village.township_id), self.app._month(month)
        view = self._view(township, month)
        scores = self.app.monthly_scores(month, village_id=village.id)
        rules = scores.rules
        frozen = {}
        if view.state in wf.FROZEN:
            frozen = {l.official_id: l for l in self.months.lines(township.id, month, view.record.revision)}
        appeals = self.months.appeals(township.id, [month], village.id)
        by_fact = {a.fact_id: a for a in appeals}
        officials = []
        for s in scores.scores:
            line = frozen.get(s.official.id)
            deductions = [FeedbackDeduction(i, by_fact.get(i.fact_id)) for i in s.result.items
                          if _is_deduction(rules, i)]
            officials.append(FeedbackOfficial(
                s.official.id, line.official_name if line else s.official.name,
                Decimal(line.total) if line else s.result.total, line.grade if line else s.result.grade,
                Decimal(line.pay) if line else s.result.pay, deductions))
        return Feedback(view, village, scores.ruleset, view.state not in wf.FROZEN, officials, appeals,
                        view.confirmations.get(village.id))

    def confirm(self, caller: Principal, month: str, village_id: str = "", note: str = "") -> Feedback:
        wf.require_role("confirm", caller.role)
        _limit(note=note)
        village = self._village(caller, village_id or caller.village_id, read=False)
        township, month = self._township(village.township_id), self.app._month(month)
        record = self.months.record(township.id, month)
        wf.require("confirm", record.state if record else wf.SCORING, caller.role,
                   f"{township.id} {month}")
        if village.id in self.months.confirmations(township.id, month):
            return self.feedback(caller, village.id, month)   # confirming twice changes nothing
        pending = self.months.appeals(township.id, [month], village.id, wf.PENDING)
        if pending:
            raise FailedPrecondition(
                f"village {village.id} has {len(pending)} appeal(s) pending; confirm once they are resolved",
                [Violation("village_id", f"pending appeals {', '.join(f'#{a.id}' for a in pending)}")])
        row = VillageConfirmation(township_id=township.id, month=month, village_id=village.id,
                                  confirmed_by=caller.name, revision=record.revision, note=note)

        def still_clear(s):
            if self.months.appeals(township.id, [month], village.id, wf.PENDING):
                raise StateConflict("an appeal arrived meanwhile")
            return [row]
        try:
            self.months.apply(township.id, month, (wf.APPROVED, None), {"updated_at": utcnow()},
                              [_event(township.id, month, "confirm", wf.APPROVED, wf.APPROVED, caller,
                                      record.revision, f"village {village.id} confirmed the notice"
                                      + (f": {note}" if note else "")),
                               _audit("confirm", township.id, month, wf.APPROVED, wf.APPROVED,
                                      record.revision, village=village.id)],
                              inside=still_clear)
        except StateConflict:
            if village.id not in self.months.confirmations(township.id, month):
                raise self._conflict(township.id, month)
        return self.feedback(caller, village.id, month)

    def appeal(self, caller: Principal, fact_id: int, reason: str, appellant: str = "village") -> AppealRow:
        wf.require_role("appeal", caller.role)
        _need_text(reason, "reason", "why the deduction is wrong")
        appellant = appellant or "village"
        if appellant not in wf.APPELLANTS:
            raise InvalidArgument("unknown appellant", [Violation(
                "appellant", f"{_short(appellant)!r}; one of {', '.join(wf.APPELLANTS)}")])
        fact = self.app.store.fact(fact_id) if fact_id > 0 else None
        if fact is None:
            raise NotFound("no such fact", [Violation("fact_id", f"no fact {fact_id}")])
        # the village the official belonged to in the fact's month (kaoping.domain.roster)
        village_id = self.app.registry.village_of(fact.official_id, fact.month) or fact.village_id
        if village_id != caller.village_id:
            raise PermissionDenied("a village appeals only its own deductions", [Violation(
                "fact_id", f"fact {fact_id} is about village {village_id} in {fact.month}, your token "
                           f"is for {caller.village_id!r}")])
        township = self._township(self.months.township_of(village_id))
        month = fact.month
        record = self.months.record(township.id, month)
        wf.require("appeal", record.state if record else wf.SCORING, caller.role, f"{township.id} {month}")
        if self.today() > wf.parse_day(record.appeal_deadline):
            raise FailedPrecondition(f"the appeal deadline {record.appeal_deadline} has passed",
                                     [Violation("fact_id", f"appeals for {month} closed after "
                                                           f"{record.appeal_deadline}")])
        scores = self.app.monthly_scores(month, official_id=fact.official_id) if fact.official_id else None
        item = next((i for i in scores.scores[0].result.items if i.fact_id == fact_id), None) if scores else None
        if item is None or not _is_deduction(scores.rules, item):
            what = "gave no points" if item is None else f"gave {item.points} points"
            raise InvalidArgument("only a deduction can be appealed", [Violation(
                "fact_id", f"fact {fact_id} is not a deduction of the approved month ({what})")])
        row = AppealRow(township_id=township.id, month=month, village_id=village_id,
                        official_id=fact.official_id, fact_id=fact_id, rule_id=item.rule_id,
                        points=item.points, deduction_reason=item.reason, appellant=appellant,
                        reason=reason.strip(), submitted_by=caller.name, state=wf.PENDING)

        def first_and_unconfirmed(s):
            if self.months.confirmations(township.id, month).get(village_id):
                raise _Refused(FailedPrecondition(
                    f"village {village_id} has confirmed the {month} notice; it cannot appeal now",
                    [Violation("fact_id", "the notice is confirmed")]))
            earlier = [a for a in self.months.appeals(township.id, [month], village_id)
                       if a.fact_id == fact_id]
            if earlier:
                raise _Refused(AlreadyExists("this deduction is already appealed", [Violation(
                    "fact_id", f"appeal #{earlier[0].id} ({earlier[0].state})")]))
            s.add(row)
            s.flush()
            return [_event(township.id, month, "appeal", wf.APPROVED, wf.APPROVED, caller,
                           record.revision, f"appeal #{row.id} against fact {fact_id} "
                                            f"({_d(item.points)} {item.rule_id}): {reason.strip()}"),
                    _audit("appeal", township.id, month, wf.APPROVED, wf.APPROVED, record.revision,
                           appeal=row.id, fact=fact_id)]
        try:
            self.months.apply(township.id, month, (wf.APPROVED, None),
                              {"pending_appeals": MonthRecord.pending_appeals + 1,
                               "updated_at": utcnow()}, inside=first_and_unconfirmed)
        except _Refused as refused:
            raise refused.error
        except StateConflict:
            raise self._conflict(township.id, month)
        return self.months.appeal(row.id)

    def resolve_appeal(self, caller: Principal, appeal_id: int, decision: str, reason: str) -> AppealRow:
        wf.require_role("resolve_appeal", caller.role)
        _need_text(reason, "reason", "why the appeal is upheld or overturned")
        if decision not in wf.DECISIONS:
            raise InvalidArgument("unknown decision", [Violation(
                "decision", f"{_short(decision)!r}; one of {', '.join(wf.DECISIONS)}")])
        for _ in range(RETRIES):
            appeal = self.months.appeal(appeal_id) if appeal_id > 0 else None
            if appeal is None:
                raise NotFound("no such appeal", [Violation("appeal_id", f"no appeal {appeal_id}")])
            if appeal.state != wf.PENDING:
                raise FailedPrecondition(f"appeal #{appeal_id} is already {appeal.state}",
                                         [Violation("appeal_id", f"resolved by {appeal.resolved_by}")])
            record = self.months.record(appeal.township_id, appeal.month)
            wf.require("resolve_appeal", record.state if record else wf.SCORING, caller.role,
                       f"{appeal.township_id} {appeal.month}")
            try:
                if decision == wf.UPHELD:
                    self._uphold(caller, appeal, record, reason.strip())
                else:
                    self._overturn(caller, appeal, record, reason.strip())
            except StateConflict:
                continue   # another resolution moved the month on: read again and redo
            return self.months.appeal(appeal_id)
        raise self._conflict(appeal.township_id, appeal.month)

    def _uphold(self, caller, appeal: AppealRow, record: MonthRecord, reason: str) -> None:
        line = self._line(record, appeal.official_id)
        decided = dict(state=wf.UPHELD, decision_reason=reason, resolved_by=caller.name,
                       resolved_at=utcnow(), before_total=line.total, before_grade=line.grade,
                       before_pay=line.pay, after_total=line.total, after_grade=line.grade,
                       after_pay=line.pay, revision_after=record.revision)
        self.months.apply(record.township_id, record.month, (wf.APPROVED, record.revision),
                          {"pending_appeals": MonthRecord.pending_appeals - 1, "updated_at": utcnow()},
                          inside=lambda s: _decide(s, appeal.id, decided) + [
                              _event(record.township_id, record.month, "resolve_appeal", wf.APPROVED,
                                     wf.APPROVED, caller, record.revision,
                                     f"appeal #{appeal.id} upheld: {reason}"),
                              _audit("resolve_appeal", record.township_id, record.month, wf.APPROVED,
                                     wf.APPROVED, record.revision, appeal=appeal.id, decision=wf.UPHELD)])

    def _overturn(self, caller, appeal: AppealRow, record: MonthRecord, reason: str) -> None:
        voider = self.app.store.voiding_fact(appeal.fact_id)
        if voider is not None:
            raise FailedPrecondition("the disputed fact is already voided",
                                     [Violation("appeal_id", f"fact {appeal.fact_id} voided by {voider.id}")])
        original = self.app.store.fact(appeal.fact_id)
        why = f"appeal #{appeal.id} overturned: {reason}"
        correction = FactRow(idempotency_key=f"appeal-{appeal.id}-overturned",
                             payload_hash=f"void:{appeal.fact_id}:{why}"[:64],
                             official_id=original.official_id, village_id=original.village_id,
                             month=original.month, category=original.category, kind=CORRECTION_KIND,
                             quantity=Decimal(0), note=why, scorer_id=caller.name[:64],
                             scorer_role=caller.role, source="appeal", voids_fact_id=appeal.fact_id,
                             void_reason=why, void_claim=appeal.fact_id)
        old = self.months.lines(record.township_id, record.month, record.revision)
        revision = record.revision + 1
        lines = self._rescore(record, old, revision, {appeal.fact_id})
        before = next(l for l in old if l.official_id == appeal.official_id)
        after = next(l for l in lines if l.official_id == appeal.official_id)

        def write(s):
            s.add(correction)
            s.flush()
            decided = dict(state=wf.OVERTURNED, decision_reason=reason, resolved_by=caller.name,
                           resolved_at=utcnow(), correction_fact_id=correction.id,
                           before_total=before.total, before_grade=before.grade, before_pay=before.pay,
                           after_total=after.total, after_grade=after.grade, after_pay=after.pay,
                           revision_after=revision)
            note = (f"appeal #{appeal.id} overturned: fact {appeal.fact_id} voided by fact {correction.id}; "
                    f"{appeal.official_id} total {_d(before.total)} → {_d(after.total)}, grade "
                    f"{before.grade} → {after.grade}, pay {before.pay:.2f} → {after.pay:.2f}; {reason}")
            return _decide(s, appeal.id, decided) + lines + [
                _event(record.township_id, record.month, "resolve_appeal", wf.APPROVED, wf.APPROVED,
                       caller, revision, note),
                _audit("resolve_appeal", record.township_id, record.month, wf.APPROVED, wf.APPROVED,
                       revision, appeal=appeal.id, decision=wf.OVERTURNED,
                       before={"total": str(before.total), "grade": before.grade, "pay": str(before.pay)},
                       after={"total": str(after.total), "grade": after.grade, "pay": str(after.pay)})]
        self.months.apply(record.township_id, record.month, (wf.APPROVED, record.revision),
                          {"revision": revision, "pending_appeals": MonthRecord.pending_appeals - 1,
                           "updated_at": utcnow()}, inside=write)

    def list_appeals(self, caller: Principal, township_id: str = "", month: str = "", year: int = 0,
                     village_id: str = "", state: str = "") -> list[AppealRow]:
        _reader(caller)
        if caller.role == "village":
            village_id = self._village(caller, village_id or caller.village_id, read=True).id
        township = self._township(township_id)
        if state and state not in (wf.PENDING, *wf.DECISIONS):
            raise InvalidArgument("unknown appeal state", [Violation("state", _short(state))])
        months = None
        if month:
            months = [self.app._month(month)]
        elif year:
            months = _year_months(self._year(year))
        return self.months.appeals(township.id, months, village_id, state)

    # public notice, rankings ---------------------------------------------------------
    def public_notice(self, caller: Principal, month: str, township_id: str = "") -> tuple[MonthView, list[SnapshotLine]]:
        """What the 公示 shows: name, village, total, grade and pay tier, nothing more."""
        _reader(caller)
        township, month = self._township(township_id), self.app._month(month)
        view = self._view(township, month)
        if view.state not in wf.PUBLIC:
            raise FailedPrecondition(f"{township.id} {month} is {view.state}; it is public once published",
                                     [Violation("month", f"current state: {view.state}")])
        lines = self.months.lines(township.id, month, view.record.revision)
        lines.sort(key=lambda l: (l.vetoed, -Decimal(l.total), l.village_id, l.official_id))
        return view, lines

    def month_results(self, township: Township, month: str) -> MonthResults:
        record = self.months.record(township.id, month)
        state = record.state if record else wf.SCORING
        if state in wf.FROZEN:
            lines = {l.official_id: _month_line(l) for l in
                     self.months.lines(township.id, month, record.revision)}
            return MonthResults(month, state, False, lines)
        scores = self.app.monthly_scores(month, township_id=township.id)
        return MonthResults(month, state, True, {s.official.id: MonthLine(
            s.official.id, s.official.name, s.village.id, s.village.name, Decimal(s.official.base_pay),
            s.result.total, s.result.grade, s.result.vetoed, s.result.pay) for s in scores.scores})

    def ytd_ranking(self, caller: Principal, month: str, township_id: str = "") -> YtdRanking:
        """曬成績、比作為: the month's ranks with the change from last month, and the year
        to date (the average of the year's months so far)."""
        _reader(caller)
        township, month = self._township(township_id), self.app._month(month)
        year = int(month[:4])
        months = [m for m in _year_months(year) if m <= month]
        results = [self.month_results(township, m) for m in months]
        previous_month = _previous(month)
        previous = (results[-2] if len(results) > 1 else
                    self.month_results(township, previous_month) if previous_month >= EARLIEST_MONTH
                    else MonthResults(previous_month, wf.SCORING, True, {}))
        current = results[-1]
        now = _rank_officials(current.lines.values())
        before = _rank_officials(previous.lines.values())
        history: dict[str, list[MonthLine]] = {}
        for r in results:
            for oid, line in r.lines.items():
                history.setdefault(oid, []).append(line)
        ytd = {oid: (_mean([l.total for l in ls]), sum(1 for l in ls if l.vetoed), len(ls))
               for oid, ls in history.items()}
        ytd_order = sorted(ytd, key=lambda o: (ytd[o][1] > 0, -ytd[o][0], o))
        ytd_ranks = _competition(ytd_order, lambda o: (ytd[o][1] > 0, ytd[o][0]))
        officials = [RankedOfficialYtd(line, rank, before.get(line.official_id, (None,))[0],
                                       previous.lines[line.official_id].total
                                       if line.official_id in previous.lines else None,
                                       ytd[line.official_id][0], ytd_ranks[line.official_id],
                                       ytd[line.official_id][2], ytd[line.official_id][1])
                     for line, rank in sorted(((now[o][1], now[o][0]) for o in now),
                                              key=lambda p: (p[1], p[0].official_id))]
        villages = _rank_villages(current, previous, results)
        if caller.role == "village" and not all(r.state in wf.PUBLIC for r in [*results, previous]):
            # Before publication a village sees only its own lines (with their ranks):
            # other villages' figures become public with the 公示 of every month drawn on.
            officials = [o for o in officials if o.line.village_id == caller.village_id]
            villages = [v for v in villages if v.village_id == caller.village_id]
        return YtdRanking(township, month, results, officials, villages)

    # year-end and pay ----------------------------------------------------------------
    def _earlier_grades(self, caller, township, year: int, rules) -> dict[str, dict[int, str]]:
        """Earlier years' final grades for commendations (连续N年优秀), from the same
        year-end computation over those years' approved months; years with no approved
        month give none."""
        years = max((c.years for c in rules.year_end.awards.commendations), default=0)
        grades: dict[str, dict[int, str]] = {}
        for back in range(1, years):
            try:
                earlier = self.year_end(caller, year - back, township.id, _depth=1)
            except (FailedPrecondition, InvalidArgument):
                continue
            for o in earlier.officials:
                grades.setdefault(o.line.official_id, {})[year - back] = o.line.grade
        return grades

    def _village_figures(self, township, year: int, rules) -> dict[str, Decimal]:
        """Each village's figure for its reward pool: a village attribute, or the year's
        sum of a village-scope kind's stored facts."""
        pool = rules.year_end.awards.village_pool
        if pool is None:
            return {}
        from kaoping.usecases.scoring_input import attributes
        villages = self.months.store.villages(township.id)
        if rules.kind(pool.figure) is None:
            found = {}
            for v in villages:
                value = attributes(v).get(pool.figure)
                try:
                    found[v.id] = Decimal(value) if value is not None else None
                except ArithmeticError:
                    found[v.id] = None
            return {k: v for k, v in found.items() if v is not None and v.is_finite()}
        sums = {v.id: Decimal(0) for v in villages}
        for m in _year_months(year):
            rows = self.app.store.facts(m, list(sums))
            voided = {f.voids_fact_id for f in rows if f.voids_fact_id is not None}
            for f in rows:
                if f.kind == pool.figure and not f.official_id and f.voids_fact_id is None \
                        and f.id not in voided:
                    sums[f.village_id] += Decimal(f.quantity)
        return sums

    def year_end(self, caller: Principal, year: int, township_id: str = "", pool: str = "",
                 _depth: int = 0) -> YearEnd:
        _reader(caller)
        township, year = self._township(township_id), self._year(year)
        months = _year_months(year)
        records = self.months.records(township.id, months)
        states = [(m, records[m].state if m in records else wf.SCORING) for m in months]
        counted = [m for m, s in states if s in wf.BOUND]
        missing = [m for m, s in states if s not in wf.BOUND]
        unpaid = [m for m, s in states if s in (wf.APPROVED, wf.PUBLISHED)]
        content_hash = records[counted[-1]].ruleset_hash if counted else None
        with self.app.rulesets.use(content_hash) as (compiled, row):
            rules = compiled.ruleset
            if rules.year_end is None:
                raise FailedPrecondition(f"rule set v{row.id} {row.label} has no year_end section",
                                         [Violation("year", "add year_end to the rule set (rules/README.md)")])
            amount = rules.year_end.pool
            if pool:
                amount = _money_arg(pool, "pool")
            history: dict[str, list[tuple[SnapshotLine, MonthResult]]] = {}
            for m in counted:
                for l in self.months.lines(township.id, m, records[m].revision):
                    history.setdefault(l.official_id, []).append((l, _month_result(m, l)))
            inspections, recorded, strays = self._inspections(township, year, compiled, history)
        notes = []
        if missing:
            notes.append(f"not counted (not approved): {', '.join(f'{m} ({s})' for m, s in states if m in missing)}")
        if unpaid:
            notes.append(f"approved but not yet paid: {', '.join(unpaid)}")
        if not recorded and rules.year_end.inspection_weight:
            notes.append(f"no inspection marks recorded for {year}: every official has the full "
                         f"inspection score")
        if strays:
            notes.append(f"inspection marks for officials with no approved month are not used: "
                         f"{', '.join(strays)}")
        positions = {oid: (o.position or "") for oid in history
                     if (o := self.app.registry.official(oid)) is not None}
        lines = [YearEndLine(oid, [m for _, m in hist], inspections.get(oid, _full_inspection(rules)),
                             position=positions.get(oid, ""), village_id=hist[-1][0].village_id)
                 for oid, hist in sorted(history.items())]
        quota = evaluate_year(rules.year_end, lines)
        notes += quota.notes
        paid_out = split_reward(rules.year_end, lines, amount) if lines else Decimal(0)
        if lines and paid_out != amount:
            notes.append(f"nobody qualifies for the reward: {amount:.2f} yuan not paid out")
        if lines and rules.language == 2:
            from kaoping.rules.year_money import apply_year_money
            earlier = self._earlier_grades(caller, township, year, rules) if _depth == 0 else {}
            notes += apply_year_money(rules.year_end, lines, self._village_figures(township, year, rules),
                                      earlier, year)
        officials = []
        for line in sorted(lines, key=lambda l: (l.rank, l.official_id)):
            latest = history[line.official_id][-1][0]
            if caller.role == "village" and latest.village_id != caller.village_id:
                continue
            officials.append(YearEndOfficial(line, latest.official_name, latest.village_id,
                                             latest.village_name))
        return YearEnd(township, year, row, rules, states, missing, unpaid, officials, quota, amount,
                       paid_out, recorded, notes)

    def _inspections(self, township, year, compiled, history):
        """Each official's inspection score from the year's `inspection` facts."""
        villages = [v.id for v in self.months.store.villages(township.id)]
        facts: list[FactRow] = []
        for m in _year_months(year):
            facts += [f for f in self.app.store.facts(m, villages) if f.category == INSPECTION]
        voided = {f.voids_fact_id for f in facts if f.voids_fact_id is not None}
        per: dict[str, list[ScoredFact]] = {}
        for f in facts:   # a village-level fact (no official) has no official's inspection
            if f.voids_fact_id is None and f.id not in voided and f.official_id:
                per.setdefault(f.official_id, []).append(ScoredFact(
                    f.id, f.category, f.kind, Decimal(f.quantity), f.scorer_id, f.scorer_role))
        strays = sorted(o for o in per if o not in history)
        inputs = [OfficialInput(o, Decimal(0), tuple(per[o])) for o in sorted(per) if o in history]
        results = evaluate(compiled, inputs) if inputs and INSPECTION in compiled.ruleset.categories else []
        return ({r.official_id: inspection_result(compiled.ruleset, r.items) for r in results},
                bool(facts), strays)

    def pay_list(self, caller: Principal, township_id: str = "", month: str = "", year: int = 0,
                 village_id: str = "") -> PayList:
        _reader(caller)
        if caller.role == "village":
            village_id = self._village(caller, village_id or caller.village_id, read=True).id
        township = self._township(township_id)
        if bool(month) == bool(year):
            raise InvalidArgument("give a month or a year", [Violation("month", "one of month, year")])
        if month:
            month = self.app._month(month)
            record = self.months.record(township.id, month)
            state = record.state if record else wf.SCORING
            if state not in wf.FROZEN:
                raise FailedPrecondition(f"{township.id} {month} is {state}: there is no frozen pay "
                                         f"list before aggregation", [Violation("month", f"current state: {state}")])
            paid = {p.official_id: Decimal(p.amount) for p in self.months.payments(township.id, [month])}
            lines = [PayLine(l.official_id, l.official_name, l.village_id, l.village_name,
                             Decimal(l.total), l.grade, Decimal(l.pay), Decimal(0), Decimal(l.pay),
                             paid.get(l.official_id, Decimal(0)))
                     for l in self.months.lines(township.id, month, record.revision)]
            notes = {wf.AGGREGATED: ["aggregated, not yet approved by the meeting: amounts may change"],
                     wf.APPROVED: ["approved; not yet published or paid"],
                     wf.PUBLISHED: [f"published; public notice until {record.notice_ends}"],
                     wf.PAID: [f"paid on {record.paid_on}"]}[state]
            result = PayList(township, month, state, lines, state == wf.PAID, notes)
        else:
            ye = self.year_end(Principal("pay-list", "admin"), year, township.id)
            paid: dict[str, Decimal] = {}
            for p in self.months.payments(township.id, _year_months(ye.year)):
                paid[p.official_id] = paid.get(p.official_id, Decimal(0)) + Decimal(p.amount)
            lines = [PayLine(o.line.official_id, o.name, o.village_id, o.village_name, o.line.score,
                             o.line.grade, o.line.monthly_pay, o.line.reward,
                             o.line.monthly_pay + o.line.reward, paid.get(o.line.official_id, Decimal(0)))
                     for o in ye.officials]
            result = PayList(township, str(ye.year), "complete" if ye.complete else "incomplete", lines,
                             ye.complete, ["monthly pay of the approved months plus the year-end "
                                           "reward (paid: the monthly payments recorded)"] + ye.notes)
        if village_id:
            result.lines = [l for l in result.lines if l.village_id == village_id]
        result.lines.sort(key=lambda l: (l.village_id, l.official_id))
        return result

    # helpers -----------------------------------------------------------------------
    def _township(self, township_id: str | None) -> Township:
        return self.app._scope(township_id or "", "", "")[0]

    def _year(self, year: int) -> int:
        if not 2000 <= year <= self.today().year:
            raise InvalidArgument("bad year", [Violation("year", f"{year} is not a year from 2000 to "
                                                                 f"{self.today().year}")])
        return year

    def _village(self, caller: Principal, village_id: str, read: bool) -> Village:
        if not village_id:
            raise InvalidArgument("village required", [Violation("village_id", "required")])
        if caller.role == "village" and village_id != caller.village_id:
            verb = "reads" if read else "answers for"
            raise PermissionDenied(f"a village {verb} only its own village", [Violation(
                "village_id", f"your token is for village {caller.village_id!r}")])
        village = self.app.store.get(Village, village_id)
        if village is None:
            raise NotFound("no such village", [Violation("village_id", _short(village_id))])
        return village

    def _record(self, township_id: str, month: str) -> MonthRecord | None:
        return self.months.record(township_id, month)

    def _rules(self, content_hash: str) -> tuple[RuleSet, RuleSetRow]:
        with self.app.rulesets.use(content_hash) as (compiled, row):
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

    def _conflict(self, township_id: str, month: str) -> FailedPrecondition:
        record = self.months.record(township_id, month)
        state = record.state if record else wf.SCORING
        return FailedPrecondition(f"{township_id} {month} changed meanwhile; it is now {state}",
                                  [Violation("month", f"current state: {state}")])

    def _rescore(self, record: MonthRecord, old: list[SnapshotLine], revision: int,
                 void: set[int]) -> list[SnapshotLine]:
        """The month again under its bound version, with the snapshot's officials and base
        pay (registry edits after aggregation do not leak in) and `void` facts voided."""
        villages = [v.id for v in self.months.store.villages(record.township_id)]
        facts = [f for f in self.app.store.facts(record.month, villages) if f.category != INSPECTION]
        voided = {f.voids_fact_id for f in facts if f.voids_fact_id is not None} | void
        per: dict[str, list[ScoredFact]] = {l.official_id: [] for l in old}
        for f in facts:
            if f.voids_fact_id is None and f.id not in voided and f.official_id in per:
                per[f.official_id].append(ScoredFact(f.id, f.category, f.kind, Decimal(f.quantity),
                                                     f.scorer_id, f.scorer_role))
        inputs = [OfficialInput(l.official_id, Decimal(l.base_pay), tuple(per[l.official_id])) for l in old]
        with self.app.rulesets.use(record.ruleset_hash) as (compiled, _row):
            results = evaluate(compiled, inputs)
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


def _reader(caller: Principal) -> None:
    if caller.role not in ROLES:
        raise PermissionDenied(f"unknown role {caller.role}", [Violation("caller", caller.role)])


def _need_text(value: str, name: str, what: str) -> None:
    if not (value or "").strip():
        raise InvalidArgument(f"{name} required", [Violation(name, f"required: {what}")])
    if len(value) > MAX_REASON:
        raise InvalidArgument(f"{name} too long", [Violation(name, f"longer than {MAX_REASON} characters")])


def _limit(most: int = MAX_REASON, **texts: str) -> None:
    for name, value in texts.items():
        if len(value or "") > most:
            raise InvalidArgument(f"{name} too long", [Violation(name, f"longer than {most} characters")])


def _is_deduction(rules: RuleSet, item: LineItem) -> bool:
    from kaoping.rules.lines import is_deduction
    return is_deduction(rules, item)


def _result_columns(r) -> dict:
    for value in (r.total, *r.categories.values()):
        if value.as_tuple().exponent < -MAX_DECIMALS:
            raise FailedPrecondition(f"{r.official_id}: {value} has more than {MAX_DECIMALS} decimal "
                                     f"places and cannot be frozen exactly", [Violation("month", str(value))])
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


def _full_inspection(rules: RuleSet) -> InspectionResult:
    category = rules.categories.get(INSPECTION)
    return InspectionResult(category.max if category else Decimal(0))


def _year_months(year: int) -> list[str]:
    return [f"{year}-{m:02d}" for m in range(1, 13)]


def _previous(month: str) -> str:
    year, m = int(month[:4]), int(month[5:])
    return f"{year - 1}-12" if m == 1 else f"{year}-{m - 1:02d}"


def _mean(values: list[Decimal]) -> Decimal:
    return (sum(values, Decimal(0)) / len(values)).quantize(Decimal("0.01")) if values else Decimal(0)


def _competition(ordered: list, value) -> dict:
    """1, 2, 2, 4: equal values share a rank."""
    ranks, previous, rank = {}, object(), 0
    for position, key in enumerate(ordered, start=1):
        if value(key) != previous:
            rank, previous = position, value(key)
        ranks[key] = rank
    return ranks


def _rank_officials(lines) -> dict[str, tuple[int, MonthLine]]:
    ordered = sorted(lines, key=lambda l: (l.vetoed, -l.total, l.official_id))
    ranks = _competition([l.official_id for l in ordered],
                         {l.official_id: (l.vetoed, l.total) for l in ordered}.get)
    return {l.official_id: (ranks[l.official_id], l) for l in ordered}


def _village_averages(results: MonthResults) -> dict[str, tuple[str, Decimal]]:
    groups: dict[str, list[MonthLine]] = {}
    for line in results.lines.values():
        groups.setdefault(line.village_id, []).append(line)
    return {v: (ls[0].village_name, _mean([l.total for l in ls])) for v, ls in groups.items()}


def _rank_villages(current: MonthResults, previous: MonthResults,
                   results: list[MonthResults]) -> list[RankedVillageYtd]:
    now, before = _village_averages(current), _village_averages(previous)
    order = sorted(now, key=lambda v: (-now[v][1], v))
    ranks = _competition(order, lambda v: now[v][1])
    before_order = sorted(before, key=lambda v: (-before[v][1], v))
    before_ranks = _competition(before_order, lambda v: before[v][1])
    pooled: dict[str, list[Decimal]] = {}
    for r in results:
        for line in r.lines.values():
            pooled.setdefault(line.village_id, []).append(line.total)
    ytd = {v: _mean(ts) for v, ts in pooled.items()}
    ytd_order = sorted(ytd, key=lambda v: (-ytd[v], v))
    ytd_ranks = _competition(ytd_order, lambda v: ytd[v])
    return [RankedVillageYtd(v, now[v][0], now[v][1], ranks[v], before_ranks.get(v), ytd.get(v, Decimal(0)),
                             ytd_ranks.get(v, 0)) for v in order]


def _money_arg(text: str, name: str) -> Decimal:
    try:
        value = Decimal(text.strip())
    except (InvalidOperation, AttributeError):
        value = Decimal(-1)
    if not value.is_finite() or value < 0 or value.as_tuple().exponent < -2 or value > 100_000_000:
        raise InvalidArgument(f"bad {name}", [Violation(name, f"{_short(text)!r} is not a yuan amount in whole fen")])
    return value


def _short(text: str, most: int = 64) -> str:
    """Input echoed in an error, cut short (an error's details travel in gRPC metadata)."""
    return text if len(text) <= most else text[:most] + "…"


def _d(value) -> str:
    text = format(Decimal(value).normalize(), "f")
    return "0" if text in ("-0", "") else text
