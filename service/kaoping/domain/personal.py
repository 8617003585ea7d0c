"""Officials' ID numbers and bank accounts as each caller may see them: in full for the
roles that pay (Principal.sees_personal), masked for every other reader of the pay list
so a line can still be checked against a bank slip without the number being readable."""
from __future__ import annotations

KEEP = 4   # characters kept at each end


def masked(value: str) -> str:
    """6228480012345671234 -> 6228***********1234; a value too short to keep both ends
    without showing most of it is masked whole; "" stays "" (none stored)."""
    value = (value or "").strip()
    if not value:
        return ""
    if len(value) <= 2 * KEEP:
        return "*" * len(value)
    return value[:KEEP] + "*" * (len(value) - 2 * KEEP) + value[-KEEP:]


def as_seen(value: str, in_full: bool) -> str:
    return (value or "") if in_full else masked(value)
