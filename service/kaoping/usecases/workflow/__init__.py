"""Use cases of the monthly workflow, appeals, rankings, year-end and pay lists, one
module per family (months, feedback, appeals, rankings, year_end, pay; what they share in base,
what they return in views), composed into one Workflow here.

Free of gRPC like kaoping.usecases.app: every method takes the calling Principal, applies
the role and data-scope checks (a village answers only for its own village), and
raises DomainErrors. The pure rules live in kaoping.domain.workflow (states) and
kaoping.domain.yearend (arithmetic); the transactions in
kaoping.storage.workflow_store.

What is authoritative when: while a month is `scoring` its scores are computed live
from the facts. From `aggregated` on, the month's totals, grades and pay are the
*snapshot* written at aggregation (one row per official, names and base pay
included), under the rule-set version recorded on the month — which approval binds.
Facts are then closed (kaoping.usecases.app refuses them); an appeal overturn is the only
change after approval: it adds a correcting fact, recomputes the month under the
bound version with the snapshot's members and base pay, and writes the next
snapshot revision, recording the official's before and after. A live recompute that
disagrees with the snapshot (say the registry's base pay was edited) is reported as
drift by `state`, and never changes the snapshot.
"""
from kaoping.usecases.workflow.appeals import Appeals
from kaoping.usecases.workflow.feedback import Feedbacks
from kaoping.usecases.workflow.months import MonthTransitions
from kaoping.usecases.workflow.pay import PayLists
from kaoping.usecases.workflow.rankings import Rankings
from kaoping.usecases.workflow.year_end import YearEnds
from kaoping.usecases.workflow.year_moves import YearTransitions


class Workflow(MonthTransitions, Feedbacks, Appeals, Rankings, YearEnds, YearTransitions, PayLists):
    """The month workflow's use cases in one object (kaoping.api.workflow_servicer's)."""
