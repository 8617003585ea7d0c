"""Hardening point 9: temporary storage faults are answered with a status a client can
act on, a clean message and nothing stored, never UNKNOWN with SQL text.

SQLite faults are made real on the server's own database file: disk full through
`PRAGMA max_page_count` on every connection of the server's engine, "database is
locked" by a second connection holding the write lock. (PostgreSQL going down:
tests/test_hostile_postgres_down.py; the classifier and the deadline at the store:
tests/test_hostile_fault_mapping.py.)
"""
from __future__ import annotations

import os

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status
from sqlalchemy import event

from kaoping.storage.store import Store
from kaoping.v1 import facts_pb2 as fx
from kaoping.v1 import facts_pb2_grpc

from tests.support.apps import PG_ENV
from tests.support.apps import app_on
from tests.support.calls import clean_message
from tests.support.databases import WriteLock
from tests.support.facts import fact
from tests.support.servers import LocalServer

MONTH = "2026-05"
TIMEOUT = 30  # per RPC; only so that a hang fails instead of blocking CI

sqlite_only = pytest.mark.skipif(bool(os.environ.get(PG_ENV)), reason="SQLite file faults")


@pytest.fixture
def sqlite_server(tmp_path, request):
    """A real server on a SQLite file; the store's busy timeout as parametrized."""
    busy = getattr(request, "param", None)
    path = tmp_path / "kaoping.db"
    url = f"sqlite:///{path}"
    server = LocalServer(app_on(Store(url) if busy is None else Store(url, busy_timeout=busy)))
    yield server, path
    server.stop()


def _stored(app, key: str) -> bool:
    return key in app.store.facts_by_keys([key])


def _assert_clean_failure(error: grpc.RpcError, code: grpc.StatusCode) -> None:
    from tests.support.calls import status_details
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
    note = "满" * 1900  # big facts fill the last free page quickly
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
@sqlite_only
def test_a_write_waits_out_a_lock_shorter_than_the_deadline(sqlite_server):
    server, path = sqlite_server
    stub = server.stub(facts_pb2_grpc.FactServiceStub)
    lock = WriteLock(path, hold=1.0)
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
    lock = WriteLock(path, hold=20.0)
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
