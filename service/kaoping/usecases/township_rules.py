"""Each township's own rule sets (实施细则): upload, activate, roll back, list, and a
county's template that its townships start from. A mixin of kaoping.usecases.app.Kaoping
over kaoping.usecases.rulesets.RuleSets, which keeps one activation log per township.

A township may activate a version uploaded into it, its county's templates, or the
deployment default versions; any other version is NOT_FOUND to it (another township's
细则 is not its to use, nor to learn of).
"""
from __future__ import annotations

from kaoping.domain.errors import NotFound, PermissionDenied, Violation
from kaoping.domain.principal import INTERNAL, Principal
from kaoping.storage.models import Activation, RuleSetRow, Township
from kaoping.storage.ruleset_store import DEFAULT_LOG, county_log
from kaoping.usecases.townships import outside


# The deployment default log as a pseudo-township: what a deployment admin's rule-set
# calls act on when they name no township and there is not exactly one.
DEFAULT = Township(id=DEFAULT_LOG, name="(deployment default)")


def _owners(township: Township) -> list[str]:
    return [township.id, *([county_log(township.county)] if township.county else []), DEFAULT_LOG]


class TownshipRuleUseCases:
    def _rules_township(self, caller: Principal, township_id: str) -> Township:
        if not township_id and caller.is_deployment_admin and len(self.store.townships()) != 1:
            return DEFAULT
        return self.township_for(caller, township_id)

    def _admin_of(self, caller: Principal, township_id: str) -> Township:
        township = self._rules_township(caller, township_id)
        if not caller.is_admin:
            raise PermissionDenied("only an administrator changes rule sets", [Violation(
                "township_id", f"{caller.name} is {caller.role}")],
                                   zh="只有管理员可以修改规则集：请换用管理员令牌")
        return township

    def _usable(self, township: Township, ruleset_id: int, content_hash: str,
                caller: Principal) -> RuleSetRow:
        """A version the township may use; a deployment admin may use any stored one."""
        row = self.store.ruleset(ruleset_id, content_hash)
        if row is not None and caller.is_deployment_admin:
            return row
        if row is None or not self.store.owns_ruleset(_owners(township), row.id):
            raise NotFound("no such rule-set version in this township", [Violation(
                "id" if ruleset_id else "content_hash",
                f"not uploaded into township {township.id!r} nor its county's template")],
                           zh=f"乡镇 {township.id} 及其县模板中都没有该规则集版本：请先上传（kaoping rules upload）")
        return row

    def upload_ruleset(self, text: str, filename: str, label: str, caller: Principal = INTERNAL,
                       township_id: str = "") -> tuple[RuleSetRow, Township]:
        township = self._admin_of(caller, township_id)
        return self.rulesets.upload(text, filename, label, caller.name, township.id), township

    def activate_ruleset(self, ruleset_id: int, content_hash: str, caller: Principal = INTERNAL,
                         township_id: str = "") -> tuple[RuleSetRow, Township]:
        township = self._admin_of(caller, township_id)
        row = self._usable(township, ruleset_id, content_hash, caller)
        if township is not DEFAULT:
            self.store.link_ruleset(township.id, row.id, caller.name)   # a template is now its own too
        return self.rulesets.activate(row.id, "", caller.name, township.id), township

    def rollback_ruleset(self, caller: Principal = INTERNAL,
                         township_id: str = "") -> tuple[RuleSetRow, Township]:
        township = self._admin_of(caller, township_id)
        return self.rulesets.rollback(caller.name, township.id), township

    def township_rulesets(self, caller: Principal = INTERNAL, township_id: str = ""
                          ) -> tuple[Township, list[RuleSetRow], list[Activation]]:
        """The versions the township may activate, and the log it serves."""
        township = self._admin_of(caller, township_id)
        rows = {r.id: r for r in self.store.rulesets()} if township is DEFAULT else {
            r.id: r for o in _owners(township) for r in self.store.rulesets(o)}
        log = self.rulesets.log_for(township.id)
        return township, [rows[k] for k in sorted(rows)], self.store.activations(log)

    def active_ruleset(self, caller: Principal = INTERNAL, township_id: str = ""):
        """(rule set, version row, township) the township scores by now."""
        township = self._rules_township(caller, township_id)
        return (self.rulesets.active_for(township.id), self.rulesets.active_row_for(township.id),
                township)

    def publish_template(self, ruleset_id: int, content_hash: str, caller: Principal = INTERNAL,
                         county: str = "") -> tuple[RuleSetRow, str]:
        county = county or caller.county
        if not county:
            raise NotFound("say which county", [Violation("county", "required")],
                           zh="没有指明县：请填写县名")
        if caller.township_id or not caller.is_admin:
            raise PermissionDenied("only a county or deployment administrator publishes a template",
                                   [Violation("county", f"{caller.name} is {caller.role} of {caller.scope_text}")],
                                   zh="只有县级或全局管理员可以发布规则集模板")
        if caller.county and caller.county != county:
            raise outside(caller, "county", f"county {county!r}'s template")
        townships = self.townships_reached(caller, county)
        row = self.store.ruleset(ruleset_id, content_hash)
        if row is None or not self.store.owns_ruleset(
                [*(t.id for t in townships), county_log(county), DEFAULT_LOG], row.id):
            raise NotFound("no such rule-set version in this county", [Violation(
                "id" if ruleset_id else "content_hash", f"upload it into a township of {county} first")],
                           zh=f"{county}没有该规则集版本：请先把它上传到本县的某个乡镇")
        self.rulesets._prepare(row)   # a template must be servable: compiled and its cases pass
        self.store.link_ruleset(county_log(county), row.id, caller.name)
        self.rulesets.activate(row.id, "", caller.name, county_log(county))
        return row, county

    def template(self, caller: Principal = INTERNAL, county: str = "") -> tuple[RuleSetRow, str]:
        # the county the caller belongs to: its own, or its township's ("" deployment-wide)
        home = caller.county or (self.township_for(caller).county if caller.township_id else "")
        county = county or home
        if not county:
            raise NotFound("say which county", [Violation("county", "required")],
                           zh="没有指明县：请填写县名")
        if home and home != county:
            raise outside(caller, "county", f"county {county!r}'s template")
        latest = self.store.latest_activation(county_log(county))
        if latest is None:
            raise NotFound("the county has published no template", [Violation("county", county)],
                           zh=f"{county}尚未发布规则集模板：请联系县级管理员")
        return self.store.ruleset(latest.ruleset_id), county
