"""The storage floor of ingest: what the fact table itself takes, measured in the same
run as the service so that "service ÷ floor" compares like with like on a shared machine.

The floor is a bare SQLAlchemy Core executemany of exactly the rows kaoping stores for
the benchmark's facts (every column, the payload hashes, the keys, the village and
scorer role), into a database made by kaoping's own Store (its Alembic migrations: the
same indexes, unique keys and foreign keys), with the same durability (SQLite WAL with
synchronous=FULL through Store's own connection hooks; PostgreSQL with
synchronous_commit=on, checked), one transaction per 500-row message as the service
commits them. No gRPC, no validation, no idempotency read: the rows are built before
the clock starts. Whatever the service spends beyond this is its own.
"""
from __future__ import annotations

import time
from datetime import datetime, timezone
from decimal import Decimal

from bench import data


def rows(facts: list[data.SynthFact]) -> list[dict]:
    """The fact table's columns for each fact, as kaoping.usecases.fact_rows.fact_values
    gives them (recorded_at fixed: the floor's rows need not be stamped one by one)."""
    stamp = datetime.now(timezone.utc)
    return [{"idempotency_key": f.idempotency_key, "payload_hash": data.payload_hash(f),
             "official_id": f.official_id or None, "village_id": f.village_id,
             "month": data.MONTH, "date": f.date, "category": f.category, "kind": f.kind,
             "quantity": Decimal(f.quantity), "note": f.note, "scorer_id": f.scorer_id,
             "scorer_role": f.scorer_role, "source": f.source, "level": f.level,
             "voids_fact_id": None, "void_reason": "", "recorded_at": stamp} for f in facts]


def insert(url: str, messages: list[list[dict]]) -> float:
    """Seconds to insert the messages, one committed transaction each."""
    from sqlalchemy import insert as sql_insert, text
    from kaoping.storage.models import FactRow
    from kaoping.storage.store import Store
    store = Store(url)      # its engine: the migrations ran, the SQLite pragmas are set
    try:
        engine, table = store.engine, FactRow.__table__
        with engine.connect() as conn:
            _check_durability(conn, engine.dialect.name, text)
        statement = sql_insert(table)
        started = time.perf_counter()
        for message in messages:
            with engine.begin() as conn:
                conn.execute(statement, message)
        return time.perf_counter() - started
    finally:
        store.close()


def _check_durability(conn, dialect: str, text) -> None:
    """The floor is only a floor at the service's durability: refuse to measure otherwise."""
    if dialect == "sqlite":
        mode = conn.execute(text("PRAGMA journal_mode")).scalar()
        sync = conn.execute(text("PRAGMA synchronous")).scalar()
        if str(mode).lower() != "wal" or int(sync) != 2:     # 2 is FULL
            raise RuntimeError(f"SQLite floor not at WAL/FULL (journal_mode={mode}, synchronous={sync})")
    else:
        sync = conn.execute(text("SHOW synchronous_commit")).scalar()
        if sync != "on":
            raise RuntimeError(f"PostgreSQL floor not at synchronous_commit=on ({sync})")


def run(database, reg: data.Registry, facts: list[data.SynthFact], warm: list[data.SynthFact],
        repeats: int, batch: int = 500) -> dict:
    """Best and median rows/s of `repeats` runs, each into a fresh database from
    `database(name, reg)` (bench.cli.database), warm rows first as the service run has."""
    timed = rows(facts)
    warmed = rows(warm)
    messages = [timed[i:i + batch] for i in range(0, len(timed), batch)]
    warm_messages = [warmed[i:i + batch] for i in range(0, len(warmed), batch)]
    runs = []
    for repeat in range(repeats):
        with database(f"floor{repeat}", reg) as url:
            insert(url, warm_messages)
            runs.append(insert(url, messages))
    runs_sorted = sorted(runs)
    return {"rows": len(timed), "batch": batch, "runs_s": runs,
            "rows_per_s": len(timed) / runs_sorted[0],
            "rows_per_s_median": len(timed) / runs_sorted[len(runs) // 2]}


TARGET_FLOOR_RATIO = 0.5


def ratio_rows(ingest: dict, no_pg: str, verdict_text) -> list[tuple[str, str, str, str, str]]:
    """bench.report rows for the ingest part: the floor, and service ÷ floor against
    the target; `verdict_text(ok)` is bench.report's verdict cell."""
    sq, pg = ingest.get("sqlite") or {}, ingest.get("postgresql") or {}
    if not sq.get("floor"):
        return []

    def floor_cell(side: dict) -> str:
        return f"{side['floor']['rows_per_s']:,.0f}" if side.get("floor") else no_pg

    def ratio_cell(side: dict) -> str:
        if not side.get("floor"):
            return no_pg
        return f"{_ratio(side):.0%} (median {_ratio(side, '_median'):.0%})"

    sides = [s for s in (sq, pg) if s.get("floor")]
    ok = all(_ratio(s) >= TARGET_FLOOR_RATIO for s in sides)
    return [("  storage floor: bare executemany of the same rows, same schema and durability, "
             "1 transaction per message (rows/s, best)", floor_cell(sq), floor_cell(pg), "", ""),
            ("  service ÷ storage floor (best ÷ best)", ratio_cell(sq), ratio_cell(pg),
             f">= {TARGET_FLOOR_RATIO:.0%} on both", verdict_text(ok))]


def _ratio(side: dict, which: str = "") -> float:
    return side[f"facts_per_s{which}"] / side["floor"][f"rows_per_s{which}"]
