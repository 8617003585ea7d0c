"""Queries and transactions for the monthly workflow. Every change of a month moves
its `month_record` row by compare-and-set (state, and revision where it matters)
in the same transaction as the rows it writes, so two concurrent callers cannot
both publish, or resolve appeals over each other's recomputation."""
from __future__ import annotations

import threading
from typing import Callable, Iterable

from sqlalchemy import func, text, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from kaoping.domain.errors import FailedPrecondition, Violation
from kaoping.domain.workflow import BOUND, FROZEN, PUBLIC, SCORING, facts_closed
from kaoping.domain.yearflow import inspection_closed
from kaoping.domain.yearflow import zh_state as zh_year_state
from kaoping.storage.models import (AppealRow, FactRow, MonthEvent, MonthRecord, PaymentRow,
                                    SnapshotLine, Village, VillageConfirmation, YearRecord)
from kaoping.storage.store import Store

INSPECTION = "inspection"
_BOUND = text("SELECT state, ruleset_hash FROM month_record WHERE township_id = :t AND month = :m")


class StateConflict(Exception):
    """The month (or appeal) was not in the expected state when the write landed."""


class WorkflowStore:
    def __init__(self, store: Store):
        self.store = store
        self._townships: dict[str, str] = {}
        self._lock = threading.Lock()

    def session(self) -> Session:
        return self.store.session()

    # reads ------------------------------------------------------------------
    def record(self, township_id: str, month: str) -> MonthRecord | None:
        with self.session() as s:
            return s.get(MonthRecord, (township_id, month))

    def records(self, township_id: str, months: Iterable[str]) -> dict[str, MonthRecord]:
        with self.session() as s:
            rows = s.exec(select(MonthRecord).where(MonthRecord.township_id == township_id)
                          .where(MonthRecord.month.in_(list(months))))
            return {r.month: r for r in rows}

    def public(self, township_id: str, month: str) -> bool:
        """Published (or paid): its figures are on the public notice."""
        record = self.record(township_id, month)
        return record is not None and record.state in PUBLIC

    def closed(self) -> dict[tuple[str, str], str]:
        """(township, month) -> state for every month that no longer takes facts."""
        with self.session() as s:
            rows = s.exec(select(MonthRecord).where(MonthRecord.state != SCORING))
            return {(r.township_id, r.month): r.state for r in rows}

    def bound_hash(self, township_id: str, month: str) -> str | None:
        """The version a frozen month keeps, or None (scored with the active one). Every
        read of scores asks it: one prebuilt statement, no ORM object."""
        with self.store.reads.connect() as conn:
            found = conn.execute(_BOUND, {"t": township_id, "m": month}).first()
        if found is not None and found[0] in FROZEN and found[1]:
            return found[1]
        return None

    def township_of(self, village_id: str) -> str | None:
        with self._lock:
            found = self._townships.get(village_id)
        if found is None:
            village = self.store.get(Village, village_id)
            if village is None:
                return None
            found = village.township_id
            with self._lock:
                self._townships[village_id] = found
        return found

    def check_open(self, village_id: str, month: str, category: str, field: str,
                   closed: dict[tuple[str, str], str] | None = None) -> None:
        """Refuses a fact (or correction) for a month past scoring. Inspection marks are
        year-end facts and never feed a month, so they are not refused."""
        if category == INSPECTION:
            self._check_year_open(village_id, month, field)
            return
        closed = self.closed() if closed is None else closed
        if not closed:
            return
        township = self.township_of(village_id)
        state = closed.get((township, month))
        if state is not None:
            raise facts_closed(township, month, state, field)

    def _check_year_open(self, village_id: str, month: str, field: str) -> None:
        """Inspection marks feed the year: refused once the year's figures are frozen."""
        township = self.township_of(village_id)
        with self.session() as s:
            record = s.get(YearRecord, (township, int(month[:4])))
        if record is not None and inspection_closed(record.state):
            raise FailedPrecondition(
                f"{township} {month[:4]} is {record.state}: inspection marks are closed once the "
                f"year is aggregated", [Violation(field, f"year {month[:4]} is {record.state}")],
                zh=f"{township} {month[:4]} 年终考核{zh_year_state(record.state)}：年终汇总后不能再录入或更正年终考核事实"
                   "（如需更正，请先退回重算：kaoping year reopen）")

    def watermark(self, village_ids: list[str], month: str) -> tuple[int, int]:
        """(count, highest id) of the month's facts that feed monthly totals."""
        with self.session() as s:
            count, top = s.exec(select(func.count(FactRow.id), func.max(FactRow.id))
                                .where(FactRow.month == month)
                                .where(FactRow.village_id.in_(village_ids))
                                .where(FactRow.category != INSPECTION)).one()
            return int(count or 0), int(top or 0)

    def inspection_watermark(self, village_ids: list[str], year: int) -> tuple[int, int]:
        """(count, highest id) of the year's inspection facts: what a year's freeze read."""
        with self.session() as s:
            count, top = s.exec(select(func.count(FactRow.id), func.max(FactRow.id))
                                .where(FactRow.month >= f"{year}-01").where(FactRow.month <= f"{year}-12")
                                .where(FactRow.village_id.in_(village_ids))
                                .where(FactRow.category == INSPECTION)).one()
            return int(count or 0), int(top or 0)

    def lines(self, township_id: str, month: str, revision: int) -> list[SnapshotLine]:
        with self.session() as s:
            return list(s.exec(select(SnapshotLine)
                               .where(SnapshotLine.township_id == township_id)
                               .where(SnapshotLine.month == month)
                               .where(SnapshotLine.revision == revision)
                               .order_by(SnapshotLine.official_id)))

    def frozen_lines(self, township_id: str, month: str, months_back: int) -> dict[str, list[SnapshotLine]]:
        """The approved months before `month` (at most `months_back` of them, newest
        first considered) -> their current snapshot lines: what history rules read."""
        earliest = _months_before(month, months_back)
        with self.session() as s:
            records = list(s.exec(select(MonthRecord).where(MonthRecord.township_id == township_id)
                                  .where(MonthRecord.month < month).where(MonthRecord.month >= earliest)
                                  .where(MonthRecord.state.in_(BOUND))))
            found: dict[str, list[SnapshotLine]] = {}
            for record in records:
                found[record.month] = list(s.exec(
                    select(SnapshotLine).where(SnapshotLine.township_id == township_id)
                    .where(SnapshotLine.month == record.month)
                    .where(SnapshotLine.revision == record.revision)))
            return found

    def frozen_revisions(self, township_id: str, month: str, months_back: int) -> tuple:
        """((month, revision), ...) of the approved months frozen_lines would read: it
        changes exactly when what history rules read can change."""
        earliest = _months_before(month, months_back)
        with self.session() as s:
            return tuple(sorted((r.month, r.revision) for r in s.exec(
                select(MonthRecord).where(MonthRecord.township_id == township_id)
                .where(MonthRecord.month < month).where(MonthRecord.month >= earliest)
                .where(MonthRecord.state.in_(BOUND)))))

    def events(self, township_id: str, month: str) -> list[MonthEvent]:
        with self.session() as s:
            return list(s.exec(select(MonthEvent).where(MonthEvent.township_id == township_id)
                               .where(MonthEvent.month == month).order_by(MonthEvent.id)))

    def confirmations(self, township_id: str, month: str) -> dict[str, VillageConfirmation]:
        with self.session() as s:
            rows = s.exec(select(VillageConfirmation)
                          .where(VillageConfirmation.township_id == township_id)
                          .where(VillageConfirmation.month == month))
            return {r.village_id: r for r in rows}

    def appeals(self, township_id: str, months: Iterable[str] | None = None, village_id: str = "",
                state: str = "") -> list[AppealRow]:
        with self.session() as s:
            q = select(AppealRow).where(AppealRow.township_id == township_id).order_by(AppealRow.id)
            if months is not None:
                q = q.where(AppealRow.month.in_(list(months)))
            if village_id:
                q = q.where(AppealRow.village_id == village_id)
            if state:
                q = q.where(AppealRow.state == state)
            return list(s.exec(q))

    def appeal(self, appeal_id: int) -> AppealRow | None:
        with self.session() as s:
            return s.get(AppealRow, appeal_id)

    def payments(self, township_id: str, months: Iterable[str]) -> list[PaymentRow]:
        with self.session() as s:
            return list(s.exec(select(PaymentRow).where(PaymentRow.township_id == township_id)
                               .where(PaymentRow.month.in_(list(months)))
                               .order_by(PaymentRow.month, PaymentRow.official_id)))

    # writes -----------------------------------------------------------------
    def apply(self, township_id: str, month: str, expect: tuple[str, int | None] | None,
              values: dict, rows: Iterable = (),
              inside: Callable[[Session], list] | None = None) -> MonthRecord:
        """One transaction: move the month row (insert it when `expect` is None, else
        update it only if it still has the expected state and revision), run `inside`
        (which may add rows or raise StateConflict), add `rows`, commit. Raises
        StateConflict (nothing written) if another caller got there first."""
        compare_and_set(self.store, MonthRecord, dict(township_id=township_id, month=month),
                        expect, values, rows, inside)
        return self.record(township_id, month)


def compare_and_set(store: Store, model, key: dict, expect: tuple[str, int | None] | None,
                    values: dict, rows: Iterable = (),
                    inside: Callable[[Session], list] | None = None) -> None:
    """The workflow's one write: in one transaction, insert the record (`expect` None) or
    move it only if it still has the expected (state, revision), run `inside`, add `rows`,
    commit; StateConflict and nothing written if another caller got there first. The
    month's and the year's records both move this way."""
    with store.session() as s:
        try:
            if expect is None:
                s.add(model(**key, **values))
                s.flush()
            else:
                q = update(model).where(model.state == expect[0])
                for column, value in key.items():
                    q = q.where(getattr(model, column) == value)
                if expect[1] is not None:
                    q = q.where(model.revision == expect[1])
                if s.execute(q.values(**values)).rowcount != 1:
                    raise StateConflict(f"{' '.join(map(str, key.values()))} changed meanwhile")
            extra = inside(s) if inside else []
            s.add_all([*rows, *(extra or [])])
            s.commit()
        except IntegrityError as exc:
            s.rollback()
            raise StateConflict(str(exc.orig)) from exc
        except BaseException:
            s.rollback()
            raise


def _months_before(month: str, count: int) -> str:
    year, mon = int(month[:4]), int(month[5:7])
    index = year * 12 + mon - 1 - count
    return f"{index // 12}-{index % 12 + 1:02d}"
