"""Whether the caller of the work running on this thread has gone away.

The api layer installs a check per call (the gRPC context's liveness and deadline);
use cases and the scoring loop ask `cancelled()` between units of work and raise
kaoping.domain.errors.Cancelled, so an abandoned call stops instead of running to
the end. Nothing here knows gRPC; in-process callers are never cancelled.
"""
from __future__ import annotations

import contextlib
import contextvars
from typing import Callable, Iterator


def never() -> bool:
    return False


_check: contextvars.ContextVar[Callable[[], bool]] = contextvars.ContextVar(
    "kaoping_cancelled", default=never)


def current() -> Callable[[], bool]:
    """The check of the call being served on this thread (`never` outside calls)."""
    return _check.get()


def cancelled() -> bool:
    return _check.get()()


@contextlib.contextmanager
def watching(check: Callable[[], bool]) -> Iterator[None]:
    token = _check.set(check)
    try:
        yield
    finally:
        # a response stream's generator may be closed from another context (at
        # garbage collection); that context never saw the set, so nothing to undo
        with contextlib.suppress(ValueError):
            _check.reset(token)
