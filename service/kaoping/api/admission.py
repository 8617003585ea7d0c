"""Admission control: no burst of calls or idle streams can take every worker thread.

grpcio runs each call on one thread of the server's pool for as long as the call
lasts; a client stream waiting for its next message holds its thread idle. Without
bounds, sixteen idle `SubmitFacts` or reflection streams (reflection needs no token)
stopped the whole API, health checks included. This interceptor, the outermost one
after telemetry, counts every call except grpc.health.v1 when it starts running:

* `max_in_flight` calls and streams in all, kept below the pool size by the server
  (kaoping.ops.server: RESERVED_WORKERS threads stay free for health checks and for the
  immediate refusals below);
* `max_streams` client-streaming calls in all (reflection not included);
* `max_reflection` reflection streams, so reflection never takes the API's threads.

A call over a bound is refused at once with RESOURCE_EXHAUSTED (never queued). The
per-caller bounds (calls and streams per token) are in kaoping.api.auth, which
knows the caller. A client stream whose next message does not arrive within
`idle_seconds` is ended by the IdleWatchdog with DEADLINE_EXCEEDED.
`saturated_for()` tells kaoping.ops.readiness how long the server has been full.
"""
from __future__ import annotations

import logging
import threading
import time

import grpc

from kaoping.api import policy
from kaoping.api.errors import to_status
from kaoping.domain.errors import ResourceExhausted, Violation

log = logging.getLogger("kaoping.admission")
HEALTH = "/grpc.health.v1.Health/"


class Admission(grpc.ServerInterceptor):
    def __init__(self, max_in_flight: int, max_streams: int, max_reflection: int,
                 idle_seconds: float, clock=time.monotonic):
        self.max_in_flight, self.max_streams, self.max_reflection = max_in_flight, max_streams, max_reflection
        self.clock = clock
        self.watchdog = IdleWatchdog(idle_seconds, clock)
        self.in_flight = self.streams = self.reflection = 0
        self.refused = 0
        self._full_since: float | None = None
        self._lock = threading.Lock()

    # the counts ---------------------------------------------------------------
    def saturated_for(self) -> float:
        """Seconds since every slot was taken (0 while a call can still be admitted)."""
        with self._lock:
            return 0.0 if self._full_since is None else self.clock() - self._full_since

    def _admit(self, kind: str) -> None:
        with self._lock:
            if self.in_flight >= self.max_in_flight:
                raise self._refuse("calls", self.in_flight, self.max_in_flight, "calls and streams")
            if kind == "stream" and self.streams >= self.max_streams:
                raise self._refuse("streams", self.streams, self.max_streams, "client streams")
            if kind == "reflection" and self.reflection >= self.max_reflection:
                raise self._refuse("reflection", self.reflection, self.max_reflection,
                                   "reflection streams")
            self.in_flight += 1
            self.streams += kind == "stream"
            self.reflection += kind == "reflection"
            if self.in_flight >= self.max_in_flight and self._full_since is None:
                self._full_since = self.clock()

    def _refuse(self, what: str, busy: int, bound: int, label: str) -> ResourceExhausted:
        self.refused += 1
        return ResourceExhausted(f"the server is busy: {busy} {label} in flight", [Violation(
            "server", f"at most {bound} {label} at once ({what}); retry with backoff")],
                                 zh=f"服务器正忙（同时处理的请求已达上限 {bound}）：请稍等片刻再试")

    def _release(self, kind: str) -> None:
        with self._lock:
            self.in_flight -= 1
            self.streams -= kind == "stream"
            self.reflection -= kind == "reflection"
            if self.in_flight < self.max_in_flight:
                self._full_since = None

    # the interceptor -----------------------------------------------------------
    def intercept_service(self, continuation, details):
        handler = continuation(details)
        if handler is None or details.method.startswith(HEALTH):
            return handler   # health always runs: it is how the server says it is full
        if policy.is_reflection(details.method):
            kind = "reflection"
        else:
            kind = "stream" if handler.request_streaming else "call"
        return _wrap(handler, lambda behavior, streaming_out: self._guarded(
            behavior, kind, handler.request_streaming, streaming_out))

    def _guarded(self, behavior, kind: str, streaming_in: bool, streaming_out: bool):
        def run(request, context):
            try:
                self._admit(kind)
            except ResourceExhausted as exc:
                context.abort_with_status(to_status(exc))
            release = _once(lambda: self._release(kind))
            context.add_callback(release)   # whatever way the call ends
            try:
                if streaming_in:
                    request = self.watchdog.watch(request, context)
                result = behavior(request, context)
            except BaseException:
                release()
                raise
            if streaming_out:
                return _releasing(result, release)
            release()
            return result
        return run

    def stop(self) -> None:
        self.watchdog.stop()


class IdleWatchdog:
    """Ends client streams whose next message has not arrived within idle_seconds.
    One thread for all streams, started with the first one."""

    def __init__(self, idle_seconds: float, clock=time.monotonic):
        self.idle_seconds, self.clock = idle_seconds, clock
        self._last: dict[int, tuple[float, object]] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.closed = 0

    def watch(self, requests, context):
        key = id(context)
        with self._lock:
            self._last[key] = (self.clock(), context)
            if self._thread is None and not self._stop.is_set():
                self._thread = threading.Thread(target=self._run, name="kaoping-idle-watchdog",
                                                daemon=True)
                self._thread.start()
        return self._stamped(requests, key, context)

    def _stamped(self, requests, key, context):
        try:
            for request in requests:
                with self._lock:   # the handler's own work on a message is not idleness
                    self._last[key] = (float("inf"), context)
                yield request
                with self._lock:   # it asks for the next message: the client's turn
                    self._last[key] = (self.clock(), context)
        finally:
            with self._lock:
                self._last.pop(key, None)

    def _run(self) -> None:
        tick = max(0.01, min(self.idle_seconds / 4, 1.0))
        while not self._stop.wait(tick):
            now = self.clock()
            with self._lock:
                idle = [(k, c) for k, (t, c) in self._last.items() if now - t > self.idle_seconds]
                for k, _ in idle:
                    del self._last[k]
            for _, context in idle:
                self.closed += 1
                _end(context, f"no message for {self.idle_seconds:g} s: the server closes idle "
                              f"streams (--stream-idle-seconds)")

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)


def _end(context, details: str) -> None:
    """Cancels the call with DEADLINE_EXCEEDED and a reason; grpcio's public
    context.cancel() can only say CANCELLED, so it is the fallback."""
    try:
        context._rpc_event.call.cancel(grpc.StatusCode.DEADLINE_EXCEEDED.value[0], details)
    except Exception:  # noqa: BLE001 - a grpcio without that internal: plain cancel
        log.debug("cancel with status unavailable", exc_info=True)
        context.cancel()
    log.warning("closed an idle stream: %s", details)


def _once(action):
    lock, done = threading.Lock(), [False]

    def run() -> None:
        with lock:
            if done[0]:
                return
            done[0] = True
        action()
    return run


def _releasing(responses, release):
    try:
        yield from responses
    finally:
        release()


def _wrap(handler, make):
    for kind in ("unary_unary", "unary_stream", "stream_unary", "stream_stream"):
        behavior = getattr(handler, kind)
        if behavior is not None:
            factory = getattr(grpc, f"{kind}_rpc_method_handler")
            return factory(make(behavior, kind.endswith("stream")),
                           request_deserializer=handler.request_deserializer,
                           response_serializer=handler.response_serializer)
    return handler
