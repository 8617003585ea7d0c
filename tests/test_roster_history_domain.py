"""The roster-by-date rule itself (kaoping.domain.roster), as pure functions: which entry
holds in a month, ties, joining and leaving, and what a put adds."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from kaoping.domain import roster as rs
from kaoping.domain.errors import FailedPrecondition, InvalidArgument


def entry(day: str, village="v1", position="文书", pay="1200", on=True, id=0, month=None):
    month = month or (day[:7] if on else rs.next_month(day[:7]))
    return rs.Planned(day, month, on, village, position, Decimal(pay), id=id)


def test_the_latest_entry_from_or_before_the_month_holds():
    history = rs.ordered([entry("2026-06-20", "v2", id=2), entry("2026-02-03", id=1)])
    assert rs.state_in_month(history, "2026-01") == ("v1", "文书", Decimal(1200), False)   # not yet joined
    assert [rs.state_in_month(history, m).village_id for m in ("2026-02", "2026-05", "2026-06")] == [
        "v1", "v1", "v2"]
    assert rs.joined_on(history) == "2026-02-03" and rs.left_on(history) == ""
    assert rs.state_in_month([], "2026-05") is None


def test_ties_go_to_the_later_day_then_the_later_record():
    history = rs.ordered([entry("2026-06-20", "v3", id=1), entry("2026-06-02", "v2", id=2),
                          entry("2026-06-20", "v4", id=3)])
    assert rs.state_in_month(history, "2026-06").village_id == "v4"


def test_leaving_serves_the_month_of_leaving():
    history = rs.ordered([entry("2026-01-01", id=1), entry("2026-07-15", on=False, id=2)])
    assert rs.state_in_month(history, "2026-07").on_roster
    assert not rs.state_in_month(history, "2026-08").on_roster
    assert rs.left_on(history) == "2026-07-15"
    assert rs.off_roster_reason(history, "2026-08") == "not on the roster in 2026-08: left on 2026-07-15"
    assert rs.off_roster_reason(history, "2025-12").endswith("joined on 2026-01-01")
    assert rs.served_months(history, [f"2026-{m:02d}" for m in range(1, 13)]) == [
        f"2026-{m:02d}" for m in range(1, 8)]
    assert rs.next_month("2026-12") == "2027-01"


def put(day="2026-06-01", village="v1", position="文书", pay="1200", dated=True, left=""):
    return rs.Put(village, position, Decimal(pay), day, dated, left)


def test_a_put_adds_an_entry_only_for_a_change():
    history = [entry("2026-01-01", id=1)]
    assert rs.plan_put(history, put(pay="1200.00"), None, False) == []
    (added,) = rs.plan_put(history, put(pay="1300"), None, False)
    assert (added.effective_on, added.from_month, added.base_pay) == ("2026-06-01", "2026-06", Decimal(1300))


def test_an_official_without_history_keeps_his_row_before_the_change():
    row = rs.RosterState("v1", "文书", Decimal(1200), True)
    baseline, change = rs.plan_put([], put(village="v2"), row, False)
    assert (baseline.effective_on, baseline.village_id, change.village_id) == ("2000-01-01", "v1", "v2")
    assert rs.plan_put([], put(), row, False) == []


def test_departure_once_and_the_end_not_before_the_start():
    history = [entry("2026-01-01", id=1)]
    (gone,) = rs.plan_put(history, put(dated=False, left="2026-07-15"), None, False)
    assert (gone.from_month, gone.on_roster, gone.village_id) == ("2026-08", False, "v1")
    history.append(rs.Planned(**{**gone.__dict__, "id": 2}))
    assert rs.plan_put(history, put(day="2026-09-10", dated=False, left="2026-07-15"), None, False) == []
    with pytest.raises(FailedPrecondition):   # a later departure of one who has left
        rs.plan_put(history, put(day="2026-09-10", dated=False, left="2026-08-31"), None, False)
    (earlier,) = rs.plan_put(history, put(day="2026-09-10", dated=False, left="2026-06-30"), None, False)
    history = rs.ordered(history + [rs.Planned(**{**earlier.__dict__, "id": 3})])
    assert rs.left_on(history) == "2026-06-30" and not rs.state_in_month(history, "2026-07").on_roster
    assert rs.off_roster_reason(history, "2026-09").endswith("left on 2026-06-30")
    with pytest.raises(InvalidArgument):
        rs.plan_put([entry("2026-03-01", id=1)], put(dated=False, left="2026-02-27"), None, False)
    with pytest.raises(InvalidArgument):
        rs.plan_put(history, put(day="2026-10-01", left="2026-09-30"), None, False)


@pytest.mark.parametrize("text", ["2026-02-29", "2026-1-01", "2026-01-01 ", " 2026-01-01", "20260101",
                                  "２０２６-01-01", "", "1999-12-31", "2026-12-01"])
def test_days_are_checked(text):
    assert rs.parse_day(text, "effective_on", date(2026, 11, 25))[1]


def test_a_day_in_the_current_month_is_fine():
    assert rs.parse_day("2026-11-30", "left_on", date(2026, 11, 25)) == ("2026-11-30", [])
