"""Schema migrations: an empty database upgrades to exactly the models' schema, and a
database at the previous schema, holding data, upgrades without losing it."""
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect
from sqlmodel import SQLModel

import kaoping.storage.models  # noqa: F401
from alembic.script import ScriptDirectory

from kaoping.ops.migrate import config, current, upgrade

HEAD = ScriptDirectory.from_config(config("sqlite://")).get_current_head()
from kaoping.storage.store import Store
from tests.support.databases import schema_with_one_official


def test_empty_database_upgrades_to_the_models(db_url):
    engine = create_engine(db_url)
    upgrade(engine)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}),
                                SQLModel.metadata)
    assert diff == [], f"models and migrations disagree: {diff}"
    assert current(engine) == HEAD
    engine.dispose()


def test_previous_schema_with_data_upgrades(db_url):
    engine = create_engine(db_url)
    schema_with_one_official(engine, "0002")
    assert "month_record" not in inspect(engine).get_table_names()
    engine.dispose()
    store = Store(db_url)          # what the server does at start-up: upgrade to head
    try:
        assert current(store.engine) == HEAD
        assert "month_record" in inspect(store.engine).get_table_names()
        assert [o.name for o in store.officials()] == ["王建国"]
    finally:
        store.close()


# 0006 -> 0007: fact.level, nullable fact.official_id, roster attributes -------------
# The hash the code before 0007 computed for OLD_FACT (tests/test_fact_levels_and_villages.py).
OLD_HASH = "b0bb5c79ecd0a9c733dc539d996a4d238e04c531f0a41f5467ef2b71e3d1aeb4"
AT_0006 = (
    "insert into scorer (id, name, role) values ('main-01', '主要领导', 'main_leader')",
    "insert into fact (id, idempotency_key, payload_hash, official_id, village_id, month, date, category, "
    "kind, quantity, note, scorer_id, scorer_role, source, recorded_at, voids_fact_id, void_reason, void_claim) "
    f"values (1, 'old-1', '{OLD_HASH}', 'o1', 'v1', '2026-03', '', 'attendance', 'meeting_absent', 1, "
    "'10月8日例會', 'main-01', 'main_leader', 'test', '2026-03-09 08:00:00', null, '', null)",
    "insert into fact (id, idempotency_key, payload_hash, official_id, village_id, month, date, category, "
    "kind, quantity, note, scorer_id, scorer_role, source, recorded_at, voids_fact_id, void_reason, void_claim) "
    "values (2, 'old-2', 'h2', 'o1', 'v1', '2026-03', '', 'attendance', 'meeting_late', 2.5, '', "
    "'main-01', 'main_leader', 'test', '2026-03-09 09:00:00', null, '', null)",
    "insert into fact (id, idempotency_key, payload_hash, official_id, village_id, month, date, category, "
    "kind, quantity, note, scorer_id, scorer_role, source, recorded_at, voids_fact_id, void_reason, void_claim) "
    "values (3, 'old-3', 'void:2', 'o1', 'v1', '2026-03', '', 'attendance', 'correction', 0, '请假', "
    "'main-01', 'main_leader', 'correction', '2026-03-10 09:00:00', 2, '请假', 2)",
    "insert into appeal (township_id, month, village_id, official_id, fact_id, rule_id, points, "
    "deduction_reason, appellant, reason, submitted_by, submitted_at, state, decision_reason, resolved_by, "
    "before_grade, after_grade, revision_after) values ('t1', '2026-03', 'v1', 'o1', 1, 'absent', -2, "
    "'缺席', 'village', '有假条', '上山村', '2026-04-02 09:00:00', 'pending', '', '', '', '', 0)",
)


@pytest.mark.parametrize("start", ["0006", "0005"])   # 0005: 0006 runs first, in the same transaction
def test_0006_database_with_facts_upgrades_and_keeps_every_row(db_url, start):
    """Facts (one corrected, one appealed) and an official at 0006 go to head with
    nothing lost: same ids, hashes and references; level "", attributes "{}". On SQLite
    the fact table is rebuilt with foreign keys enforced (what Store does at start)."""
    from datetime import date
    from decimal import Decimal

    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    from kaoping.usecases.app import Kaoping
    from kaoping.domain.facts import FactInput
    from kaoping.usecases.rulesets import RuleSets
    from kaoping.storage.models import FactRow, Official, Village
    from tests.support.apps import SHIPPED

    engine = create_engine(db_url)
    schema_with_one_official(engine, start)
    with engine.begin() as conn:
        for statement in AT_0006:
            conn.execute(text(statement))
    engine.dispose()
    store = Store(db_url)
    try:
        assert current(store.engine) == HEAD
        rows = store.facts("2026-03")
        assert [(r.id, r.idempotency_key, r.official_id, r.village_id, r.level, r.voids_fact_id)
                for r in rows] == [(1, "old-1", "o1", "v1", "", None), (2, "old-2", "o1", "v1", "", None),
                                   (3, "old-3", "o1", "v1", "", 2)]
        assert rows[0].payload_hash == OLD_HASH and rows[1].quantity == Decimal("2.5")
        assert store.voiding_fact(2).id == 3 and store.voiders([1, 2]) == {2: 3}
        assert store.get(Official, "o1").attributes == "{}" and store.get(Official, "o1").attrs() == {}
        assert store.get(Village, "v1").attributes == "{}"
        with store.engine.connect() as conn:
            assert conn.execute(text("select fact_id from appeal")).scalars().all() == [1]
        # the rebuilt table keeps its keys: unique idempotency key, one void claim per
        # fact, an official that exists; and now takes a village-level fact
        for bad in (dict(idempotency_key="old-1"), dict(official_id="nobody"), dict(void_claim=2)):
            with pytest.raises(IntegrityError), store.engine.begin() as conn:
                conn.execute(FactRow.__table__.insert().values(**_row(**bad)))
        with store.engine.begin() as conn:
            conn.execute(FactRow.__table__.insert().values(**_row(idempotency_key="village-1",
                                                                 official_id=None)))
        assert store.facts_by_keys(["village-1"])["village-1"].official_id is None
        # an old fact sent again is a duplicate, not a key conflict: its hash is unchanged
        rulesets = RuleSets(store)
        rulesets.bootstrap(SHIPPED.read_text(encoding="utf-8"), SHIPPED.name)
        app = Kaoping(store, rulesets, today=lambda: date(2026, 11, 25))
        receipt = app.submit_fact(FactInput("o1", "2026-03", "", "attendance", "meeting_absent", "1",
                                            "10月8日例會", "main-01", "test", "old-1"))
        assert (receipt.fact_id, receipt.duplicate) == (1, True)
        rulesets.close()
    finally:
        store.close()


def _row(**change) -> dict:
    from decimal import Decimal

    from kaoping.storage.models import utcnow
    values = dict(idempotency_key="new-1", payload_hash="x", official_id="o1", village_id="v1",
                  month="2026-03", category="attendance", kind="meeting_late", quantity=Decimal(1),
                  scorer_id="main-01", scorer_role="main_leader", recorded_at=utcnow())
    return values | change


# 0008 -> 0009: official_assignment becomes the roster history by date -----------------
AT_0008 = (
    "insert into township (id, name) values ('t1', '试验镇')",
    "insert into village (id, township_id, name) values ('v1', 't1', '上山村'), ('v2', 't1', '火石村')",
    "insert into official (id, village_id, name, position, base_pay, attributes) values "
    "('o1', 'v2', '王建国', '书记', 1800.00, '{}'), ('o2', 'v1', '李秀英', '文书', 1200.00, '{}')",
    "insert into official_assignment (official_id, from_month, village_id, recorded_at) values "
    "('o1', '2000-01', 'v1', '2026-01-01 08:00:00'), ('o1', '2026-05', 'v2', '2026-05-20 08:00:00'), "
    "('o2', '2000-01', 'v1', '2026-01-01 08:00:00')",
    "insert into scorer (id, name, role) values ('main-01', '主要领导', 'main_leader')",
)


def _fact_0008(n: int, official: str, village: str, month: str) -> str:
    return ("insert into fact (id, idempotency_key, payload_hash, official_id, village_id, month, date, "
            "category, kind, quantity, note, scorer_id, scorer_role, source, recorded_at, voids_fact_id, "
            "void_reason, void_claim, level) "
            f"values ({n}, 'old-{n}', 'h{n}', '{official}', '{village}', '{month}', '', 'attendance', "
            "'meeting_absent', 1, '', 'main-01', 'main_leader', 'test', '2026-06-01 08:00:00', null, '', "
            "null, '')")


def test_0008_assignments_upgrade_to_roster_entries_and_score_the_same(db_url):
    """A database at 0008 whose official moved from v1 to v2 in 2026-05 (a late April fact
    stamped v2, as a fact entered after the move was): after the upgrade every month is
    scored in the village and with the pay it was before, and the history reads by date."""
    from datetime import date
    from decimal import Decimal

    from sqlalchemy import text

    from kaoping.storage.roster_store import roster_entries
    from kaoping.usecases.app import Kaoping
    from kaoping.usecases.rulesets import RuleSets
    from tests.support.apps import SHIPPED

    engine = create_engine(db_url)
    upgrade(engine, "0008")
    with engine.begin() as conn:
        for statement in AT_0008 + (_fact_0008(1, "o1", "v1", "2026-04"), _fact_0008(2, "o1", "v2", "2026-05"),
                                    _fact_0008(3, "o1", "v2", "2026-04")):
            conn.execute(text(statement))
    engine.dispose()
    store = Store(db_url)
    rulesets = RuleSets(store)
    try:
        assert current(store.engine) == HEAD
        assert [(e.official_id, e.effective_on, e.from_month, e.on_roster, e.village_id, e.position,
                 e.base_pay) for e in roster_entries(store)] == [
            ("o1", "2000-01-01", "2000-01", True, "v1", "书记", Decimal("1800.00")),
            ("o1", "2026-05-01", "2026-05", True, "v2", "书记", Decimal("1800.00")),
            ("o2", "2000-01-01", "2000-01", True, "v1", "文书", Decimal("1200.00"))]
        rulesets.bootstrap(SHIPPED.read_text(encoding="utf-8"), SHIPPED.name)
        app = Kaoping(store, rulesets, today=lambda: date(2026, 11, 25))
        scored = {(m, s.official.id): (s.village.id, sorted(i.fact_id for i in s.result.items),
                                       s.result.base_pay, s.result.total)
                  for m in ("2026-03", "2026-04", "2026-05")
                  for s in app.monthly_scores(m, township_id="t1").scores}
        assert scored == {
            ("2026-03", "o1"): ("v1", [], Decimal("1800.00"), Decimal(100)),
            ("2026-03", "o2"): ("v1", [], Decimal("1200.00"), Decimal(100)),
            ("2026-04", "o1"): ("v1", [1, 3], Decimal("1800.00"), Decimal(98)),
            ("2026-04", "o2"): ("v1", [], Decimal("1200.00"), Decimal(100)),
            ("2026-05", "o1"): ("v2", [2], Decimal("1800.00"), Decimal(99)),
            ("2026-05", "o2"): ("v1", [], Decimal("1200.00"), Decimal(100))}
        assert app.registry.village_of("o1", "2026-04") == "v1" and app.registry.off_roster("o1", "2001-01") == ""
    finally:
        rulesets.close()
        store.close()
