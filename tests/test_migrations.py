"""Schema migrations: an empty database upgrades to exactly the models' schema, and a
database at the previous schema, holding data, upgrades without losing it."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlmodel import SQLModel

import kaoping.storage.models  # noqa: F401
from alembic.script import ScriptDirectory

from kaoping.migrate import config, current, upgrade

HEAD = ScriptDirectory.from_config(config("sqlite://")).get_current_head()
from kaoping.storage.store import Store


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
    upgrade(engine, "0002")
    with engine.begin() as conn:
        conn.execute(text("insert into township (id, name) values ('t1', '試驗鎮')"))
        conn.execute(text("insert into village (id, township_id, name) values ('v1', 't1', '上山村')"))
        conn.execute(text("insert into official (id, village_id, name, position, base_pay) "
                          "values ('o1', 'v1', '王建國', '書記', 1800.00)"))
    assert "month_record" not in inspect(engine).get_table_names()
    engine.dispose()
    store = Store(db_url)          # what the server does at start-up: upgrade to head
    try:
        assert current(store.engine) == HEAD
        assert "month_record" in inspect(store.engine).get_table_names()
        assert [o.name for o in store.officials()] == ["王建國"]
    finally:
        store.close()
