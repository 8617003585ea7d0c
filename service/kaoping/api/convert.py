"""Domain objects <-> kaoping.v1 messages."""
from __future__ import annotations

import functools
from datetime import datetime, timezone
from decimal import Decimal

from kaoping.domain.attributes import attributes_of
from kaoping.domain.facts import FactInput
from kaoping.rules.results import LineItem
from kaoping.storage.models import FactRow, RuleSetRow
from kaoping.v1 import evaluation_pb2 as ev
from kaoping.v1 import facts_pb2 as fx
from kaoping.v1 import registry_pb2 as rg


def stamp(value: datetime) -> str:
    """RFC 3339 in UTC; SQLite hands back naive datetimes that were stored as UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def dec(value: Decimal | None) -> str:
    return "" if value is None else _dec(value)


# A month repeats a few dozen point values thousands of times; equal Decimals give equal
# text (normalized), so caching by value is exact (docs/benchmarks.md, P5).
@functools.lru_cache(maxsize=4096)
def _dec(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


@functools.lru_cache(maxsize=4096)
def money(value: Decimal) -> str:
    return format(value.quantize(Decimal("0.01")), "f")


def fact_input(msg: fx.Fact) -> FactInput:
    return FactInput(official_id=msg.official_id.strip(), month=msg.month.strip(),
                     date=msg.date.strip(), category=msg.category.strip(), kind=msg.kind.strip(),
                     quantity=msg.quantity.strip(), note=msg.note, scorer_id=msg.scorer_id.strip(),
                     source=msg.source.strip(), idempotency_key=msg.idempotency_key,
                     level=msg.level.strip(), village_id=msg.village_id.strip())


def stored_fact(row: FactRow, voided_by: int = 0) -> fx.StoredFact:
    return fx.StoredFact(
        id=row.id, recorded_at=stamp(row.recorded_at),
        voids_fact_id=row.voids_fact_id or 0, void_reason=row.void_reason,
        voided_by_fact_id=voided_by,
        # village_id only for a village-level fact: the fact as it was submitted
        fact=fx.Fact(official_id=row.official_id or "", month=row.month, date=row.date,
                     category=row.category, kind=row.kind, quantity=dec(Decimal(row.quantity)),
                     note=row.note, scorer_id=row.scorer_id, source=row.source,
                     idempotency_key=row.idempotency_key, level=row.level or "",
                     village_id="" if row.official_id else row.village_id))


def listed_official(listed) -> rg.Official:
    """kaoping.usecases.roster_history.ListedOfficial -> the registry's Official."""
    o = listed.official
    return rg.Official(id=o.id, village_id=o.village_id, name=o.name, position=o.position,
                       base_pay=money(Decimal(o.base_pay)), attributes=attributes_of(o),
                       id_number=o.id_number or "", bank_account=o.bank_account or "",
                       joined_on=listed.joined_on, left_on=listed.left_on)


def roster_entry(e) -> rg.RosterEntry:
    return rg.RosterEntry(official_id=e.official_id, effective_on=e.effective_on,
                          from_month=e.from_month, on_roster=e.on_roster, village_id=e.village_id,
                          position=e.position, base_pay=money(Decimal(e.base_pay)), note=e.note,
                          recorded_by=e.recorded_by, recorded_at=stamp(e.recorded_at))


def ruleset_ref(row: RuleSetRow, township_id: str = "") -> ev.RuleSetRef:
    """The version that made a result, and whose township it is."""
    return ev.RuleSetRef(id=row.id, content_hash=row.content_hash, label=row.label,
                         township_id=township_id)


def _fact_ids(item: LineItem) -> list[int]:
    if item.fact_ids:
        return list(item.fact_ids)
    return [item.fact_id] if item.fact_id else []


def line_item(item: LineItem) -> ev.LineItem:
    return ev.LineItem(category=item.category, points=dec(item.points), reason=item.reason,
                       fact_id=item.fact_id, rule_id=item.rule_id,
                       requested_points=dec(item.requested), scorer_id=item.scorer_id,
                       scorer_role=item.scorer_role, yuan=money(item.yuan), effect=item.effect,
                       fact_ids=_fact_ids(item),
                       village_level=item.village_level, detail=item.detail)


def official_score(view, ruleset, row: RuleSetRow, ref: ev.RuleSetRef | None = None) -> ev.OfficialScore:
    r = view.result
    return ev.OfficialScore(
        official_id=view.official.id, official_name=view.official.name,
        village_id=view.village.id, village_name=view.village.name, month=view.month,
        categories=[ev.CategoryScore(category=cid, name=ruleset.categories[cid].name,
                                     score=dec(score), max=dec(ruleset.categories[cid].max))
                    for cid, score in r.categories.items()],
        total=dec(r.total), grade=r.grade, vetoed=r.vetoed, veto_reason=r.veto_reason,
        base_pay=money(r.base_pay), pay=money(r.pay), items=[line_item(i) for i in r.items],
        ruleset=ref if ref is not None else ruleset_ref(row), forfeited=r.forfeited,
        pay_multiplier=dec(r.pay_multiplier), year_vetoes=list(r.year_vetoes),
        year_grade_caps=list(r.year_grade_caps), year_deduct_yuan=money(r.year_deduct_yuan))


def score_chunk(view, ruleset, row: RuleSetRow, ref: ev.RuleSetRef, key: tuple) -> bytes:
    """The view as one entry of MonthlyScores.scores, encoded (kaoping.api.wire): once per
    view and `key` (the version and township that `ref` names), kept on the view, which
    the month cache keeps for as long as the official's result stands."""
    chunk = view.wire.get(key)
    if chunk is None:
        chunk = view.wire[key] = ev.MonthlyScores(
            scores=[official_score(view, ruleset, row, ref)]).SerializeToString()
    return chunk
