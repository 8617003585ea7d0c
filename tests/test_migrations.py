"""Schema migrations: an empty database upgrades to exactly the models' schema, and a
database at the previous schema, holding data, upgrades without losing it."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect
from sqlmodel import SQLModel

import kaoping.storage.models  # noqa: F401
from alembic.script import ScriptDirectory

from kaoping.migrate import config, current, upgrade

HEAD = ScriptDirectory.from_config(config("sqlite://")).get_current_head()
from kaoping.storage.store import Store
from tests.helpers import schema_with_one_official


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
        assert [o.name for o in store.officials()] == ["王建國"]
    finally:
        store.close()
