"""Corpus parts 7 to 9: idempotency keys, CorrectFact ids and states, streams that stop
half-way."""
from __future__ import annotations

import threading

import grpc
from kaoping.v1 import facts_pb2 as fx
from tests.support.corpus.base import (_fail, _outcome_problem, C, case, fact, key, Observed,
                                       stores_fact, stores_keys, submit, WAIT)


# 7. idempotency keys ------------------------------------------------------------------------
case("idem/SubmitFact/existing-key-different-payload",
     lambda w: w.stubs().facts.SubmitFact(fx.SubmitFactRequest(fact=w.existing_fact(quantity="2"))),
     C.ALREADY_EXISTS, ["fact.idempotency_key"])

case("idem/SubmitFact/existing-key-same-payload-is-a-no-op",
     lambda w: w.stubs().facts.SubmitFact(fx.SubmitFactRequest(fact=w.existing_fact())), C.OK,
     check=lambda w, r: (r.duplicate and r.fact_id == w.ids["existing"]) or _fail(r))

case("idem/SubmitFact/key-of-a-correction",
     lambda w: w.stubs().facts.SubmitFact(submit(idempotency_key=w.keys["correction"])),
     C.ALREADY_EXISTS, ["fact.idempotency_key"])

case("idem/SubmitFacts/existing-key-different-payload",
     lambda w: w.stubs().facts.SubmitFacts(iter([fx.FactBatch(facts=[w.existing_fact(note="other")])])),
     C.OK, check=_outcome_problem(C.ALREADY_EXISTS, "facts[0].idempotency_key"))



def _same_key_twice(split: bool):
    def call(w):
        k = w.remember.setdefault(f"twice-{split}", key("twice"))
        first, second = fact(idempotency_key=k), fact(idempotency_key=k, quantity="3")
        batches = ([fx.FactBatch(facts=[first]), fx.FactBatch(facts=[second])] if split
                   else [fx.FactBatch(facts=[first, second])])
        return w.stubs().facts.SubmitFacts(iter(batches))

    def check(w, r):
        assert (r.accepted, r.rejected) == (1, 1), r
        _outcome_problem(C.ALREADY_EXISTS, "facts[1].idempotency_key", 1)(w, r)
    return call, check



for _split in (False, True):
    _call, _check = _same_key_twice(_split)
    case(f"idem/SubmitFacts/new-key-twice-different-payloads-{'two-messages' if _split else 'one-message'}",
         _call, C.OK, change=(lambda s: lambda w, added, r: stores_keys(w.remember[f"twice-{s}"])(w, added, r))(_split),
         check=_check)



def _same_key_5000(w):
    w.remember["5000"] = k = key("5000")
    return w.stubs().facts.SubmitFacts(iter([fx.FactBatch(facts=[fact(idempotency_key=k)] * 5000)]))



case("idem/SubmitFacts/one-key-5000-times-stored-once", _same_key_5000, C.OK,
     change=lambda w, added, r: stores_keys(w.remember["5000"])(w, added, r),
     check=lambda w, r: ((r.accepted, r.duplicates, len({o.receipt.fact_id for o in r.outcomes}))
                         == (5000, 4999, 1)) or _fail(r))

case("idem/CorrectFact/key-of-an-existing-fact",
     lambda w: w.stubs().facts.CorrectFact(fx.CorrectFactRequest(
         fact_id=w.ids["fix_target"], reason="dup", scorer_id="main-01",
         idempotency_key=w.keys["existing"])), C.ALREADY_EXISTS, ["idempotency_key"])

case("idem/CorrectFact/replacement-reuses-the-correction-key",
     lambda w: w.stubs().facts.CorrectFact((lambda k: fx.CorrectFactRequest(
         fact_id=w.ids["fix_target"], reason="wrong kind", scorer_id="main-01", idempotency_key=k,
         replacement=fact(idempotency_key=k, kind="meeting_late")))(key())),
     C.ALREADY_EXISTS, ["idempotency_key"])

case("idem/CorrectFact/resend-is-a-no-op",
     lambda w: w.stubs().facts.CorrectFact(fx.CorrectFactRequest(
         fact_id=w.ids["voided"], reason=w.reason, scorer_id="main-01",
         idempotency_key=w.keys["correction"])), C.OK,
     check=lambda w, r: (r.correction.duplicate and r.correction.fact_id == w.ids["correction"]) or _fail(r))

# 8. CorrectFact ids and states ------------------------------------------------------------------
CORRECT_REFUSED = [
    ("fact_id-zero", dict(fact_id=0), C.NOT_FOUND, "fact_id"),
    ("fact_id-negative", dict(fact_id=-1), C.NOT_FOUND, "fact_id"),
    ("fact_id-int64-max", dict(fact_id=2 ** 63 - 1), C.NOT_FOUND, "fact_id"),
    ("reason-only-whitespace", dict(reason=" \t\n\u3000"), C.INVALID_ARGUMENT, "reason"),
    ("no-idempotency_key", dict(idempotency_key=""), C.INVALID_ARGUMENT, "idempotency_key"),
    ("a-correction-itself", dict(fact_id="correction"), C.INVALID_ARGUMENT, "fact_id"),
    ("an-already-voided-fact", dict(fact_id="voided"), C.FAILED_PRECONDITION, "fact_id"),
    ("replacement-future-month", dict(replacement=dict(month="2030-01")), C.INVALID_ARGUMENT,
     "replacement.month"),
    ("replacement-unknown-official", dict(replacement=dict(official_id="v99-9")), C.NOT_FOUND,
     "replacement.official_id"),
]



def _correct(change: dict):
    def call(w):
        args = dict(fact_id=w.ids["fix_target"], reason="entered twice", scorer_id="main-01",
                    idempotency_key=key("fix"))
        for name, value in change.items():
            if name == "replacement":
                args["replacement"] = fact(**value)
            elif name == "fact_id" and isinstance(value, str):
                args["fact_id"] = w.ids[value]
            else:
                args[name] = value
        return w.stubs().facts.CorrectFact(fx.CorrectFactRequest(**args))
    return call



for _name, _change, _code, _field in CORRECT_REFUSED:
    case(f"correct/CorrectFact/{_name}", _correct(_change), _code, [_field])



# An ordinary reason of a few sentences (well under the 2000-character note limit).
LONG_REASON = ("经核实，该同志3月3日经镇党委书记批准请假参加县委组织部组织的村干部培训班，"
               "考勤系统未同步请假记录，故撤销此条缺席扣分；培训结业证书复印件已存档备查。")



assert 60 <= len(LONG_REASON) <= 2000



def _long_reason(w):
    w.remember["long_reason_key"] = k = key("reason")
    return w.stubs().facts.CorrectFact(fx.CorrectFactRequest(
        fact_id=w.ids["reason_ok_target"], reason=LONG_REASON, scorer_id="main-01", idempotency_key=k))



case("correct/CorrectFact/ordinary-75-char-reason-is-stored", _long_reason, C.OK,
     change=lambda w, added, r: stores_fact(void_reason=LONG_REASON, voids_fact_id=w.ids["reason_ok_target"],
                                            idempotency_key=w.remember["long_reason_key"])(w, added, r))



# 9. streams that stop half-way ------------------------------------------------------------------
def _interrupted(how: str):
    """One good message, then the client raises / cancels / stalls past its deadline.

    The server commits a message's good facts when it processes that message, and the
    only acknowledgement is the reply at the end; so the first message is stored,
    nothing is acknowledged, and the client must resend (same keys: safe)."""
    def call(w):
        first = [fact(idempotency_key=key(how)) for _ in range(3)]
        rest = [fact(idempotency_key=key(how)) for _ in range(3)]
        w.remember[how] = (first, rest)
        release = threading.Event()

        def requests():
            if how == "raise-before-any":
                raise RuntimeError("client bug before the first message")
            yield fx.FactBatch(facts=first)
            w.wait_for_keys([f.idempotency_key for f in first])
            if how == "raise":
                raise RuntimeError("client bug after the first message")
            release.wait(WAIT)          # cancel / deadline: stall, bounded

        stub = w.stubs().facts
        if how == "cancel":
            future = stub.SubmitFacts.future(requests())
            w.wait_for_keys([f.idempotency_key for f in first])
            future.cancel()
            release.set()
            try:
                future.result(timeout=WAIT)
            except grpc.FutureCancelledError:
                raise Observed(future.code(), future.details())
            return future.result()
        try:
            return stub.SubmitFacts(requests(), timeout=3 if how == "deadline" else WAIT)
        finally:
            release.set()

    def change(w, added, r):
        first, _ = w.remember[how]
        stores_keys(*([] if how == "raise-before-any" else [f.idempotency_key for f in first]))(w, added, r)

    def resend(w, error):
        if how.startswith("raise"):     # the client library's own status, not the server's
            assert error.details() == "Exception iterating requests!", error.details()
        first, rest = w.remember[how]
        again = w.stubs().facts.SubmitFacts(iter([fx.FactBatch(facts=first), fx.FactBatch(facts=rest)]))
        committed = 0 if how == "raise-before-any" else len(first)
        assert (again.accepted, again.rejected, again.duplicates) == (6, 0, committed), again
        w.assert_stored_once([f.idempotency_key for f in first + rest])
    return call, change, resend



for _how, _code in (("raise", C.UNKNOWN), ("raise-before-any", C.UNKNOWN), ("cancel", C.CANCELLED),
                    ("deadline", C.DEADLINE_EXCEEDED)):
    _call, _change, _resend = _interrupted(_how)
    case(f"stream/SubmitFacts/{_how}-then-resend", _call, _code, change=_change, check=_resend)



case("stream/SubmitFacts/no-messages",
     lambda w: w.stubs().facts.SubmitFacts(iter([])), C.OK,
     check=lambda w, r: (r.accepted, r.rejected, len(r.outcomes)) == (0, 0, 0) or _fail(r))

case("stream/SubmitFacts/empty-batches-around-bad-facts",
     lambda w: w.stubs().facts.SubmitFacts(iter([fx.FactBatch(), fx.FactBatch(facts=[
         fact(month="2099-01"), fact(quantity="-1"), fact(idempotency_key="")]), fx.FactBatch()])), C.OK,
     check=lambda w, r: ((r.accepted, r.rejected) == (0, 3)
                         and [o.index for o in r.outcomes] == [0, 1, 2]) or _fail(r))
