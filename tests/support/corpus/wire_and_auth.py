"""Corpus parts 1 and 2: bytes that are not the method's message; authentication and roles."""
from __future__ import annotations

from kaoping.v1 import evaluation_pb2 as ev
from kaoping.v1 import facts_pb2 as fx
from kaoping.v1 import registry_pb2 as rg
from kaoping.v1 import rulesets_pb2 as rs
from tests.support.corpus.base import (_outcome_problem, C, case, fact, FACTS, key, MONTH,
                                       stores_keys, submit)


# 1. wire level: bytes that are not the method's message ---------------------------
def _fact_bytes_with(placeholder_bytes: bytes) -> bytes:
    raw = fx.SubmitFactRequest(fact=fact(note="@@@")).SerializeToString()
    assert raw.count(b"@@@") == 1
    return raw.replace(b"@@@", placeholder_bytes)



case("wire/SubmitFact/garbage-bytes",
     lambda w: w.raw(FACTS + "SubmitFact", b"\xff\xff\xff\xff\xff"), C.INVALID_ARGUMENT, ["request"])

case("wire/SubmitFact/truncated-message",
     lambda w: w.raw(FACTS + "SubmitFact", submit().SerializeToString()[:20]), C.INVALID_ARGUMENT, ["request"])

case("wire/SubmitFact/invalid-utf8-in-official_id",
     lambda w: w.raw(FACTS + "SubmitFact",
                     submit(official_id="@@").SerializeToString().replace(b"@@", b"\xff\xfe")),
     C.INVALID_ARGUMENT, ["request"])

case("wire/SubmitFact/lone-surrogate-bytes-in-note",
     lambda w: w.raw(FACTS + "SubmitFact", _fact_bytes_with(b"\xed\xa0\x80")), C.INVALID_ARGUMENT, ["request"])

case("wire/SubmitFact/fact-sent-as-varint",        # wrong wire type: kept as an unknown field
     lambda w: w.raw(FACTS + "SubmitFact", b"\x08\x01"), C.INVALID_ARGUMENT, ["fact"])

case("wire/SubmitFact/only-unknown-field-numbers",
     lambda w: w.raw(FACTS + "SubmitFact", b"\xf8\x06\x01\xfa\x06\x03abc"), C.INVALID_ARGUMENT, ["fact"])

case("wire/SubmitFact/empty-message",
     lambda w: w.raw(FACTS + "SubmitFact", b""), C.INVALID_ARGUMENT, ["fact"])

case("wire/SubmitFact/RuleSetSource-bytes",
     lambda w: w.raw(FACTS + "SubmitFact", rs.RuleSetSource(
         text="name: x\ncategories: {}\n", label="l").SerializeToString()), C.INVALID_ARGUMENT, ["request"])

case("wire/SubmitFact/ListFactsRequest-bytes",
     lambda w: w.raw(FACTS + "SubmitFact", fx.ListFactsRequest(
         month=MONTH, official_id="v01-1").SerializeToString()), C.INVALID_ARGUMENT, ["request"])

case("wire/SubmitFact/no-request-message",
     lambda w: w.raw_stream(FACTS + "SubmitFact", []), C.UNIMPLEMENTED)

case("wire/SubmitFacts/garbage-first-message",
     lambda w: w.raw_stream(FACTS + "SubmitFacts", [b"\xff\xff\xff\xff"]), C.INVALID_ARGUMENT, ["request"])



def _good_then_garbage(w):
    keys = [key("wg"), key("wg")]
    w.remember["garbage_after_good"] = keys
    good = fx.FactBatch(facts=[fact(idempotency_key=k) for k in keys]).SerializeToString()
    return w.raw_stream(FACTS + "SubmitFacts", [good, b"\xff\xff\xff\xff"])



case("wire/SubmitFacts/garbage-after-a-good-message", _good_then_garbage, C.INVALID_ARGUMENT, ["request"],
     change=lambda w, added, r: stores_keys(*w.remember["garbage_after_good"])(w, added, r),
     note="each message's good facts are committed when it is processed; the reply "
          "(the only acknowledgement) never comes, so the client resends")

case("wire/ListFacts/garbage-bytes",
     lambda w: w.raw(FACTS + "ListFacts", b"\x0a\xff\xff"), C.INVALID_ARGUMENT, ["request"])

case("wire/CorrectFact/garbage-bytes",
     lambda w: w.raw(FACTS + "CorrectFact", b"\x08"), C.INVALID_ARGUMENT, ["request"])

case("wire/UploadRuleSet/garbage-bytes",
     lambda w: w.raw("/kaoping.v1.RuleSetService/UploadRuleSet", b"\x0a\x05ab"), C.INVALID_ARGUMENT, ["request"])

case("wire/FactService/unknown-method-DeleteFact",
     lambda w: w.raw(FACTS + "DeleteFact", b""), C.UNIMPLEMENTED)

# 2. authentication and roles ----------------------------------------------------------
case("auth/SubmitFact/no-token",
     lambda w: w.stubs(None).facts.SubmitFact(submit()), C.UNAUTHENTICATED, ["authorization"])

case("auth/SubmitFacts/forged-token",
     lambda w: w.stubs("kp_forged-0123456789").facts.SubmitFacts(iter([fx.FactBatch(facts=[fact()])])),
     C.UNAUTHENTICATED, ["authorization"])

case("auth/CorrectFact/expired-token",
     lambda w: w.stubs(w.expired).facts.CorrectFact(fx.CorrectFactRequest(
         fact_id=w.ids["existing"], reason="x", scorer_id="main-01", idempotency_key=key())),
     C.UNAUTHENTICATED, ["authorization"])

case("auth/SubmitFact/revoked-token",
     lambda w: w.stubs(w.revoked).facts.SubmitFact(submit()), C.UNAUTHENTICATED, ["authorization"])

case("auth/SubmitFact/basic-scheme-with-valid-token",
     lambda w: w.stubs(None, metadata=[("authorization", "Basic " + w.tokens["admin"])])
     .facts.SubmitFact(submit()), C.UNAUTHENTICATED, ["authorization"])

case("auth/ListFacts/sql-token",
     lambda w: w.stubs("kp_' OR '1'='1").facts.ListFacts(fx.ListFactsRequest(month=MONTH)),
     C.UNAUTHENTICATED, ["authorization"])

case("auth/PutVillage/token-of-another-database",
     lambda w: w.stubs("kp_" + "A" * 43).registry.PutVillage(rg.Village(
         id="v90", township_id="dahedian", name="x")), C.UNAUTHENTICATED, ["authorization"])

case("role/reader/SubmitFact",
     lambda w: w.stubs("reader").facts.SubmitFact(submit()), C.PERMISSION_DENIED, ["authorization"])

case("role/reader/SubmitFacts",
     lambda w: w.stubs("reader").facts.SubmitFacts(iter([fx.FactBatch(facts=[fact()])])),
     C.PERMISSION_DENIED, ["authorization"])

case("role/reader/CorrectFact",
     lambda w: w.stubs("reader").facts.CorrectFact(fx.CorrectFactRequest(
         fact_id=w.ids["existing"], reason="x", scorer_id="main-01", idempotency_key=key())),
     C.PERMISSION_DENIED, ["authorization"])

case("role/village/PutVillage",
     lambda w: w.stubs("village").registry.PutVillage(rg.Village(
         id="v91", township_id="dahedian", name="新村")), C.PERMISSION_DENIED, ["authorization"])

case("role/station/UploadRuleSet",
     lambda w: w.stubs("station").rulesets.UploadRuleSet(rs.RuleSetSource(
         text=w.valid_rules("station"))), C.PERMISSION_DENIED, ["authorization"])

case("role/system/ActivateRuleSet",
     lambda w: w.stubs("attendance_system").rulesets.ActivateRuleSet(
         rs.ActivateRuleSetRequest(id=1)), C.PERMISSION_DENIED, ["authorization"])

case("role/main/submits-as-another-scorer",
     lambda w: w.stubs("main").facts.SubmitFact(submit(scorer_id="contact-01")),
     C.PERMISSION_DENIED, ["fact.scorer_id"])

case("role/station/attendance-fact",
     lambda w: w.stubs("station").facts.SubmitFact(submit(scorer_id="")),
     C.PERMISSION_DENIED, ["fact.scorer_id"])

case("role/system/category-not-on-token",
     lambda w: w.stubs("attendance_system").facts.SubmitFact(submit(
         category="study", kind="study_absent", scorer_id="")), C.PERMISSION_DENIED, ["fact.category"])

case("role/system/corrects-a-fact-it-did-not-send",
     lambda w: w.stubs("attendance_system").facts.CorrectFact(fx.CorrectFactRequest(
         fact_id=w.ids["existing"], reason="not ours", idempotency_key=key())),
     C.PERMISSION_DENIED, ["fact_id"])

case("role/station/corrects-an-attendance-fact",
     lambda w: w.stubs("station").facts.CorrectFact(fx.CorrectFactRequest(
         fact_id=w.ids["existing"], reason="wrong", idempotency_key=key())),
     C.PERMISSION_DENIED, ["scorer_id"])

case("role/village/ListFacts-other-village",
     lambda w: w.stubs("village").facts.ListFacts(fx.ListFactsRequest(month=MONTH, village_id="v02")),
     C.PERMISSION_DENIED, ["village_id"])

case("role/village/ListFacts-whole-township",
     lambda w: w.stubs("village").facts.ListFacts(fx.ListFactsRequest(month=MONTH)),
     C.PERMISSION_DENIED, ["village_id"])

case("role/village/ListFacts-official-of-other-village",
     lambda w: w.stubs("village").facts.ListFacts(fx.ListFactsRequest(month=MONTH, official_id="v02-1")),
     C.PERMISSION_DENIED, ["village_id"])

case("role/village/GetFeedbackNotice-other-village",
     lambda w: w.stubs("village").evaluation.GetFeedbackNotice(ev.GetFeedbackNoticeRequest(
         village_id="v02", month=MONTH)), C.PERMISSION_DENIED, ["village_id"])

case("role/resident/stream-fact-as-another-scorer",
     lambda w: w.stubs("resident").facts.SubmitFacts(iter([fx.FactBatch(facts=[
         fact(scorer_id="main-01")])])), C.OK,
     check=_outcome_problem(C.PERMISSION_DENIED, "facts[0].scorer_id"))
