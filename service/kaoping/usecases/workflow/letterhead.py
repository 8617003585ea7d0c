"""What an issued document carries from its township's settings (issuer, contact,
document-number prefix, script), its number and its date."""
from __future__ import annotations

from datetime import date

from kaoping.storage.models import MonthRecord, Township, Village
from kaoping.usecases.workflow.views import Letterhead


def prefix(township: Township) -> str:
    return (township.doc_prefix or "").strip() or township.name


def public_number(township: Township, month: str) -> str:
    """The 公示's number: {prefix}〔YYYY〕MM号."""
    return f"{prefix(township)}〔{month[:4]}〕{month[5:7]}号"


def notice_number(township: Township, month: str, villages: list[Village], village_id: str) -> str:
    """A village's 《反馈通知单》: {prefix}〔YYYY〕MM-NN号, NN its 1-based place among the
    township's villages by id (stable: a number does not change with the month's data)."""
    ids = sorted(v.id for v in villages)
    place = ids.index(village_id) + 1 if village_id in ids else len(ids) + 1
    return f"{prefix(township)}〔{month[:4]}〕{month[5:7]}-{place:02d}号"


def year_number(township: Township, year: int) -> str:
    """The year-end documents' number: {prefix}〔YYYY〕年终01号 (one set of meeting documents a year)."""
    return f"{prefix(township)}〔{year}〕年终01号"


def frozen_on(record: MonthRecord | None, today: date) -> str:
    """The day the month's figures were frozen, else today (live figures)."""
    if record is not None and record.state != "scoring" and record.aggregated_on:
        return record.aggregated_on
    return today.isoformat()


def letterhead(township: Township, number: str, issued_on: str) -> Letterhead:
    return Letterhead(township_name=township.name,
                      issuer=(township.issuer or "").strip() or township.name,
                      document_number=number, issued_on=issued_on,
                      contact=township.contact or "", script=township.script or "zh-Hans")
