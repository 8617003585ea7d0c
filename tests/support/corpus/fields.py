"""Corpus parts 3 to 6: SQL-ish text in every Fact field, sizes, Unicode, months."""
from __future__ import annotations

from kaoping.v1 import evaluation_pb2 as ev
from kaoping.v1 import facts_pb2 as fx
from kaoping.v1 import registry_pb2 as rg
from kaoping.v1 import rulesets_pb2 as rs
from tests.support.corpus.base import (_fail, big, C, case, fact, key, MiB, MONTH, SQL,
                                       stores_fact, stores_keys, submit)


# 3. SQL-ish text in every Fact field, both SubmitFact and a stream ------------------------
FACT_FIELD_OUTCOME = {
    "official_id": (C.NOT_FOUND, "official_id"),
    "scorer_id": (C.NOT_FOUND, "scorer_id"),
    "month": (C.INVALID_ARGUMENT, "month"),
    "date": (C.INVALID_ARGUMENT, "date"),
    "category": (C.INVALID_ARGUMENT, "category"),
    "kind": (C.INVALID_ARGUMENT, "kind"),
    "quantity": (C.INVALID_ARGUMENT, "quantity"),
    "note": (C.OK, None),               # free text: stored verbatim, harmlessly
    "source": (C.OK, None),
    "idempotency_key": (C.OK, None),
}



def _sql_fact(field_name: str, text: str):
    def call(w):
        kw = {field_name: text}
        if field_name == "date":
            kw["month"] = ""
        return w.stubs().facts.SubmitFact(submit(**kw))
    return call



for _tag, _text in SQL.items():
    for _field, (_code, _problem) in FACT_FIELD_OUTCOME.items():
        if _code == C.OK:
            case(f"sql/SubmitFact/{_field}/{_tag}", _sql_fact(_field, _text), C.OK,
                 change=stores_fact(**{_field: _text}),
                 check=lambda w, r: w.tables_intact())
        else:
            case(f"sql/SubmitFact/{_field}/{_tag}", _sql_fact(_field, _text), _code,
                 [f"fact.{_problem}"])



case("sql/SubmitFacts/every-id-field",
     lambda w: w.stubs().facts.SubmitFacts(iter([fx.FactBatch(facts=[
         fact(official_id=SQL["drop"]), fact(scorer_id=SQL["or"]), fact(category=SQL["drop"]),
         fact(kind=SQL["or"]), fact(month=SQL["drop"]), fact(quantity=SQL["or"])])])), C.OK,
     check=lambda w, r: (
         [(o.code, o.problems[0].field) for o in r.outcomes] == [
             (C.NOT_FOUND.value[0], "facts[0].official_id"), (C.NOT_FOUND.value[0], "facts[1].scorer_id"),
             (C.INVALID_ARGUMENT.value[0], "facts[2].category"), (C.INVALID_ARGUMENT.value[0], "facts[3].kind"),
             (C.INVALID_ARGUMENT.value[0], "facts[4].month"), (C.INVALID_ARGUMENT.value[0], "facts[5].quantity")]
         and r.rejected == 6 and r.accepted == 0) or _fail(r))

case("sql/ListFacts/month",
     lambda w: w.stubs().facts.ListFacts(fx.ListFactsRequest(month=SQL["drop"])),
     C.INVALID_ARGUMENT, ["month"])

# SQL in an id is just an unknown id: NOT_FOUND naming the field, never a wider read
case("sql/ListFacts/official_id-not-found",
     lambda w: w.stubs().facts.ListFacts(fx.ListFactsRequest(month=MONTH, official_id="' OR 1=1--")),
     C.NOT_FOUND, ["official_id"])

case("sql/ListFacts/village_id-not-found",
     lambda w: w.stubs().facts.ListFacts(fx.ListFactsRequest(month=MONTH, village_id="v01' OR '1'='1")),
     C.NOT_FOUND, ["village_id"])

case("sql/GetMonthlyScores/village_id",
     lambda w: w.stubs().evaluation.GetMonthlyScores(ev.GetMonthlyScoresRequest(
         month=MONTH, village_id=SQL["drop"])), C.NOT_FOUND, ["village_id"])

case("sql/GetMonthlyScores/official_id",
     lambda w: w.stubs().evaluation.GetMonthlyScores(ev.GetMonthlyScoresRequest(
         month=MONTH, official_id=SQL["or"])), C.NOT_FOUND, ["official_id"])

case("sql/GetRanking/township_id",
     lambda w: w.stubs().evaluation.GetRanking(ev.GetRankingRequest(
         month=MONTH, township_id=SQL["drop"])), C.NOT_FOUND, ["township_id"])

case("sql/GetFeedbackNotice/village_id",
     lambda w: w.stubs().evaluation.GetFeedbackNotice(ev.GetFeedbackNoticeRequest(
         month=MONTH, village_id=SQL["or"])), C.NOT_FOUND, ["village_id"])

case("sql/ExplainScore/official_id",
     lambda w: w.stubs().evaluation.ExplainScore(ev.ExplainScoreRequest(
         month=MONTH, official_id=SQL["drop"])), C.NOT_FOUND, ["official_id"])

case("sql/CorrectFact/scorer_id",
     lambda w: w.stubs().facts.CorrectFact(fx.CorrectFactRequest(
         fact_id=w.ids["existing"], reason="x", scorer_id=SQL["drop"], idempotency_key=key())),
     C.NOT_FOUND, ["scorer_id"])



def _sql_reason(w):
    w.remember["sql_reason_key"] = k = key("sqlreason")
    return w.stubs().facts.CorrectFact(fx.CorrectFactRequest(
        fact_id=w.ids["sql_target"], reason=SQL["drop"], scorer_id="main-01", idempotency_key=k))



case("sql/CorrectFact/reason-stored-verbatim", _sql_reason, C.OK,
     change=lambda w, added, r: stores_fact(void_reason=SQL["drop"], note=SQL["drop"],
                                            voids_fact_id=w.ids["sql_target"])(w, added, r),
     check=lambda w, r: w.tables_intact())

case("sql/ActivateRuleSet/content_hash",
     lambda w: w.stubs().rulesets.ActivateRuleSet(rs.ActivateRuleSetRequest(content_hash=SQL["drop"])),
     C.NOT_FOUND, ["content_hash"])

case("sql/UploadRuleSet/text",
     lambda w: w.stubs().rulesets.UploadRuleSet(rs.RuleSetSource(text=SQL["drop"])),
     C.INVALID_ARGUMENT)

case("sql/ValidateRuleSet/text-is-just-invalid",
     lambda w: w.stubs().rulesets.ValidateRuleSet(rs.RuleSetSource(text=SQL["or"])), C.OK,
     check=lambda w, r: (not r.valid and r.problems) or _fail(r))

case("sql/DryRunRuleSet/month",
     lambda w: w.stubs().rulesets.DryRunRuleSet(rs.DryRunRequest(
         candidate=rs.RuleSetSource(text=w.valid_rules("dry")), month=SQL["or"])),
     C.INVALID_ARGUMENT, ["month"])

case("sql/PutVillage/township_id",
     lambda w: w.stubs().registry.PutVillage(rg.Village(id="v92", township_id=SQL["drop"], name="x")),
     C.NOT_FOUND, ["township_id"])

case("sql/PutOfficial/village_id",
     lambda w: w.stubs().registry.PutOfficial(rg.Official(
         id="v92-1", village_id=SQL["or"], name="x", base_pay="1000")), C.NOT_FOUND, ["village_id"])

case("sql/PutOfficial/base_pay",
     lambda w: w.stubs().registry.PutOfficial(rg.Official(
         id="v01-9", village_id="v01", name="x", base_pay=SQL["or"])), C.INVALID_ARGUMENT, ["base_pay"])

case("sql/PutScorer/role",
     lambda w: w.stubs().registry.PutScorer(rg.Scorer(id="s-sql", name="x", role=SQL["drop"])),
     C.INVALID_ARGUMENT, ["role"])

case("sql/ListOfficials/village_id-not-found",
     lambda w: w.stubs().registry.ListOfficials(rg.ListOfficialsRequest(village_id="' OR ''='")),
     C.NOT_FOUND, ["village_id"])

case("sql/ListVillages/township_id-not-found",
     lambda w: w.stubs().registry.ListVillages(rg.ListVillagesRequest(township_id=SQL["or"])),
     C.NOT_FOUND, ["township_id"])

# 4. sizes: 10 MiB fields under the 16 MiB limit, 17 MiB over it, column lengths -------
case("size/SubmitFact/10MiB-note",
     lambda w: w.stubs().facts.SubmitFact(submit(note=big())), C.INVALID_ARGUMENT, ["fact.note"])

case("size/SubmitFact/17MiB-note-over-grpc-limit",
     lambda w: w.stubs().facts.SubmitFact(submit(note=big(17 * MiB))), C.RESOURCE_EXHAUSTED)

case("size/SubmitFacts/17MiB-message-over-grpc-limit",
     lambda w: w.stubs().facts.SubmitFacts(iter([fx.FactBatch(facts=[
         fact(note=big(2 * MiB)) for _ in range(9)])])), C.RESOURCE_EXHAUSTED)

case("size/SubmitFact/10MiB-idempotency_key",
     lambda w: w.stubs().facts.SubmitFact(submit(idempotency_key=big())),
     C.INVALID_ARGUMENT, ["fact.idempotency_key"])

case("size/SubmitFact/201-char-idempotency_key",
     lambda w: w.stubs().facts.SubmitFact(submit(idempotency_key="k" * 201)),
     C.INVALID_ARGUMENT, ["fact.idempotency_key"])

case("size/SubmitFact/65-char-source",
     lambda w: w.stubs().facts.SubmitFact(submit(source="s" * 65)), C.INVALID_ARGUMENT, ["fact.source"])

# Refusals that quote the offending value back: the BadRequest travels in trailing
# metadata, so an unbounded quote must not push the status past the metadata limit.
case("size/SubmitFact/10MiB-official_id",
     lambda w: w.stubs().facts.SubmitFact(submit(official_id=big())), C.INVALID_ARGUMENT, ["fact.official_id"])

case("size/SubmitFact/10MiB-category",
     lambda w: w.stubs().facts.SubmitFact(submit(category=big())), C.INVALID_ARGUMENT, ["fact.category"])

case("size/SubmitFact/10MiB-month",
     lambda w: w.stubs().facts.SubmitFact(submit(month=big())), C.INVALID_ARGUMENT, ["fact.month"])

case("size/SubmitFact/1MiB-quantity",
     lambda w: w.stubs().facts.SubmitFact(submit(quantity=big(MiB, "9"))),
     C.INVALID_ARGUMENT, ["fact.quantity"])

case("size/GetMonthlyScores/10MiB-village_id",
     lambda w: w.stubs().evaluation.GetMonthlyScores(ev.GetMonthlyScoresRequest(
         month=MONTH, village_id=big())), C.NOT_FOUND, ["village_id"])

case("size/UploadRuleSet/10MiB-text",
     lambda w: w.stubs().rulesets.UploadRuleSet(rs.RuleSetSource(text="# " + big())), C.INVALID_ARGUMENT)

case("size/UploadRuleSet/10MiB-label-on-valid-text",
     lambda w: w.stubs().rulesets.UploadRuleSet(rs.RuleSetSource(
         text=w.valid_rules("label"), label=big())), C.INVALID_ARGUMENT, ["label"])

case("size/PutVillage/10MiB-name",
     lambda w: w.stubs().registry.PutVillage(rg.Village(id="v93", township_id="dahedian", name=big())),
     C.INVALID_ARGUMENT, ["name"])

case("size/PutOfficial/65-char-id",
     lambda w: w.stubs().registry.PutOfficial(rg.Official(
         id="v01-" + "9" * 61, village_id="v01", name="x", base_pay="1000")), C.INVALID_ARGUMENT, ["id"])

case("size/PutScorer/201-char-name",
     lambda w: w.stubs().registry.PutScorer(rg.Scorer(id="s-long", name="名" * 201, role="station")),
     C.INVALID_ARGUMENT, ["name"])

case("size/CorrectFact/10MiB-reason",
     lambda w: w.stubs().facts.CorrectFact(fx.CorrectFactRequest(
         fact_id=w.ids["reason_target"], reason=big(), scorer_id="main-01", idempotency_key=key())),
     C.INVALID_ARGUMENT, ["reason"])

case("size/CorrectFact/10MiB-idempotency_key",
     lambda w: w.stubs().facts.CorrectFact(fx.CorrectFactRequest(
         fact_id=w.ids["key_target"], reason="duplicate entry", scorer_id="main-01",
         idempotency_key=big())), C.INVALID_ARGUMENT, ["idempotency_key"])



def _oversize_after_good(w):
    w.remember["oversize_after_good"] = keys = [key("og"), key("og")]
    return w.stubs().facts.SubmitFacts(iter([
        fx.FactBatch(facts=[fact(idempotency_key=k) for k in keys]),
        fx.FactBatch(facts=[fact() for _ in range(5001)])]))



def _stopped_before_the_oversized_message(w, result):
    assert result.stopped_early and result.facts_read == 2 and "at most 5000" in result.stop_reason
    assert [o.accepted for o in result.outcomes] == [True, True]



case("size/SubmitFacts/5001-facts-after-a-good-message", _oversize_after_good, C.OK,
     change=lambda w, added, r: stores_keys(*w.remember["oversize_after_good"])(w, added, r),
     check=_stopped_before_the_oversized_message,
     note="the first message is committed and acknowledged; the server stops reading at the second")

# 5. Unicode ---------------------------------------------------------------------------
UNICODE_REFUSED = [
    ("official_id-rtl-override", dict(official_id="v01-1\u202e"), C.NOT_FOUND, "fact.official_id"),
    ("official_id-zero-width-joiner", dict(official_id="v01\u200d-1"), C.NOT_FOUND, "fact.official_id"),
    ("official_id-nul", dict(official_id="v01-1\x00"), C.INVALID_ARGUMENT, "fact.official_id"),
    ("official_id-full-width", dict(official_id="ｖ０１-１"), C.NOT_FOUND, "fact.official_id"),
    ("scorer_id-combining-acute", dict(scorer_id="main-01\u0301"), C.NOT_FOUND, "fact.scorer_id"),
    ("category-nul", dict(category="attendance\x00"), C.INVALID_ARGUMENT, "fact.category"),
    ("kind-combining-mark", dict(kind="meeting_absent\u0301"), C.INVALID_ARGUMENT, "fact.kind"),
    ("kind-full-width", dict(kind="ｍｅｅｔｉｎｇ_absent"), C.INVALID_ARGUMENT, "fact.kind"),
    ("month-full-width-digits", dict(month="２０２６-０３"), C.INVALID_ARGUMENT, "fact.month"),
    ("month-arabic-indic-digits", dict(month="٢٠٢٦-٠٣"), C.INVALID_ARGUMENT, "fact.month"),
    ("month-zero-width-space", dict(month="2026-03\u200b"), C.INVALID_ARGUMENT, "fact.month"),
    ("month-chinese", dict(month="二〇二六年三月"), C.INVALID_ARGUMENT, "fact.month"),
    ("date-full-width-digits", dict(month="", date="２０２６-０３-０２"), C.INVALID_ARGUMENT, "fact.date"),
    ("quantity-chinese-numeral", dict(quantity="三"), C.INVALID_ARGUMENT, "fact.quantity"),
    ("quantity-vulgar-fraction", dict(quantity="½"), C.INVALID_ARGUMENT, "fact.quantity"),
    ("quantity-full-width-digit", dict(quantity="３"), C.INVALID_ARGUMENT, "fact.quantity"),
    ("quantity-digit-underscore", dict(quantity="1_0"), C.INVALID_ARGUMENT, "fact.quantity"),
    ("note-nul", dict(note="缺席\x00；DROP"), C.INVALID_ARGUMENT, "fact.note"),
]



for _name, _kw, _code, _field in UNICODE_REFUSED:
    case(f"unicode/SubmitFact/{_name}",
         (lambda kw: lambda w: w.stubs().facts.SubmitFact(submit(**kw)))(_kw), _code, [_field])



MIXED_NOTE = "例会缺席 \u202eevil\u202c 👨\u200d👩\u200d👧 e\u0301 🙂 ２０２６"

case("unicode/SubmitFact/note-rtl-zwj-emoji-combining-stored-verbatim",
     lambda w: w.stubs().facts.SubmitFact(submit(note=MIXED_NOTE, month="2026-02")), C.OK,
     change=stores_fact(note=MIXED_NOTE),
     check=lambda w, r: w.listed_note(r.fact_id) == MIXED_NOTE or _fail(r))

case("unicode/SubmitFact/emoji-idempotency_key-stored-verbatim",
     lambda w: w.stubs().facts.SubmitFact(submit(idempotency_key="🔑\u200d🔑-" + key())), C.OK,
     change=lambda w, added, r: stores_fact(idempotency_key=r.idempotency_key)(w, added, r))

case("unicode/ListFacts/month-full-width",
     lambda w: w.stubs().facts.ListFacts(fx.ListFactsRequest(month="２０２６-０３")),
     C.INVALID_ARGUMENT, ["month"])

# `$` in a Python regex also matches before a final newline
case("unicode/ListFacts/month-trailing-newline",
     lambda w: w.stubs().facts.ListFacts(fx.ListFactsRequest(month=MONTH + "\n")),
     C.INVALID_ARGUMENT, ["month"])

case("unicode/GetMonthlyScores/month-trailing-newline",
     lambda w: w.stubs().evaluation.GetMonthlyScores(ev.GetMonthlyScoresRequest(month=MONTH + "\n")),
     C.INVALID_ARGUMENT, ["month"])

case("unicode/GetRanking/month-trailing-newline",
     lambda w: w.stubs().evaluation.GetRanking(ev.GetRankingRequest(month=MONTH + "\n")),
     C.INVALID_ARGUMENT, ["month"])

# 6. months ------------------------------------------------------------------------------
MONTHS_REFUSED = [
    ("future-2099-01", dict(month="2099-01"), "fact.month"),
    ("future-9999-12", dict(month="9999-12"), "fact.month"),
    ("next-month", dict(month="2026-12"), "fact.month"),
    ("ancient-0001-01", dict(month="0001-01"), "fact.month"),
    ("ancient-1900-01", dict(month="1900-01"), "fact.month"),
    ("month-00", dict(month="2026-00"), "fact.month"),
    ("negative-year", dict(month="-2026-03"), "fact.month"),
    ("date-year-zero", dict(month="", date="0000-01-01"), "fact.date"),
    ("date-29-feb-non-leap", dict(month="", date="2026-02-29"), "fact.date"),
    ("month-and-date-disagree", dict(month="2026-03", date="2026-04-01"), "fact.month"),
]



for _name, _kw, _field in MONTHS_REFUSED:
    case(f"month/SubmitFact/{_name}",
         (lambda kw: lambda w: w.stubs().facts.SubmitFact(submit(**kw)))(_kw), C.INVALID_ARGUMENT, [_field])



case("month/GetRanking/future",
     lambda w: w.stubs().evaluation.GetRanking(ev.GetRankingRequest(month="2027-01")),
     C.INVALID_ARGUMENT, ["month"])

case("month/GetMonthlyScores/empty",
     lambda w: w.stubs().evaluation.GetMonthlyScores(ev.GetMonthlyScoresRequest(month="")),
     C.INVALID_ARGUMENT, ["month"])

case("month/ExplainScore/ancient",
     lambda w: w.stubs().evaluation.ExplainScore(ev.ExplainScoreRequest(official_id="v01-1", month="1999-12")),
     C.INVALID_ARGUMENT, ["month"])

case("month/GetFeedbackNotice/month-13",
     lambda w: w.stubs().evaluation.GetFeedbackNotice(ev.GetFeedbackNoticeRequest(
         village_id="v01", month="2026-13")), C.INVALID_ARGUMENT, ["month"])
