"""Bearer-token authentication and the role check, in one interceptor.

Every call except health and reflection must carry `authorization: Bearer <token>`.
The interceptor resolves the token to a Principal, refuses methods the role may not
call (kaoping.api.policy), and makes the Principal available to the servicer through
`caller(context)`. With --insecure-dev every call is the INSECURE_DEV admin.
"""
from __future__ import annotations

import contextlib
import threading
from typing import Callable

import grpc

from kaoping.usecases import audit, cancellation
from kaoping.api import policy
from kaoping.api.errors import to_status
from kaoping.domain.errors import (InvalidArgument, PermissionDenied, ResourceExhausted,
                                   Unauthenticated, Violation)
from kaoping.domain.principal import Principal
from kaoping.api.request_ids import REQUEST_ID, client_request_id  # noqa: F401 - REQUEST_ID re-exported
from kaoping.storage import faults


def caller(context=None) -> Principal:
    """The authenticated caller of the RPC being served on this thread."""
    request = audit.current_or_none()
    if request is None:
        raise Unauthenticated("no authenticated caller", [Violation("authorization", "missing")],
                              zh="没有已认证的调用者：请带上令牌（--token 或 KAOPING_TOKEN）再试")
    return request.principal


def request_id(metadata) -> str:
    """The caller's x-request-id if it is a valid one, else ""."""
    return client_request_id(metadata)[0]


def bearer(metadata) -> str:
    for key, value in metadata or ():
        if key.lower() == "authorization":
            kind, _, token = value.partition(" ")
            return token.strip() if kind.lower() == "bearer" else ""
    return ""


class AuthInterceptor(grpc.ServerInterceptor):
    """`resolve(token) -> Principal | None`; `dev` replaces authentication entirely."""

    def __init__(self, resolve: Callable[[str], Principal | None], dev: Principal | None = None,
                 max_concurrent: int = 8, max_streams: int = 2, reflection_requires_token: bool = False):
        self.resolve = resolve
        self.dev = dev
        self.max_concurrent = max_concurrent
        self.max_streams = max_streams     # client streams per caller, within max_concurrent
        self.reflection_requires_token = reflection_requires_token
        self._in_flight: dict[str, int] = {}
        self._streams: dict[str, int] = {}
        self._lock = threading.Lock()

    def intercept_service(self, continuation, details):
        handler = continuation(details)
        if handler is None:
            return handler
        if policy.is_open(details.method) and not (
                self.reflection_requires_token and policy.is_reflection(details.method)):
            return handler
        try:
            principal = self.dev or self._authenticate(details)
            if not policy.allowed(details.method, principal.role):
                raise PermissionDenied(f"role {principal.role} may not call {details.method}",
                                       [Violation("authorization", f"{principal.name} is {principal.role}")],
                                       zh=(f"角色 {principal.role} 无权进行此操作（{details.method.rsplit('/', 1)[-1]}）："
                                           "请换用有权限的令牌，或请管理员办理"))
            client_id, bad_id = client_request_id(details.invocation_metadata)
            if bad_id is not None:
                raise bad_id
        except (Unauthenticated, PermissionDenied, InvalidArgument) as exc:
            return _refusal(handler, exc)
        except Exception as exc:  # resolving the token reads the database
            fault = faults.classify(exc)
            if fault is None:
                raise
            return _refusal(handler, fault)
        return _with_principal(handler, principal, client_id,
                               lambda who: self._slot(who, handler.request_streaming))

    @contextlib.contextmanager
    def _slot(self, principal: Principal, streaming: bool = False):
        """Bounds the calls (and, among them, the client streams) one caller has in
        flight, so one system cannot starve others. Keyed by the token: two tokens
        issued under one name are two callers, and one token is one caller whatever
        name it carries."""
        key = (f"token:{principal.token_id}" if principal.token_id is not None
               else f"{principal.role}:{principal.name}")
        with self._lock:
            busy = self._in_flight.get(key, 0)
            if busy >= self.max_concurrent:
                raise ResourceExhausted("too many calls in flight for this caller", [Violation(
                    "authorization", f"{principal.name} has {busy} calls running; at most "
                                     f"{self.max_concurrent}")],
                                        zh=f"你同时进行的请求过多（最多 {self.max_concurrent} 个）：请等前面的请求完成后再试")
            streams = self._streams.get(key, 0)
            if streaming and streams >= self.max_streams:
                raise ResourceExhausted("too many streams open for this caller", [Violation(
                    "authorization", f"{principal.name} has {streams} client streams open; at "
                                     f"most {self.max_streams}")],
                                        zh=f"你同时打开的上传过多（最多 {self.max_streams} 个）：请等前面的导入完成后再试")
            self._in_flight[key] = busy + 1
            if streaming:
                self._streams[key] = streams + 1
        try:
            yield
        finally:
            with self._lock:
                for counts in (self._in_flight, self._streams) if streaming else (self._in_flight,):
                    counts[key] -= 1
                    if not counts[key]:
                        del counts[key]

    def _authenticate(self, details) -> Principal:
        token = bearer(details.invocation_metadata)
        if not token:
            raise Unauthenticated("a bearer token is required", [Violation(
                "authorization", "send metadata `authorization: Bearer <token>`")],
                                  zh="缺少令牌：请用 --token 或环境变量 KAOPING_TOKEN 提供管理员发给你的令牌")
        principal = self.resolve(token)
        if principal is None:
            raise Unauthenticated("the token is unknown, revoked or expired",
                                  [Violation("authorization", "ask an administrator for a token")],
                                  zh="令牌无效、已吊销或已过期：请向管理员申请新令牌（kaoping token issue）")
        return principal


_UNDECODABLE = object()


def _decoder(deserialize):
    """Left to grpcio, bytes that are not a valid message end the call with INTERNAL, and
    after one inside a client stream the server's shutdown can hang; decoding here lets
    the call answer INVALID_ARGUMENT like any other bad input."""
    def decode(data):
        try:
            return deserialize(data) if deserialize else data
        except Exception:  # noqa: BLE001 - any decoding failure is the caller's bad input
            return _UNDECODABLE
    return decode


def _undecodable() -> InvalidArgument:
    return InvalidArgument("the request is not a valid kaoping.v1 message",
                           [Violation("request", "the bytes could not be decoded as this method's message")],
                           zh="请求无法按本接口的消息解析：请使用与服务器版本一致的 kaoping 客户端")


def _decoded_stream(requests):
    for request in requests:
        if request is _UNDECODABLE:
            raise _undecodable()
        yield request


def _wrap(handler, make):
    kinds = ("unary_unary", "unary_stream", "stream_unary", "stream_stream")
    for kind in kinds:
        behavior = getattr(handler, kind)
        if behavior is not None:
            factory = getattr(grpc, f"{kind}_rpc_method_handler")
            return factory(make(_checking(behavior, kind.startswith("stream"))),
                           request_deserializer=_decoder(handler.request_deserializer),
                           response_serializer=handler.response_serializer)
    return handler


def _checking(behavior, streaming: bool):
    def run(request, context):
        if streaming:
            return behavior(_decoded_stream(request), context)
        if request is _UNDECODABLE:
            context.abort_with_status(to_status(_undecodable()))
        return behavior(request, context)
    return run


def _with_principal(handler, principal: Principal, client_id: str, slot):
    @contextlib.contextmanager
    def serving(context):
        """What every call runs inside: the caller's slot, the deadline for locked
        SQLite writes, the cancellation check and the audit request. Every RPC passes
        here, so a database that is down, full or locked is answered with a retryable
        status and a clean message, never UNKNOWN with driver text (context.abort's own
        exception is not a fault)."""
        try:
            with slot(principal), faults.call_deadline(_remaining(context)), \
                    cancellation.watching(_gone(context)):
                token = audit.begin(principal, audit.new_request_id(client_id))
                try:
                    yield
                finally:
                    with contextlib.suppress(ValueError):   # a stream closed from another context
                        audit.end(token)
        except ResourceExhausted as exc:
            context.abort_with_status(to_status(exc))
        except Exception as exc:
            fault = faults.classify(exc)
            if fault is None:
                raise
            context.abort_with_status(to_status(fault))

    def make(behavior):
        def run(request, context):
            with serving(context):
                return behavior(request, context)

        def run_streaming(request, context):
            # A response stream runs after the handler returns its iterator: hold the
            # caller's slot until the last response, not only until then.
            with serving(context):
                yield from behavior(request, context)
        return run_streaming if handler.response_streaming else run
    return _wrap(handler, make)


def _remaining(context) -> float | None:
    """Seconds left before the caller's deadline; None when it set none."""
    try:
        remaining = context.time_remaining()
    except TypeError:  # no deadline: grpcio subtracts from None
        return None
    return None if remaining is None or remaining > 10**8 else remaining


def _gone(context):
    """The call's cancellation check: the client cancelled, or the deadline passed."""
    def gone() -> bool:
        remaining = _remaining(context)
        return not context.is_active() or (remaining is not None and remaining <= 0)
    return gone


def _refusal(handler, error):
    def make(_behavior):
        def refuse(request, context):
            context.abort_with_status(to_status(error))
        return refuse
    return _wrap(handler, make)
