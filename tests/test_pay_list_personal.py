"""The pay list's ID numbers and bank accounts per role, over a real gRPC server (issue
15.5): in full for the roles that pay (a township admin, a county admin), masked for
every other role that may read the pay list (first 4 and last 4 kept), a short value
masked whole, "" when none is stored."""
from datetime import date

import pytest

from kaoping.domain.personal import masked
from kaoping.usecases.tokens import Tokens
from kaoping.v1 import registry_pb2 as rg
from kaoping.v1 import workflow_pb2 as wf
from tests.support.calls import list_all
from tests.support.workflow import Clock

MONTH = "2026-03"
ID_NUMBER, ACCOUNT, SHORT = "620102199003151234", "6228480012345671234", "1234567"


def test_mask_keeps_four_at_each_end_and_hides_short_values():
    assert masked(ID_NUMBER) == "6201**********1234"
    assert masked(ACCOUNT) == "6228***********1234"
    assert masked("123456789") == "1234*6789"
    assert masked("12345678") == "********" and masked(SHORT) == "*******"
    assert masked("") == "" and masked("  ") == ""


@pytest.fixture(scope="module")
def frozen(grpc_servicer, stubs):
    grpc_servicer.today = Clock(date(2026, 4, 3))
    officials = {o.id: o for o in list_all(stubs.registry.ListOfficials, rg.ListOfficialsRequest(),
                                           "officials")}
    secretary, director = officials["v01-1"], officials["v01-2"]
    secretary.id_number, secretary.bank_account = ID_NUMBER, ACCOUNT
    director.bank_account = SHORT
    stubs.registry.PutOfficial(secretary)
    stubs.registry.PutOfficial(director)
    stubs.workflow.Aggregate(wf.MonthRequest(month=MONTH))


def _lines(who, **request) -> dict[str, wf.PayLine]:
    return {l.official_id: l for l in who.workflow.GetPayList(
        wf.GetPayListRequest(month=MONTH, **request)).lines}


def test_in_full_for_the_roles_that_pay(stubs, stubs_as, grpc_servicer, frozen):
    county = Tokens(grpc_servicer.store).create("县委组织部", "county_admin",
                                                county=_county(stubs))[0]
    township = Tokens(grpc_servicer.store).create("镇党政办", "admin", township_id=_township(stubs))[0]
    for who in (stubs, stubs_as(county), stubs_as(township)):
        lines = _lines(who)
        assert (lines["v01-1"].id_number, lines["v01-1"].bank_account) == (ID_NUMBER, ACCOUNT)
        assert (lines["v01-2"].id_number, lines["v01-2"].bank_account) == ("", SHORT)
        assert (lines["v01-3"].id_number, lines["v01-3"].bank_account) == ("", "")


def test_masked_for_every_other_reader(stubs_as, frozen):
    for who in ("reader", "main", "station", "village"):
        lines = _lines(stubs_as(who), village_id="v01")
        assert (lines["v01-1"].id_number, lines["v01-1"].bank_account) == (
            "6201**********1234", "6228***********1234"), who
        assert (lines["v01-2"].id_number, lines["v01-2"].bank_account) == ("", "*******"), who
        assert (lines["v01-3"].id_number, lines["v01-3"].bank_account) == ("", ""), who
        assert ID_NUMBER not in str(lines) and ACCOUNT not in str(lines)


def _township(stubs) -> str:
    return stubs.workflow.GetMonthState(wf.MonthRequest(month=MONTH)).township_id


def _county(stubs) -> str:
    township = stubs.registry.GetTownship(rg.GetTownshipRequest(id=_township(stubs)))
    if not township.county:
        township.county = "平川县"
        stubs.registry.UpdateTownship(township)
    return township.county
