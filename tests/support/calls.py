"""Calling the services: stubs with a token, concurrent calls, paging through List*
RPCs, and reading a refusal's status and BadRequest fields."""
from __future__ import annotations

from contextlib import contextmanager

import grpc

from kaoping_cli.rpc import _Bearer
from kaoping.v1 import rectification_pb2_grpc, tokens_pb2_grpc, workflow_pb2_grpc, yearend_pb2_grpc
from kaoping.v1 import (audit_pb2_grpc, evaluation_pb2_grpc, facts_pb2_grpc, registry_pb2_grpc,
                        rulesets_pb2_grpc)


from google.rpc import error_details_pb2
from grpc_status import rpc_status


def stubs_for(channel, token: str):
    class Stubs:
        ch = grpc.intercept_channel(channel, _Bearer(token)) if token else channel
        facts = facts_pb2_grpc.FactServiceStub(ch)
        evaluation = evaluation_pb2_grpc.EvaluationServiceStub(ch)
        rulesets = rulesets_pb2_grpc.RuleSetServiceStub(ch)
        registry = registry_pb2_grpc.RegistryServiceStub(ch)
        audit = audit_pb2_grpc.AuditServiceStub(ch)
        workflow = workflow_pb2_grpc.WorkflowServiceStub(ch)
        yearend = yearend_pb2_grpc.YearEndServiceStub(ch)
        rectification = rectification_pb2_grpc.RectificationServiceStub(ch)
        tokens = tokens_pb2_grpc.TokenServiceStub(ch)
    return Stubs


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


def localized(error: grpc.RpcError) -> str:
    """The zh-CN google.rpc.LocalizedMessage of an error ("" when none is sent)."""
    status = rpc_status.from_call(error)
    for detail in status.details if status else ():
        if detail.Is(error_details_pb2.LocalizedMessage.DESCRIPTOR):
            message = error_details_pb2.LocalizedMessage()
            detail.Unpack(message)
            if message.locale == "zh-CN":
                return message.message
    return ""


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


def status_details(error: grpc.RpcError) -> tuple[grpc.StatusCode, str, dict[str, str]]:
    """(code, message, BadRequest field -> description) of a failed call."""
    return error.code(), error.details(), violations(error)


SQL_WORDS = ("insert", "select", "update", "sqlite", "psycopg", "sqlalchemy", "[sql", "background on")


def clean_message(text: str) -> bool:
    """No SQL, driver or library text in what a caller is told."""
    lowered = text.lower()
    return not any(word in lowered for word in SQL_WORDS)


def list_all(method, request, field: str, max_pages: int = 10_000, **kwargs) -> list:
    """Every item of a paged List* RPC, following next_page_token (a bounded loop)."""
    items, request = [], type(request).FromString(request.SerializeToString())
    for _ in range(max_pages):
        response = method(request, **kwargs)
        items.extend(getattr(response, field))
        if not response.next_page_token:
            return items
        request.page_token = response.next_page_token
    raise AssertionError(f"more than {max_pages} pages")


def refused_with(call, code: grpc.StatusCode) -> grpc.RpcError:
    """The error a call is refused with, after checking its status code."""
    import pytest
    with pytest.raises(grpc.RpcError) as err:
        call()
    assert err.value.code() == code, err.value.details()
    return err.value


@contextmanager
def stream_held_open(stubs, server, key: str = "held-open"):
    """A SubmitFacts stream the server holds (its caller's slot taken) until the block ends:
    for the per-caller bound. `server.auth` is the server's AuthInterceptor."""
    import threading
    from kaoping.v1 import facts_pb2 as fx
    from tests.support.facts import fact
    release, started = threading.Event(), threading.Event()

    def slow_stream():
        yield fx.FactBatch(facts=[fact(key=key)])
        started.set()
        release.wait(10)

    holder = threading.Thread(target=lambda: stubs.facts.SubmitFacts(slow_stream(), timeout=20))
    holder.start()
    assert started.wait(10)
    for _ in range(200):                     # until the server holds the stream's slot
        if server.auth._in_flight:
            break
        threading.Event().wait(0.01)
    try:
        yield
    finally:
        release.set()
        holder.join(20)

