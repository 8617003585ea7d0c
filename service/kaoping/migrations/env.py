"""Alembic environment: kaoping runs migrations itself at start-up (Store.__init__),
on the connection it is given; `python -m kaoping.ops.migrate` does the same by hand."""
from alembic import context
from sqlmodel import SQLModel

import kaoping.storage.models  # noqa: F401 - registers the tables

config = context.config
target_metadata = SQLModel.metadata
only = config.attributes.get("only_tables")  # used when autogenerating one revision


def include_object(obj, name, type_, reflected, compare_to):
    if only is None or type_ != "table":
        return True
    return name in only


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        from sqlalchemy import create_engine
        engine = create_engine(config.get_main_option("sqlalchemy.url"))
        with engine.connect() as conn:
            _migrate(conn)
        engine.dispose()
    else:
        _migrate(connection)


def _migrate(connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata,
                      include_object=include_object, render_as_batch=True,
                      compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


run()
