"""Issuing, revoking and resolving bearer tokens.

Only a token's SHA-256 is stored. A resolved token is cached for a few seconds so
that authentication costs no query on the hot path; a revocation therefore takes
effect within CACHE_SECONDS on every replica.
"""
from __future__ import annotations

import hashlib
import secrets
import threading
import time
from datetime import datetime, timedelta, timezone

from sqlmodel import select

from kaoping.usecases import audit, token_reach
from kaoping.domain.errors import AlreadyExists, InvalidArgument, NotFound, PermissionDenied, Violation
from kaoping.domain.principal import COUNTY_ROLES, ROLES, SCORER_ROLES, Principal
from kaoping.rules.model import V1_CATEGORIES
from kaoping.storage.models import ApiToken, Scorer, Village
from kaoping.storage.store import Store

CACHE_SECONDS = 5.0
PREFIX = "kp_"


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value


class Tokens:
    def _known_categories(self) -> tuple[str, ...]:
        """The version-1 ids and every category of a stored rule-set version (a version-2
        file names its own), so a token may be issued before its version is activated."""
        from kaoping.rules.model import RuleSetInvalid
        from kaoping.rules.parse import parse
        known = list(V1_CATEGORIES)
        for row in self.store.rulesets():
            try:
                ids = parse(row.text, f"version {row.id}").categories
            except RuleSetInvalid:
                continue
            known += [c for c in ids if c not in known]
        return tuple(known)

    def __init__(self, store: Store):
        self.store = store
        self._cache: dict[str, tuple[float, Principal | None]] = {}
        self._lock = threading.Lock()

    def create(self, name: str, role: str, *, scorer_id: str = "", village_id: str = "",
               categories: tuple[str, ...] = (), expires_days: int | None = None,
               created_by: str = "admin", township_id: str = "", county: str = "",
               issuer: Principal | None = None) -> tuple[str, ApiToken]:
        """Returns (plaintext token, row). The plaintext cannot be recovered later.

        `issuer` is the administrator issuing it over the API: the token may not reach
        further than it does (kaoping.usecases.token_reach). None on the server host
        (`kaoping-server tokens`), where whoever holds the database may issue any."""
        asked = township_id
        if issuer is not None:
            township_id, county = token_reach.requested(issuer, role, township_id, county)
        bad = []
        if not name.strip():
            bad.append(Violation("name", "required: who holds the token"))
        if role not in ROLES:
            bad.append(Violation("role", f"{role!r}; known: {', '.join(ROLES)}"))
        scorer = village = None
        if role in SCORER_ROLES:
            scorer = self.store.get(Scorer, scorer_id) if scorer_id else None
            if scorer is None or scorer.role != role:
                bad.append(Violation("scorer_id", f"a {role} token needs the id of a registered {role} scorer"))
                scorer = None
        if role == "village":
            village = self.store.get(Village, village_id) if village_id else None
            if village is None:
                bad.append(Violation("village_id", "a village token needs a registered village id"))
        if role == "system":
            known = self._known_categories()
            unknown = [c for c in categories if c not in known]
            if not categories or unknown:
                bad.append(Violation("categories", f"a system token needs categories from {known}"))
        if expires_days is not None and expires_days <= 0:
            bad.append(Violation("expires_days", "must be positive"))
        counties = {t.id: t.county for t in self.store.townships()}
        if role in ROLES:
            township_id, county = token_reach.bound(role, township_id, county, scorer, village,
                                                    counties, bad)
            # Reach first: a township admin naming another township's scorer, village or
            # township is refused for that, not told what is wrong with the rest.
            if issuer is not None:
                if asked:   # named outright, even where the token would take another one
                    token_reach.check_issuer(issuer, asked, "", counties, "township_id")
                field = ("county" if role in COUNTY_ROLES else "township_id" if asked
                         else "scorer_id" if scorer else "village_id" if village else "township_id")
                # no such scorer or village: its township is unknown, and INVALID_ARGUMENT says why
                unknown_holder = (role in SCORER_ROLES and scorer is None) or (
                    role == "village" and village is None)
                if not unknown_holder:
                    token_reach.check_issuer(issuer, township_id, county, counties, field)
        if bad:
            raise InvalidArgument("cannot issue the token", bad,
                                  zh="无法签发令牌：请按错误详情修改后重试")
        taken = self._identity_taken(name, categories) if role == "system" else []
        if taken:
            raise AlreadyExists("the system identity is taken", taken,
                                zh="该系统身份已被占用：请换一个名称")
        token = PREFIX + secrets.token_urlsafe(32)
        expires = (datetime.now(timezone.utc) + timedelta(days=expires_days)) if expires_days else None
        row = ApiToken(token_hash=digest(token), name=name, role=role, scorer_id=scorer_id,
                       village_id=village_id, categories=",".join(categories), created_by=created_by,
                       expires_at=expires, township_id=township_id, county=county)
        with self.store.session() as s:
            s.add(row)
            s.flush()
            entry = audit.entry("create_token", f"token {row.id}", after={
                "id": row.id, "name": name, "role": role, "scorer_id": scorer_id,
                "village_id": village_id, "categories": list(categories),
                "township_id": township_id, "county": county,
                "expires_at": expires.isoformat() if expires else None})
            entry.township_id = township_id   # the township admin's own trail shows it
            s.add(entry)
            s.commit()
        return token, row

    def _identity_taken(self, name: str, categories: tuple[str, ...]) -> list[Violation]:
        """A system's identity is its name (facts are recorded as `system:<name>` and
        corrected only by that identity), so one name stands for one set of categories:
        a new token for a name already active with other categories is refused. The
        same name with the same categories is a rotation and is allowed (revoke the old
        token once the system uses the new one)."""
        now = datetime.now(timezone.utc)
        with self.store.session() as s:
            rows = s.exec(select(ApiToken).where(ApiToken.role == "system", ApiToken.name == name,
                                                 ApiToken.revoked_at.is_(None))).all()
        clash = [r for r in rows if (r.expires_at is None or _aware(r.expires_at) > now)
                 and set(filter(None, r.categories.split(","))) != set(categories)]
        if not clash:
            return []
        return [Violation("name", f"system {name!r} is already active as token {clash[0].id} with "
                                  f"categories {clash[0].categories}; choose another name, or revoke it first")]

    def revoke(self, token_id: int, issuer: Principal | None = None) -> ApiToken:
        """`issuer`: only a token within its reach (another township's is NOT_FOUND, so
        its existence is not told); None on the server host."""
        counties = {t.id: t.county for t in self.store.townships()} if issuer is not None else {}
        with self.store.session() as s:
            row = s.get(ApiToken, token_id)
            if row is None or (issuer is not None and not token_reach.manages(
                    issuer, row.township_id, row.county, counties)):
                raise NotFound("no such token", [Violation("id", str(token_id))],
                               zh=f"令牌 {token_id} 不存在：请用 kaoping token list 查看")
            if row.revoked_at is None:
                row.revoked_at = datetime.now(timezone.utc)
                s.add(row)
                entry = audit.entry("revoke_token", f"token {row.id}", before={"revoked": False},
                                    after={"revoked": True, "name": row.name, "role": row.role,
                                           "township_id": row.township_id, "county": row.county})
                entry.township_id = row.township_id
                s.add(entry)
                s.commit()
        with self._lock:
            self._cache.clear()
        return row

    def list(self, issuer: Principal | None = None, township_id: str = "",
             include_revoked: bool = True) -> list[ApiToken]:
        """Every token, or (with `issuer`) those within its reach; `township_id` narrows
        to one township's, which must itself be within reach."""
        counties = {t.id: t.county for t in self.store.townships()}
        if township_id:
            if township_id not in counties:
                raise NotFound("no such township", [Violation("township_id", township_id)],
                               zh=f"乡镇 {township_id} 不存在：请用 kaoping township list 查看")
            if issuer is not None and not issuer.reaches(township_id, counties[township_id]):
                raise PermissionDenied(f"township {township_id!r} is outside {issuer.scope_text}",
                                       [Violation("township_id", f"{issuer.name} manages "
                                                                 f"{issuer.scope_text}")],
                                       zh=f"乡镇 {township_id} 不在你的管辖范围内：只能为你管辖的乡镇签发或查看令牌")
        with self.store.session() as s:
            q = select(ApiToken).order_by(ApiToken.id)
            if township_id:
                q = q.where(ApiToken.township_id == township_id)
            if not include_revoked:
                q = q.where(ApiToken.revoked_at.is_(None))
            rows = list(s.exec(q))
        if issuer is None:
            return rows
        return [r for r in rows if token_reach.manages(issuer, r.township_id, r.county, counties)]

    def resolve(self, token: str) -> Principal | None:
        if not token.startswith(PREFIX) or len(token) > 200:
            return None
        key = digest(token)
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(key)
            if hit and now - hit[0] < CACHE_SECONDS:
                return hit[1]
        with self.store.session() as s:
            row = s.exec(select(ApiToken).where(ApiToken.token_hash == key)).first()
        principal = None
        if row is not None and row.revoked_at is None and (
                row.expires_at is None or _aware(row.expires_at) > datetime.now(timezone.utc)):
            principal = Principal(row.name, row.role, row.scorer_id, row.village_id,
                                  tuple(c for c in row.categories.split(",") if c), token_id=row.id,
                                  township_id=row.township_id, county=row.county)
        with self._lock:
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[key] = (now, principal)
        return principal
