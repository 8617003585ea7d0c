"""Proposed changes to service files, applied as patches for a measurement only.

Each change the benchmark proposes is written here as replacement code, and
`python -m bench --proposals` runs the whole benchmark with them applied (in the
benchmark's server process and in its own process), next to a run without.
docs/benchmarks.md lists each change with its file, function and measured effect.
A merged change is deleted from here: P1, P2, P4 and P5 are now in the service
(commits 84f7aca and 0c42208), and P6 was a schema change (migration 0004).

P3 kaoping/api/servicers.py FactServicer.SubmitFacts: fills each outcome's receipt
   in place instead of building a FactReceipt and copying it (measured: no effect;
   kept for the record, not merged).
"""
from __future__ import annotations

from typing import Sequence

APPLIED: list[str] = []


# P3 ----------------------------------------------------------------------------
def _p3() -> None:
    from kaoping.api import convert as cv
    from kaoping.api import servicers
    from kaoping.api.auth import caller
    from kaoping.api.errors import code_of, translating
    from kaoping.v1 import facts_pb2 as fx

    @translating
    def SubmitFacts(self, request_iterator, context):
        result = fx.BatchResult()
        index = accepted = rejected = duplicates = 0
        who = caller(context)
        outcomes = result.outcomes
        for batch in request_iterator:
            facts = [cv.fact_input(f) for f in batch.facts]
            for outcome in self.app.submit_facts(facts, first_index=index, caller=who):
                msg = outcomes.add(index=outcome.index, idempotency_key=outcome.idempotency_key)
                if outcome.error is None:
                    r = outcome.receipt
                    msg.accepted = True
                    receipt = msg.receipt
                    receipt.fact_id, receipt.idempotency_key = r.fact_id, r.idempotency_key
                    if r.duplicate:
                        receipt.duplicate = True
                        duplicates += 1
                    accepted += 1
                else:
                    msg.code = code_of(outcome.error)
                    msg.problems.extend(fx.FieldProblem(field=v.field, description=v.description)
                                        for v in outcome.error.violations)
                    rejected += 1
            index += len(facts)
        result.accepted, result.rejected, result.duplicates = accepted, rejected, duplicates
        return result

    servicers.FactServicer.SubmitFacts = SubmitFacts


PATCHES = {"P3": _p3}


def apply(names: Sequence[str] | None = None) -> list[str]:
    for name in names or PATCHES:
        if name not in APPLIED:
            PATCHES[name]()
            APPLIED.append(name)
    return APPLIED
