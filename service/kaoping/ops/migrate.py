"""Schema migrations (Alembic). `python -m kaoping.ops.migrate URL` upgrades a database to
the newest schema; the server does the same when it starts."""
from __future__ import annotations

import sys
from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"  # kaoping/migrations


def config(url: str, connection=None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def upgrade(engine, revision: str = "head") -> None:
    with engine.begin() as connection:
        command.upgrade(config(str(engine.url), connection), revision)


def current(engine) -> str | None:
    from alembic.runtime.migration import MigrationContext
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


if __name__ == "__main__":
    import os

    from sqlalchemy import create_engine
    url = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("KAOPING_DB", "")
    if len(sys.argv) > 2 or not url:
        raise SystemExit("usage: python -m kaoping.ops.migrate [DATABASE_URL]  (default: $KAOPING_DB)")
    engine = create_engine(url)
    upgrade(engine)
    print(f"{engine.url.render_as_string(hide_password=True)}: schema at {current(engine)}")
