"""Who is acting in this request, and the audit entries their writes produce.

The gRPC interceptor sets the request (principal + request id) for the handler;
in-process callers get the INTERNAL principal. Entries are added to the same
database transaction as the write they describe, so there is never a write without
its entry or an entry without its write.
"""
from __future__ import annotations

import contextvars
import json
import secrets
import uuid
from dataclasses import dataclass
from typing import Any

from kaoping.domain.principal import INTERNAL, Principal
from kaoping.storage.models import AuditEntry


@dataclass(frozen=True)
class Request:
    principal: Principal
    request_id: str


_current: contextvars.ContextVar[Request | None] = contextvars.ContextVar("kaoping_request", default=None)


def new_request_id(client_id: str = "") -> str:
    """The id of one call: the caller's x-request-id (already checked by
    kaoping.api.request_ids) with a random suffix, or a fresh UUID. Every call gets its
    own, so a caller cannot make its audit entries share an id with another actor's."""
    return f"{client_id}/{secrets.token_hex(6)}" if client_id else uuid.uuid4().hex


def begin(principal: Principal, request_id: str = "") -> contextvars.Token:
    """`request_id` is used as given (in-process callers choose theirs); the gRPC layer
    passes new_request_id(...)."""
    return _current.set(Request(principal, request_id or new_request_id()))


def end(token: contextvars.Token) -> None:
    _current.reset(token)


def current() -> Request:
    return _current.get() or Request(INTERNAL, "")


def current_or_none() -> Request | None:
    return _current.get()


def _json(value: Any) -> str:
    if value is None or value == "":
        return ""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def entry(action: str, target: str = "", before: Any = None, after: Any = None,
          township_id: str | None = None) -> AuditEntry:
    """`township_id`: the township the write was in; by default the caller's own (a
    township-bound token writes only there), "" for deployment-wide writes."""
    request = current()
    if township_id is None:
        township_id = request.principal.township_id
    return AuditEntry(actor=request.principal.name, role=request.principal.role,
                      request_id=request.request_id, action=action, target=str(target)[:200],
                      before=_json(before), after=_json(after), township_id=township_id[:64])


def id_ranges(ids: list[int]) -> list[list[int]]:
    """[1, 2, 3, 7] -> [[1, 3], [7, 7]]: compact for batches of consecutive ids."""
    ranges: list[list[int]] = []
    for i in sorted(ids):
        if ranges and i == ranges[-1][1] + 1:
            ranges[-1][1] = i
        else:
            ranges.append([i, i])
    return ranges
