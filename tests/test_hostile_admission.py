"""Hardening point 1: idle streams and reflection cannot take every worker thread.
A real Server with a small pool on loopback, real tokens, a real database: streams
beyond each bound are refused at once with RESOURCE_EXHAUSTED, a normal call and the
health check still answer, an idle stream is ended after its timeout, and health says
NOT_SERVING while admission is full and SERVING again after."""
from __future__ import annotations

import threading
import time

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from kaoping.ops.limits import Limits
from kaoping.usecases.tokens import Tokens
from kaoping.v1 import evaluation_pb2 as ev
from kaoping.v1 import facts_pb2 as fx
from kaoping.v1 import registry_pb2 as rg
from tests.support.apps import make_app
from tests.support.calls import stubs_for
from tests.support.calls import violations
from tests.support.facts import fact
from tests.support.servers import running_server

TIMEOUT = 30
SERVING, NOT_SERVING = health_pb2.HealthCheckResponse.SERVING, health_pb2.HealthCheckResponse.NOT_SERVING
WORKERS = 6          # with 2 reserved: 4 calls in flight, at most 3 of them streams or reflection


def wait_until(condition, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


class Streams:
    """Client streams held open (idle) until close(); what became of each."""

    def __init__(self):
        self.release = threading.Event()
        self.calls = []

    def idle(self, first=None):
        if first is not None:
            yield first
        self.release.wait(TIMEOUT)

    def submit_facts(self, stubs, first=None):
        call = stubs.facts.SubmitFacts.future(self.idle(first), timeout=TIMEOUT)
        self.calls.append(call)
        return call

    def reflection(self, channel, metadata=()):
        stub = reflection_pb2_grpc.ServerReflectionStub(channel)
        call = stub.ServerReflectionInfo(self.idle(), timeout=TIMEOUT, metadata=metadata)
        self.calls.append(call)
        return call

    def refused(self) -> list:
        return [c for c in self.calls if c.done() and c.code() == grpc.StatusCode.RESOURCE_EXHAUSTED]

    def close(self):
        self.release.set()
        for call in self.calls:
            call.cancel()


@pytest.fixture
def served(db_url):
    """(server, channel, admin stubs, a token factory) with small bounds."""
    app = make_app(db_url)
    app.limits = Limits(max_streams_per_caller=2, stream_idle_seconds=TIMEOUT, saturated_seconds=0.3)
    issue = Tokens(app.store).create
    with running_server(app, workers=WORKERS, health_listen="127.0.0.1:0") as (server, channel):
        streams = Streams()
        try:
            yield server, channel, stubs_for(channel, issue("镇办公室", "admin")[0]), \
                lambda name: stubs_for(channel, issue(name, "admin")[0]), streams
        finally:
            streams.close()
    app.rulesets.close()
    app.store.close()


def health(channel, service: str = "") -> int:
    return health_pb2_grpc.HealthStub(channel).Check(
        health_pb2.HealthCheckRequest(service=service), timeout=5).status


def assert_still_serving(server, channel, stubs):
    assert stubs.registry.ListVillages(rg.ListVillagesRequest(), timeout=5).villages
    assert health(channel) == SERVING


def test_reflection_streams_without_a_token_cannot_take_the_pool(served):
    server, channel, stubs, _, streams = served
    for _ in range(WORKERS):              # before: six idle reflection streams stopped the API
        streams.reflection(channel)
    wait_until(lambda: len(streams.refused()) == WORKERS - 2)
    assert_still_serving(server, channel, stubs)
    assert len(streams.refused()) == WORKERS - 2 and server.admission.reflection == 2


def test_idle_submit_streams_are_bounded_per_caller_and_in_all(served):
    server, channel, stubs, caller, streams = served
    first = caller("考勤系统")
    held = [streams.submit_facts(first, fx.FactBatch(facts=[fact(key=f"s{n}")])) for n in range(2)]
    assert wait_until(lambda: server.admission.streams == 2)
    with pytest.raises(grpc.RpcError) as third:       # the caller's third stream
        first.facts.SubmitFacts(streams.idle(), timeout=5)
    assert third.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert "authorization" in violations(third.value)
    other = caller("另一个系统")
    streams.submit_facts(other)
    assert wait_until(lambda: server.admission.streams == 3)
    with pytest.raises(grpc.RpcError) as fourth:      # 3 of the 4 slots: streams in all
        other.facts.SubmitFacts(streams.idle(), timeout=5)
    assert fourth.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert "server" in violations(fourth.value)
    assert_still_serving(server, channel, stubs)
    assert not any(c.done() for c in held)


def test_calls_beyond_the_total_bound_are_refused_at_once_and_health_says_so(served):
    server, channel, stubs, caller, streams = served
    for n in range(2):
        streams.reflection(channel)
    streams.submit_facts(caller("甲"))
    streams.submit_facts(caller("乙"))
    probe = grpc.insecure_channel(f"127.0.0.1:{server.health_port}")
    try:
        service = "kaoping.v1.EvaluationService"
        # every slot taken for longer than saturated_seconds
        assert wait_until(lambda: health(probe, service) == NOT_SERVING)   # before: SERVING
        assert health(channel, service) == NOT_SERVING                    # the main port too
        assert server.admission.in_flight == 4
        with pytest.raises(grpc.RpcError) as refused:
            stubs.registry.ListVillages(rg.ListVillagesRequest(), timeout=5)
        assert refused.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert "server" in violations(refused.value)
        assert health(probe) == SERVING and health(channel) == SERVING    # alive: not restarted
        streams.close()
        assert wait_until(lambda: server.admission.in_flight == 0)
        assert wait_until(lambda: health(probe, service) == SERVING)
        assert health(channel, service) == SERVING
    finally:
        probe.close()
    assert stubs.registry.ListVillages(rg.ListVillagesRequest(), timeout=5).villages


def test_an_idle_stream_is_ended_after_the_idle_timeout(db_url):
    app = make_app(db_url)
    app.limits = Limits(stream_idle_seconds=0.5)
    token = Tokens(app.store).create("考勤系统", "admin")[0]
    streams = Streams()
    try:
        with running_server(app, workers=WORKERS) as (server, channel):
            stubs = stubs_for(channel, token)
            idle = streams.submit_facts(stubs, fx.FactBatch(facts=[fact(key="before-idle")]))
            with pytest.raises(grpc.RpcError) as ended:
                idle.result(timeout=TIMEOUT)
            assert ended.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
            assert "idle" in ended.value.details()
            assert wait_until(lambda: server.admission.in_flight == 0 and not server.auth._in_flight)
            assert [f.idempotency_key for f in app.store.facts("2026-03")] == ["before-idle"]

            def steady():   # a message every 0.2 s: never idle for 0.5 s
                for n in range(8):
                    yield fx.FactBatch(facts=[fact(key=f"steady-{n}")])
                    time.sleep(0.2)
            assert stubs.facts.SubmitFacts(steady(), timeout=TIMEOUT).accepted == 8
    finally:
        streams.close()
        app.rulesets.close()
        app.store.close()


def test_reflection_can_require_a_token(db_url):
    app = make_app(db_url)
    token = Tokens(app.store).create("开发者", "reader")[0]
    request = reflection_pb2.ServerReflectionRequest(list_services="")
    try:
        with running_server(app, workers=WORKERS, reflection_requires_token=True) as (_, channel):
            stub = reflection_pb2_grpc.ServerReflectionStub(channel)
            with pytest.raises(grpc.RpcError) as anonymous:
                list(stub.ServerReflectionInfo(iter([request]), timeout=5))
            assert anonymous.value.code() == grpc.StatusCode.UNAUTHENTICATED
            (answer,) = stub.ServerReflectionInfo(iter([request]), timeout=5,
                                                  metadata=(("authorization", f"Bearer {token}"),))
            names = {s.name for s in answer.list_services_response.service}
            assert "kaoping.v1.FactService" in names
            assert health(channel) == SERVING                  # health never needs a token
    finally:
        app.rulesets.close()
        app.store.close()


def test_a_burst_of_unauthenticated_streams_is_refused_and_the_api_answers(served):
    server, channel, stubs, _, streams = served
    anonymous = stubs_for(channel, "")
    calls = [streams.submit_facts(anonymous) for _ in range(40)]
    codes = []
    for call in calls:
        with pytest.raises(grpc.RpcError) as refused:
            call.result(timeout=TIMEOUT)
        codes.append(refused.value.code())
    # Admission counts a stream before auth looks at its token, so under load a few of the
    # burst can meet the stream bound (RESOURCE_EXHAUSTED) while others are being refused
    # for their missing token; either way none is let in, and the API still answers.
    assert set(codes) <= {grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.RESOURCE_EXHAUSTED}, codes
    assert grpc.StatusCode.UNAUTHENTICATED in codes
    assert_still_serving(server, channel, stubs)


def test_a_main_port_that_does_not_answer_its_own_probe_is_not_ready():
    """kaoping.ops.readiness's self-probe, against a real health server that goes away."""
    from concurrent import futures
    from grpc_health.v1 import health
    from kaoping.ops.readiness import PROBE_FAILURES, Readiness
    target = grpc.server(futures.ThreadPoolExecutor(2))
    health_pb2_grpc.add_HealthServicer_to_server(health.HealthServicer(), target)
    port = target.add_insecure_port("127.0.0.1:0")
    target.start()
    ours = health.HealthServicer()
    readiness = Readiness(ours, ["kaoping.v1.EvaluationService"], lambda: 0.0, 1.0,
                          f"127.0.0.1:{port}", tick=0.02, probe_every=0.05)

    def status() -> int:
        return ours.Check(health_pb2.HealthCheckRequest(service="kaoping.v1.EvaluationService"), None).status
    readiness.start()
    try:
        assert wait_until(lambda: readiness._probe_failures == 0 and status() == SERVING)
        target.stop(0).wait()
        assert wait_until(lambda: readiness._probe_failures >= PROBE_FAILURES)
        assert wait_until(lambda: status() == NOT_SERVING) and readiness.reasons == {"probe"}
    finally:
        readiness.stop()


def test_the_bounds_stay_inside_the_pool():
    from kaoping.ops.server import RESERVED_WORKERS, admission_for
    small = admission_for(Limits(), WORKERS)
    assert (small.max_in_flight, small.max_streams, small.max_reflection) == (WORKERS - RESERVED_WORKERS, 3, 2)
    default = admission_for(Limits(), 16)
    assert (default.max_in_flight, default.max_streams, default.max_reflection) == (12, 8, 2)
    tight = admission_for(Limits(), RESERVED_WORKERS + 1)      # one call: streams may take it
    assert (tight.max_in_flight, tight.max_streams, tight.max_reflection) == (1, 1, 1)
    with pytest.raises(SystemExit):
        admission_for(Limits(), RESERVED_WORKERS)


def test_capacity_is_visible_in_the_metrics(db_url):
    import urllib.request
    from prometheus_client.parser import text_string_to_metric_families
    app = make_app(db_url)
    token = Tokens(app.store).create("镇办公室", "admin")[0]
    streams = Streams()
    try:
        with running_server(app, workers=WORKERS, metrics_listen="127.0.0.1:0") as (server, channel):
            for _ in range(3):
                streams.reflection(channel)
            assert wait_until(lambda: len(streams.refused()) == 1)
            stubs_for(channel, token).evaluation.GetRanking(ev.GetRankingRequest(month="2026-03"),
                                                            timeout=TIMEOUT)
            url = f"http://127.0.0.1:{server.metrics_port}/metrics"
            with urllib.request.urlopen(url, timeout=5) as reply:
                text = reply.read().decode()
    finally:
        streams.close()
        app.rulesets.close()
        app.store.close()
    m = {(s.name, tuple(sorted(s.labels.items()))): s.value
         for family in text_string_to_metric_families(text) for s in family.samples}
    assert m[("kaoping_admission_in_flight", (("kind", "reflection"),))] == 2
    assert m[("kaoping_admission_limit", ())] == WORKERS - 2
    assert m[("kaoping_admission_refused_total", ())] == 1
    assert m[("kaoping_month_cache_entries", ())] == 1 and m[("kaoping_month_cache_bytes", ())] > 0
    assert m[("kaoping_month_computations_total", ())] == 1


def test_the_real_server_applies_the_flags(db_url, tmp_path):
    """kaoping-server --max-reflection-streams 1 --stream-idle-seconds 1: one idle
    reflection stream is admitted and ended for idleness, the others are refused, and
    the API and health still answer."""
    from tests.support.processes import server_process
    streams = Streams()
    with server_process(tmp_path, "--db", db_url, "--insecure-dev", "--workers", "5",
                        "--max-reflection-streams", "1", "--stream-idle-seconds", "1") as (proc, port):
        channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        try:
            calls = [streams.reflection(channel) for _ in range(3)]
            assert wait_until(lambda: len(streams.refused()) == 2)
            assert health(channel) == SERVING
            stubs_for(channel, "").registry.ListVillages(rg.ListVillagesRequest(), timeout=5)  # answers
            (admitted,) = [c for c in calls if c not in streams.refused()]
            with pytest.raises(grpc.RpcError) as ended:
                next(admitted)
            assert ended.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
            assert "idle" in ended.value.details()
        finally:
            streams.close()
            channel.close()
        proc.terminate()
        assert proc.wait(30) == 0
