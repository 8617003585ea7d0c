"""TokenService adapter: administrators issue, revoke and list tokens within their
reach (kaoping.usecases.token_reach). It shares the server's Tokens, so a revocation
drops that replica's cache at once (other replicas within CACHE_SECONDS)."""
from __future__ import annotations

from kaoping.api import convert as cv
from kaoping.api.auth import caller
from kaoping.api.errors import translating
from kaoping.storage.models import ApiToken
from kaoping.usecases.tokens import Tokens
from kaoping.v1 import tokens_pb2 as tk
from kaoping.v1 import tokens_pb2_grpc as tk_grpc


def info(row: ApiToken) -> tk.TokenInfo:
    """What may be shown of a token: never its plaintext or hash."""
    return tk.TokenInfo(
        id=row.id, name=row.name, role=row.role, township_id=row.township_id, county=row.county,
        scorer_id=row.scorer_id, village_id=row.village_id,
        categories=[c for c in row.categories.split(",") if c], created_by=row.created_by,
        created_at=cv.stamp(row.created_at) if row.created_at else "",
        expires_at=cv.stamp(row.expires_at) if row.expires_at else "",
        revoked_at=cv.stamp(row.revoked_at) if row.revoked_at else "")


class TokenServicer(tk_grpc.TokenServiceServicer):
    def __init__(self, tokens: Tokens):
        self.tokens = tokens

    @translating
    def IssueToken(self, request, context):
        who = caller(context)
        token, row = self.tokens.create(
            request.name, request.role, township_id=request.township_id, county=request.county,
            scorer_id=request.scorer_id, village_id=request.village_id,
            categories=tuple(request.categories),
            expires_days=request.expires_days if request.expires_days else None,
            created_by=who.name, issuer=who)
        return tk.IssuedToken(token=token, info=info(row))

    @translating
    def RevokeToken(self, request, context):
        return info(self.tokens.revoke(request.id, issuer=caller(context)))

    @translating
    def ListTokens(self, request, context):
        rows = self.tokens.list(caller(context), request.township_id, request.include_revoked)
        return tk.ListTokensResponse(tokens=[info(r) for r in rows])
