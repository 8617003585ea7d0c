"""The benchmark's rich mix of facts (bench.data.rich_facts): every fact is one kaoping
accepts under the shipped language-2 sample, the bulk loader stores the row kaoping
itself would store for it (village-level facts with official_id NULL, levels), the
month can be generated slice by slice, and the constructs it is for all fire."""
from collections import Counter
from datetime import date
from itertools import chain

from sqlalchemy import create_engine, text

from bench import data, load
from kaoping.domain.facts import FactInput
from kaoping.usecases.recompute import recompute_month
from kaoping.ops.server import build_app
from kaoping.storage.store import Store

SCALE = data.Scale("test", 5 * data.VILLAGES_PER_TOWNSHIP * data.OFFICIALS_PER_VILLAGE // 4, 3_000)
SEED = 11
COLUMNS = ("idempotency_key", "payload_hash", "official_id", "village_id", "month", "date",
           "category", "kind", "quantity", "note", "scorer_id", "scorer_role", "source", "level")


def _rows(url: str) -> dict[str, tuple]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return {r[0]: tuple(r) for r in conn.execute(text(
                f"SELECT {', '.join(COLUMNS)} FROM fact WHERE kind != 'correction'"))}
    finally:
        engine.dispose()


def test_the_rich_mix_slices_exactly_and_dates_are_days_of_the_month():
    reg = data.registry(SCALE)
    whole = list(data.rich_facts(reg, SCALE.facts, SEED))
    drawn, office, village = data.rich_counts(reg, SCALE.facts)
    assert len(whole) == SCALE.facts and drawn > 0 and office and village
    cuts = [0, 7, drawn - 1, drawn + 5, drawn + office + 1, SCALE.facts]
    assert list(chain.from_iterable(data.rich_facts(reg, SCALE.facts, SEED, a, b)
                                    for a, b in zip(cuts, cuts[1:]))) == whole
    assert len({f.idempotency_key for f in whole}) == len(whole)
    for f in whole:
        assert date.fromisoformat(f.date).strftime("%Y-%m") == data.MONTH
    villages = [f for f in whole if f.village_level]
    assert len(villages) == village and {f.category for f in villages} == {"village_work"}
    assert {f.level for f in villages if f.kind == "village_commended"} == {"县级", "市级", "省级"}


def test_bulk_loaded_rich_rows_are_what_kaoping_stores_for_the_same_facts(tmp_path):
    reg = data.registry(SCALE)
    bulk, served = load.sqlite_url(tmp_path, "bulk"), load.sqlite_url(tmp_path, "served")
    for url in (bulk, served):
        load.prepare(url, reg, load.RULES)
    load.bulk_facts(bulk, reg, SCALE.facts, SEED, workers=1, mix="rich")
    app = build_app(served, load.RULES)
    app.today = lambda: data.TODAY
    facts = [FactInput(f.official_id, data.MONTH, f.date, f.category, f.kind, f.quantity, f.note,
                       f.scorer_id, f.source, f.idempotency_key, f.level,
                       f.village_id if f.village_level else "")
             for f in data.rich_facts(reg, SCALE.facts, SEED)]
    for start in range(0, len(facts), 500):
        outcomes = app.submit_facts(facts[start:start + 500])
        refused = [(o.idempotency_key, o.error) for o in outcomes if o.error is not None]
        assert not refused, refused[:3]
    app.store.close()
    stored, loaded = _rows(served), _rows(bulk)
    # the loader puts a correction in every CORRECTION_EVERY-th slot instead of its fact
    assert len(loaded) == SCALE.facts - SCALE.facts // data.CORRECTION_EVERY
    assert {k: stored[k] for k in loaded} == loaded
    assert any(r[2] is None and r[13] for r in loaded.values())      # village-level, with a level


def test_the_rich_month_fires_money_counts_streaks_and_village_results(tmp_path):
    reg = data.registry(SCALE)
    url = load.sqlite_url(tmp_path, "rich")
    load.prepare(url, reg, load.RULES)
    load.bulk_facts(url, reg, SCALE.facts, SEED, workers=1, mix="rich")
    fired, forfeited = Counter(), 0

    def seen(scores):
        nonlocal forfeited
        for s in scores:
            forfeited += s.result.forfeited
            fired.update({i.rule_id for i in s.result.items})

    store = Store(url)
    try:
        report = recompute_month(store, data.MONTH, workers=1, on_shard=seen)
    finally:
        store.close()
    assert report.officials == SCALE.officials
    for rule in ("attendance.office_absent", "attendance.leave", "attendance.office_absent_often",
                 "attendance.office_streak", "village.commended", "village.commended_county",
                 "village.task_missed"):
        assert fired[rule] > 0, rule
    assert 0 < forfeited < SCALE.officials
