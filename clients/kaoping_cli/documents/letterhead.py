"""What makes a print-out an issued document, from the township's settings as the server
sends them (Letterhead): the issuing body and the document number at the head, the
body, the date and the place for the seal (盖章处) at the foot, and the contact; and the
script the document prints in."""
from __future__ import annotations

from datetime import date

from kaoping.text.script import HANS, script_of
from kaoping_cli.common import chosen_script
from kaoping_cli.documents.model import IssuerStamp, Masthead


def document_script(letterhead) -> str:
    """`kaoping --lang` when given, else the township's setting, else Simplified."""
    given = chosen_script()
    if given:
        return given
    try:
        return script_of(getattr(letterhead, "script", "") or "")
    except ValueError:       # a setting this client does not know: print Simplified
        return HANS


def issuer_of(letterhead, fallback: str = "") -> str:
    return letterhead.issuer or letterhead.township_name or fallback


def date_text(iso: str) -> str:
    """2026-11-03 -> 2026年11月3日, as issued documents date themselves."""
    try:
        day = date.fromisoformat(iso[:10])
    except ValueError:
        return iso
    return f"{day.year}年{day.month}月{day.day}日"


def masthead(letterhead, fallback: str = "") -> Masthead:
    return Masthead(issuer_of(letterhead, fallback), letterhead.document_number)


def issuer_stamp(letterhead, fallback: str = "", on: str = "", receipt: list[str] | None = None) -> IssuerStamp:
    issued = letterhead.issued_on or on or date.today().isoformat()
    return IssuerStamp(issuer_of(letterhead, fallback), date_text(issued), letterhead.contact, list(receipt or []))
