"""Small helpers the tests share."""
from __future__ import annotations

import itertools

import grpc
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from kaoping.domain.facts import FactInput
from kaoping.v1 import facts_pb2 as fx

_keys = itertools.count(1)


def fact(official="v01-1", category="attendance", kind="meeting_absent", quantity="1",
         month="2026-03", scorer="main-01", key=None, note="", date="", source="test") -> fx.Fact:
    return fx.Fact(official_id=official, month=month, date=date, category=category, kind=kind,
                   quantity=quantity, note=note, scorer_id=scorer, source=source,
                   idempotency_key=key or f"k{next(_keys)}")


def fact_input(**kwargs) -> FactInput:
    msg = fact(**kwargs)
    return FactInput(msg.official_id, msg.month, msg.date, msg.category, msg.kind, msg.quantity,
                     msg.note, msg.scorer_id, msg.source, msg.idempotency_key)


def violations(error: grpc.RpcError) -> dict[str, str]:
    """field -> description from the google.rpc.BadRequest detail of an error."""
    status = rpc_status.from_call(error)
    assert status is not None, "error carries no google.rpc.Status"
    found = {}
    for detail in status.details:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            detail.Unpack(bad)
            found.update({v.field: v.description for v in bad.field_violations})
    return found


def together(calls, timeout: float = 60.0) -> list:
    """Runs the callables on threads released at once by a barrier; returns each one's
    result or the exception it raised, in order. Bounded: a thread still running after
    `timeout` fails the test instead of hanging it."""
    import threading

    barrier = threading.Barrier(len(calls), timeout=timeout)
    results: list = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait()
            results[i] = call()
        except BaseException as exc:  # noqa: BLE001 - handed back to the test
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i, c), daemon=True) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    assert not any(t.is_alive() for t in threads), f"a call did not finish within {timeout} s"
    return results
