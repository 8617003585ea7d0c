"""Logs, metrics and probes for `kaoping-server`.

* Logs (kaoping.ops.logs): `--log-format text|json`. Every record written while an RPC is served carries
  the call's request id (unique per call, the one its audit entries record; built on
  the caller's checked `x-request-id`, kaoping.api.request_ids), the caller (token
  name and role) and the method; one access line per RPC
  (logger `kaoping.access`) adds the status code and duration.
* Metrics: `--metrics-listen HOST:PORT` serves Prometheus text at `/metrics`
  (prometheus-client): RPC counts by method and code, latency histograms, RPCs in
  flight, facts ingested by outcome, the active rule-set version, replica refreshes,
  and the process collector (CPU, memory, open files).
* Probes: `--health-listen HOST:PORT` serves only `grpc.health.v1` without TLS or
  tokens, for kubelet gRPC probes (which cannot speak TLS) when the API port uses TLS.

deploy/README.md ("Observability") lists every metric and log field.
"""
from __future__ import annotations

import argparse
import logging
import time
from concurrent import futures

import grpc
from grpc_health.v1 import health_pb2_grpc

from kaoping.usecases import audit
from kaoping.api.request_ids import client_request_id
from kaoping.ops.logfmt import logfmt
from kaoping.ops.logs import ACCESS, CallInfo, _call

try:  # a declared dependency; the server still runs (without /metrics) if it is missing
    import prometheus_client as _prom
except ImportError:  # pragma: no cover - exercised only where the package is absent
    _prom = None

log = logging.getLogger("kaoping.observability")
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


# command line ---------------------------------------------------------------------
def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("observability")
    group.add_argument("--log-format", choices=("text", "json"), default="text",
                       help="json: one JSON object a line with request_id, caller, method")
    group.add_argument("--log-level", default="INFO", choices=("DEBUG", "INFO", "WARNING", "ERROR"))
    group.add_argument("--no-access-log", dest="access_log", action="store_false",
                       help="do not log one line per RPC")
    group.add_argument("--metrics-listen", metavar="HOST:PORT",
                       help="serve Prometheus metrics at http://HOST:PORT/metrics (off by default)")
    group.add_argument("--health-listen", metavar="HOST:PORT",
                       help="also serve grpc.health.v1 alone, in plaintext, here (for kubelet probes)")


# metrics ----------------------------------------------------------------------------
class Metrics:
    """The server's Prometheus metrics, in a registry of its own (so that several
    servers in one test process do not collide)."""

    def __init__(self, app):
        self.app = app
        self.registry = None
        if _prom is None:
            return
        reg = self.registry = _prom.CollectorRegistry(auto_describe=True)
        _prom.ProcessCollector(registry=reg)
        _prom.PlatformCollector(registry=reg)
        self.handled = _prom.Counter("kaoping_rpc_handled", "RPCs completed, by method and status code",
                                     ["service", "method", "code"], registry=reg)
        self.latency = _prom.Histogram("kaoping_rpc_duration_seconds", "RPC latency, from the call "
                                       "reaching the server to its reply", ["service", "method"],
                                       buckets=LATENCY_BUCKETS, registry=reg)
        self.in_flight = _prom.Gauge("kaoping_rpc_in_flight", "RPCs being served now", registry=reg)
        self.facts = _prom.Counter("kaoping_facts_ingested", "facts by outcome: stored (new), duplicate "
                                   "(idempotent resend), rejected", ["outcome"], registry=reg)
        self.refreshes = _prom.Counter("kaoping_replica_refreshes", "changes made through another "
                                       "process picked up from the database (ruleset, registry), and "
                                       "failed polls (error)", ["what"], registry=reg)
        for outcome in ("stored", "duplicate", "rejected"):
            self.facts.labels(outcome)
        for what in ("ruleset", "registry", "error"):
            self.refreshes.labels(what)
        reg.register(_RuleSetCollector(app))

    @property
    def enabled(self) -> bool:
        return self.registry is not None

    def observe(self, method: str, code: str, seconds: float) -> None:
        if self.registry is None:
            return
        service, _, name = method.lstrip("/").partition("/")
        self.handled.labels(service, name, code).inc()
        self.latency.labels(service, name).observe(seconds)

    def add_facts(self, stored: int = 0, duplicate: int = 0, rejected: int = 0) -> None:
        if self.registry is None:
            return
        for outcome, n in (("stored", stored), ("duplicate", duplicate), ("rejected", rejected)):
            if n:
                self.facts.labels(outcome).inc(n)

    def refreshed(self, what: str) -> None:
        if self.registry is not None:
            self.refreshes.labels(what).inc()

    def exposition(self) -> bytes:
        return _prom.generate_latest(self.registry) if self.registry is not None else b""

    def serve(self, listen: str):
        """Starts the /metrics HTTP server; returns (httpd, port)."""
        if self.registry is None:
            raise SystemExit("--metrics-listen needs the prometheus-client package")
        host, port = split_address(listen)
        httpd, _thread = _prom.start_http_server(port, addr=host, registry=self.registry)
        return httpd, httpd.server_address[1]


class _RuleSetCollector:
    """The active rule-set version, read at scrape time (so it is never stale)."""

    def __init__(self, app):
        self.app = app

    def describe(self):
        return []

    def collect(self):
        from prometheus_client.core import GaugeMetricFamily
        try:
            served = self.app.rulesets.served_rows()
        except Exception:  # not loaded yet, or closed
            return
        # one series per activation log: township "" is the deployment default, which
        # townships without a version of their own serve
        version = GaugeMetricFamily("kaoping_active_ruleset_version",
                                    "id of the rule-set version this replica serves, per township",
                                    labels=["township"])
        info = GaugeMetricFamily("kaoping_active_ruleset_info", "the served rule-set version (always 1)",
                                 labels=["township", "version", "content_hash", "label"])
        for township, row in sorted(served.items()):
            version.add_metric([township], row.id)
            info.add_metric([township, str(row.id), row.content_hash, row.label], 1)
        yield version
        yield info


def split_address(listen: str) -> tuple[str, int]:
    host, sep, port = listen.rpartition(":")
    if not sep or not port.isdigit():
        raise SystemExit(f"bad address {listen!r}: expected HOST:PORT")
    return host.strip("[]") or "127.0.0.1", int(port)


# interceptors -----------------------------------------------------------------------
def _code_name(code) -> str:
    if code is None:
        return ""
    if isinstance(code, grpc.StatusCode):
        return code.name
    for status in grpc.StatusCode:
        if status.value[0] == code:
            return status.name
    return str(code)


def _final_code(context, default: str) -> str:
    """The status the call ends with. A call gRPC itself already ended (a request
    message it could not decode: INTERNAL; the client went away: CANCELLED) has no
    code set by the handler but is no longer active."""
    code = _code_name(context.code())
    if code:
        return code
    try:
        if context.is_active():
            return default
    except Exception:
        return default
    state = getattr(context, "_state", None)
    return "CANCELLED" if getattr(state, "client", None) == "cancelled" else "INTERNAL"


def _wrap(handler, make):
    """Wraps unary and client-streaming handlers; server-streaming ones pass through."""
    for kind in ("unary_unary", "stream_unary"):
        behavior = getattr(handler, kind)
        if behavior is not None:
            factory = getattr(grpc, f"{kind}_rpc_method_handler")
            return factory(make(behavior), request_deserializer=handler.request_deserializer,
                           response_serializer=handler.response_serializer)
    return handler


class Telemetry:
    """The outer interceptor (timing, status, metrics, the access line) and the inner
    one (learns the authenticated caller). Install as [telemetry.outer, auth, telemetry.inner]."""

    def __init__(self, app, access_log: bool = True):
        self.app = app
        self.access_log = access_log
        self.metrics = Metrics(app)
        self.outer = _Outer(self)
        self.inner = _Inner()
        self._httpd = None
        self.metrics_port: int | None = None

    def serve_metrics(self, listen: str) -> int:
        self._httpd, self.metrics_port = self.metrics.serve(listen)
        return self.metrics_port

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    # what one call did
    def finished(self, info: CallInfo, code: str, seconds: float, response) -> None:
        self.metrics.observe(info.method, code, seconds)
        self._count_facts(info.method, code, response)
        if self.access_log:
            ACCESS.info("%s %s %.1fms request_id=%s caller=%s", info.method, code, seconds * 1000,
                        logfmt(info.request_id), logfmt(info.caller or "-"),
                        extra={"method": info.method, "code": code,
                               "duration_ms": round(seconds * 1000, 2), "request_id": info.request_id,
                               "client_request_id": info.client_request_id,
                               "caller": info.caller, "role": info.role})

    def _count_facts(self, method: str, code: str, response) -> None:
        if not method.startswith("/kaoping.v1.FactService/"):
            return
        name = method.rsplit("/", 1)[1]
        if name == "SubmitFact":
            if code != "OK":
                self.metrics.add_facts(rejected=1)
            elif response is not None:
                self.metrics.add_facts(stored=0 if response.duplicate else 1,
                                       duplicate=1 if response.duplicate else 0)
        elif name == "SubmitFacts" and code == "OK" and response is not None:
            self.metrics.add_facts(stored=response.accepted - response.duplicates,
                                   duplicate=response.duplicates, rejected=response.rejected)
        elif name == "CorrectFact" and code == "OK" and response is not None:
            receipts = [response.correction] + ([response.replacement]
                                                if response.HasField("replacement") else [])
            dup = sum(1 for r in receipts if r.duplicate)
            self.metrics.add_facts(stored=len(receipts) - dup, duplicate=dup)


class _Outer(grpc.ServerInterceptor):
    def __init__(self, telemetry: Telemetry):
        self.telemetry = telemetry

    def intercept_service(self, continuation, details):
        handler = continuation(details)
        if handler is None:
            return None
        method = details.method
        rid = client_request_id(details.invocation_metadata)[0]   # a bad one is refused by auth
        telemetry = self.telemetry
        metrics = telemetry.metrics

        def make(behavior):
            def run(request, context):
                info = CallInfo(method, client_request_id=rid)
                token = _call.set(info)
                if metrics.enabled:
                    metrics.in_flight.inc()
                started = time.perf_counter()
                response, code = None, "OK"
                try:
                    response = behavior(request, context)
                    code = _final_code(context, "OK")
                    return response
                except BaseException:
                    code = _final_code(context, "UNKNOWN")
                    raise
                finally:
                    seconds = time.perf_counter() - started
                    if metrics.enabled:
                        metrics.in_flight.dec()
                    if not info.request_id:   # refused before auth gave it one
                        info.request_id = audit.new_request_id(rid)
                    try:
                        telemetry.finished(info, code, seconds, response)
                    except Exception:  # never fail a call for its telemetry
                        log.exception("telemetry failed for %s", method)
                    _call.reset(token)
            return run
        return _wrap(handler, make)


class _Inner(grpc.ServerInterceptor):
    """Runs inside AuthInterceptor: copies the authenticated caller into the call info."""

    def intercept_service(self, continuation, details):
        handler = continuation(details)
        if handler is None:
            return None

        def make(behavior):
            def run(request, context):
                info, request_ = _call.get(), audit.current_or_none()
                if info is not None and request_ is not None:
                    info.caller = request_.principal.name
                    info.role = request_.principal.role
                    info.request_id = request_.request_id
                return behavior(request, context)
            return run
        return _wrap(handler, make)


# probes -----------------------------------------------------------------------------
def health_only_server(health_servicer, listen: str) -> tuple[grpc.Server, int]:
    """A plaintext server with grpc.health.v1 only, sharing the main server's health
    states, for probes that cannot present TLS or a token (kubelet)."""
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4, thread_name_prefix="kaoping-health"))
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    port = server.add_insecure_port(listen)
    if port == 0:
        raise SystemExit(f"cannot listen on {listen} (--health-listen)")
    return server, port


def redact(url: str) -> str:
    """A database URL fit for a log line (no password)."""
    try:
        from sqlalchemy.engine import make_url
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url.split("@")[-1] if "@" in url else url
