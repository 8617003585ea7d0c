"""A kaoping app on a fresh database: the shipped rule set, the sample township, a fixed
today; the database a test may use (SQLite file, or a new PostgreSQL database when
KAOPING_TEST_PG_URL names a server)."""
from __future__ import annotations

import os
import uuid
from datetime import date
from pathlib import Path

from kaoping.usecases.app import Kaoping
from kaoping.usecases.rulesets import RuleSets
from kaoping.usecases.sample import load_sample
from kaoping.storage.store import Store


ROOT = Path(__file__).resolve().parents[2]   # the checkout (tests/support/ is two down)
SHIPPED = ROOT / "rules" / "township-sample.yaml"
TODAY = date(2026, 11, 25)   # fixed so "future month" checks do not drift with the clock
PG_ENV = "KAOPING_TEST_PG_URL"


_created: list[str] = []


def _pg_admin(server: str, statement: str) -> None:
    from sqlalchemy import create_engine, text
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(statement))
    admin.dispose()


def new_database_url(tmp_dir: Path) -> str:
    """A fresh, empty database: a SQLite file, or a new PostgreSQL database."""
    server = os.environ.get(PG_ENV)
    if not server:
        return f"sqlite:///{tmp_dir / 'kaoping.db'}"
    name = f"kp_{uuid.uuid4().hex[:16]}"
    _pg_admin(server, f'CREATE DATABASE "{name}"')
    _created.append(name)
    return server.rsplit("/", 1)[0] + "/" + name


def make_app(url: str, rules: Path = SHIPPED, sample: bool = True) -> Kaoping:
    store = Store(url)
    if sample:
        load_sample(store)
    rulesets = RuleSets(store)
    rulesets.bootstrap(rules.read_text(encoding="utf-8"), rules.name)
    return Kaoping(store, rulesets, today=lambda: TODAY)


def app_on(store, sample: bool = True):
    """A Kaoping app over the given Store, as make_app above builds one."""
    shipped = SHIPPED
    if sample:
        load_sample(store)
    rulesets = RuleSets(store)
    rulesets.bootstrap(shipped.read_text(encoding="utf-8"), shipped.name)
    return Kaoping(store, rulesets, today=lambda: date(2026, 11, 25))
