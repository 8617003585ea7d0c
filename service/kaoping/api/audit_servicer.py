"""AuditService adapter."""
from __future__ import annotations

from datetime import datetime, timezone

from kaoping.api import convert as cv
from kaoping.api import paging
from kaoping.api.auth import caller
from kaoping.api.errors import translating
from kaoping.usecases.app import Kaoping
from kaoping.domain.errors import InvalidArgument, Violation
from kaoping.v1 import audit_pb2 as au
from kaoping.v1 import audit_pb2_grpc as au_grpc

MAX_LIMIT = 10_000


def _when(text: str, field: str) -> datetime | None:
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidArgument("bad time", [Violation(field, f"{text!r} is not RFC 3339 or YYYY-MM-DD")],
                              zh=f"时间 {text!r} 格式不对：请写成 YYYY-MM-DD（如 2026-10-01）或 RFC 3339 时间")
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


class AuditServicer(au_grpc.AuditServiceServicer):
    def __init__(self, app: Kaoping):
        self.app = app

    @translating
    def ListAuditEntries(self, request, context):
        if request.limit < 0 or request.limit > MAX_LIMIT:
            raise InvalidArgument("bad limit", [Violation("limit", f"0 (default 1000) to {MAX_LIMIT}")],
                                  zh=f"条数 limit 须在 0（默认 1000）到 {MAX_LIMIT} 之间：请改后重试")
        # `limit` predates paging: it is the page size when page_size is not given.
        page = paging.page_request(request, "audit", request.actor, request.action, request.target,
                                   request.since, request.until, request.township_id,
                                   default=request.limit or paging.DEFAULT_PAGE_SIZE, maximum=MAX_LIMIT)
        who = caller(context)
        townships = self.app.audit_townships(who, request.township_id)
        rows = self.app.store.audit_entries(request.actor, request.action, request.target,
                                            _when(request.since, "since"), _when(request.until, "until"),
                                            page.size + 1, after_id=page.after, townships=townships)
        response = au.ListAuditEntriesResponse()
        response.next_page_token = paging.fill(response.entries, rows, lambda r: au.AuditEntry(
            id=r.id, at=cv.stamp(r.at), actor=r.actor, role=r.role, request_id=r.request_id,
            action=r.action, target=r.target, before=r.before, after=r.after,
            township_id=r.township_id), page)
        return response
