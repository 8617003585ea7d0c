"""page_size / page_token / next_page_token for every List* RPC.

Pages are keyset pages on the row id (facts, audit entries, rule-set versions and
appeals by their integer id; villages, officials and scorers by their text id), so a
token stays valid and no row is skipped or repeated while rows are inserted between
pages: a page token is "the rows after id X" for one query, nothing more. It is opaque
to callers (base64 of a small JSON array) and names the query it was issued for, so a
token reused with other filters is INVALID_ARGUMENT instead of a silently wrong page.

A page also ends early when its messages reach PAGE_BYTES, so any page fits the
default 4 MiB receive limit of gRPC clients whatever the rows hold (a fact's note and
void reason may each be 2000 characters); at least one row is always returned.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from kaoping.domain.errors import InvalidArgument, Violation

DEFAULT_PAGE_SIZE = 1000
MAX_PAGE_SIZE = 5000
PAGE_BYTES = 3 * 1024 * 1024
_VERSION = 1


@dataclass(frozen=True)
class PageRequest:
    size: int
    after: Any          # the last id of the previous page, or None for the first page
    query: str          # digest of the filters the token belongs to


def _digest(filters: Iterable) -> str:
    return hashlib.sha256(json.dumps(list(filters), default=str).encode("utf-8")).hexdigest()[:16]


def page_request(request, *filters, key_type: type = int, default: int = 0,
                 maximum: int = MAX_PAGE_SIZE) -> PageRequest:
    """Validates request.page_size and request.page_token against these filters (the
    first names the list, so one list's token is refused by another)."""
    default = default or DEFAULT_PAGE_SIZE
    size = request.page_size or default
    if request.page_size < 0 or size > maximum:
        raise InvalidArgument("bad page size", [Violation(
            "page_size", f"0 (default {default}) to {maximum}, got {request.page_size}")],
                              zh=f"每页条数须在 0（默认 {default}）到 {maximum} 之间：请改后重试")
    query = _digest(filters)
    if not request.page_token:
        return PageRequest(size, None, query)
    try:
        if len(request.page_token) > 400:
            raise ValueError("too long")
        version, after, token_query = json.loads(base64.urlsafe_b64decode(request.page_token.encode("ascii")))
        if version != _VERSION or type(after) is not key_type or not isinstance(token_query, str):
            raise ValueError("unknown form")
    except (ValueError, TypeError, UnicodeError, binascii.Error):
        raise InvalidArgument("bad page token", [Violation(
            "page_token", "not a token from this server's next_page_token; omit it for the first page")],
                              zh="翻页令牌无效：请去掉它，从第一页开始")
    if token_query != query:
        raise InvalidArgument("page token for another query", [Violation(
            "page_token", "was issued for a request with other filters; repeat those filters, "
                          "or omit the token to start again")],
                              zh="翻页令牌与本次查询条件不符：请沿用原来的筛选条件，或不带令牌从第一页开始")
    return PageRequest(size, after, query)


def token(page: PageRequest, last_id) -> str:
    return base64.urlsafe_b64encode(json.dumps([_VERSION, last_id, page.query]).encode("utf-8")).decode("ascii")


def after(rows: list, page: PageRequest, key: Callable[[Any], Any] = lambda r: r.id) -> list:
    """Keyset on an id-ordered list held in memory (the small registry tables): the rows
    after the token's id, at most page.size + 1 (the extra one says "there is more")."""
    if page.after is not None:
        rows = [r for r in rows if key(r) > page.after]
    return rows[:page.size + 1]


def fill(repeated, rows: list, convert: Callable, page: PageRequest,
         key: Callable[[Any], Any] = lambda r: r.id) -> str:
    """Appends convert(row) to the response's repeated field for up to page.size rows
    (or PAGE_BYTES of them); returns next_page_token, "" on the last page. `rows` holds
    at most page.size + 1 rows after the token's id, in id order."""
    used = 0
    for n, row in enumerate(rows):
        if n == page.size:
            return token(page, key(rows[n - 1]))
        msg = convert(row)
        size = msg.ByteSize() + 6
        if n and used + size > PAGE_BYTES:
            return token(page, key(rows[n - 1]))
        repeated.append(msg)
        used += size
    return ""
