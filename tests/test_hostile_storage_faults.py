"""Hardening point 9: temporary storage faults are answered with a status a client can
act on, a clean message and nothing stored, never UNKNOWN with SQL text.

SQLite faults are made real on the server's own database file: disk full through
`PRAGMA max_page_count` on every connection of the server's engine, "database is
locked" by a second connection holding the write lock. (PostgreSQL going down:
tests/test_hostile_postgres_down.py.)
"""
from __future__ import annotations

import os
import sqlite3
import threading
import time

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status
from sqlalchemy import event, exc as sa_exc

from kaoping.domain.errors import ResourceExhausted, Unavailable
from kaoping.storage import faults
from kaoping.storage.models import Township
from kaoping.storage.store import Store
from kaoping.v1 import facts_pb2 as fx
from kaoping.v1 import facts_pb2_grpc

from tests.conftest import PG_ENV
from tests.helpers import LocalServer, app_on, clean_message, fact

MONTH = "2026-05"
TIMEOUT = 30  # per RPC; only so that a hang fails instead of blocking CI

sqlite_only = pytest.mark.skipif(bool(os.environ.get(PG_ENV)), reason="SQLite file faults")


@pytest.fixture
def sqlite_server(tmp_path, request):
    """A real server on a SQLite file; the store's busy timeout as parametrized."""
    busy = getattr(request, "param", 10.0)
    path = tmp_path / "kaoping.db"
    server = LocalServer(app_on(Store(f"sqlite:///{path}", busy_timeout=busy)))
    yield server, path
    server.stop()


def _stored(app, key: str) -> bool:
    return key in app.store.facts_by_keys([key])


def _assert_clean_failure(error: grpc.RpcError, code: grpc.StatusCode) -> None:
    from tests.helpers import status_details
    got, message, fields = status_details(error)
    assert got == code, f"{got}: {message}"
    assert "database" in fields and clean_message(message) and clean_message(fields["database"]), (
        message, fields)
    if code == grpc.StatusCode.UNAVAILABLE:  # and it says when to try again
        retry = [d for d in rpc_status.from_call(error).details
                 if d.Is(error_details_pb2.RetryInfo.DESCRIPTOR)]
        assert len(retry) == 1


# disk full ----------------------------------------------------------------------
class _DiskFull:
    """Caps the database at its current size on every connection the engine hands out."""

    def __init__(self, engine):
        self.engine = engine
        self.full = True
        event.listen(engine, "checkout", self._apply)

    def _apply(self, dbapi_conn, _record, _proxy):
        pages = dbapi_conn.execute("PRAGMA page_count").fetchone()[0]
        dbapi_conn.execute(f"PRAGMA max_page_count={pages if self.full else 2**30}")

    def end(self):
        self.full = False  # the next checkout of each connection lifts the cap


@sqlite_only
def test_disk_full_is_resource_exhausted_and_stores_nothing(sqlite_server):
    server, _path = sqlite_server
    app = server.server.app
    stub = server.stub(facts_pb2_grpc.FactServiceStub)
    disk = _DiskFull(app.store.engine)
    note = "滿" * 1900  # big facts fill the last free page quickly
    failed = None
    for n in range(500):  # bounded: a 4 KiB page holds only a few such facts
        msg = fact(month=MONTH, key=f"full-{n}", note=note)
        try:
            stub.SubmitFact(fx.SubmitFactRequest(fact=msg), timeout=TIMEOUT)
        except grpc.RpcError as error:
            failed = (msg, error)
            break
    assert failed is not None, "the capped database never filled"
    msg, error = failed
    _assert_clean_failure(error, grpc.StatusCode.RESOURCE_EXHAUSTED)
    assert not _stored(app, msg.idempotency_key)
    # a client stream meets the same fault with the same answer
    with pytest.raises(grpc.RpcError) as streamed:
        stub.SubmitFacts(iter([fx.FactBatch(facts=[fact(month=MONTH, note=note) for _ in range(20)])]),
                         timeout=TIMEOUT)
    _assert_clean_failure(streamed.value, grpc.StatusCode.RESOURCE_EXHAUSTED)
    disk.end()
    again = stub.SubmitFact(fx.SubmitFactRequest(fact=msg), timeout=TIMEOUT)
    assert again.fact_id > 0 and not again.duplicate  # stored now, and only now


# database is locked -------------------------------------------------------------
class _WriteLock:
    """Another connection holding SQLite's write lock until released (or `hold` s)."""

    def __init__(self, path, hold: float):
        self.released = threading.Event()
        self._release = threading.Event()
        self._taken = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(path, hold), daemon=True)
        self._thread.start()
        assert self._taken.wait(10), "could not take the write lock"

    def _run(self, path, hold):
        conn = sqlite3.connect(path, isolation_level=None, timeout=10)
        try:
            conn.execute("BEGIN EXCLUSIVE")
            self._taken.set()
            self._release.wait(hold)
            conn.execute("ROLLBACK")
        finally:
            self.released.set()
            conn.close()

    def release(self):
        self._release.set()
        self._thread.join(10)


@sqlite_only
def test_a_write_waits_out_a_lock_shorter_than_the_deadline(sqlite_server):
    server, path = sqlite_server
    stub = server.stub(facts_pb2_grpc.FactServiceStub)
    lock = _WriteLock(path, hold=1.0)
    receipt = stub.SubmitFact(fx.SubmitFactRequest(fact=fact(month=MONTH)), timeout=TIMEOUT)
    assert lock.released.is_set()  # it waited for the lock rather than failing
    assert receipt.fact_id > 0
    lock.release()


@sqlite_only
@pytest.mark.parametrize("sqlite_server", [1.0], indirect=True)
def test_a_lock_held_past_the_busy_timeout_is_unavailable_and_stores_nothing(sqlite_server):
    server, path = sqlite_server
    app = server.server.app
    stub = server.stub(facts_pb2_grpc.FactServiceStub)
    msg = fact(month=MONTH)
    lock = _WriteLock(path, hold=20.0)
    try:
        with pytest.raises(grpc.RpcError) as error:
            stub.SubmitFact(fx.SubmitFactRequest(fact=msg), timeout=TIMEOUT)
        assert not lock.released.is_set()  # gave up while the lock was still held
        _assert_clean_failure(error.value, grpc.StatusCode.UNAVAILABLE)
        with pytest.raises(grpc.RpcError) as streamed:
            stub.SubmitFacts(iter([fx.FactBatch(facts=[fact(month=MONTH)])]), timeout=TIMEOUT)
        _assert_clean_failure(streamed.value, grpc.StatusCode.UNAVAILABLE)
    finally:
        lock.release()
    assert not _stored(app, msg.idempotency_key)
    assert stub.SubmitFact(fx.SubmitFactRequest(fact=msg), timeout=TIMEOUT).fact_id > 0


@sqlite_only
def test_a_locked_write_gives_up_at_the_call_deadline_not_the_busy_timeout(tmp_path):
    """The store, given a 1 s deadline and a 30 s busy timeout, stops waiting near the
    deadline: while the other connection still holds the lock (it lets go after 20 s)."""
    path = tmp_path / "kaoping.db"
    store = Store(f"sqlite:///{path}", busy_timeout=30.0)
    app = app_on(store)
    try:
        lock = _WriteLock(path, hold=20.0)
        try:
            with faults.call_deadline(1.0), pytest.raises(sa_exc.OperationalError) as error:
                store.put(Township(id="t-lock", name="試驗鎮"))
            assert not lock.released.is_set()
            assert isinstance(faults.classify(error.value), Unavailable)
        finally:
            lock.release()
        store.put(Township(id="t-lock", name="試驗鎮"))  # the lock is gone: the same write goes through
        assert store.get(Township, "t-lock") is not None
    finally:
        app.rulesets.close()
        store.close()


def test_an_activation_waits_out_a_short_lock_and_is_written_once(tmp_path):
    """An activation (BEGIN IMMEDIATE) that met the lock waits, then is stored once."""
    if os.environ.get(PG_ENV):
        pytest.skip("SQLite locking")
    path = tmp_path / "kaoping.db"
    store = Store(f"sqlite:///{path}", busy_timeout=5.0)
    app = app_on(store)
    try:
        from kaoping import audit
        from kaoping.domain.principal import INSECURE_DEV
        token = audit.begin(INSECURE_DEV, "")
        try:
            lock = _WriteLock(path, hold=0.5)
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
    from kaoping.limits import Limits
    from kaoping.server import SHIPPED_RULES, build_app, main
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
