"""Facts for tests: one gRPC Fact or domain FactInput with the sample's defaults, and
bulk facts stored without per-fact checks."""
from __future__ import annotations

import itertools

from kaoping.domain.facts import FactInput
from kaoping.v1 import facts_pb2 as fx


_keys = itertools.count(1)


def fact(official="v01-1", category="attendance", kind="meeting_absent", quantity="1",
         month="2026-03", scorer="main-01", key=None, note="", date="", source="test") -> fx.Fact:
    return fx.Fact(official_id=official, month=month, date=date, category=category, kind=kind,
                   quantity=quantity, note=note, scorer_id=scorer, source=source,
                   idempotency_key=key or f"k{next(_keys)}")


def fact_input(**kwargs) -> FactInput:
    msg = fact(**kwargs)
    return FactInput(msg.official_id, msg.month, msg.date, msg.category, msg.kind, msg.quantity,
                     msg.note, msg.scorer_id, msg.source, msg.idempotency_key)


_BULK_KINDS = (("attendance", "meeting_late", "1"), ("convenience", "services_handled", "3"),
               ("study", "study_absent", "1"), ("service_3plus5", "household_visit_missed", "2"))


def bulk_facts(app, month: str, count: int, tag: str = "bulk") -> None:
    """Stores `count` valid facts for the sample township's month in one transaction,
    spread over every official (fast: no per-fact checks)."""
    from kaoping.usecases import audit
    from kaoping.storage.models import utcnow
    officials = app.store.officials()
    values = []
    for n in range(count):
        official = officials[n % len(officials)]
        category, kind, quantity = _BULK_KINDS[n % len(_BULK_KINDS)]
        values.append({"idempotency_key": f"{tag}-{month}-{n}", "payload_hash": f"{n:064d}",
                       "official_id": official.id, "village_id": official.village_id, "month": month,
                       "date": "", "category": category, "kind": kind, "quantity": quantity,
                       "note": "", "scorer_id": "main-01", "scorer_role": "main_leader",
                       "source": "test", "voids_fact_id": None, "void_reason": "",
                       "recorded_at": utcnow()})
    app.store.insert_fact_values(values, audit=lambda fresh: audit.entry("submit_facts", f"{len(fresh)} facts"))
