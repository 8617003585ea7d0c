"""The registry as the use cases read it: officials, villages and scorers kept in memory, and
each official's village history (kaoping.domain.roster) with the one function that
says which village an official belonged to in a month."""
from __future__ import annotations

from kaoping.domain.attributes import with_checked_attributes
from kaoping.domain.errors import InvalidArgument, NotFound, Violation
from kaoping.domain.facts import EARLIEST_MONTH, parse_month, text_problems
from kaoping.domain.roster import Assignment, village_in_month
from kaoping.rules.model import SCORER_ROLES
from kaoping.domain.principal import INTERNAL, Principal
from kaoping.storage.models import Official, OfficialAssignment, Scorer, Village
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


class RegistryUseCases:
    """Adding and changing villages, officials and scorers, each with its audit entry (a
    mixin of kaoping.usecases.app.Kaoping; the Registry above is what it reads)."""

    def put_village(self, village: Village, caller: Principal = INTERNAL) -> None:
        _check_text({"id": village.id, "township_id": village.township_id, "name": village.name})
        village = with_checked_attributes(village)
        township = self.township_for(caller, village.township_id)
        old = self.store.get(Village, village.id)
        if old is not None and old.township_id != township.id:
            # a village id is the county's: another township's village is not overwritten
            self.township_for(caller, old.township_id, "id")
            raise InvalidArgument("a village stays in its township", [Violation(
                "township_id", f"village {village.id!r} belongs to township {old.township_id!r}")])
        self.put(village.model_copy(update={"township_id": township.id}))

    def put_official(self, official: Official, village_from: str = "",
                     caller: Principal = INTERNAL) -> None:
        """Adds or changes an official. A change of village takes effect from the month
        `village_from` (default: the current month) and is added to the history
        (kaoping.domain.roster): earlier months keep the old village."""
        _check_text({"id": official.id, "village_id": official.village_id, "name": official.name,
                     "position": official.position, "village_from_month": village_from})
        official = with_checked_attributes(official)
        if self.store.get(Village, official.village_id) is None:
            raise NotFound("no such village", [Violation("village_id", official.village_id)])
        self.village_township(caller, official.village_id)
        known = self.store.get(Official, official.id)
        if known is not None:   # another township's official is not moved or overwritten
            self.village_township(caller, known.village_id, "id")
        since = self.today().strftime("%Y-%m")
        if village_from:
            since, problems = parse_month(village_from, "village_from_month", self.today())
            if problems:
                raise InvalidArgument("bad month", problems)
        old = self.store.get(Official, official.id)
        if old is not None and self.registry.village_of(old.id, since) == official.village_id:
            self.put(official.model_copy(update={"village_id": old.village_id}))   # no move
            return
        row, moves = plan_move(self.store, old, official, since, self.today().strftime("%Y-%m"))
        after = row.model_dump(mode="json") | {"village_from": {m.from_month: m.village_id for m in moves}}
        # one transaction and one audit entry (replicas re-read the registry on put_official)
        self.store.put(row, *moves, audit=audit.entry(
            "put_official", official.id, before=old.model_dump(mode="json") if old else None, after=after))
        self.registry.reload()
        self.invalidate()

    def put_scorer(self, scorer: Scorer, caller: Principal = INTERNAL) -> None:
        _check_text({"id": scorer.id, "name": scorer.name, "role": scorer.role,
                     "township_id": scorer.township_id})
        if scorer.role not in SCORER_ROLES:
            raise InvalidArgument("unknown scorer role", [Violation(
                "role", f"{scorer.role!r}; known: {', '.join(SCORER_ROLES)}")])
        township = self.township_for(caller, scorer.township_id)
        old = self.store.get(Scorer, scorer.id)
        if old is not None and old.township_id and old.township_id != township.id:
            self.township_for(caller, old.township_id, "id")
            raise InvalidArgument("a scorer stays in its township", [Violation(
                "township_id", f"scorer {scorer.id!r} scores in township {old.township_id!r}")])
        self.put(scorer.model_copy(update={"township_id": township.id}))

    def put(self, *objects) -> None:
        for obj in objects:
            old = self.store.get(type(obj), obj.id)
            self.store.put(obj, audit=audit.entry(
                f"put_{type(obj).__name__.lower()}", obj.id,
                before=old.model_dump(mode="json") if old else None, after=obj.model_dump(mode="json"),
                township_id=self._township_of(obj)))
        self.registry.reload()
        self.invalidate()


    def _township_of(self, obj) -> str:
        """The township a registry row belongs to, for its audit entry."""
        if isinstance(obj, Official):
            village = self.registry.village(obj.village_id)
            return village.township_id if village else ""
        return getattr(obj, "township_id", "") or ""


# Column sizes of the registry tables (kaoping.storage.models).
TEXT_LIMITS = {"id": 64, "township_id": 64, "village_id": 64, "name": 200, "position": 100, "role": 32}


def _check_text(fields: dict[str, str]) -> None:
    problems = text_problems(fields, TEXT_LIMITS)
    if problems:
        raise InvalidArgument("a text field is too long or holds a NUL character", problems)
