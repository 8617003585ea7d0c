"""How far a token reaches, and who may issue, revoke or list it.

A token is bound to one township (the township-scoped roles), to one county
(county_admin, county_reader), or to neither (a deployment-wide token, issued only by
a deployment admin or on the server host). A token never reaches further than the
administrator issuing it: a township admin issues only tokens of its own township, a
county admin tokens of its county's townships and of its county, a deployment admin
any. Revoking and listing follow the same reach.
"""
from __future__ import annotations

from kaoping.domain.errors import PermissionDenied, Violation
from kaoping.domain.principal import COUNTY_ROLES, Principal
from kaoping.storage.models import Scorer, Village


def requested(issuer: Principal, role: str, township_id: str, county: str) -> tuple[str, str]:
    """The reach asked for, with the issuer's own filled in where the request leaves it
    empty (proto IssueTokenRequest): a township admin's tokens are its township's, a
    county admin's county tokens its county's. A scorer's or village's token takes its
    township from the scorer or village (`bound`), so it is not filled in here."""
    if not issuer.is_admin:
        raise PermissionDenied(f"{issuer.role} may not issue tokens",
                               [Violation("authorization", f"{issuer.name} is {issuer.role}")],
                               zh=f"角色 {issuer.role} 不能签发令牌：请联系管理员")
    if issuer.township_id and role in COUNTY_ROLES:
        raise PermissionDenied("a township admin issues only tokens of its township", [Violation(
            "role", f"{role} spans a county; {issuer.name} manages {issuer.scope_text}")],
                               zh=f"乡镇管理员只能签发本乡镇的令牌，不能签发县级角色 {role}：请联系县级管理员")
    if role in COUNTY_ROLES:
        return township_id, county or issuer.county
    if issuer.township_id and role in ("admin", "reader", "system"):
        return township_id or issuer.township_id, county
    return township_id, county


def bound(role: str, township_id: str, county: str, scorer: Scorer | None, village: Village | None,
          counties: dict[str, str], bad: list[Violation]) -> tuple[str, str]:
    """The (township_id, county) a token of `role` is bound to; what is wrong with the
    request is appended to `bad`. `counties`: every township's id -> its county."""
    if role in COUNTY_ROLES:
        if township_id:
            bad.append(Violation("township_id", f"a {role} token spans a county and is bound to no "
                                                f"township; leave township_id empty"))
        if not county:
            bad.append(Violation("county", f"a {role} token needs the county whose townships it spans"))
        elif county not in set(counties.values()):
            bad.append(Violation("county", f"no township is in county {county!r}"))
        return "", county
    if county:
        bad.append(Violation("county", f"only county_admin and county_reader tokens are bound to a "
                                       f"county; a {role} token is bound to a township"))
    holder = scorer or village
    if holder is not None:
        own = holder.township_id
        if township_id and township_id != own:
            what = f"scorer {holder.id!r}" if scorer else f"village {holder.id!r}"
            where = f"township {own!r}" if own else "no township (it may score in any)"
            bad.append(Violation("township_id", f"{what} is in {where}, not {township_id!r}; "
                                                f"its token takes its township"))
        return own, ""
    if township_id and township_id not in counties:
        bad.append(Violation("township_id", f"no such township {township_id!r}"))
    return township_id, ""


def manages(issuer: Principal, township_id: str, county: str, counties: dict[str, str]) -> bool:
    """Whether a token bound to (township_id, county) is within the issuer's reach."""
    if issuer.township_id:
        return township_id == issuer.township_id and not county
    if issuer.county:
        if township_id:
            return counties.get(township_id) == issuer.county
        return county == issuer.county
    return True


def check_issuer(issuer: Principal, township_id: str, county: str, counties: dict[str, str],
                 field: str) -> None:
    """PERMISSION_DENIED, naming `field`, unless the issuer reaches the token's reach."""
    if manages(issuer, township_id, county, counties):
        return
    reach = (f"township {township_id!r}" if township_id else f"county {county!r}" if county
             else "the whole deployment")
    raise PermissionDenied(f"a token for {reach} is outside {issuer.scope_text}", [Violation(
        field, f"{issuer.name} issues tokens only within {issuer.scope_text}")],
                           zh="要签发的令牌超出你的管辖范围：你只能为自己管辖的乡镇或县签发令牌")
