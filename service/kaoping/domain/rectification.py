"""Rectification (整改) as pure rules: the states, the bounds of every text, when an item
is overdue, and the reserved fact kind through which a rule set sees overdue items.

An item is overdue on day D while it is open on D and D is after its deadline:
recorded on or before D, deadline < D, not closed on or before D. Since an item is
recorded with a deadline not before its recording day and closed on the day it is
closed, whether an item was overdue on a day that has passed never changes again:
a month's derived fact (as of the month's last day) is as fixed as its stored facts.
"""
from __future__ import annotations

import calendar
import re
from datetime import date

OPEN, CLOSED = "open", "closed"
RECORDED, PROGRESS, CLOSED_STEP = "recorded", "progress", "closed"
ZH_STATE = {OPEN: "整改中", CLOSED: "已整改完成"}

# Bounds (proto/kaoping/v1/rectification.proto, README "整改"): characters.
MAX_AREA = 40
MAX_PROBLEM = 500
MAX_DEMAND = 500
MAX_RESPONSIBLE = 60
MAX_NOTE = 2000
MAX_EVIDENCE = 500
MAX_DEADLINE_YEARS = 3       # a deadline at most three years after the day it is recorded
MAX_PER_VILLAGE_YEAR = 50    # items one village may have for one year

# The village-scope fact kind a rule set may declare to see overdue items: the service
# supplies it (quantity = the village's overdue items), nobody may submit it.
OVERDUE_KIND = "rectification_overdue"

_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_day(text: str) -> date | None:
    """A YYYY-MM-DD day, or None for anything else (also 2026-2-3 or 2026-02-30)."""
    if not _DAY.fullmatch(text or ""):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def latest_deadline(today: date) -> date:
    try:
        return today.replace(year=today.year + MAX_DEADLINE_YEARS)
    except ValueError:          # 29 February
        return today.replace(year=today.year + MAX_DEADLINE_YEARS, day=28)


def month_bounds(month: str) -> tuple[date, date]:
    year, mon = int(month[:4]), int(month[5:7])
    return date(year, mon, 1), date(year, mon, calendar.monthrange(year, mon)[1])


def as_of(month: str, today: date) -> date:
    """The day a month's notice and derived fact see items on: its last day, or today
    while the month runs."""
    return min(month_bounds(month)[1], today)


def open_on(item, day: date) -> bool:
    d = day.isoformat()
    return item.recorded_on <= d and not (item.closed_on and item.closed_on <= d)


def overdue_on(item, day: date) -> bool:
    return open_on(item, day) and item.deadline < day.isoformat()


def on_notice(item, month: str, today: date) -> bool:
    """On the village's notice for `month`: open at the end of the month (as far as it
    has run), or closed during it."""
    first, _ = month_bounds(month)
    day = as_of(month, today)
    if item.recorded_on > day.isoformat():
        return False
    return not item.closed_on or item.closed_on >= first.isoformat()
