"""Databases for the benchmarks: schema and rule set through kaoping's own Store and
RuleSets, registry and bulk facts straight through the driver (executemany on
SQLite, COPY on PostgreSQL) so that a province-scale month loads in seconds.

Bulk-loaded rows are what kaoping itself would have stored for the same facts
(same payload hash, village, scorer role, month), plus one correction in every
CORRECTION_EVERY facts that voids the fact before it. A village-level fact (the
rich mix's village_work facts) is a row with official_id NULL and its village in
village_id, as kaoping.fact_rows stores it; the fact's level goes in fact.level."""
from __future__ import annotations

import multiprocessing
import os
import uuid
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from datetime import timezone
from decimal import Decimal
from pathlib import Path
from typing import Iterator

from kaoping.usecases.rulesets import RuleSets
from kaoping.usecases.sample import SCORERS
from kaoping.storage.store import Store

from bench import data

ROOT = Path(__file__).resolve().parents[1]
RULES = ROOT / "rules" / "township-sample.yaml"
# the rule set each mix of facts (bench.data.MIXES) is recomputed under: "v1" the
# version-1 sample (label "sample 2026-1", as before language 2), "rich" the shipped
# language-2 sample (money, a count, a streak, village results)
V1_RULES = ROOT / "tests" / "data" / "township-sample-v1.yaml"
RULESETS = {"v1": V1_RULES, "rich": RULES}
PG_ENV = "KAOPING_BENCH_PG_URL"
FACT_COLUMNS = ("id", "idempotency_key", "payload_hash", "official_id", "village_id", "month",
                "date", "category", "kind", "quantity", "note", "scorer_id", "scorer_role",
                "source", "recorded_at", "voids_fact_id", "void_reason", "level")
VOID_REASON = "重复录入（示例更正）"


# databases ------------------------------------------------------------------
def sqlite_url(directory: Path, name: str) -> str:
    path = directory / f"{name}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{path}"


DROP_ATTEMPTS = 5             # tries at dropping a benchmark database before giving up
DROP_PAUSE_S = 0.5            # first pause between tries (doubles each time)


@contextmanager
def pg_database(server_url: str, name: str) -> Iterator[str]:
    """A new, empty PostgreSQL database on the server of `server_url`, dropped after."""
    from sqlalchemy import create_engine, text
    db = f"kp_bench_{name}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{db}"'))
        try:
            yield server_url.rsplit("/", 1)[0] + "/" + db
        finally:
            drop_pg_database(admin, db)
    finally:
        admin.dispose()


def drop_pg_database(admin, db: str, attempts: int = DROP_ATTEMPTS,
                     pause: float = DROP_PAUSE_S) -> None:
    """Drops `db` even while something (a server child that has not exited yet, a pool
    left open) is still connected: first ends the database's own connections with
    pg_terminate_backend, which a role that is not a superuser may do for connections
    of its own role or with pg_signal_backend (the CI role kaoping_ci has it), then
    DROP DATABASE ... WITH (FORCE); retried a few times, as a connection may arrive in
    between. Raises the last error if the database is still there after the last try."""
    import time as _time
    from sqlalchemy import text
    for attempt in range(1, attempts + 1):
        try:
            with admin.connect() as conn:
                try:        # a superuser's connection cannot be ended by us: FORCE tries too
                    conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                      "WHERE datname = :db AND pid <> pg_backend_pid()"),
                                 {"db": db})
                except Exception:
                    pass
                conn.execute(text(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))
            return
        except Exception:
            if attempt == attempts:
                raise
            _time.sleep(pause * 2 ** (attempt - 1))


def prepare(url: str, reg: data.Registry, rules: Path = RULES) -> None:
    """Schema, the rule set (default the shipped sample) as the active version, the registry."""
    store = Store(url)
    try:
        rulesets = RuleSets(store)
        rulesets.bootstrap(rules.read_text(encoding="utf-8"), rules.name, by="bench")
        rulesets.close()
        with _raw(store) as (conn, dialect):
            cur = conn.cursor()
            _many(cur, dialect, "township", ("id", "name"), reg.townships)
            _many(cur, dialect, "village", ("id", "township_id", "name"), reg.villages)
            _many(cur, dialect, "official", ("id", "village_id", "name", "position", "base_pay"),
                  [(*o[:4], _num(dialect, o[4])) for o in reg.officials])
            _many(cur, dialect, "scorer", ("id", "name", "role"),
                  [(s.id, s.name, s.role) for s in SCORERS])
            conn.commit()
    finally:
        store.close()


@contextmanager
def _raw(store: Store):
    conn = store.engine.raw_connection()
    try:
        yield conn, store.engine.dialect.name
    finally:
        conn.close()


def _num(dialect: str, text: str):
    # what SQLAlchemy's Numeric binds: a float on SQLite, a Decimal elsewhere
    return float(Decimal(text)) if dialect == "sqlite" else Decimal(text)


def _many(cur, dialect: str, table: str, columns, rows) -> None:
    mark = "?" if dialect == "sqlite" else "%s"
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join([mark] * len(columns))})"
    rows = list(rows)
    for start in range(0, len(rows), 10_000):
        cur.executemany(sql, rows[start:start + 10_000])


# bulk facts ---------------------------------------------------------------------
_REG: data.Registry | None = None


def _set_registry(reg: data.Registry) -> None:
    global _REG
    _REG = reg


def _rows(args) -> list[tuple]:
    """Fact rows start..stop (ids start+1..stop+1), for one dialect."""
    count, seed, start, stop, dialect, mix = args
    reg = _REG
    stamp = data.RECORDED_AT.replace(tzinfo=timezone.utc) if dialect != "sqlite" \
        else data.RECORDED_AT.strftime("%Y-%m-%d %H:%M:%S.%f")
    rows, previous = [], None
    for n, f in enumerate(data.month_facts(mix, reg, count, seed, start, stop), start=start):
        fid = n + 1
        if n % data.CORRECTION_EVERY == data.CORRECTION_EVERY - 1 and previous is not None:
            # the slot is a correction voiding the fact just before it
            p = previous
            rows.append((fid, f.idempotency_key, f"void:{fid - 1}:{VOID_REASON}",
                         p.official_id or None, p.village_id, data.MONTH, "", p.category,
                         "correction", 0.0 if dialect == "sqlite" else Decimal(0), VOID_REASON,
                         p.scorer_id, p.scorer_role, "correction", stamp, fid - 1, VOID_REASON,
                         ""))
            previous = None
            continue
        q = float(Decimal(f.quantity)) if dialect == "sqlite" else Decimal(f.quantity)
        rows.append((fid, f.idempotency_key, data.payload_hash(f), f.official_id or None,
                     f.village_id, data.MONTH, f.date, f.category, f.kind, q, f.note, f.scorer_id,
                     f.scorer_role, f.source, stamp, None, "", f.level))
        previous = f
    return rows


def bulk_facts(url: str, reg: data.Registry, count: int, seed: int, workers: int = 2,
               mix: str = "v1") -> int:
    """Generates `count` facts of the mix (bench.data.MIXES; in worker processes) and
    stores them with the driver."""
    store = Store(url)
    try:
        dialect = store.engine.dialect.name
        # chunk boundaries fall on correction slots' multiples, so chunks are independent
        step = data.CHUNK
        jobs = [(count, seed, s, min(s + step, count), dialect, mix)
                for s in range(0, count, step)]
        with _raw(store) as (conn, dialect):
            cur = conn.cursor()
            if dialect == "sqlite":
                cur.execute("PRAGMA synchronous=OFF")   # loading only; the service keeps FULL
                cur.execute("PRAGMA cache_size=-400000")
            chunks = _map(_rows, jobs, workers, reg)
            for rows in chunks:
                _copy(cur, dialect, rows)
            if dialect != "sqlite":
                cur.execute("SELECT setval(pg_get_serial_sequence('fact', 'id'), "
                            "(SELECT max(id) FROM fact))")
            conn.commit()
            if dialect != "sqlite":
                conn.autocommit = True
                cur.execute("ANALYZE")
        return count
    finally:
        store.close()


def _map(fn, jobs, workers, reg):
    if workers <= 1 or len(jobs) <= 1:
        _set_registry(reg)
        return map(fn, jobs)
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_set_registry, initargs=(reg,))
    results = pool.map(fn, jobs)

    def drain():
        try:
            yield from results
        finally:
            pool.shutdown()
    return drain()


def _copy(cur, dialect: str, rows: list[tuple]) -> None:
    if dialect == "sqlite":
        _many(cur, dialect, "fact", FACT_COLUMNS, rows)
        return
    with cur.copy(f"COPY fact ({', '.join(FACT_COLUMNS)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def pg_server_url() -> str | None:
    return os.environ.get(PG_ENV) or None
