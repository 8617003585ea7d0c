"""Connection and error rendering shared by the CLI commands."""
from __future__ import annotations

import os

import grpc
from google.rpc import error_details_pb2
from grpc_status import rpc_status

DEFAULT_SERVER = "127.0.0.1:50051"
ENV_SERVER = "KAOPING_SERVER"
ENV_TOKEN = "KAOPING_TOKEN"
ENV_CA = "KAOPING_TLS_CA"


def server_address(flag: str | None) -> str:
    return flag or os.environ.get(ENV_SERVER) or DEFAULT_SERVER


class _Bearer(grpc.UnaryUnaryClientInterceptor, grpc.StreamUnaryClientInterceptor,
              grpc.UnaryStreamClientInterceptor, grpc.StreamStreamClientInterceptor):
    """Adds `authorization: Bearer <token>` to every call."""

    def __init__(self, token: str):
        self.header = ("authorization", f"Bearer {token}")

    def _details(self, details):
        metadata = list(details.metadata or []) + [self.header]
        return details._replace(metadata=metadata) if hasattr(details, "_replace") else \
            _Details(details.method, details.timeout, metadata, details.credentials,
                     getattr(details, "wait_for_ready", None), getattr(details, "compression", None))

    def intercept_unary_unary(self, continuation, details, request):
        return continuation(self._details(details), request)

    def intercept_stream_unary(self, continuation, details, request_iterator):
        return continuation(self._details(details), request_iterator)

    def intercept_unary_stream(self, continuation, details, request):   # WatchScores
        return continuation(self._details(details), request)

    def intercept_stream_stream(self, continuation, details, request_iterator):
        return continuation(self._details(details), request_iterator)


class _Details(grpc.ClientCallDetails):
    def __init__(self, method, timeout, metadata, credentials, wait_for_ready, compression):
        self.method, self.timeout, self.metadata = method, timeout, metadata
        self.credentials, self.wait_for_ready, self.compression = credentials, wait_for_ready, compression


def channel(address: str, token: str = "", ca_file: str = "", cert_file: str = "",
            key_file: str = "") -> grpc.Channel:
    """A channel that sends the token (if any), over TLS when a CA file is given."""
    if ca_file:
        read = lambda p: open(p, "rb").read() if p else None  # noqa: E731
        creds = grpc.ssl_channel_credentials(read(ca_file), read(key_file), read(cert_file))
        ch = grpc.secure_channel(address, creds)
    else:
        ch = grpc.insecure_channel(address)
    return grpc.intercept_channel(ch, _Bearer(token)) if token else ch


def localized_message(error: grpc.RpcError, prefix: str = "zh") -> str:
    """The google.rpc.LocalizedMessage the server attached for a Chinese reader (locale
    zh-CN, or any zh-*), "" when it sent none."""
    status = _status(error)
    for detail in status.details if status is not None else ():
        if detail.Is(error_details_pb2.LocalizedMessage.DESCRIPTOR):
            message = error_details_pb2.LocalizedMessage()
            detail.Unpack(message)
            if message.locale.lower().startswith(prefix) and message.message.strip():
                return message.message.strip()
    return ""


def field_violations(error: grpc.RpcError) -> list[tuple[str, str]]:
    status = _status(error)
    out: list[tuple[str, str]] = []
    for detail in status.details if status is not None else ():
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            detail.Unpack(bad)
            out += [(v.field, v.description) for v in bad.field_violations]
    return out


def _status(error: grpc.RpcError):
    try:
        return rpc_status.from_call(error)
    except (ValueError, AttributeError):   # a malformed or foreign status: show the text only
        return None


def has_status_details(error: grpc.RpcError) -> bool:
    """True when the server itself answered with a rich status (kaoping's servicers
    always attach one); a channel that never reached a server has none."""
    return _status(error) is not None


def describe_error(error: grpc.RpcError) -> list[str]:
    """What went wrong, one line each: the server's Chinese message (LocalizedMessage,
    zh-CN) when it sent one, else the status and its English text; then every field
    violation, which names the exact field (a file's row, an option) the message is about."""
    localized = localized_message(error)
    violations = field_violations(error)
    if localized:
        return localized.splitlines() + [f"  详情 {field}: {description}" for field, description in violations]
    lines = [f"{error.code().name}: {error.details()}"]
    lines += [f"  {field}: {description}" for field, description in violations]
    return lines


MAX_PAGES = 100_000   # a bound on following next_page_token (500 M rows at 5000 a page)


def all_pages(fetch, request, field: str, max_items: int = 0):
    """Every page of a paged List* RPC as one response (its next_page_token cleared):
    fetch(request) makes one call; pages are followed until the last one, or until
    max_items items (0: no cap). A server that repeats a token is an error, not a loop."""
    request = type(request).FromString(request.SerializeToString())
    merged, seen = None, set()
    for _ in range(MAX_PAGES):
        response = fetch(request)
        if merged is None:
            merged = response
        else:
            getattr(merged, field).extend(getattr(response, field))
        items = getattr(merged, field)
        token = response.next_page_token
        if not token or (max_items and len(items) >= max_items):
            del items[max_items or len(items):]
            merged.next_page_token = ""
            return merged
        if token in seen:
            raise RuntimeError(f"the server repeated page token {token[:40]!r}")
        seen.add(token)
        request.page_token = token
    raise RuntimeError(f"more than {MAX_PAGES} pages")
