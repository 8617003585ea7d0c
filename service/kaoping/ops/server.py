"""`kaoping-server`: the threaded gRPC server for one township database."""
from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from concurrent import futures
from dataclasses import dataclass
from pathlib import Path

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from kaoping.api.rulesets_servicer import RuleSetServicer
from kaoping.api.servicers import EvaluationServicer, FactServicer, RegistryServicer
from kaoping.api.admission import Admission
from kaoping.api import wire
from kaoping.api.auth import AuthInterceptor
from kaoping.ops import logs, observability, probe, reflection_v1, replica
from kaoping.ops.readiness import Readiness, probe_target
from kaoping.usecases.app import Kaoping
from kaoping.ops.limits import Limits
from kaoping.domain.principal import INSECURE_DEV
from kaoping.usecases.tokens import Tokens
from kaoping.ops.watch import RuleFileWatcher
from kaoping.usecases.rulesets import RuleSets
from kaoping.usecases.sample import load_sample
from kaoping.storage.store import Store
from kaoping.api.audit_servicer import AuditServicer
from kaoping.api.workflow_servicer import WorkflowServicer
from kaoping.api.rectification_servicer import RectificationServicer
from kaoping.api.yearend_servicer import YearEndServicer
from kaoping.api.tokens_servicer import TokenServicer
from kaoping.v1 import audit_pb2, audit_pb2_grpc
from kaoping.v1 import workflow_pb2, workflow_pb2_grpc
from kaoping.v1 import rectification_pb2, rectification_pb2_grpc
from kaoping.v1 import yearend_pb2, yearend_pb2_grpc
from kaoping.v1 import tokens_pb2, tokens_pb2_grpc
from kaoping.v1 import (evaluation_pb2, facts_pb2, facts_pb2_grpc, registry_pb2,
                        registry_pb2_grpc, rulesets_pb2, rulesets_pb2_grpc)

log = logging.getLogger("kaoping")
SHIPPED_RULES = Path(__file__).resolve().parents[3] / "rules" / "township-sample.yaml"
DEFAULT_DB = "sqlite:///kaoping.db"
SERVICES = [facts_pb2, evaluation_pb2, rulesets_pb2, registry_pb2, audit_pb2, workflow_pb2, yearend_pb2,
            tokens_pb2, rectification_pb2]
# Worker threads admission control never hands out: health checks, the readiness
# self-probe and immediate refusals always find one (kaoping.api.admission).
RESERVED_WORKERS = 2


def build_app(db: str, rules: Path, sample: bool = False, limits: Limits = Limits()) -> Kaoping:
    store = Store(db, busy_timeout=limits.db_busy_seconds)
    if sample:
        load_sample(store)
    probe.configure(limits.probe_timeout)  # before bootstrap: it probes the active version
    rulesets = RuleSets(store)
    rulesets.bootstrap(rules.read_text(encoding="utf-8"), rules.name)
    return Kaoping(store, rulesets, limits=limits)


def add_services(app: Kaoping, server: grpc.Server, tokens: Tokens) -> None:
    """Every kaoping.v1 service on `server` (the tests' servers add the same list)."""
    facts_pb2_grpc.add_FactServiceServicer_to_server(FactServicer(app), server)
    # GetMonthlyScores replies with pre-encoded scores (kaoping.api.wire)
    wire.add_service(EvaluationServicer(app), server, evaluation_pb2, "EvaluationService")
    rulesets_pb2_grpc.add_RuleSetServiceServicer_to_server(RuleSetServicer(app), server)
    registry_pb2_grpc.add_RegistryServiceServicer_to_server(RegistryServicer(app), server)
    audit_pb2_grpc.add_AuditServiceServicer_to_server(AuditServicer(app), server)
    workflow_pb2_grpc.add_WorkflowServiceServicer_to_server(WorkflowServicer(app), server)
    yearend_pb2_grpc.add_YearEndServiceServicer_to_server(YearEndServicer(app), server)
    rectification_pb2_grpc.add_RectificationServiceServicer_to_server(RectificationServicer(app), server)
    tokens_pb2_grpc.add_TokenServiceServicer_to_server(TokenServicer(tokens), server)


class Server:
    def __init__(self, app: Kaoping, listen: str, workers: int = 16, *, insecure_dev: bool = False,
                 tls: "TlsFiles | None" = None, refresh_interval: float = replica.DEFAULT_INTERVAL,
                 metrics_listen: str | None = None, health_listen: str | None = None,
                 access_log: bool = True, reflection_requires_token: bool = False):
        self.app = app
        self.telemetry = observability.Telemetry(app, access_log)
        self.metrics_listen, self.metrics_port = metrics_listen, None
        self.tokens = Tokens(app.store)
        self.health = health.HealthServicer()
        limits = app.limits
        self.admission = admission_for(limits, workers)
        self.auth = auth = AuthInterceptor(self.tokens.resolve, INSECURE_DEV if insecure_dev else None,
                                           limits.max_concurrent_per_caller, limits.max_streams_per_caller,
                                           reflection_requires_token)
        self.grpc = grpc.server(futures.ThreadPoolExecutor(max_workers=workers),
                                interceptors=[self.telemetry.outer, self.admission, auth,
                                              self.telemetry.inner],
                                options=[("grpc.max_receive_message_length", limits.max_message_bytes),
                                         ("grpc.max_send_message_length", limits.max_message_bytes)])
        # the interceptor's Tokens: a revocation here drops this replica's cache at once
        add_services(app, self.grpc, self.tokens)
        health_pb2_grpc.add_HealthServicer_to_server(self.health, self.grpc)
        names = [s.DESCRIPTOR.services_by_name[n].full_name for s in SERVICES
                 for n in s.DESCRIPTOR.services_by_name]
        # v1 and v1alpha (kaoping.ops.reflection_v1): tools ask for v1 first
        reflection_v1.enable(names + [health_pb2.DESCRIPTOR.services_by_name["Health"].full_name], self.grpc)
        self.port = (self.grpc.add_secure_port(listen, tls.credentials()) if tls
                     else self.grpc.add_insecure_port(listen))
        if self.port == 0:
            raise SystemExit(f"cannot listen on {listen}")
        self._names = names
        self.health_grpc, self.health_port = (observability.health_only_server(self.health, health_listen)
                                              if health_listen else (None, None))
        if self.telemetry.metrics.enabled:
            from kaoping.ops.capacity_metrics import CapacityCollector
            self.telemetry.metrics.registry.register(CapacityCollector(self.admission, app.month_cache))
        self.readiness = Readiness(self.health, names, self.admission.saturated_for,
                                   limits.saturated_seconds,
                                   None if tls else probe_target(listen, self.port))
        # other replicas' activations and registry writes; NOT_SERVING while the db is unreachable
        self.replica = replica.ReplicaSync(
            app, refresh_interval, on_refresh=self.telemetry.metrics.refreshed,
            on_down=lambda: self.readiness.set_reason("database", True),
            on_up=lambda: self.readiness.set_reason("database", False))

    def start(self) -> None:
        self.grpc.start()
        if self.health_grpc is not None:
            self.health_grpc.start()
        if self.metrics_listen:
            self.metrics_port = self.telemetry.serve_metrics(self.metrics_listen)
        self.health.set("", health_pb2.HealthCheckResponse.SERVING)
        self.readiness.start()
        self.replica.start()

    def stop(self, grace: float = 10.0) -> None:
        """Graceful: report NOT_SERVING, let in-flight calls finish, close the database."""
        self.health.enter_graceful_shutdown()
        self.app.watch.close()   # watch streams end OK now, not at the end of the grace
        if not self.grpc.stop(grace).wait(grace + 5):
            log.warning("calls still running %.0f s after stop; closing anyway", grace + 5)
        self.replica.stop()
        self.readiness.stop()
        self.admission.stop()
        if self.health_grpc is not None:
            self.health_grpc.stop(0).wait()
        self.telemetry.stop()
        self.app.rulesets.close()
        self.app.store.close()
        probe.PROBER.close()


def admission_for(limits: Limits, workers: int) -> Admission:
    """The server's bounds, kept inside its pool: at most workers - RESERVED_WORKERS
    calls in all, and neither client streams nor reflection may take every one of them."""
    total = min(limits.max_in_flight, workers - RESERVED_WORKERS)
    if total < 1:
        raise SystemExit(f"--workers {workers} is too few: at least {RESERVED_WORKERS + 1}")
    if total < limits.max_in_flight:
        log.info("calls in flight bounded at %d (--workers %d less %d reserved)",
                 total, workers, RESERVED_WORKERS)
    share = max(1, total - 1)
    return Admission(total, min(limits.max_streams, share), min(limits.max_reflection_streams, share),
                     limits.stream_idle_seconds)


@dataclass(frozen=True)
class TlsFiles:
    cert: Path
    key: Path
    client_ca: Path | None = None

    def credentials(self) -> grpc.ServerCredentials:
        pair = [(self.key.read_bytes(), self.cert.read_bytes())]
        if self.client_ca:  # mutual TLS: only clients with a certificate from this CA
            return grpc.ssl_server_credentials(pair, self.client_ca.read_bytes(), True)
        return grpc.ssl_server_credentials(pair)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["tokens"]:
        from kaoping.ops.token_cli import main as tokens_main
        return tokens_main(argv[1:])
    if argv[:1] in (["backup"], ["restore"]):
        from kaoping.ops.backup import main as backup_main
        return backup_main(argv[1:], argv[0])
    parser = argparse.ArgumentParser(
        prog="kaoping-server", description=__doc__,
        epilog="Tokens: kaoping-server tokens create|revoke|list --help; SQLite backups: "
               "kaoping-server backup|restore --help")
    parser.add_argument("--listen", default="127.0.0.1:50051")
    parser.add_argument("--db", default=os.environ.get("KAOPING_DB", DEFAULT_DB),
                        help="SQLAlchemy URL (default: $KAOPING_DB, else ./kaoping.db)")
    parser.add_argument("--rules", type=Path, default=SHIPPED_RULES,
                        help="rule file that seeds the first version (default: the shipped sample)")
    parser.add_argument("--load-sample", action="store_true",
                        help="add the sample township (17 villages) to the registry first")
    parser.add_argument("--workers", type=int, default=16)
    parser.add_argument("--watch", action="store_true",
                        help="reload --rules when the file changes (a bad file is logged and ignored)")
    defaults = Limits()
    parser.add_argument("--max-message-mb", type=int, default=defaults.max_message_bytes // 2**20)
    parser.add_argument("--max-batch", type=int, default=defaults.max_batch,
                        help="facts in one SubmitFacts stream message")
    parser.add_argument("--max-note", type=int, default=defaults.max_note, help="characters in a note")
    parser.add_argument("--max-concurrent-per-caller", type=int,
                        default=defaults.max_concurrent_per_caller)
    parser.add_argument("--db-busy-timeout", type=float, default=defaults.db_busy_seconds,
                        metavar="SECONDS",
                        help="how long a write waits for a locked SQLite database (never past the "
                             "call's deadline) before the call fails UNAVAILABLE (default 10)")
    parser.add_argument("--max-stream-facts", type=int, default=defaults.max_stream_facts,
                        help="facts in one SubmitFacts stream; past it the reply says stopped_early")
    parser.add_argument("--max-stream-messages", type=int, default=defaults.max_stream_messages,
                        help="messages (empty ones too) in one SubmitFacts stream")
    parser.add_argument("--max-reply-kb", type=int, default=defaults.max_reply_bytes // 1024,
                        help="largest SubmitFacts reply; keep it within your clients' receive limit")
    parser.add_argument("--max-in-flight", type=int, default=defaults.max_in_flight,
                        help=f"calls and streams served at once in all (at most --workers less "
                             f"{RESERVED_WORKERS}); more are refused with RESOURCE_EXHAUSTED")
    parser.add_argument("--max-streams", type=int, default=defaults.max_streams,
                        help="client streams (SubmitFacts) open at once in all")
    parser.add_argument("--max-streams-per-caller", type=int, default=defaults.max_streams_per_caller)
    parser.add_argument("--max-reflection-streams", type=int, default=defaults.max_reflection_streams)
    parser.add_argument("--stream-idle-seconds", type=float, default=defaults.stream_idle_seconds,
                        help="end a client stream whose next message has not come for this long")
    parser.add_argument("--saturated-seconds", type=float, default=defaults.saturated_seconds,
                        help="report NOT_SERVING once every call slot has been taken this long")
    parser.add_argument("--reflection-requires-token", action="store_true",
                        help="serve server reflection only to callers with a valid token")
    parser.add_argument("--month-cache-entries", type=int, default=defaults.month_cache_entries,
                        help="township months whose scores are kept in memory")
    parser.add_argument("--month-cache-mb", type=int, default=defaults.month_cache_mb,
                        help="estimated memory of those months (kaoping.usecases.month_cache)")
    parser.add_argument("--probe-timeout", type=float, default=defaults.probe_timeout, metavar="SECONDS",
                        help="bound on compiling and exercising a new rule-set version in a child "
                             "process; a version that takes longer is refused")
    parser.add_argument("--max-watchers", type=int, default=defaults.max_watchers,
                        help="WatchScores streams at once (each holds a worker thread)")
    parser.add_argument("--watch-buffer", type=int, default=defaults.watch_buffer,
                        help="updates queued for a slow WatchScores reader before it is told it "
                             "fell behind and its stream ends")
    parser.add_argument("--insecure-dev", action="store_true",
                        help="DEVELOPMENT ONLY: no authentication, every caller is admin")
    parser.add_argument("--tls-cert", type=Path, help="server certificate (PEM)")
    parser.add_argument("--tls-key", type=Path, help="server private key (PEM)")
    parser.add_argument("--tls-client-ca", type=Path, help="require client certificates from this CA")
    replica.add_arguments(parser)
    observability.add_arguments(parser)
    args = parser.parse_args(argv)
    for flag in ("max_in_flight", "max_streams", "max_streams_per_caller", "max_reflection_streams",
                 "stream_idle_seconds", "saturated_seconds", "month_cache_entries", "month_cache_mb",
                 "max_concurrent_per_caller", "workers", "max_watchers", "watch_buffer"):
        if getattr(args, flag) <= 0:
            parser.error(f"--{flag.replace('_', '-')} must be positive")
    if bool(args.tls_cert) != bool(args.tls_key) or (args.tls_client_ca and not args.tls_cert):
        parser.error("--tls-cert and --tls-key go together; --tls-client-ca needs them")
    if not 0 <= args.db_busy_timeout <= 3600:
        parser.error("--db-busy-timeout is seconds from 0 to 3600")
    tls = TlsFiles(args.tls_cert, args.tls_key, args.tls_client_ca) if args.tls_cert else None
    logs.setup_logging(args.log_format, args.log_level)
    try:
        limits = Limits(max_message_bytes=args.max_message_mb * 2**20, max_batch=args.max_batch,
                        max_note=args.max_note, max_concurrent_per_caller=args.max_concurrent_per_caller,
                        db_busy_seconds=args.db_busy_timeout,
                        max_stream_facts=args.max_stream_facts,
                        max_stream_messages=args.max_stream_messages,
                        max_reply_bytes=args.max_reply_kb * 1024,
                        month_cache_entries=args.month_cache_entries, month_cache_mb=args.month_cache_mb,
                        max_in_flight=args.max_in_flight, max_streams=args.max_streams,
                        max_streams_per_caller=args.max_streams_per_caller,
                        max_reflection_streams=args.max_reflection_streams,
                        stream_idle_seconds=args.stream_idle_seconds,
                        saturated_seconds=args.saturated_seconds,
                        probe_timeout=args.probe_timeout,
                        max_watchers=args.max_watchers, watch_buffer=args.watch_buffer)
        app = build_app(args.db, args.rules, args.load_sample, limits)
    except Exception as exc:  # a bad rule file or database must say why, not trace
        log.error("cannot start: %s", exc)
        return 2
    if args.insecure_dev:
        log.warning("*" * 72)
        log.warning("INSECURE DEVELOPMENT MODE: no authentication; every caller acts as admin.")
        log.warning("Never use --insecure-dev with real data.")
        log.warning("*" * 72)
    server = Server(app, args.listen, args.workers, insecure_dev=args.insecure_dev, tls=tls,
                    refresh_interval=args.refresh_interval, metrics_listen=args.metrics_listen,
                    health_listen=args.health_listen, access_log=args.access_log,
                    reflection_requires_token=args.reflection_requires_token)
    stopped = threading.Event()

    def on_signal(signum, _frame):
        log.info("signal %s: stopping gracefully", signum)
        stopped.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    server.start()
    watcher = None
    if args.watch:
        watcher = RuleFileWatcher(args.rules, app.rulesets)
        watcher.start()
        log.info("watching %s for changes", args.rules)
    row = app.rulesets.active_row
    log.info("serving on %s (port %d), db %s, rule set %s v%d %s", args.listen, server.port,
             observability.redact(args.db), row.label, row.id, row.content_hash[:12])
    if server.health_port:
        print(f"kaoping-server health on port {server.health_port}", flush=True)
    if server.metrics_port:
        print(f"kaoping-server metrics on port {server.metrics_port}", flush=True)
    print(f"kaoping-server listening on port {server.port}", flush=True)
    while not stopped.wait(0.5):  # wakes the main thread, so a SIGTERM delivered to
        pass                      # another thread still runs on_signal promptly
    if watcher:
        watcher.stop()
    server.stop()
    log.info("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
