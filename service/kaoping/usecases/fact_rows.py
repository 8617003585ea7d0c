"""The fact table's row for one checked fact (kaoping.domain.facts.CheckedFact), as a
plain column dict for the ingest hot path (Store.insert_fact_values) or as a FactRow
(corrections, which store through the ORM). Apart from kaoping.usecases.app for size.

A village-level fact (Fact.village_id) is a row with official_id None and the
village in village_id; every other fact names its official and the village he
belonged to in the fact's month.
"""
from __future__ import annotations

from kaoping.domain.facts import CheckedFact
from kaoping.storage.models import FactRow, utcnow


def fact_values(checked: CheckedFact) -> dict:
    """The fact table's columns for one checked fact (what fact_row builds, as a dict)."""
    f = checked.input
    return {"idempotency_key": f.idempotency_key, "payload_hash": checked.payload_hash(),
            "official_id": f.official_id or None, "village_id": checked.village_id,
            "month": checked.month, "date": f.date, "category": f.category, "kind": f.kind,
            "quantity": checked.quantity, "note": f.note, "scorer_id": f.scorer_id,
            "scorer_role": checked.scorer_role, "source": f.source, "level": f.level,
            "voids_fact_id": None, "void_reason": "", "recorded_at": utcnow()}


def fact_row(checked: CheckedFact) -> FactRow:
    f = checked.input
    return FactRow(idempotency_key=f.idempotency_key, payload_hash=checked.payload_hash(),
                   official_id=f.official_id or None, village_id=checked.village_id,
                   month=checked.month, date=f.date, category=f.category, kind=f.kind,
                   quantity=checked.quantity, note=f.note, scorer_id=f.scorer_id,
                   scorer_role=checked.scorer_role, source=f.source, level=f.level)


def is_village_level(row) -> bool:
    """A fact about a village, not one official (FactRow, or any row with official_id)."""
    return not getattr(row, "official_id", None)
