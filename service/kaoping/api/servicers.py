"""Thin adapters: kaoping.v1 messages in, Kaoping use cases, messages out."""
from __future__ import annotations

from decimal import Decimal

from kaoping.api import convert as cv
from kaoping.api import paging
from kaoping.api.auth import caller
from kaoping.api.errors import to_status, translating, translating_stream
from kaoping.api.fact_stream import StreamAcks, StreamReply
from kaoping.api.wire import Encoded
from kaoping.usecases.app import Kaoping
from kaoping.usecases.registry import parse_base_pay
from kaoping.usecases.roster_import import RosterRow
from kaoping.domain.attributes import attributes_of, encode_attributes
from kaoping.domain.errors import DomainError, InvalidArgument, Violation
from kaoping.usecases.watch import Scope
from kaoping.rules.lines import facts_text, is_deduction
from kaoping.storage.models import Official, Scorer, Township, Village
from kaoping.v1 import evaluation_pb2 as ev
from kaoping.v1 import evaluation_pb2_grpc as ev_grpc
from kaoping.v1 import facts_pb2 as fx
from kaoping.v1 import facts_pb2_grpc as fx_grpc
from kaoping.v1 import registry_pb2 as rg
from kaoping.v1 import registry_pb2_grpc as rg_grpc

NOTICE_TITLE = "反馈通知单"


def _receipt(r) -> fx.FactReceipt:
    return fx.FactReceipt(fact_id=r.fact_id, duplicate=r.duplicate, idempotency_key=r.idempotency_key)


class FactServicer(fx_grpc.FactServiceServicer):
    def __init__(self, app: Kaoping):
        self.app = app

    @translating
    def SubmitFact(self, request, context):
        if not request.HasField("fact"):
            raise InvalidArgument("fact required", [Violation("fact", "required")],
                                  zh="缺少事实内容：请填写要录入的事实")
        return _receipt(self.app.submit_fact(cv.fact_input(request.fact), caller(context)))

    @translating
    def SubmitFacts(self, request_iterator, context):
        reply = StreamReply(self.app.limits)
        who = caller(context)
        for batch in request_iterator:
            if not reply.admit(batch):
                break  # the rest is not read: the reply says so and stays deliverable
            if batch.facts:  # an empty message costs no database round trip
                facts = [cv.fact_input(f) for f in batch.facts]
                reply.add(self.app.submit_facts(facts, first_index=reply.facts_read, caller=who))
        return reply.result

    @translating_stream
    def StreamFacts(self, request_iterator, context):
        """One FactAck per message, in order, each sent once the message's facts are
        committed (kaoping.usecases.facts.submit_facts returns after the commit)."""
        acks = StreamAcks(self.app.limits)
        who = caller(context)
        for batch in request_iterator:
            stop = acks.refusal(batch)
            if stop is not None:
                yield stop
                return      # the rest is not read: the sender resends from this message
            outcomes = (self.app.submit_facts([cv.fact_input(f) for f in batch.facts],
                                              first_index=acks.facts_read, caller=who)
                        if batch.facts else [])   # an empty message costs no database round trip
            yield acks.ack(batch, outcomes)

    @translating
    def CorrectFact(self, request, context):
        replacement = cv.fact_input(request.replacement) if request.HasField("replacement") else None
        correction, new = self.app.correct_fact(request.fact_id, request.reason, request.scorer_id,
                                                request.idempotency_key, replacement, caller(context))
        response = fx.CorrectFactResponse(correction=_receipt(correction))
        if new is not None:
            response.replacement.CopyFrom(_receipt(new))
        return response

    @translating
    def ListFacts(self, request, context):
        page = paging.page_request(request, "facts", request.month, request.official_id,
                                   request.village_id, request.township_id)
        rows = self.app.list_facts(request.month, request.official_id, request.village_id,
                                   caller(context), after_id=page.after, limit=page.size + 1,
                                   township_id=request.township_id)
        # A correction may be on a later page than the fact it voids: ask the store.
        voided_by = self.app.store.voiders([r.id for r in rows])
        response = fx.ListFactsResponse()
        response.next_page_token = paging.fill(
            response.facts, rows, lambda r: cv.stored_fact(r, voided_by.get(r.id, 0)), page)
        return response


class EvaluationServicer(ev_grpc.EvaluationServiceServicer):
    def __init__(self, app: Kaoping):
        self.app = app

    @translating
    def GetMonthlyScores(self, request, context):
        scope = request.WhichOneof("scope")
        scores = self.app.monthly_scores(request.month, caller=caller(context),
                                         **({scope: getattr(request, scope)} if scope else {}))
        ref = cv.ruleset_ref(scores.ruleset, scores.township.id)
        head = ev.MonthlyScores(month=scores.month, ruleset=ref, township_id=scores.township.id)
        key = (scores.ruleset.content_hash, scores.township.id)
        return Encoded(head.SerializeToString() + b"".join(
            cv.score_chunk(s, scores.rules, scores.ruleset, ref, key) for s in scores.scores))

    @translating
    def GetRanking(self, request, context):
        scores, officials, villages = self.app.ranking(request.month, request.township_id,
                                                       caller(context))
        return ev.Ranking(
            month=scores.month, ruleset=cv.ruleset_ref(scores.ruleset, scores.township.id),
            officials=[ev.RankedOfficial(rank=rank, official_id=s.official.id,
                                         official_name=s.official.name,
                                         village_name=s.village.name, total=cv.dec(s.result.total),
                                         grade=s.result.grade) for rank, s in officials],
            villages=[ev.RankedVillage(rank=rank, village_id=v.id, village_name=v.name,
                                       average=cv.money(avg), officials=n)
                      for rank, (v, avg, n) in villages])

    @translating
    def GetFeedbackNotice(self, request, context):
        scores = self.app.feedback_notice(request.village_id, request.month, caller(context))
        notice = ev.FeedbackNotice(month=scores.month, ruleset=cv.ruleset_ref(scores.ruleset, scores.township.id),
                                   village_id=request.village_id)
        total = Decimal(0)
        for s in scores.scores:
            notice.village_name = s.village.name
            deductions = [i for i in s.result.items if is_deduction(scores.rules, i)]
            total += sum((-i.points for i in deductions), Decimal(0))
            notice.officials.add(official_id=s.official.id, official_name=s.official.name,
                                 total=cv.dec(s.result.total), grade=s.result.grade,
                                 deductions=[cv.line_item(i) for i in deductions])
        notice.title = f"{notice.village_name} {scores.month} 绩效考评《{NOTICE_TITLE}》"
        notice.total_deducted = cv.dec(total)
        return notice

    @translating
    def ExplainScore(self, request, context):
        scores = self.app.explain(request.official_id, request.month, caller(context))
        view, rules, row = scores.scores[0], scores.rules, scores.ruleset
        msg = ev.Explanation(score=cv.official_score(view, rules, row,
                                                     cv.ruleset_ref(row, scores.township.id)))
        for cid, score in view.result.categories.items():
            cat = rules.categories[cid]
            items = [i for i in view.result.items if i.category == cid]
            cut = [i for i in items if i.points != i.requested]
            note = ""
            if cut:
                note = "caps or the category floor cut: " + ", ".join(
                    f"fact {i.fact_id} asked {cv.dec(i.requested)}, got {cv.dec(i.points)}" for i in cut)
            msg.categories.add(
                score=ev.CategoryScore(category=cid, name=cat.name, score=cv.dec(score), max=cv.dec(cat.max)),
                items=[ev.ExplainedItem(item=cv.line_item(i), rule_text=rules.rules[i.rule_id].describe(),
                                        fact_summary=facts_text(i) + (f" ({i.detail})" if i.detail else ""))
                       for i in items],
                note=note)
        msg.grade_rule = "; ".join(f"{b.grade}: {b.min} <= total" + (f" < {b.max}" if b.max is not None else "")
                                   for b in rules.grades)
        msg.pay_rule = f"{rules.pay.form} {', '.join(f'{k}={v}' for k, v in rules.pay.params.items())}"
        if rules.pay.base is not None:
            msg.pay_rule += f"; base {rules.pay.base} for everyone"
        if rules.pay.position_ratio:
            msg.pay_rule += "; by position " + ", ".join(f"{p} × {r}" for p, r in rules.pay.position_ratio.items())
        return msg

    def WatchScores(self, request, context):
        """The snapshot, then each change (kaoping.usecases.watch), until the client
        cancels, the buffer overflows (one last fell_behind update) or the server stops."""
        watcher = None
        try:
            scope = request.WhichOneof("scope")
            watcher = self.app.watch.subscribe(caller(context), Scope(
                request.month, **({scope: getattr(request, scope)} if scope else {})))
            context.add_callback(watcher.close)   # the client went away: wake the loop below
            while True:
                update = watcher.next(WATCH_WAKE_SECONDS)
                if update is False:
                    return
                if update is None:
                    if not context.is_active():
                        return
                    continue
                yield _score_update(update)
                if update.fell_behind:
                    return
        except DomainError as exc:
            context.abort_with_status(to_status(exc))
        finally:
            if watcher is not None:
                self.app.watch.unsubscribe(watcher)


WATCH_WAKE_SECONDS = 1.0   # a watch with nothing to send looks at its call this often


def _score_update(update) -> ev.ScoreUpdate:
    if update.fell_behind:
        return ev.ScoreUpdate(fell_behind=True, fell_behind_reason=update.fell_behind)
    scores = update.scores
    ref = cv.ruleset_ref(scores.ruleset, scores.township.id)
    return ev.ScoreUpdate(month=scores.month, township_id=scores.township.id, ruleset=ref,
                          snapshot=update.snapshot, fact_watermark=update.watermark,
                          removed_official_ids=update.removed,
                          scores=[cv.official_score(s, scores.rules, scores.ruleset, ref)
                                  for s in scores.scores])


class RegistryServicer(rg_grpc.RegistryServiceServicer):
    def __init__(self, app: Kaoping):
        self.app = app

    # The registry tables are small (a township's villages, officials and scorers):
    # they are read whole and paged in memory, by their text id.
    @translating
    def ListVillages(self, request, context):
        page = paging.page_request(request, "villages", request.township_id, key_type=str)
        response = rg.ListVillagesResponse()
        response.next_page_token = paging.fill(
            response.villages, paging.after(self.app.list_villages(caller(context), request.township_id), page),
            lambda v: rg.Village(id=v.id, township_id=v.township_id, name=v.name,
                                 attributes=attributes_of(v)), page)
        return response

    @translating
    def ListOfficials(self, request, context):
        page = paging.page_request(request, "officials", request.village_id, request.township_id,
                                   request.month, key_type=str)
        listed = self.app.list_officials(request.village_id, request.township_id, request.month,
                                         caller(context))
        response = rg.ListOfficialsResponse()
        key = lambda l: l.official.id   # noqa: E731
        response.next_page_token = paging.fill(
            response.officials, paging.after(listed, page, key), cv.listed_official, page, key)
        return response

    @translating
    def ListRosterEntries(self, request, context):
        entries = self.app.roster_entries(request.official_id, caller(context))
        return rg.ListRosterEntriesResponse(entries=[cv.roster_entry(e) for e in entries])

    @translating
    def ListScorers(self, request, context):
        page = paging.page_request(request, "scorers", request.township_id, key_type=str)
        response = rg.ListScorersResponse()
        response.next_page_token = paging.fill(
            response.scorers, paging.after(self.app.list_scorers(caller(context), request.township_id), page),
            lambda s: rg.Scorer(id=s.id, name=s.name, role=s.role, township_id=s.township_id), page)
        return response

    @translating
    def PutVillage(self, request, context):
        _require(request, "id", "name")
        village = Village(id=request.id, township_id=request.township_id, name=request.name,
                          attributes=encode_attributes(request.attributes))
        self.app.put_village(village, caller(context))
        return rg.Village(id=village.id, township_id=self.app.store.get(Village, village.id).township_id,
                          name=village.name, attributes=request.attributes)

    @translating
    def PutOfficial(self, request, context):
        _require(request, "id", "village_id", "name", "base_pay")
        pay = parse_base_pay(request.base_pay)
        self.app.put_official(Official(id=request.id, village_id=request.village_id, name=request.name,
                              position=request.position, base_pay=pay,
                              attributes=encode_attributes(request.attributes),
                              id_number=request.id_number, bank_account=request.bank_account),
                              village_from=request.village_from_month,
                              effective_on=request.effective_on, left_on=request.left_on,
                              caller=caller(context))
        return request

    @translating
    def PutScorer(self, request, context):
        _require(request, "id", "name", "role")
        self.app.put_scorer(Scorer(id=request.id, name=request.name, role=request.role,
                                   township_id=request.township_id), caller(context))
        stored = self.app.store.get(Scorer, request.id)
        return rg.Scorer(id=stored.id, name=stored.name, role=stored.role, township_id=stored.township_id)

    # townships ------------------------------------------------------------------
    @translating
    def CreateTownship(self, request, context):
        return _township(self.app.create_township(_township_row(request), caller(context)))

    @translating
    def UpdateTownship(self, request, context):
        _require(request, "id")
        return _township(self.app.update_township(_township_row(request), caller(context)))

    @translating
    def ListTownships(self, request, context):
        return rg.ListTownshipsResponse(townships=[
            _township(t) for t in self.app.list_townships(caller(context), request.county)])

    @translating
    def GetTownship(self, request, context):
        _require(request, "id")
        return _township(self.app.township_for(caller(context), request.id, "id"))

    @translating
    def ImportRoster(self, request, context):
        report = self.app.import_roster(request.township_id, [_roster_row(r) for r in request.rows],
                                        request.dry_run, caller(context))
        return rg.RosterImportReport(
            dry_run=report.dry_run, added=report.count("added"), changed=report.count("changed"),
            unchanged=report.count("unchanged"), rejected=report.count("rejected"),
            rows=[rg.RowOutcome(sheet=o.sheet, row=o.row, id=o.id, action=o.action,
                                changed_fields=o.changed_fields,
                                problems=[rg.RowProblem(field=p.field, reason=p.description)
                                          for p in o.problems]) for o in report.rows])


def _township(t: Township) -> rg.Township:
    return rg.Township(id=t.id, name=t.name, county=t.county, script=t.script, issuer=t.issuer,
                       contact=t.contact, doc_prefix=t.doc_prefix)


def _township_row(m: rg.Township) -> Township:
    return Township(id=m.id, name=m.name, county=m.county, script=m.script, issuer=m.issuer,
                    contact=m.contact, doc_prefix=m.doc_prefix)


def _roster_row(row: rg.RosterRow) -> RosterRow:
    """A RosterRow message as the use case reads it: its entry's fields as text."""
    kind = row.WhichOneof("entry") or ""
    if not kind:
        return RosterRow(row.sheet, row.row, "")
    entry = getattr(row, kind)
    values = {f.name: getattr(entry, f.name) for f in entry.DESCRIPTOR.fields
              if f.name != "attributes" and isinstance(getattr(entry, f.name), str)}
    return RosterRow(row.sheet, row.row, kind, values, dict(entry.attributes) if kind != "scorer" else {})


def _require(msg, *fields) -> None:
    missing = [Violation(f, "required") for f in fields if not getattr(msg, f)]
    if missing:
        raise InvalidArgument("missing fields", missing,
                              zh="缺少必填项：请按错误详情补全后重试")
