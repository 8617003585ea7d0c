"""Structured logs with request id, caller and method; the Prometheus endpoint; the
plaintext health port for kubelet probes; NOT_SERVING while the database is
unreachable. A real Server on loopback ports, a real database."""
from __future__ import annotations

import io
import json
import logging
import time
import urllib.request

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from prometheus_client.parser import text_string_to_metric_families

from kaoping.usecases import audit
from kaoping.ops import logs as call_logs  # `logs` is the fixture below
from kaoping.domain.principal import Principal
from kaoping.ops.server import Server
from kaoping.usecases.tokens import Tokens
from kaoping.v1 import facts_pb2 as fx
from kaoping.v1 import rulesets_pb2 as rs
from tests.support.apps import make_app
from tests.support.calls import stubs_for
from tests.support.facts import fact
from tests.support.servers import captured_logs
from tests.support.replicas import replica_stricter as stricter

SERVING, NOT_SERVING = health_pb2.HealthCheckResponse.SERVING, health_pb2.HealthCheckResponse.NOT_SERVING


@pytest.fixture
def logs():
    """Root logging switched to the JSON formatter for the test; the lines it wrote."""
    with captured_logs("json") as written:
        yield lambda: [json.loads(line) for line in written().splitlines() if line.strip()]


@pytest.fixture
def served(db_url):
    app = make_app(db_url)
    token = Tokens(app.store).create("考勤系统管理员", "admin")[0]
    server = Server(app, "127.0.0.1:0", workers=4, metrics_listen="127.0.0.1:0",
                    health_listen="127.0.0.1:0", refresh_interval=0.05)
    server.start()
    channel = grpc.insecure_channel(f"127.0.0.1:{server.port}")
    yield server, stubs_for(channel, token), channel
    channel.close()
    server.stop(grace=1)


def scrape(server) -> dict[tuple, float]:
    with urllib.request.urlopen(f"http://127.0.0.1:{server.metrics_port}/metrics", timeout=5) as reply:
        assert reply.headers["Content-Type"].startswith("text/plain")
        text = reply.read().decode()
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def test_json_logs_carry_request_id_caller_and_method(served, logs):
    server, stubs, channel = served
    stubs.facts.SubmitFact(fx.SubmitFactRequest(fact=fact(month="2026-05", key="obs-1")),
                           metadata=(("x-request-id", "req-obs-1"),))
    with pytest.raises(grpc.RpcError) as refused:
        stubs_for(channel, "").facts.SubmitFact(fx.SubmitFactRequest(fact=fact(month="2026-05")),
                                                metadata=(("x-request-id", "req-obs-2"),))
    assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED
    access = {line["client_request_id"]: line for line in logs() if line["logger"] == "kaoping.access"}
    ok = access["req-obs-1"]
    assert ok["method"] == "/kaoping.v1.FactService/SubmitFact" and ok["code"] == "OK"
    assert ok["caller"] == "考勤系统管理员" and ok["role"] == "admin" and ok["duration_ms"] > 0
    assert access["req-obs-2"]["code"] == "UNAUTHENTICATED" and access["req-obs-2"]["caller"] == ""
    # the access line's request id is the one the audit log recorded for the write
    entry = [e for e in server.app.store.audit_entries(action="submit_facts")][-1]
    assert entry.request_id == ok["request_id"] and entry.actor == "考勤系统管理员"
    assert entry.request_id.startswith("req-obs-1/")   # the caller's id, made unique per call
    # without x-request-id, the id the audit log generates is the one logged
    stubs.facts.SubmitFact(fx.SubmitFactRequest(fact=fact(month="2026-05", key="obs-3")))
    entry = [e for e in server.app.store.audit_entries(action="submit_facts")][-1]
    assert entry.request_id and entry.request_id in {line.get("request_id") for line in logs()}


def test_records_logged_inside_a_call_name_it(logs):
    token = audit.begin(Principal("镇办公室", "admin"), "req-inside")
    call = call_logs._call.set(call_logs.CallInfo("/kaoping.v1.X/Y"))
    try:
        logging.getLogger("kaoping.somewhere").warning("something happened: %d", 3)
    finally:
        call_logs._call.reset(call)
        audit.end(token)
    logging.getLogger("kaoping.somewhere").info("outside any call")
    inside, outside = logs()[-2:]
    assert inside == {**inside, "msg": "something happened: 3", "level": "WARNING",
                      "request_id": "req-inside", "caller": "镇办公室", "role": "admin",
                      "method": "/kaoping.v1.X/Y"}
    assert "request_id" not in outside and outside["msg"] == "outside any call"


def test_text_logs_name_the_call_too():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(call_logs.TextFormatter())
    handler.addFilter(call_logs.ContextFilter())
    logger = logging.getLogger("kaoping.text-test")
    logger.addHandler(handler)
    token = audit.begin(Principal("镇办公室", "admin"), "req-text")
    try:
        logger.warning("hello")
    finally:
        audit.end(token)
        logger.removeHandler(handler)
    assert "hello [request_id=req-text caller=镇办公室" in stream.getvalue()


def test_metrics_count_rpcs_facts_and_the_active_version(served):
    server, stubs, channel = served
    stubs.facts.SubmitFact(fx.SubmitFactRequest(fact=fact(month="2026-05", key="m-1")))
    stubs.facts.SubmitFact(fx.SubmitFactRequest(fact=fact(month="2026-05", key="m-1")))   # resend
    batch = [fact(month="2026-05", key=f"m-b{i}") for i in range(5)] + \
            [fact(month="2026-05", official="nobody", key="m-bad")]
    result = stubs.facts.SubmitFacts(iter([fx.FactBatch(facts=batch)]))
    assert (result.accepted, result.rejected) == (5, 1)
    with pytest.raises(grpc.RpcError):
        stubs.facts.SubmitFact(fx.SubmitFactRequest(fact=fact(month="2026-05", kind="no_such_kind")))
    m = scrape(server)
    submit = ("service", "kaoping.v1.FactService"), ("method", "SubmitFact")
    assert m[("kaoping_rpc_handled_total", tuple(sorted((*submit, ("code", "OK")))))] == 2
    assert m[("kaoping_rpc_handled_total", tuple(sorted((*submit, ("code", "INVALID_ARGUMENT")))))] == 1
    assert m[("kaoping_rpc_duration_seconds_count", tuple(sorted(submit)))] == 3
    assert m[("kaoping_facts_ingested_total", (("outcome", "stored"),))] == 6
    assert m[("kaoping_facts_ingested_total", (("outcome", "duplicate"),))] == 1
    assert m[("kaoping_facts_ingested_total", (("outcome", "rejected"),))] == 2
    assert m[("kaoping_rpc_in_flight", ())] == 0
    assert m[("kaoping_active_ruleset_version", (("township", ""),))] == 1
    assert any(name == "process_resident_memory_bytes" for name, _ in m)

    uploaded = stubs.rulesets.UploadRuleSet(rs.RuleSetSource(text=stricter())).ref
    stubs.rulesets.ActivateRuleSet(rs.ActivateRuleSetRequest(id=uploaded.id))
    m = scrape(server)
    # the only township's own log now serves it; the deployment default is unchanged
    assert m[("kaoping_active_ruleset_version", (("township", "dahedian"),))] == uploaded.id
    assert m[("kaoping_active_ruleset_version", (("township", ""),))] == 1
    assert m[("kaoping_active_ruleset_info", (("content_hash", uploaded.content_hash),
                                               ("label", uploaded.label), ("township", "dahedian"),
                                               ("version", str(uploaded.id))))] == 1


def test_health_port_is_plaintext_and_health_only(served):
    server, _, _ = served
    channel = grpc.insecure_channel(f"127.0.0.1:{server.health_port}")
    try:
        health = health_pb2_grpc.HealthStub(channel)
        assert health.Check(health_pb2.HealthCheckRequest(), timeout=5).status == SERVING
        assert health.Check(health_pb2.HealthCheckRequest(service="kaoping.v1.FactService"),
                            timeout=5).status == SERVING
        with pytest.raises(grpc.RpcError) as other:
            stubs_for(channel, "").facts.SubmitFact(fx.SubmitFactRequest(fact=fact()), timeout=5)
        assert other.value.code() == grpc.StatusCode.UNIMPLEMENTED
    finally:
        channel.close()


def test_unreachable_database_reports_not_serving_until_it_is_back(served, monkeypatch):
    server, _, _ = served
    channel = grpc.insecure_channel(f"127.0.0.1:{server.health_port}")
    health = health_pb2_grpc.HealthStub(channel)

    def status(service: str) -> int:
        return health.Check(health_pb2.HealthCheckRequest(service=service), timeout=5).status

    def wait_for(service: str, wanted: int) -> bool:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if status(service) == wanted:
                return True
            time.sleep(0.02)
        return False

    real = server.replica.marks

    def down():
        raise ConnectionError("database unreachable (simulated)")
    try:
        monkeypatch.setattr(server.replica, "marks", down)
        assert wait_for("kaoping.v1.EvaluationService", NOT_SERVING)
        assert status("") == SERVING            # the process is alive: liveness stays green
        monkeypatch.setattr(server.replica, "marks", real)
        assert wait_for("kaoping.v1.EvaluationService", SERVING)
        assert scrape(server)[("kaoping_replica_refreshes_total", (("what", "error"),))] >= 3
    finally:
        channel.close()
