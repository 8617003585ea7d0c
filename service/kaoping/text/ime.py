"""What an input method (输入法) sends that a person did not mean as different: full-width
digits, letters and punctuation (２０２６－１０), the ideographic space, Chinese yes/no.

Only fields that are codes — months, dates, quantities, ids, answers to a prompt — are
normalised; free text such as a fact's note keeps exactly what was typed.
"""
from __future__ import annotations

import re
import unicodedata

YES = {"y", "yes", "是", "是的", "对", "好", "确认", "确定"}
NO = {"n", "no", "否", "不", "不是", "取消"}
# Separators people type in a date or month besides "-": ．/。、 and 年月日.
_DATE_SEPARATORS = re.compile(r"[./。、年月]")


def plain(text: str) -> str:
    """Full-width ASCII forms and the ideographic space made ASCII (NFKC), trimmed."""
    return unicodedata.normalize("NFKC", text or "").strip()


def month_text(text: str) -> str:
    """A month as typed ("２０２６－１０", "2026年10月", "2026.10", "2026-1") as YYYY-MM if it
    reads as one, else the plain text (the server gives the error)."""
    t = _DATE_SEPARATORS.sub("-", plain(text).rstrip("日")).strip("-")
    m = re.fullmatch(r"(\d{4})-(\d{1,2})", t)
    return f"{m.group(1)}-{int(m.group(2)):02d}" if m else plain(text)


def date_text(text: str) -> str:
    """A date as typed ("2026年10月8日", "２０２６－１０－０８") as YYYY-MM-DD if it reads
    as one, else the plain text."""
    t = _DATE_SEPARATORS.sub("-", plain(text).rstrip("日")).strip("-")
    m = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", t)
    return f"{m.group(1)}-{int(m.group(2)):02d}-{int(m.group(3)):02d}" if m else plain(text)


def answer(text: str) -> bool | None:
    """A yes/no answer: True, False, or None when it is neither."""
    t = plain(text).casefold().rstrip("。.!！")
    if t in YES:
        return True
    if t in NO:
        return False
    return None
