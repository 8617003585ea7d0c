"""Hardening point 9, below the gRPC layer: the one classifier of storage faults (on
the drivers' own error classes), the call deadline bounding a locked SQLite write at
the store, and the --db-busy-timeout flag."""
from __future__ import annotations

import os
import sqlite3
import time

import pytest
from sqlalchemy import exc as sa_exc

from kaoping.domain.errors import ResourceExhausted, Unavailable
from kaoping.storage import faults
from kaoping.storage.models import Township
from kaoping.storage.store import Store

from tests.support.apps import PG_ENV
from tests.support.apps import app_on
from tests.support.calls import clean_message
from tests.support.databases import WriteLock

sqlite_only = pytest.mark.skipif(bool(os.environ.get(PG_ENV)), reason="SQLite file faults")


@sqlite_only
def test_a_locked_write_gives_up_at_the_call_deadline_not_the_busy_timeout(tmp_path):
    """The store, given a 1 s deadline and a 30 s busy timeout, stops waiting near the
    deadline: while the other connection still holds the lock (it lets go after 20 s)."""
    path = tmp_path / "kaoping.db"
    store = Store(f"sqlite:///{path}", busy_timeout=30.0)
    app = app_on(store)
    try:
        lock = WriteLock(path, hold=20.0)
        try:
            with faults.call_deadline(1.0), pytest.raises(sa_exc.OperationalError) as error:
                store.put(Township(id="t-lock", name="试验镇"))
            assert not lock.released.is_set()
            assert isinstance(faults.classify(error.value), Unavailable)
        finally:
            lock.release()
        store.put(Township(id="t-lock", name="试验镇"))  # the lock is gone: the same write goes through
        assert store.get(Township, "t-lock") is not None
    finally:
        app.rulesets.close()
        store.close()


@sqlite_only
def test_an_activation_waits_out_a_short_lock_and_is_written_once(tmp_path):
    """An activation (BEGIN IMMEDIATE) that met the lock waits, then is stored once."""
    path = tmp_path / "kaoping.db"
    store = Store(f"sqlite:///{path}", busy_timeout=5.0)
    app = app_on(store)
    try:
        from kaoping.usecases import audit
        from kaoping.domain.principal import INSECURE_DEV
        token = audit.begin(INSECURE_DEV, "")
        try:
            lock = WriteLock(path, hold=0.5)
            row = app.rulesets.store.add_activation(app.rulesets.active_row.id, "test", "activate")
            lock.release()
        finally:
            audit.end(token)
        assert [a.id for a in store.activations()].count(row.id) == 1
        assert len(store.activations()) == 2
    finally:
        app.rulesets.close()
        store.close()


# the classifier, on the driver's own error classes --------------------------------
def _wrapped(orig) -> sa_exc.DBAPIError:
    return sa_exc.DBAPIError.instance("INSERT INTO fact VALUES (?)", {}, orig, Exception)


def test_postgres_sqlstates_map_to_clean_domain_errors():
    psycopg = pytest.importorskip("psycopg")
    disk_full = faults.classify(_wrapped(psycopg.errors.DiskFull("could not extend file: No space left")))
    assert isinstance(disk_full, ResourceExhausted)
    for orig in (psycopg.errors.TooManyConnections("sorry, too many clients already"),
                 psycopg.errors.AdminShutdown("terminating connection due to administrator command"),
                 psycopg.errors.SerializationFailure("could not serialize access"),
                 psycopg.OperationalError("connection failed: Connection refused")):
        fault = faults.classify(_wrapped(orig))
        assert isinstance(fault, Unavailable), orig
        assert clean_message(str(fault))
    # bugs and handled constraints are not temporary faults
    assert faults.classify(_wrapped(psycopg.errors.UniqueViolation("duplicate key"))) is None
    assert faults.classify(_wrapped(psycopg.errors.UndefinedColumn("column x does not exist"))) is None
    assert faults.classify(ValueError("not storage")) is None


def test_sqlite_messages_map_to_clean_domain_errors():
    full = faults.classify(_wrapped(sqlite3.OperationalError("database or disk is full")))
    locked = faults.classify(_wrapped(sqlite3.OperationalError("database is locked")))
    io = faults.classify(_wrapped(sqlite3.OperationalError("disk I/O error")))
    assert isinstance(full, ResourceExhausted)
    assert isinstance(locked, Unavailable) and isinstance(io, Unavailable)
    assert faults.classify(_wrapped(sqlite3.IntegrityError("UNIQUE constraint failed"))) is None


def test_the_deadline_and_cap_bound_the_wait():
    assert faults.give_up_at(5.0) <= time.monotonic() + 5.0
    with faults.call_deadline(0.5):
        assert faults.give_up_at(30.0) <= time.monotonic() + 0.5
        assert faults.sqlite_busy_ms(30.0) <= 500
    with faults.call_deadline(60):
        assert faults.sqlite_busy_ms(2.0) <= 2000  # the cap wins over a longer deadline
    assert faults.deadline.get() is None


def test_the_busy_timeout_flag_reaches_the_store_and_is_checked(tmp_path):
    from kaoping.ops.limits import Limits
    from kaoping.ops.server import SHIPPED_RULES, build_app, main
    app = build_app(f"sqlite:///{tmp_path / 'k.db'}", SHIPPED_RULES, limits=Limits(db_busy_seconds=2.5))
    try:
        assert app.store.busy_timeout == 2.5
    finally:
        app.rulesets.close()
        app.store.close()
    assert Limits().db_busy_seconds == 10.0
    for bad in ("-1", "3601"):
        with pytest.raises(SystemExit) as refused:
            main(["--db-busy-timeout", bad, "--db", f"sqlite:///{tmp_path / 'never.db'}"])
        assert refused.value.code == 2
    assert not (tmp_path / "never.db").exists()
