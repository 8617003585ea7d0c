"""All database access, through SQLModel. SQLite by default, PostgreSQL by URL."""
from __future__ import annotations

from typing import Callable, Iterable, NamedTuple, Sequence

from sqlalchemy import ARRAY, String, bindparam, event, func, insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, create_engine, select

from kaoping.storage.faults import retry_locked, sqlite_busy_ms
from kaoping.storage.ruleset_store import ACTIVATION_LOCK, RuleSetStore  # noqa: F401 - re-exported
from kaoping.storage.models import AuditEntry, FactRow, Official, Scorer, Township, Village


class StoredKey(NamedTuple):
    """What a receipt and the audit entry need of a stored fact (a named tuple: one is
    made per fact on the ingest hot path, where a frozen dataclass costs several times
    as much)."""
    id: int
    idempotency_key: str
    payload_hash: str
    month: str


class Inserted(NamedTuple):
    row: "FactRow | StoredKey"
    duplicate: bool
    conflict: bool = False   # the key was first used for another fact; nothing stored


class KeyConflict(Exception):
    """An idempotency key was reused for a different fact."""

    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


class AlreadyVoided(Exception):
    """Another correction holds the void of this fact (FactRow.void_claim)."""

    def __init__(self, fact_id: int, by: FactRow):
        super().__init__(f"fact {fact_id} voided by fact {by.id}")
        self.fact_id = fact_id
        self.by = by


def _sqlite_pragmas(busy_ms: int):
    def apply(dbapi_conn, record) -> None:
        cur = dbapi_conn.cursor()
        # WAL lets readers run beside the writer; synchronous=FULL makes a commit durable
        # on disk before we reply "accepted".
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={busy_ms}")
        cur.close()
        record.info["busy_ms"] = busy_ms
    return apply


def _sqlite_deadline(cap: float):
    """On each checkout: SQLite's busy handler waits for a lock no longer than the
    call's deadline allows (or `cap`), so a locked write gives up in time to answer."""
    def apply(dbapi_conn, record, _proxy) -> None:
        busy_ms = sqlite_busy_ms(cap)
        if record.info.get("busy_ms") != busy_ms:
            dbapi_conn.execute(f"PRAGMA busy_timeout={busy_ms}")
            record.info["busy_ms"] = busy_ms
    return apply


DEFAULT_BUSY_TIMEOUT = 10.0


def _busy_cap(store: "Store") -> float:
    return store.busy_timeout


class Store(RuleSetStore):
    def __init__(self, url: str, busy_timeout: float = DEFAULT_BUSY_TIMEOUT):
        """`busy_timeout`: seconds a write waits for a locked SQLite database when the
        call has no earlier deadline (kaoping-server --db-busy-timeout)."""
        self.url = url
        self.busy_timeout = busy_timeout
        kwargs: dict = {}
        if url.startswith("sqlite"):
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": busy_timeout}
        # No pool_pre_ping (a round trip on every checkout): after a PostgreSQL restart the
        # first call on a dead pooled connection answers UNAVAILABLE, SQLAlchemy then
        # discards the whole pool, and the client's retry gets a fresh connection.
        self.engine = create_engine(url, **kwargs)
        # One-statement reads that every score read asks (kaoping.storage.period_rows.mark,
        # the month's bound version): no BEGIN and ROLLBACK around them, which on
        # PostgreSQL were two of every such read's three round trips (docs/benchmarks.md)
        self.reads = self.engine.execution_options(isolation_level="AUTOCOMMIT")
        if url.startswith("sqlite"):
            event.listen(self.engine, "connect", _sqlite_pragmas(int(busy_timeout * 1000)))
            event.listen(self.engine, "checkout", _sqlite_deadline(busy_timeout))
        # Schema changes go through Alembic migrations (kaoping/migrations), applied here
        # so a new database is created and an older one upgraded on first start.
        from kaoping.ops.migrate import upgrade
        upgrade(self.engine)

    def close(self) -> None:
        self.engine.dispose()

    def session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    # registry -------------------------------------------------------------
    @retry_locked(_busy_cap)
    def put(self, *objects: SQLModel, audit: AuditEntry | Sequence[AuditEntry] | None = None) -> None:
        """Stores the objects (in order) and the audit entry or entries in one transaction."""
        with self.session() as s:
            previous = None
            for obj in objects:
                if previous is not None and type(obj) is not previous:
                    s.flush()   # rows of one table before the next: officials after their villages
                s.merge(obj)
                previous = type(obj)
            for entry in ([audit] if isinstance(audit, AuditEntry) else audit or ()):
                s.add(entry)
            s.commit()

    def townships(self) -> list[Township]:
        with self.session() as s:
            return list(s.exec(select(Township).order_by(Township.id)))

    def villages(self, township_id: str = "") -> list[Village]:
        with self.session() as s:
            q = select(Village).order_by(Village.id)
            if township_id:
                q = q.where(Village.township_id == township_id)
            return list(s.exec(q))

    def officials(self, village_id: str = "") -> list[Official]:
        with self.session() as s:
            q = select(Official).order_by(Official.id)
            if village_id:
                q = q.where(Official.village_id == village_id)
            return list(s.exec(q))

    def scorers(self) -> list[Scorer]:
        with self.session() as s:
            return list(s.exec(select(Scorer).order_by(Scorer.id)))

    def get(self, model, key):
        with self.session() as s:
            return s.get(model, key)

    # facts ----------------------------------------------------------------
    @retry_locked(_busy_cap)
    def insert_facts(self, rows: Sequence[FactRow],
                     audit: Callable[[list[FactRow]], AuditEntry] | None = None) -> list[Inserted]:
        """Stores new facts in one transaction; known keys return their first row.

        Raises KeyConflict (storing nothing) when a known key comes with a different
        payload, so callers validate key reuse before the batch gets here.
        """
        with self.session() as s:
            existing = self._by_keys(s, [r.idempotency_key for r in rows])
            result: list[Inserted] = []
            fresh: dict[str, FactRow] = {}
            for row in rows:
                first = existing.get(row.idempotency_key) or fresh.get(row.idempotency_key)
                if first is not None:
                    if first.payload_hash != row.payload_hash:
                        raise KeyConflict(row.idempotency_key)
                    result.append(Inserted(first, True))
                    continue
                fresh[row.idempotency_key] = row
                s.add(row)
                result.append(Inserted(row, False))
            try:
                if fresh and audit is not None:
                    s.flush()  # assigns the ids the audit entry names
                    s.add(audit(list(fresh.values())))
                s.commit()
            except IntegrityError:
                # Another request stored one of these keys, or another correction of the
                # same fact, between our read and commit.
                s.rollback()
                self._check_claims(rows)
                if len(rows) == 1:
                    return self.insert_facts(rows, audit)
                return [item for row in rows for item in self.insert_facts([row], audit)]
            return result

    @retry_locked(_busy_cap)
    def insert_fact_values(self, values: Sequence[dict],
                           audit: Callable[[list["StoredKey"]], AuditEntry] | None = None) -> list[Inserted]:
        """insert_facts for plain column dicts, the ingest hot path: one executemany and
        one read of the new ids by key, no ORM objects (docs/benchmarks.md, P2). A known
        key returns its first fact (duplicate); a known key with another payload is
        reported as a conflict for that fact alone and not stored; a race on a key
        falls back to one fact per transaction."""
        table = FactRow.__table__
        with self.session() as s:
            keys = [v["idempotency_key"] for v in values]
            known: dict[str, StoredKey] = {}
            for where in self._keys_in(table.c.idempotency_key, keys):
                for row in s.execute(select(table.c.id, table.c.idempotency_key, table.c.payload_hash,
                                            table.c.month).where(where)):
                    known[row[1]] = StoredKey(*row)
            fresh: list[dict] = []
            plan: list[tuple[str, bool]] = []
            pending: dict[str, str] = {}
            for v in values:
                key = v["idempotency_key"]
                first = known[key].payload_hash if key in known else pending.get(key)
                if first is not None:
                    plan.append((key, True, first != v["payload_hash"]))
                    continue
                pending[key] = v["payload_hash"]
                fresh.append(v)
                plan.append((key, False, False))
            try:
                if fresh:
                    # plain executemany, ids read back by key: with RETURNING in
                    # parameter order SQLite would get one INSERT statement per row
                    s.execute(insert(table), fresh)
                    ids: dict[str, int] = {}
                    for where in self._keys_in(table.c.idempotency_key, list(pending)):
                        ids.update((k, i) for i, k in s.execute(
                            select(table.c.id, table.c.idempotency_key).where(where)))
                    stored = [StoredKey(ids[v["idempotency_key"]], v["idempotency_key"],
                                        v["payload_hash"], v["month"]) for v in fresh]
                    known.update((k.idempotency_key, k) for k in stored)
                    if audit is not None:
                        s.add(audit(stored))
                s.commit()
            except IntegrityError:
                # Another request stored one of these keys between our read and commit.
                s.rollback()
                if len(values) == 1:
                    return self.insert_fact_values(values, audit)
                return [item for v in values for item in self.insert_fact_values([v], audit)]
            return [Inserted(known[key], duplicate and not conflict, conflict)
                    for key, duplicate, conflict in plan]

    def _keys_in(self, column, keys: list[str]) -> list:
        """WHERE clauses that together select `keys` of a text column: on PostgreSQL one
        `= ANY(array)` with a single parameter (a 500-value IN list cost 10 ms a message
        to bind and plan, against 2.5 ms: docs/benchmarks.md); elsewhere IN lists of at
        most 500, within every backend's parameter limit."""
        if self.engine.dialect.name == "postgresql":
            return [column == func.any(bindparam("keys", keys, type_=ARRAY(String)))] if keys else []
        return [column.in_(keys[start:start + 500]) for start in range(0, len(keys), 500)]

    def _check_claims(self, rows: Sequence[FactRow]) -> None:
        """Raises AlreadyVoided when a void one of the rows claims is held by a fact with
        another key; a resend of the winning correction (same key) is not refused here
        but found as a duplicate by the retry."""
        for row in rows:
            if row.void_claim is None:
                continue
            holder = self.voiding_fact(row.void_claim)
            if holder is not None and holder.idempotency_key != row.idempotency_key:
                raise AlreadyVoided(row.void_claim, holder)

    def _by_keys(self, s: Session, keys: list[str]) -> dict[str, FactRow]:
        found: dict[str, FactRow] = {}
        for start in range(0, len(keys), 500):
            chunk = keys[start:start + 500]
            for row in s.exec(select(FactRow).where(FactRow.idempotency_key.in_(chunk))):
                found[row.idempotency_key] = row
        return found

    def facts_by_keys(self, keys: list[str]) -> dict[str, FactRow]:
        with self.session() as s:
            return self._by_keys(s, keys)

    def facts(self, month: str, village_ids: Iterable[str] | None = None,
              official_id: str = "", official_ids: Iterable[str] | None = None,
              after_id: int | None = None, limit: int | None = None) -> list[FactRow]:
        """A month's facts in id order, by the village stamped on them, one official, or a
        list of officials (the roster of a month, kaoping.domain.roster); after_id and
        limit make a keyset page."""
        with self.session() as s:
            q = select(FactRow).where(FactRow.month == month).order_by(FactRow.id)
            if village_ids is not None:
                q = q.where(FactRow.village_id.in_(list(village_ids)))
            if official_id:
                q = q.where(FactRow.official_id == official_id)
            if after_id is not None:
                q = q.where(FactRow.id > after_id)
            if limit is not None:
                q = q.limit(limit)
            if official_ids is None:
                return list(s.exec(q))
            ids, found = list(official_ids), []
            for start in range(0, len(ids), 500):   # bounded IN lists on every backend
                found += s.exec(q.where(FactRow.official_id.in_(ids[start:start + 500])))
            found.sort(key=lambda f: f.id)
            return found if limit is None else found[:limit]

    def facts_by_ids(self, fact_ids: Iterable[int]) -> dict[int, FactRow]:
        """id -> fact for those of fact_ids that exist (ids no row can have are skipped)."""
        ids = sorted({i for i in fact_ids if 0 < i < 2**31})
        found: dict[int, FactRow] = {}
        with self.session() as s:
            for start in range(0, len(ids), 500):   # bounded IN lists on every backend
                found.update((f.id, f) for f in s.exec(select(FactRow).where(
                    FactRow.id.in_(ids[start:start + 500]))))
        return found

    def voiders(self, fact_ids: list[int]) -> dict[int, int]:
        """fact id -> id of the correction that voids it, for those of fact_ids voided."""
        found: dict[int, int] = {}
        with self.session() as s:
            for start in range(0, len(fact_ids), 500):
                found.update((voided, by) for by, voided in s.exec(
                    select(FactRow.id, FactRow.voids_fact_id).where(
                        FactRow.voids_fact_id.in_(fact_ids[start:start + 500]))))
        return found

    def fact_watermark(self, month: str, village_ids: Iterable[str] | None = None) -> tuple[int, int]:
        """(count, highest id) of a month's facts, for some villages or all: changes
        whenever such a fact is added, so it keys cached scores."""
        with self.session() as s:
            q = select(func.count(FactRow.id), func.max(FactRow.id)).where(FactRow.month == month)
            if village_ids is not None:
                q = q.where(FactRow.village_id.in_(list(village_ids)))
            count, top = s.exec(q).one()
            return int(count or 0), int(top or 0)

    def fact(self, fact_id: int) -> FactRow | None:
        if not 0 < fact_id < 2**31:  # ids are 32-bit in every backend; beyond is "no such fact"
            return None
        return self.get(FactRow, fact_id)

    def voiding_fact(self, fact_id: int) -> FactRow | None:
        """The correction that voids the fact: the claim holder, or for facts corrected
        several times before migration 0005, the earliest correction."""
        with self.session() as s:
            return s.exec(select(FactRow).where(FactRow.voids_fact_id == fact_id)
                          .order_by(FactRow.id)).first()

    # audit ----------------------------------------------------------------
    def audit_entries(self, actor: str = "", action: str = "", target: str = "",
                      since=None, until=None, limit: int = 1000,
                      after_id: int | None = None, townships: list[str] | None = None) -> list[AuditEntry]:
        with self.session() as s:
            q = select(AuditEntry).order_by(AuditEntry.id)
            if townships is not None:
                q = q.where(AuditEntry.township_id.in_(townships))
            if actor:
                q = q.where(AuditEntry.actor == actor)
            if action:
                q = q.where(AuditEntry.action == action)
            if target:
                q = q.where(AuditEntry.target == target)
            if since is not None:
                q = q.where(AuditEntry.at >= since)
            if until is not None:
                q = q.where(AuditEntry.at < until)
            if after_id is not None:
                q = q.where(AuditEntry.id > after_id)
            return list(s.exec(q.limit(limit)))
