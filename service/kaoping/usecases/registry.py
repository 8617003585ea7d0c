"""The registry as the use cases read it: officials, villages and scorers kept in memory, and
each official's roster history by date (kaoping.domain.roster) with the functions that say
where and as what an official stood in a month."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from kaoping.domain import roster as rs
from kaoping.domain.attributes import with_checked_attributes
from kaoping.domain.errors import InvalidArgument, Violation
from kaoping.domain.facts import shown, text_problems
from kaoping.domain.principal import INTERNAL, Principal
from kaoping.rules.model import SCORER_ROLES, Roster
from kaoping.storage.models import AuditEntry, Official, Scorer, Township, Village
from kaoping.storage.roster_store import roster_entries
from kaoping.storage.store import Store
from kaoping.usecases import audit


ROSTERS_KEPT = 256      # rosters of (villages, month) remembered; the oldest goes first


class Registry:
    """In-memory view of officials, villages and scorers, re-read from the database on a miss so
    that rows added through another replica are found."""

    def __init__(self, store: Store):
        self.store = store
        self._officials: dict[str, Official] = {}
        self._scorers: dict[str, Scorer] = {}
        self._villages: dict[str, Village] = {}
        self._entries: dict[str, list] = {}
        self.reload()

    def reload(self) -> None:
        self._rosters: dict[tuple, list] = {}    # (villages, month) -> roster(): every read scores with it
        self._townships: dict[str, Township] = {}
        self._township_villages: dict[str, list[Village]] = {}
        self._moved: dict[str, bool] = {}
        self._officials = {o.id: o for o in self.store.officials()}
        self._scorers = {s.id: s for s in self.store.scorers()}
        self._villages = {v.id: v for v in self.store.villages()}
        entries: dict[str, list] = {}
        for e in roster_entries(self.store):
            entries.setdefault(e.official_id, []).append(e)
        # officials stored without history (load_sample, restores) stand as their row
        # says in every month, without a query each
        self._entries = {oid: [] for oid in self._officials} | {
            oid: rs.ordered(found) for oid, found in entries.items()}

    def entries(self, official_id: str) -> list:
        """The official's roster entries in kaoping.domain.roster order."""
        found = self._entries.get(official_id)
        if found is None:   # added through another replica: read his history once
            found = rs.ordered(roster_entries(self.store, official_id))
            self._entries[official_id] = found
            self._rosters.clear()
            self._moved.pop(official_id, None)
        return found

    def state(self, official_id: str, month: str) -> rs.RosterState | None:
        """Where and as what the official stood in `month` (on the roster or not); his
        row's values without history; None for no such official."""
        official = self.official(official_id)
        if official is None:
            return None
        return rs.state_in_month(self.entries(official_id), month) or rs.RosterState(
            official.village_id, official.position or "", official.base_pay, True)

    def village_of(self, official_id: str, month: str) -> str | None:
        """The official's village in `month` (kaoping.domain.roster): before he joined
        his first, after he left the one he left; None for no such official."""
        state = self.state(official_id, month)
        return state.village_id if state else None

    def off_roster(self, official_id: str, month: str) -> str:
        """Why the official has no month `month` (not yet joined, already left), or ""."""
        return rs.off_roster_reason(self.entries(official_id), month)

    def has_moved(self, official_id: str) -> bool:
        moved = self._moved.get(official_id)
        if moved is None:    # asked for every official on every read of scores
            moved = self._moved[official_id] = len({e.village_id for e in self._entries.get(official_id) or ()}) > 1
        return moved

    def as_of(self, official: Official, month: str) -> tuple[Official, rs.RosterState]:
        """The official as he stood in `month`: his row with that month's village,
        position and base pay."""
        state = self.state(official.id, month)
        return rs.as_of(official, state), state

    def roster(self, village_ids, month: str) -> list[tuple[Official, str]]:
        """(official as he stood in `month`, village id) of everyone on the roster of those
        villages that month, ordered by village then official, as the scores list them.
        Who had not joined yet or had left is not on it."""
        wanted = frozenset(village_ids)
        key = (wanted, month)
        found = self._rosters.get(key)
        if found is None:   # kept until the registry changes (reload, or a row read in)
            members = []
            for o in self._officials.values():
                official, state = self.as_of(o, month)
                if state.on_roster and state.village_id in wanted:
                    members.append((official, state.village_id))
            found = self._rosters[key] = sorted(members, key=lambda m: (m[1], m[0].id))
            if len(self._rosters) > ROSTERS_KEPT:
                self._rosters.pop(next(iter(self._rosters)))
        return list(found)

    def township_villages(self, township_id: str) -> list[Village]:
        """The township's villages in id order, from memory (as the roster is); every
        read of scores asks it, so it is kept until the registry changes."""
        found = self._township_villages.get(township_id)
        if found is None:
            found = self._township_villages[township_id] = sorted(
                (v for v in self._villages.values() if v.township_id == township_id), key=lambda v: v.id)
        return list(found)

    def township(self, township_id: str) -> Township | None:
        return self._cached(self._townships, Township, township_id)

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
        # an id no row can have is not asked for (PostgreSQL refuses NUL in text)
        if found is None and key and "\x00" not in key and len(key) <= TEXT_LIMITS["id"]:
            found = self.store.get(model, key)
            if found is not None:
                cache[key] = found
                # a row another replica added: rosters and village lists may change
                self._rosters.clear()
                self._township_villages.clear()
        return found


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
                "township_id", f"village {village.id!r} belongs to township {old.township_id!r}")],
                                  zh=f"村 {village.id} 属于乡镇 {old.township_id}，不能移到别的乡镇")
        self.put(village.model_copy(update={"township_id": township.id}), batch=batch)

    def put_official(self, official: Official, village_from: str = "", caller: Principal = INTERNAL, *,
                     effective_on: str = "", left_on: str = "", batch: "Batch | None" = None) -> None:
        """Adds or changes an official. A change of village, position or base pay holds
        from the day `effective_on` (default: the first of `village_from`, a month, else
        today) and is added to the roster history (kaoping.domain.roster): earlier months
        keep the roster as it stood. `left_on`: the day he leaves. The rules are in
        kaoping.usecases.roster_history. With a batch (a roster import) every check runs
        and the writes are recorded in it instead of stored."""
        from kaoping.usecases.roster_history import put_official
        put_official(self, official, village_from, effective_on, left_on, caller, batch)

    def list_officials(self, village_id: str = "", township_id: str = "", month: str = "",
                       caller: Principal = INTERNAL) -> list:
        """kaoping.usecases.roster_history.list_officials: today's officials, or the roster
        as it stood in `month`."""
        from kaoping.usecases.roster_history import list_officials
        return list_officials(self, village_id, township_id, month, caller)

    def roster_entries(self, official_id: str, caller: Principal = INTERNAL) -> list:
        """An official's roster history (kaoping.usecases.roster_history)."""
        from kaoping.usecases.roster_history import list_roster_entries
        return list_roster_entries(self, official_id, caller)

    def left_on_of(self, official_id: str) -> str:
        """The day the official left (kaoping.domain.roster.left_on), or ""."""
        return rs.left_on(rs.ordered(roster_entries(self.store, official_id)))

    def roster_rules(self, township_id: str) -> Roster:
        """What the township's active rule set declares of its roster (positions)."""
        return self.rulesets.active_for(township_id).roster

    def _check_position(self, official: Official, village: Village) -> None:
        positions = self.roster_rules(village.township_id).positions
        if positions and official.position not in positions:
            raise InvalidArgument("a position the rule set does not know", [Violation(
                "position", f"职务 {shown(official.position)} 不在本乡镇规则集的职务中（{'、'.join(positions)}）"
                            f" (not a position of the rule set)")],
                                  zh=f"职务 {shown(official.position)} 不在本乡镇规则集的职务中：请从 {'、'.join(positions)} 中选择")

    def put_scorer(self, scorer: Scorer, caller: Principal = INTERNAL, *,
                   batch: Batch | None = None) -> None:
        _check_text({"id": scorer.id, "name": scorer.name, "role": scorer.role,
                     "township_id": scorer.township_id})
        if scorer.role not in SCORER_ROLES:
            raise InvalidArgument("unknown scorer role", [Violation(
                "role", f"{scorer.role!r}; known: {', '.join(SCORER_ROLES)}")],
                                  zh=f"评分人角色 {scorer.role!r} 不存在：请从 {'、'.join(SCORER_ROLES)} 中选择")
        township = self.township_for(caller, scorer.township_id)
        old = (batch or self.store).get(Scorer, scorer.id)
        if old is not None and old.township_id and old.township_id != township.id:
            self.township_for(caller, old.township_id, "id")
            raise InvalidArgument("a scorer stays in its township", [Violation(
                "township_id", f"scorer {scorer.id!r} scores in township {old.township_id!r}")],
                                  zh=f"评分人 {scorer.id} 属于乡镇 {old.township_id}，不能移到别的乡镇")
        self.put(scorer.model_copy(update={"township_id": township.id}), batch=batch)

    def put(self, *objects, batch: Batch | None = None) -> None:
        store = batch or self.store
        townships = set()
        for obj in objects:
            township = self._township_of(obj)
            townships.add(township)
            old = store.get(type(obj), obj.id)
            store.put(obj, audit=audit.entry(
                f"put_{type(obj).__name__.lower()}", obj.id,
                before=old.model_dump(mode="json") if old else None, after=obj.model_dump(mode="json"),
                township_id=township))
        if batch is None:
            self.registry.reload()
            for township in ([None] if "" in townships else sorted(townships)):
                self.invalidate(township)

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
            "base_pay", f"{shown(text)} is not a yuan amount from 0 to 1000000 (基本报酬须为 0 至 1000000 的数字)")],
                              zh=f"基本报酬 {shown(text)} 不合格：须为 0 至 1000000 元的数字")
    return pay


# Column sizes of the registry tables (kaoping.storage.models).
TEXT_LIMITS = {"id": 64, "township_id": 64, "village_id": 64, "name": 200, "position": 100, "role": 32,
               "id_number": 32, "bank_account": 64}


def _check_text(fields: dict[str, str]) -> None:
    problems = text_problems(fields, TEXT_LIMITS)
    if problems:
        raise InvalidArgument("a text field is too long or holds a NUL character", problems,
                              zh="有文字项过长或含有 NUL 字符：请按错误详情缩短或改正")
