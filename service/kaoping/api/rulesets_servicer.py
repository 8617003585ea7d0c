"""RuleSetService adapter."""
from __future__ import annotations

from kaoping.api import convert as cv
from kaoping.api import paging
from kaoping.api.auth import caller
from kaoping.api.errors import translating
from kaoping.usecases.app import Kaoping
from kaoping.domain.errors import InvalidArgument, Violation
from kaoping.storage.ruleset_store import county_log
from kaoping.usecases.rulesets import validate_text
from kaoping.v1 import evaluation_pb2 as ev
from kaoping.v1 import rulesets_pb2 as rs
from kaoping.v1 import rulesets_pb2_grpc as rs_grpc


def _version(row, active_id: int, activations, township_id: str = "") -> rs.RuleSetVersion:
    last = [a for a in activations if a.ruleset_id == row.id]
    return rs.RuleSetVersion(ref=cv.ruleset_ref(row, township_id), uploaded_by=row.uploaded_by,
                             uploaded_at=cv.stamp(row.uploaded_at),
                             active=row.id == active_id,
                             activated_at=cv.stamp(last[-1].activated_at) if last else "",
                             township_id=township_id)


class RuleSetServicer(rs_grpc.RuleSetServiceServicer):
    def __init__(self, app: Kaoping):
        self.app = app

    def _current(self, row, township_id: str, log: str | None = None):
        """The reply of an upload, activation or rollback: `active` and `active_version`
        from the township's activation log in the database (what every replica
        follows), not from this replica's memory, so a reply never claims a version
        that another replica's activation has already replaced."""
        activations = self.app.store.activations(self.app.store.log_of(township_id) if log is None else log)
        winner = self.app.store.ruleset(activations[-1].ruleset_id) if activations else row
        reply = _version(row, winner.id, activations, township_id)
        reply.active_version.CopyFrom(cv.ruleset_ref(winner, township_id))
        return reply

    @translating
    def ValidateRuleSet(self, request, context):
        _need_text(request)
        checked = validate_text(request.text, (request.filename or "<upload>")[:100], request.label)
        return rs.ValidationReport(
            valid=checked.valid, content_hash=checked.content_hash,
            problems=[rs.Problem(location=p.location, message=p.message) for p in checked.problems],
            cases=[rs.CaseResult(name=c.name, passed=c.passed, failures=list(c.failures))
                   for c in checked.cases])

    @translating
    def UploadRuleSet(self, request, context):
        _need_text(request)
        row, township = self.app.upload_ruleset(request.text, (request.filename or "<upload>")[:100],
                                                request.label, caller(context), request.township_id)
        return self._current(row, township.id)

    @translating
    def ActivateRuleSet(self, request, context):
        if not request.id and not request.content_hash:
            raise InvalidArgument("say which version", [Violation("id", "give id or content_hash")],
                                  zh="没有指明规则集版本：请给出版本号或内容哈希（可用 kaoping rules list 查看）")
        row, township = self.app.activate_ruleset(request.id, request.content_hash, caller(context),
                                                  request.township_id)
        return self._current(row, township.id)

    @translating
    def RollbackRuleSet(self, request, context):
        row, township = self.app.rollback_ruleset(caller(context), request.township_id)
        return self._current(row, township.id)

    @translating
    def ListRuleSets(self, request, context):
        page = paging.page_request(request, "rulesets", request.township_id)
        township, rows, activations = self.app.township_rulesets(caller(context), request.township_id)
        active = self.app.rulesets.active_row_for(township.id).id
        response = rs.ListRuleSetsResponse()
        response.next_page_token = paging.fill(   # few versions: paged in memory by id
            response.versions, paging.after(rows, page),
            lambda r: _version(r, active, activations, township.id), page)
        return response

    @translating
    def PublishTemplate(self, request, context):
        if not request.id and not request.content_hash:
            raise InvalidArgument("say which version", [Violation("id", "give id or content_hash")],
                                  zh="没有指明规则集版本：请给出版本号或内容哈希（可用 kaoping rules list 查看）")
        row, county = self.app.publish_template(request.id, request.content_hash, caller(context),
                                                request.county)
        return self._current(row, "", county_log(county))

    @translating
    def GetTemplate(self, request, context):
        row, county = self.app.template(caller(context), request.county)
        return rs.RuleSetTemplate(county=county, text=row.text,
                                  version=self._current(row, "", county_log(county)))

    @translating
    def DryRunRuleSet(self, request, context):
        _need_text(request.candidate)
        run = self.app.dry_run(request.candidate.text, request.month, request.township_id,
                               (request.candidate.filename or "<candidate>")[:100], caller(context))
        report = rs.DryRunReport(month=run.current.month,
                                 current=cv.ruleset_ref(run.current.ruleset, run.current.township.id),
                                 candidate_hash=run.candidate.ruleset.content_hash,
                                 unchanged=run.unchanged)
        for d in run.changed:
            old, new = d.old.result, d.new.result
            report.changed.add(
                official_id=d.old.official.id, official_name=d.old.official.name,
                village_name=d.old.village.name, old_total=cv.dec(old.total), new_total=cv.dec(new.total),
                old_grade=old.grade, new_grade=new.grade, old_pay=cv.money(old.pay), new_pay=cv.money(new.pay),
                removed_items=[cv.line_item(i) for i in d.removed],
                added_items=[cv.line_item(i) for i in d.added])
        return report

    @translating
    def GetActiveRuleSet(self, request, context):
        rules, row, township = self.app.active_ruleset(caller(context), request.township_id)
        return rs.RuleSetSummary(ref=cv.ruleset_ref(row, township.id), categories=[
            rs.CategoryInfo(id=c.id, name=c.name, max=cv.dec(c.max), scored_by=list(c.scored_by),
                            kinds=[rs.KindInfo(id=k.id, name=k.name, unit=k.unit,
                                               max_quantity=cv.dec(k.max_quantity))
                                   for k in c.kinds.values()])
            for c in rules.categories.values()])


def _need_text(request) -> None:
    if not request.text.strip():
        raise InvalidArgument("empty rule set", [Violation("text", "required: the YAML text")],
                              zh="规则集内容为空：请提供规则集的 YAML 文本")


__all__ = ["RuleSetServicer", "ev"]
