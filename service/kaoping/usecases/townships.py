"""Townships as tenants: creating and changing them, finding the township a call is
about, and holding every call to the caller's reach (kaoping.domain.principal).

One rule, applied here for every use case: a caller reaches a township if its token
is bound to it, or to the township's county, or to neither (deployment-wide). A call
naming a township, village, official or scorer outside that reach is refused with
PERMISSION_DENIED naming the field, before anything is read or written.
A mixin of kaoping.usecases.app.Kaoping.
"""
from __future__ import annotations

import re

from kaoping.domain.errors import (AlreadyExists, InvalidArgument, NotFound, PermissionDenied,
                                   Violation)
from kaoping.domain.facts import text_problems
from kaoping.domain.principal import INTERNAL, Principal
from kaoping.storage.models import Township
from kaoping.storage.ruleset_store import DEFAULT_LOG, county_log
from kaoping.usecases import audit

SCRIPTS = ("zh-Hans", "zh-Hant")
ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
LIMITS = {"id": 64, "name": 200, "county": 200, "issuer": 200, "contact": 200, "doc_prefix": 32}


def outside(caller: Principal, field: str, what: str) -> PermissionDenied:
    return PermissionDenied(f"{what} is outside your reach", [Violation(
        field, f"{caller.name} reaches {caller.scope_text} only")],
                            zh="超出你的管辖范围：请换用管辖该乡镇的令牌")


def township_problems(t: Township) -> list[Violation]:
    fields = {k: getattr(t, k) or "" for k in LIMITS}
    problems = text_problems(fields, LIMITS)
    if not t.id:
        problems.append(Violation("id", "required"))
    elif not ID_PATTERN.match(t.id):
        problems.append(Violation("id", "letters, digits, '_', '.' and '-' only, starting with a "
                                        "letter or digit"))
    if not (t.name or "").strip():
        problems.append(Violation("name", "required"))
    if t.script not in SCRIPTS:
        problems.append(Violation("script", f"{t.script!r}; one of {', '.join(SCRIPTS)}"))
    return problems


class TownshipUseCases:
    # reach -------------------------------------------------------------------------
    def guard(self, caller: Principal, township: Township, field: str = "township_id") -> Township:
        if not caller.reaches(township.id, township.county):
            raise outside(caller, field, f"township {township.id!r}")
        return township

    def township_for(self, caller: Principal, township_id: str = "",
                     field: str = "township_id") -> Township:
        """The township a call is about: the one named (which the caller must reach),
        else the caller's own, else the only one it reaches."""
        if township_id:
            if "\x00" in township_id or len(township_id) > LIMITS["id"]:
                raise InvalidArgument("bad township id", [Violation(
                    field, "at most 64 characters, no NUL")],
                                      zh="乡镇编号不合格：最多 64 个字符，不能含 NUL")
            township = self.registry.township(township_id)
            if township is None:
                # not NOT_FOUND for an outsider: whether another county's township
                # exists is not theirs to learn
                if caller.township_id or caller.county:
                    raise outside(caller, field, f"township {township_id!r}")
                raise NotFound("no such township", [Violation(field, township_id)],
                               zh=f"乡镇 {township_id} 不存在：请用 kaoping township list 查看")
            return self.guard(caller, township, field)
        if caller.township_id:
            return self.township_for(caller, caller.township_id, field)
        reached = self.townships_reached(caller)
        if len(reached) != 1:
            raise InvalidArgument("say which township", [Violation(
                field, f"required when {len(reached)} townships are within your reach")],
                                  zh=f"你管辖 {len(reached)} 个乡镇：请用 --township 指明是哪一个")
        return reached[0]

    def village_township(self, caller: Principal, village_id: str, field: str = "village_id") -> Township | None:
        """The township of a village, which the caller must reach; None for no such village."""
        village = self.registry.village(village_id)   # None for an id no row has
        if village is None:
            return None
        return self.township_for(caller, village.township_id, field)

    def scorer_in(self, scorer, township: Township, field: str = "scorer_id") -> None:
        """A scorer scores in its own township only ("" for scorers from before townships
        were tenants: any)."""
        home = getattr(scorer, "township_id", "")
        if scorer is not None and home and home != township.id:
            raise PermissionDenied("the scorer belongs to another township", [Violation(
                field, f"scorer {scorer.id!r} scores in township {home!r}, not {township.id!r}")],
                                   zh=f"评分人 {scorer.id} 属于乡镇 {home}，不能在 {township.id} 评分")

    def townships_reached(self, caller: Principal, county: str = "") -> list[Township]:
        return [t for t in self.store.townships()
                if caller.reaches(t.id, t.county) and (not county or t.county == county)]

    def reached_ids(self, caller: Principal) -> set[str] | None:
        """The ids of the townships the caller reaches; None for the whole deployment."""
        if not caller.township_id and not caller.county:
            return None
        return {t.id for t in self.townships_reached(caller)}

    # managing townships -----------------------------------------------------------
    def create_township(self, township: Township, caller: Principal = INTERNAL) -> Township:
        """Deployment admins anywhere; county admins in their county. The new township
        starts serving its county's template, else the deployment default, pinned in
        its own activation log so later template changes do not move it."""
        if caller.township_id or not caller.is_admin:
            raise PermissionDenied("only a county or deployment administrator creates townships",
                                   [Violation("township_id", f"{caller.name} is {caller.role} of "
                                                              f"{caller.scope_text}")],
                                   zh="只有县级或全局管理员可以新建乡镇")
        township = Township(**{**township.model_dump(), "script": township.script or "zh-Hans",
                               "county": township.county or caller.county})
        problems = township_problems(township)
        if problems:
            raise InvalidArgument("the township is not valid", problems,
                                  zh="乡镇信息不合格：请按错误详情修改")
        if caller.county and township.county != caller.county:
            raise outside(caller, "county", f"county {township.county!r}")
        if self.store.get(Township, township.id) is not None:
            raise AlreadyExists("the township exists", [Violation("id", township.id)],
                                zh=f"乡镇 {township.id} 已存在：如要修改，请更新该乡镇而不是新建")
        self.store.put(township, audit=audit.entry("create_township", township.id,
                                                   after=township.model_dump(), township_id=township.id))
        self._start_rules(township, caller)
        self.registry.reload()
        return township

    def _start_rules(self, township: Township, caller: Principal) -> None:
        template = self.store.latest_activation(county_log(township.county)) if township.county else None
        start = template or self.store.latest_activation(DEFAULT_LOG)
        if start is None:
            return
        self.store.link_ruleset(township.id, start.ruleset_id, caller.name)
        self.rulesets.activate(start.ruleset_id, "", caller.name, township.id)

    def update_township(self, township: Township, caller: Principal = INTERNAL) -> Township:
        old = self.township_for(caller, township.id or "", "id")
        if not caller.is_admin:
            raise PermissionDenied("only an administrator changes a township", [Violation(
                "id", f"{caller.name} is {caller.role}")],
                                   zh="只有管理员可以修改乡镇信息")
        new = Township(**{**township.model_dump(), "id": old.id,
                          "script": township.script or old.script,
                          "county": township.county or old.county})
        if new.county != old.county and not caller.is_deployment_admin:
            raise PermissionDenied("only a deployment administrator moves a township to another county",
                                   [Violation("county", f"{old.county!r} stays")],
                                   zh="只有全局管理员可以把乡镇划到其他县")
        problems = township_problems(new)
        if problems:
            raise InvalidArgument("the township is not valid", problems,
                                  zh="乡镇信息不合格：请按错误详情修改")
        if new != old:
            self.store.put(new, audit=audit.entry("update_township", new.id, before=old.model_dump(),
                                                  after=new.model_dump(), township_id=new.id))
            self.registry.reload()
            self.invalidate(new.id)
        return new

    def list_townships(self, caller: Principal = INTERNAL, county: str = "") -> list[Township]:
        return self.townships_reached(caller, county)

    def townships_asked(self, caller: Principal, township_id: str = "") -> set[str] | None:
        """What a list covers: the township named (which the caller must reach), else
        every township the caller reaches; None for everything (deployment-wide)."""
        if township_id:
            return {self.township_for(caller, township_id).id}
        return self.reached_ids(caller)

    def audit_townships(self, caller: Principal, township_id: str = "") -> list[str] | None:
        """Whose audit entries the caller reads; None (everything, deployment-wide writes
        too) for deployment admins."""
        asked = self.townships_asked(caller, township_id)
        return None if asked is None else sorted(asked)

    # reading the roster within reach ---------------------------------------------
    def list_villages(self, caller: Principal = INTERNAL, township_id: str = ""):
        asked = self.townships_asked(caller, township_id)
        return [v for v in self.store.villages() if asked is None or v.township_id in asked]

    def list_scorers(self, caller: Principal = INTERNAL, township_id: str = ""):
        """The township's scorers, and those from before townships were tenants (any)."""
        asked = self.townships_asked(caller, township_id)
        return [s for s in self.store.scorers() if asked is None or not s.township_id or s.township_id in asked]
