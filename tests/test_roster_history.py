"""People change mid-year (issue 14, point 2), through the real gRPC server and tokens on
a real database: an official joins, leaves, moves village or changes position on a date;
each month is scored with the roster as it stood then, facts for a month he did not
serve are refused, the year-end counts the months actually served, and the history is
only ever appended to."""
from __future__ import annotations

from datetime import date

import grpc
import pytest
from sqlmodel import select

from kaoping.storage.models import RosterEntry
from kaoping.usecases.workflow import Workflow
from kaoping.v1 import evaluation_pb2 as ev
from kaoping.v1 import facts_pb2 as fx
from kaoping.v1 import registry_pb2 as rg
from kaoping.v1 import workflow_pb2 as wf
from tests.support.calls import list_all, violations
from tests.support.facts import fact
from tests.support.workflow import Clock, to_state

TODAY = date(2026, 9, 10)
JOINER, LEAVER, MOVER, PROMOTED = "v03-7", "v04-1", "v05-2", "v07-3"


@pytest.fixture(scope="module")
def clock(grpc_servicer):
    clock = Clock(TODAY)
    grpc_servicer.today = clock
    return clock


def refused(call, code=grpc.StatusCode.INVALID_ARGUMENT) -> dict[str, str]:
    with pytest.raises(grpc.RpcError) as err:
        call()
    assert err.value.code() == code, err.value.details()
    return violations(err.value)


def listed(stubs, **request) -> dict[str, rg.Official]:
    return {o.id: o for o in list_all(stubs.registry.ListOfficials, rg.ListOfficialsRequest(**request),
                                      "officials")}


def official(stubs, official_id: str) -> rg.Official:
    return listed(stubs)[official_id]


def scores(stubs, month: str, **scope) -> dict[str, ev.OfficialScore]:
    return {s.official_id: s for s in stubs.evaluation.GetMonthlyScores(
        ev.GetMonthlyScoresRequest(month=month, **scope)).scores}


def entries(stubs, official_id: str) -> list[tuple]:
    return [(e.effective_on, e.from_month, e.on_roster, e.village_id, e.position, e.base_pay)
            for e in stubs.registry.ListRosterEntries(
                rg.ListRosterEntriesRequest(official_id=official_id)).entries]


def all_entries(app) -> dict[int, dict]:
    with app.store.session() as s:
        return {e.id: e.model_dump() for e in s.exec(select(RosterEntry))}


def stored_entries(app) -> int:
    return len(all_entries(app))


def submit(stubs, official_id: str, month: str, key: str):
    return stubs.facts.SubmitFact(fx.SubmitFactRequest(fact=fact(official=official_id, month=month,
                                                                 key=key)))


@pytest.fixture(scope="module")
def changes(grpc_servicer, stubs, clock):
    """The year's changes, each through PutOfficial as an administrator enters them."""
    stubs.registry.PutOfficial(rg.Official(id=JOINER, village_id="v03", name="新来的", position="文书",
                                           base_pay="1200", effective_on="2026-07-01",
                                           id_number="110101199001011234", bank_account="6222 0000 1111"))
    leaver = official(stubs, LEAVER)
    leaver.left_on = "2026-07-15"
    stubs.registry.PutOfficial(leaver)
    mover = official(stubs, MOVER)
    mover.village_id, mover.effective_on = "v06", "2026-06-20"
    stubs.registry.PutOfficial(mover)
    promoted = official(stubs, PROMOTED)
    assert (promoted.position, promoted.base_pay) == ("村委会副主任", "1300.00")
    promoted.position, promoted.base_pay, promoted.effective_on = "党支部书记", "1800", "2026-06-01"
    stubs.registry.PutOfficial(promoted)


# joining --------------------------------------------------------------------------------
def test_a_joiner_is_scored_from_the_month_he_joined(stubs, changes):
    assert JOINER not in scores(stubs, "2026-06", village_id="v03")
    assert scores(stubs, "2026-07", village_id="v03")[JOINER].base_pay == "1200.00"
    assert JOINER in scores(stubs, "2026-09")
    listed_now = official(stubs, JOINER)
    assert (listed_now.joined_on, listed_now.left_on) == ("2026-07-01", "")


def test_a_fact_for_a_month_before_he_joined_is_refused_with_the_reason(stubs, changes):
    bad = refused(lambda: submit(stubs, JOINER, "2026-06", "join-early"))
    assert "joined on 2026-07-01" in bad["fact.official_id"]
    assert submit(stubs, JOINER, "2026-07", "join-ok").fact_id
    bad = refused(lambda: stubs.evaluation.ExplainScore(ev.ExplainScoreRequest(
        official_id=JOINER, month="2026-06")))
    assert "2026-07-01" in bad["official_id"]


def test_a_batch_refuses_only_the_month_not_served(stubs, changes):
    reply = stubs.facts.SubmitFacts(iter([fx.FactBatch(facts=[
        fact(official=JOINER, month="2026-05", key="join-batch-1"),
        fact(official=JOINER, month="2026-08", key="join-batch-2")])]))
    assert (reply.accepted, reply.rejected) == (1, 1)
    first = reply.outcomes[0]
    assert not first.accepted and first.code == grpc.StatusCode.INVALID_ARGUMENT.value[0]
    assert [(p.field, "joined on 2026-07-01" in p.description) for p in first.problems] == [
        ("facts[0].official_id", True)]


# leaving --------------------------------------------------------------------------------
def test_the_month_of_leaving_is_served_the_next_is_not(stubs, changes):
    assert LEAVER in scores(stubs, "2026-07", village_id="v04")
    assert LEAVER not in scores(stubs, "2026-08", village_id="v04")
    assert submit(stubs, LEAVER, "2026-07", "leave-july").fact_id
    bad = refused(lambda: submit(stubs, LEAVER, "2026-08", "leave-august"))
    assert "left on 2026-07-15" in bad["fact.official_id"]
    shown = official(stubs, LEAVER)
    assert (shown.joined_on, shown.left_on) == ("2000-01-01", "2026-07-15")
    assert entries(stubs, LEAVER)[-1][:3] == ("2026-07-15", "2026-08", False)


def test_list_officials_of_a_month_leaves_out_who_was_not_on_the_roster(stubs, changes):
    july, august = listed(stubs, month="2026-07"), listed(stubs, month="2026-08")
    assert LEAVER in july and LEAVER not in august
    assert JOINER in july and JOINER not in listed(stubs, month="2026-06")
    assert LEAVER in listed(stubs)               # today's list keeps those who left
    assert set(listed(stubs, month="2026-08", village_id="v04")) == {f"v04-{n}" for n in range(2, 7)}


# moving and changing position -----------------------------------------------------------
def test_a_move_on_a_date_gives_the_months_to_each_village(stubs, changes):
    assert scores(stubs, "2026-05", official_id=MOVER)[MOVER].village_id == "v05"
    assert scores(stubs, "2026-06", official_id=MOVER)[MOVER].village_id == "v06"
    assert MOVER in listed(stubs, month="2026-05", village_id="v05")
    assert MOVER not in listed(stubs, month="2026-06", village_id="v05")
    assert listed(stubs, month="2026-06", village_id="v06")[MOVER].village_id == "v06"


def test_a_position_change_scores_later_months_by_the_new_one_and_keeps_the_old(stubs, changes):
    may, june = (scores(stubs, m, official_id=PROMOTED)[PROMOTED] for m in ("2026-05", "2026-06"))
    assert (may.base_pay, may.pay) == ("1300.00", "1300.00")      # a clean month: full pay
    assert (june.base_pay, june.pay) == ("1800.00", "1800.00")
    then = listed(stubs, month="2026-05")[PROMOTED]
    assert (then.position, then.base_pay) == ("村委会副主任", "1300.00")
    now = official(stubs, PROMOTED)
    assert (now.position, now.base_pay) == ("党支部书记", "1800.00")
    assert entries(stubs, PROMOTED) == [
        ("2000-01-01", "2000-01", True, "v07", "村委会副主任", "1300.00"),
        ("2026-06-01", "2026-06", True, "v07", "党支部书记", "1800.00")]


# history ---------------------------------------------------------------------------------
def test_a_re_put_of_the_same_data_adds_nothing(grpc_servicer, stubs, changes):
    before = stored_entries(grpc_servicer)
    for official_id in (JOINER, LEAVER, MOVER, PROMOTED):
        again = official(stubs, official_id)          # as listed: left_on and all
        stubs.registry.PutOfficial(again)
        again.effective_on = "2026-08-03"             # dated, but nothing differs then
        if official_id != LEAVER:
            stubs.registry.PutOfficial(again)
    assert stored_entries(grpc_servicer) == before
    assert official(stubs, JOINER).id_number == "110101199001011234"   # kept: not sent again


def test_entries_are_only_ever_appended(grpc_servicer, stubs, changes):
    first = all_entries(grpc_servicer)
    moved = official(stubs, MOVER)
    moved.village_id, moved.effective_on = "v08", "2026-08-01"
    stubs.registry.PutOfficial(moved)
    now = all_entries(grpc_servicer)
    assert {k: now[k] for k in first} == first and len(now) == len(first) + 1
    assert [e[3] for e in entries(stubs, MOVER)] == ["v05", "v06", "v08"]
    assert scores(stubs, "2026-07", official_id=MOVER)[MOVER].village_id == "v06"


def test_a_re_join_is_a_put_with_a_later_day(stubs, changes):
    back = official(stubs, LEAVER)
    back.left_on = ""
    stubs.registry.PutOfficial(back)                  # not dated: does not re-join him
    assert LEAVER not in scores(stubs, "2026-09", village_id="v04")
    back.position = "文书"
    bad = refused(lambda: stubs.registry.PutOfficial(back), grpc.StatusCode.FAILED_PRECONDITION)
    assert "2026-07-15" in bad["effective_on"]
    back.position, back.effective_on = official(stubs, LEAVER).position, "2026-09-01"
    stubs.registry.PutOfficial(back)
    assert LEAVER not in scores(stubs, "2026-08", village_id="v04")
    assert LEAVER in scores(stubs, "2026-09", village_id="v04")
    assert official(stubs, LEAVER).left_on == ""
    assert [e[2] for e in entries(stubs, LEAVER)] == [True, False, True]


# bad input --------------------------------------------------------------------------------
BAD = [
    ("effective_on", dict(effective_on="2026-13-01")),
    ("effective_on", dict(effective_on="2026/07/01")),
    ("effective_on", dict(effective_on="２０２６-07-01")),
    ("effective_on", dict(effective_on="2026-12-01")),          # a future month
    ("effective_on", dict(effective_on="1999-12-31")),
    ("left_on", dict(left_on="yesterday")),
    ("left_on", dict(left_on="2026-02-30")),
    ("left_on", dict(effective_on="2026-08-01", left_on="2026-07-31")),   # the end before the start
    ("village_from_month", dict(village_from_month="2099-01")),
    ("id_number", dict(id_number="1" * 33)),
    ("bank_account", dict(bank_account="6222\n0000")),
    ("bank_account", dict(bank_account="6" * 65)),
]


@pytest.mark.parametrize("field,change", BAD, ids=[f"{f}-{n}" for n, (f, _) in enumerate(BAD)])
def test_bad_input_is_refused_with_its_field_and_writes_nothing(grpc_servicer, stubs, changes, field, change):
    before = stored_entries(grpc_servicer), official(stubs, PROMOTED)
    put = official(stubs, PROMOTED)
    put.base_pay = "2000"
    for name, value in change.items():
        setattr(put, name, value)
    bad = refused(lambda: stubs.registry.PutOfficial(put))
    assert field in bad, bad
    assert (stored_entries(grpc_servicer), official(stubs, PROMOTED)) == before


def test_leaving_before_joining_and_an_unknown_village(grpc_servicer, stubs, changes):
    before = stored_entries(grpc_servicer)
    early = official(stubs, JOINER)
    early.left_on = "2026-06-30"
    assert "2026-07-01" in refused(lambda: stubs.registry.PutOfficial(early))["left_on"]
    newcomer = rg.Official(id="v03-8", village_id="v03", name="又一个", base_pay="900", left_on="2026-08-31")
    # no day given: he would join today, after the day he leaves
    assert "2026-09-10" in refused(lambda: stubs.registry.PutOfficial(newcomer))["left_on"]
    lost = official(stubs, JOINER)
    lost.village_id = "v99"
    assert "village_id" in refused(lambda: stubs.registry.PutOfficial(lost), grpc.StatusCode.NOT_FOUND)
    assert stored_entries(grpc_servicer) == before
    assert "v03-8" not in listed(stubs)


# personal data -----------------------------------------------------------------------------
def test_id_number_and_bank_account_only_for_callers_that_pay(stubs, stubs_as, changes):
    admin = official(stubs, JOINER)
    assert (admin.id_number, admin.bank_account) == ("110101199001011234", "6222 0000 1111")
    for who in ("reader", "main", "village"):
        shown = listed(stubs_as(who))
        if JOINER in shown:
            assert (shown[JOINER].id_number, shown[JOINER].bank_account) == ("", "")
    reader = listed(stubs_as("reader"), month="2026-08")[JOINER]
    assert (reader.id_number, reader.bank_account, reader.name) == ("", "", "新来的")


def test_roster_entries_for_a_village_only_its_own(stubs_as, changes):
    village = stubs_as("village")      # v01
    assert village.registry.ListRosterEntries(rg.ListRosterEntriesRequest(official_id="v01-1")).entries == []
    refused(lambda: village.registry.ListRosterEntries(rg.ListRosterEntriesRequest(official_id=JOINER)),
            grpc.StatusCode.PERMISSION_DENIED)
    refused(lambda: stubs_as("reader").registry.ListRosterEntries(rg.ListRosterEntriesRequest(
        official_id="nobody")), grpc.StatusCode.NOT_FOUND)
    assert len(stubs_as("reader").registry.ListRosterEntries(rg.ListRosterEntriesRequest(
        official_id=JOINER)).entries) == 1


# the year-end -------------------------------------------------------------------------------
def test_year_end_counts_the_months_actually_served(grpc_servicer, stubs, changes, clock):
    flow = Workflow(grpc_servicer)
    for month in ("2026-06", "2026-07", "2026-08"):
        to_state(flow, clock, month, "approved")
    clock.set(TODAY)
    year = {o.official_id: o for o in stubs.workflow.GetYearEnd(wf.GetYearEndRequest(year=2026)).officials}
    joiner = year[JOINER]
    assert joiner.months_counted == 2                                  # July and August
    assert list(joiner.months_served) == ["2026-07", "2026-08", "2026-09"]
    leaver = year[LEAVER]
    assert leaver.months_counted == 2                                  # June and July
    assert list(leaver.months_served)[:7] == [f"2026-{m:02d}" for m in range(1, 8)]
    assert "2026-08" not in leaver.months_served
    assert year[PROMOTED].position == "党支部书记" and year[PROMOTED].months_counted == 3
    assert len(year["v01-1"].months_served) == 9
    pay = stubs.workflow.GetPayList(wf.GetPayListRequest(month="2026-06"))
    lines = {l.official_id: l for l in pay.lines}
    assert JOINER not in lines and lines[PROMOTED].monthly_pay == "1800.00"
    may = scores(stubs, "2026-05", official_id=PROMOTED)[PROMOTED]
    assert may.pay == "1300.00"                                        # the past keeps the old pay
