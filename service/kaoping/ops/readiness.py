"""Whether this replica can take calls, as grpc.health.v1 says it (both ports).

The kaoping services (what a readiness probe or load balancer asks for) are
NOT_SERVING while any reason holds, and SERVING again when none does:

* `database`: kaoping.ops.replica cannot reach the database;
* `saturated`: admission control (kaoping.api.admission) has had every slot taken
  for `saturated_seconds`, so new calls are being refused;
* `probe`: the main port did not answer its own health check PROBE_FAILURES times in
  a row (plaintext ports only; a TLS port would need a client certificate).

The server itself ("" service, liveness) stays SERVING: the process is alive, and a
busy replica should be drained, not restarted.
"""
from __future__ import annotations

import logging
import threading
from typing import Callable

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

log = logging.getLogger("kaoping.readiness")
SERVING, NOT_SERVING = health_pb2.HealthCheckResponse.SERVING, health_pb2.HealthCheckResponse.NOT_SERVING
TICK = 0.25           # how often the reasons are looked at (seconds)
PROBE_EVERY = 2.0     # seconds between self-probes
PROBE_TIMEOUT = 2.0
PROBE_FAILURES = 3    # in a row before the probe counts as a reason


class Readiness:
    def __init__(self, health, names: list[str], saturated_for: Callable[[], float],
                 saturated_seconds: float, probe_target: str | None = None, *,
                 tick: float = TICK, probe_every: float = PROBE_EVERY):
        self.health, self.names = health, names
        self.saturated_for, self.saturated_seconds = saturated_for, saturated_seconds
        self.probe_target = probe_target
        self.tick, self.probe_every = tick, probe_every
        self.reasons: set[str] = set()
        self._shown: bool | None = None    # the state last written to the health servicer
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._channel = None
        self._probe_failures = 0

    def set_reason(self, reason: str, present: bool) -> None:
        with self._lock:
            (self.reasons.add if present else self.reasons.discard)(reason)
        self._publish()

    def start(self) -> None:
        self._publish()
        self._thread = threading.Thread(target=self._run, name="kaoping-readiness", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(PROBE_TIMEOUT + 5)
            self._thread = None
        if self._channel is not None:
            self._channel.close()

    def _publish(self) -> None:
        with self._lock:
            ready, before = not self.reasons, self._shown
            if ready == before:
                return
            self._shown = ready
            reasons = sorted(self.reasons)
            for name in self.names:   # under the lock: two publishers never interleave
                self.health.set(name, SERVING if ready else NOT_SERVING)
        if not ready:
            log.warning("not ready (%s): NOT_SERVING", ", ".join(reasons))
        elif before is not None:
            log.warning("ready again: SERVING")

    def _run(self) -> None:
        since_probe = 0.0
        while not self._stop.wait(self.tick):
            self.set_reason("saturated", self.saturated_for() >= self.saturated_seconds)
            since_probe += self.tick
            if self.probe_target and since_probe >= self.probe_every:
                since_probe = 0.0
                self._probe()

    def _probe(self) -> None:
        if self._channel is None:
            self._channel = grpc.insecure_channel(self.probe_target)
        try:
            health_pb2_grpc.HealthStub(self._channel).Check(health_pb2.HealthCheckRequest(),
                                                            timeout=PROBE_TIMEOUT)
            self._probe_failures = 0
        except grpc.RpcError as exc:
            self._probe_failures += 1
            log.error("the main port did not answer its health check (%d in a row): %s",
                      self._probe_failures, exc.code())
        self.set_reason("probe", self._probe_failures >= PROBE_FAILURES)


def probe_target(listen: str, port: int) -> str:
    """Where the server reaches its own main port: the wildcard addresses via loopback."""
    host = listen.rpartition(":")[0].strip("[]")
    if host in ("", "0.0.0.0", "::"):
        host = "127.0.0.1"
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
