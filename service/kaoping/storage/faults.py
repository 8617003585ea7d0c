"""Temporary storage faults: what they mean for a caller, and waiting out a locked SQLite.

A database that is down, full, at its connection limit or (SQLite) locked by another
writer is not the caller's fault and not a bug: the call should fail with a status a
client can act on (retry later, or ask an operator for space) and a message without
SQL text. `classify` is the one place that reads driver errors for that; the gRPC
adapter turns its answer into a status (kaoping.api.errors). No gRPC here.

A call's deadline reaches storage through `deadline` (a contextvar of time.monotonic()
seconds set by the adapter), so a locked SQLite write waits for the lock as long as the
caller waits, capped by the store's busy timeout, and no longer.
"""
from __future__ import annotations

import contextlib
import contextvars
import functools
import logging
import time

from sqlalchemy import exc as sa_exc

from kaoping.domain.errors import DomainError, ResourceExhausted, Unavailable, Violation

log = logging.getLogger("kaoping.storage")

deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar("kaoping_deadline", default=None)

# Give up this long before the caller's deadline, so the caller hears UNAVAILABLE
# (retryable, with a reason) instead of a bare DEADLINE_EXCEEDED.
REPLY_MARGIN = 0.05

# PostgreSQL SQLSTATEs (appendix A of its manual).
_PG_FULL = {"53100"}                        # disk_full
_PG_BUSY = {"53300", "53400", "57P03",      # too many connections, limits, cannot connect now
            "40001", "40P01", "55P03"}      # serialization failure, deadlock, lock not available
_PG_DOWN_CLASSES = ("08", "57P")            # connection exception; operator intervention (shutdown)

_FULL_TEXT = ("database or disk is full", "no space left on device", "disk full")
_LOCKED_TEXT = ("database is locked", "database table is locked", "database schema is locked")


@contextlib.contextmanager
def call_deadline(remaining: float | None):
    """Runs the body with a deadline `remaining` seconds from now (None: no deadline)."""
    token = deadline.set(None if remaining is None else time.monotonic() + remaining)
    try:
        yield
    finally:
        deadline.reset(token)


def give_up_at(cap: float) -> float:
    """When a wait for the database must end: the call's deadline (less the reply
    margin) or `cap` seconds from now, whichever comes first."""
    until = time.monotonic() + cap
    end = deadline.get()
    return until if end is None else min(until, end - REPLY_MARGIN)


def _sqlstate(orig) -> str:
    state = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    if not state:
        diag = getattr(orig, "diag", None)
        state = getattr(diag, "sqlstate", None)
    return state or ""


def is_locked(error: BaseException) -> bool:
    """SQLite's "database is locked": another connection holds the write lock."""
    return isinstance(error, sa_exc.OperationalError) and any(
        t in str(error.orig).lower() for t in _LOCKED_TEXT)


def classify(error: BaseException) -> DomainError | None:
    """The DomainError a temporary storage fault means for the caller, or None when the
    error is not one (a bug, a constraint the code should have handled)."""
    if isinstance(error, sa_exc.TimeoutError):  # no pooled connection came free in time
        return _unavailable("busy", "every database connection is in use; retry shortly")
    if not isinstance(error, sa_exc.DBAPIError):
        return None
    orig = error.orig
    state = _sqlstate(orig)
    text = str(orig).lower()
    fault: DomainError | None = None
    if state in _PG_FULL or any(t in text for t in _FULL_TEXT):
        fault = ResourceExhausted("the database has no space left; nothing was stored", [Violation(
            "database", "disk full: ask an operator to free space, then retry")],
                                  zh="数据库磁盘已满，未保存任何内容：请联系运维人员清理空间后重试")
    elif state in _PG_BUSY or any(t in text for t in _LOCKED_TEXT):
        fault = _unavailable("busy", "too busy to take this call now; nothing was stored, retry shortly")
    elif (state.startswith(_PG_DOWN_CLASSES) or error.connection_invalidated
          or isinstance(error, (sa_exc.OperationalError, sa_exc.InterfaceError))):
        # OperationalError is DB-API's "not under the programmer's control": server
        # gone, connection refused or closed, I/O error, read-only file system.
        fault = _unavailable("unreachable", "the database cannot be reached; retry shortly")
    if fault is not None:
        # the raw text is for operators (it may hold SQL and values), never for callers
        log.warning("storage fault answered as %s: %s", type(fault).__name__,
                    str(orig).strip().splitlines()[0][:300] if str(orig).strip() else type(orig).__name__)
    return fault


def _unavailable(what: str, description: str) -> Unavailable:
    return Unavailable(f"the database is {what}", [Violation("database", description)],
                       zh="数据库暂时不可用，未做任何更改：请稍后重试；如一直如此，请联系运维人员")


def retry_locked(cap_of):
    """Decorates a method that runs one whole transaction: while SQLite answers
    "database is locked" (another writer), run it again with backoff until the call's
    deadline or `cap_of(self)` seconds. Each attempt is a fresh transaction (the failed
    one was rolled back when its session closed), so nothing is written twice."""
    def wrap(method):
        @functools.wraps(method)
        def run(self, *args, **kwargs):
            until = give_up_at(cap_of(self))
            pause = 0.01
            while True:
                try:
                    return method(self, *args, **kwargs)
                except sa_exc.OperationalError as exc:
                    if not is_locked(exc) or time.monotonic() + pause >= until:
                        raise
                time.sleep(pause)
                pause = min(pause * 2, 0.25)
        return run
    return wrap


def sqlite_busy_ms(cap: float) -> int:
    """How long SQLite's own busy handler may wait for a lock in the coming transaction."""
    return max(0, int((give_up_at(cap) - time.monotonic()) * 1000))
