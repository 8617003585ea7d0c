"""The `x-request-id` a caller may send, checked before anything is logged or audited.

The caller's id is only a correlation hint: it is accepted when it is 1 to
MAX_CLIENT_ID characters of [A-Za-z0-9._-] (what UUIDs, ULIDs and "req-0001" need),
so it can never carry spaces, `=`, quotes or line breaks into a log line. The call's
own id, the one logs and audit entries carry, is made by kaoping.usecases.audit.new_request_id
and is unique per call even when two callers send the same x-request-id.
"""
from __future__ import annotations

import re

from kaoping.domain.errors import InvalidArgument, Violation

REQUEST_ID = "x-request-id"
MAX_CLIENT_ID = 48   # leaves room in the audit column (64) for the server's suffix
_VALID = re.compile(r"[A-Za-z0-9._-]{1,%d}\Z" % MAX_CLIENT_ID)


def client_request_id(metadata) -> tuple[str, InvalidArgument | None]:
    """(the caller's valid id or "", the error to answer with if it sent a bad one)."""
    for key, value in metadata or ():
        if key.lower() != REQUEST_ID:
            continue
        if isinstance(value, str) and _VALID.match(value):
            return value, None
        return "", InvalidArgument("bad x-request-id metadata", [Violation(
            REQUEST_ID, f"1 to {MAX_CLIENT_ID} characters of A-Z a-z 0-9 . _ - "
                        f"(got {len(value)} characters); or send none")],
                                   zh=f"请求编号 x-request-id 不合格：只能用 1 到 {MAX_CLIENT_ID} 个字母、数字或 . _ -，也可以不发送")
    return "", None
