"""The registry as the use cases read it: officials, villages and scorers kept in memory, and
each official's village history (kaoping.domain.roster) with the one function that
says which village an official belonged to in a month."""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from kaoping.domain.attributes import with_checked_attributes
from kaoping.domain.errors import InvalidArgument, NotFound, Violation
from kaoping.domain.facts import EARLIEST_MONTH, parse_month, shown, text_problems
from kaoping.domain.roster import Assignment, village_in_month
from kaoping.domain.principal import INTERNAL, Principal
from kaoping.rules.model import SCORER_ROLES, Roster
from kaoping.storage.models import AuditEntry, Official, OfficialAssignment, RosterEntry, Scorer, Village
from kaoping.storage.store import Store
from kaoping.usecases import audit


class Registry:
    """In-memory view of officials, villages and scorers, re-read from the database on a miss so
    that rows added through another replica are found."""

    def __init__(self, store: Store):
        self.store = store
        self._officials: dict[str, Official] = {}
        self._scorers: dict[str, Scorer] = {}
        self._villages: dict[str, Village] = {}
        self._history: dict[str, list[Assignment]] = {}
        self.reload()

    def reload(self) -> None:
        self._officials = {o.id: o for o in self.store.officials()}
        self._scorers = {s.id: s for s in self.store.scorers()}
        self._villages = {v.id: v for v in self.store.villages()}
        history: dict[str, list[Assignment]] = {}
        for a in self.store.assignments():
            history.setdefault(a.official_id, []).append(Assignment(a.from_month, a.village_id))
        # officials stored without history (load_sample, restores) resolve to their
        # current village without a query each
        self._history = {oid: [] for oid in self._officials} | history

    def village_of(self, official_id: str, month: str) -> str | None:
        """The official's village in `month` (kaoping.domain.roster); the current
        village for an official with no recorded history; None for no such official."""
        official = self.official(official_id)
        if official is None:
            return None
        history = self._history.get(official_id)
        if history is None:   # added through another replica: read its history once
            history = [Assignment(a.from_month, a.village_id) for a in self.store.assignments(official_id)]
            self._history[official_id] = history
        return village_in_month(history, month) or official.village_id

    def has_moved(self, official_id: str) -> bool:
        return len(self._history.get(official_id) or ()) > 1

    def roster(self, village_ids, month: str) -> list[tuple[Official, str]]:
        """(official, village id) of everyone in those villages in `month`, ordered by
        village then official, as the scores list them."""
        wanted = set(village_ids)
        members = [(o, self.village_of(o.id, month)) for o in self._officials.values()]
        return sorted(((o, v) for o, v in members if v in wanted), key=lambda m: (m[1], m[0].id))

    def official(self, official_id: str) -> Official | None:
        return self._cached(self._officials, Official, official_id)

    def village(self, village_id: str) -> Village | None:
        """The village (with its attributes: Village.attrs()), or None."""
        return self._cached(self._villages, Village, village_id)

    def scorer(self, scorer_id: str) -> Scorer | None:
        return self._cached(self._scorers, Scorer, scorer_id)

    def _cached(self, cache: dict, model, key: str):
        """From memory, else from the database (a row another replica added) and kept."""
        found = cache.get(key)
        if found is None and key:
            found = self.store.get(model, key)
            if found is not None:
                cache[key] = found
        return found


def plan_move(store: Store, old: Official | None, official: Official, since: str,
              this_month: str) -> tuple[Official, list[OfficialAssignment]]:
    """The official row to store and the assignments to add when `official` (changed
    to a new village) takes effect from `since`: a new official starts at
    EARLIEST_MONTH; one with no history yet keeps his old village for the months
    before. Official.village_id stays the village of the current month."""
    if old is None:
        since = EARLIEST_MONTH   # a new official: no earlier village to keep
    kept = store.assignments(official.id)
    moves = [OfficialAssignment(official_id=official.id, from_month=since, village_id=official.village_id)]
    if old is not None and not kept and since > EARLIEST_MONTH:
        moves.insert(0, OfficialAssignment(official_id=old.id, from_month=EARLIEST_MONTH,
                                           village_id=old.village_id))
    history = [Assignment(a.from_month, a.village_id) for a in kept if a.from_month != since]
    history += [Assignment(m.from_month, m.village_id) for m in moves]
    current = village_in_month(history, this_month) or official.village_id
    return official.model_copy(update={"village_id": current}), moves


class Batch:
    """Writes collected instead of stored, for one transaction of many puts (a roster
    import, kaoping.usecases.roster_import): put_* given a batch run every check as
    usual and record here what they would store; get() sees the rows recorded so far
    over the database (an official's village added earlier in the same file)."""

    def __init__(self, base):
        self.base = base              # the Store (one transaction), or a Batch to add to
        self.objects: list = []
        self.audits: list[AuditEntry] = []
        self._pending: dict[tuple[type, str], object] = {}
        self._read: dict[tuple[type, str], object] = {}

    def get(self, model, key):
        found = self._pending.get((model, key))
        if found is not None:
            return found
        if isinstance(self.base, Batch):
            return self.base.get(model, key)
        # the batch over the store reads each row once: an import asks for one village
        # or official many times (its rows, their checks); 9 queries a row cost 7 s in 5000
        if (model, key) not in self._read:
            self._read[(model, key)] = self.base.get(model, key)
        return self._read[(model, key)]

    def put(self, *objects, audit: AuditEntry | list[AuditEntry] | None = None) -> None:
        for obj in objects:
            # a fresh copy: a model_copy() of a table row shares the ORM state of the row
            # it was copied from, which is gone once that row is (and merge() then sees no key)
            obj = type(obj).model_validate(obj.model_dump())
            self.objects.append(obj)
            if isinstance(getattr(obj, "id", None), str):
                self._pending[(type(obj), obj.id)] = obj
        self.audits += [audit] if isinstance(audit, AuditEntry) else list(audit or ())

    def commit(self) -> None:
        """Everything recorded, with its audit entries: in one transaction when the base
        is the Store, else added to the base batch."""
        if self.objects or self.audits:
            self.base.put(*self.objects, audit=self.audits)


class RegistryUseCases:
    """Adding and changing villages, officials and scorers, each with its audit entry (a
    mixin of kaoping.usecases.app.Kaoping; the Registry above is what it reads).

    Each put_* takes an optional Batch: then it checks and records instead of storing
    (kaoping.usecases.roster_import), so an import and a single put share one set of
    checks."""

    def put_village(self, village: Village, caller: Principal = INTERNAL, *,
                    batch: Batch | None = None) -> None:
        _check_text({"id": village.id, "township_id": village.township_id, "name": village.name})
        village = with_checked_attributes(village)
        township = self.township_for(caller, village.township_id)
        old = (batch or self.store).get(Village, village.id)
        if old is not None and old.township_id != township.id:
            # a village id is the county's: another township's village is not overwritten
            self.township_for(caller, old.township_id, "id")
            raise InvalidArgument("a village stays in its township", [Violation(
                "township_id", f"village {village.id!r} belongs to township {old.township_id!r}")])
        self.put(village.model_copy(update={"township_id": township.id}), batch=batch)

    def put_official(self, official: Official, village_from: str = "", caller: Principal = INTERNAL, *,
                     effective_on: str = "", left_on: str = "", batch: Batch | None = None) -> None:
        """Adds or changes an official. A change of village takes effect from the month
        `village_from` (default: the month of `effective_on`, else the current month) and
        is added to the history (kaoping.domain.roster): earlier months keep the old
        village. `left_on` (YYYY-MM-DD, not before `effective_on`) records a departure:
        that month is still served (kaoping.storage.models.RosterEntry)."""
        _check_text({"id": official.id, "village_id": official.village_id, "name": official.name,
                     "position": official.position, "village_from_month": village_from,
                     "id_number": official.id_number, "bank_account": official.bank_account})
        official = with_checked_attributes(official)
        store = batch or self.store
        village = store.get(Village, official.village_id)
        if village is None:
            raise NotFound("no such village", [Violation("village_id", official.village_id)])
        self.village_township(caller, official.village_id)
        known = store.get(Official, official.id)
        if known is not None:   # another township's official is not moved or overwritten
            self.village_township(caller, known.village_id, "id")
        self._check_position(official, village)
        start, end = _day(effective_on, "effective_on"), _day(left_on, "left_on")
        if start and end and end < start:
            raise InvalidArgument("the official leaves before the change takes effect", [Violation(
                "left_on", f"離任日期 {left_on} 早於生效日期 {effective_on} (ends before it starts)")])
        since = self.today().strftime("%Y-%m")
        if village_from or effective_on:
            field = "village_from_month" if village_from else "effective_on"
            since, problems = parse_month(village_from or effective_on[:7], field, self.today())
            if problems:
                raise InvalidArgument("bad month", problems)
        old = known
        if old is not None and self.registry.village_of(old.id, since) == official.village_id:
            row, moves = official.model_copy(update={"village_id": old.village_id}), []   # no move
        else:
            row, moves = plan_move(self.store, old, official, since, self.today().strftime("%Y-%m"))
        after = row.model_dump(mode="json")
        if moves:
            after["village_from"] = {m.from_month: m.village_id for m in moves}
        departure = []
        if left_on and left_on != self.left_on_of(official.id):
            departure = [RosterEntry(official_id=official.id, effective_on=left_on,
                                     from_month=_month_after(left_on[:7]), on_roster=False,
                                     village_id=row.village_id, position=row.position,
                                     base_pay=row.base_pay, recorded_by=audit.current().principal.name)]
            after["left_on"] = left_on
        # one transaction and one audit entry (replicas re-read the registry on put_official)
        store.put(row, *moves, *departure, audit=audit.entry(
            "put_official", official.id, before=old.model_dump(mode="json") if old else None, after=after,
            township_id=village.township_id))
        if batch is None:
            self.registry.reload()
            self.invalidate()

    def left_on_of(self, official_id: str) -> str:
        """The day the official left (his latest roster entry is a departure), or ""."""
        entries = self.store.roster_entries(official_id)
        latest = entries[-1] if entries else None
        return latest.effective_on if latest is not None and not latest.on_roster else ""

    def roster_rules(self, township_id: str) -> Roster:
        """What the township's active rule set declares of its roster (positions)."""
        return self.rulesets.active_for(township_id).roster

    def _check_position(self, official: Official, village: Village) -> None:
        positions = self.roster_rules(village.township_id).positions
        if positions and official.position not in positions:
            raise InvalidArgument("a position the rule set does not know", [Violation(
                "position", f"職務 {shown(official.position)} 不在本鄉鎮規則集的職務中（{'、'.join(positions)}）"
                            f" (not a position of the rule set)")])

    def put_scorer(self, scorer: Scorer, caller: Principal = INTERNAL, *,
                   batch: Batch | None = None) -> None:
        _check_text({"id": scorer.id, "name": scorer.name, "role": scorer.role,
                     "township_id": scorer.township_id})
        if scorer.role not in SCORER_ROLES:
            raise InvalidArgument("unknown scorer role", [Violation(
                "role", f"{scorer.role!r}; known: {', '.join(SCORER_ROLES)}")])
        township = self.township_for(caller, scorer.township_id)
        old = (batch or self.store).get(Scorer, scorer.id)
        if old is not None and old.township_id and old.township_id != township.id:
            self.township_for(caller, old.township_id, "id")
            raise InvalidArgument("a scorer stays in its township", [Violation(
                "township_id", f"scorer {scorer.id!r} scores in township {old.township_id!r}")])
        self.put(scorer.model_copy(update={"township_id": township.id}), batch=batch)

    def put(self, *objects, batch: Batch | None = None) -> None:
        store = batch or self.store
        for obj in objects:
            old = store.get(type(obj), obj.id)
            store.put(obj, audit=audit.entry(
                f"put_{type(obj).__name__.lower()}", obj.id,
                before=old.model_dump(mode="json") if old else None, after=obj.model_dump(mode="json"),
                township_id=self._township_of(obj)))
        if batch is None:
            self.registry.reload()
            self.invalidate()

    def _township_of(self, obj) -> str:
        """The township a registry row belongs to, for its audit entry."""
        if isinstance(obj, Official):
            village = self.registry.village(obj.village_id)
            return village.township_id if village else ""
        return getattr(obj, "township_id", "") or ""


def parse_base_pay(text: str) -> Decimal:
    """An official's monthly base pay from its decimal text (yuan, 0 to 1000000), or
    InvalidArgument on base_pay (PutOfficial and the roster import)."""
    try:
        pay = Decimal(text.strip())
    except (InvalidOperation, AttributeError):
        pay = Decimal(-1)
    if not pay.is_finite() or pay < 0 or pay > 1_000_000:
        raise InvalidArgument("bad base pay", [Violation(
            "base_pay", f"{shown(text)} is not a yuan amount from 0 to 1000000 (基本報酬須為 0 至 1000000 的數字)")])
    return pay


_DAY = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def _day(text: str, field: str) -> date | None:
    if not text:
        return None
    try:
        if _DAY.fullmatch(text):
            return date.fromisoformat(text)
    except ValueError:
        pass
    raise InvalidArgument("bad date", [Violation(field, f"{shown(text)} is not a date in the form YYYY-MM-DD")])


def _month_after(month: str) -> str:
    year, m = int(month[:4]), int(month[5:7])
    return f"{year + m // 12}-{m % 12 + 1:02d}"


# Column sizes of the registry tables (kaoping.storage.models).
TEXT_LIMITS = {"id": 64, "township_id": 64, "village_id": 64, "name": 200, "position": 100, "role": 32,
               "id_number": 32, "bank_account": 64}


def _check_text(fields: dict[str, str]) -> None:
    problems = text_problems(fields, TEXT_LIMITS)
    if problems:
        raise InvalidArgument("a text field is too long or holds a NUL character", problems)
