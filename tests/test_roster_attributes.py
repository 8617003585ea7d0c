"""Attributes of officials and villages (the rule language's roster inputs): every
bound checked at its edge by the pure domain function, set by PutVillage/PutOfficial,
returned by the List calls, and carried by the objects the scores read."""
import grpc
import pytest

from kaoping.domain.attributes import (MAX_ATTRIBUTE_KEY, MAX_ATTRIBUTE_VALUE, MAX_ATTRIBUTES,
                                       attribute_problems, attributes_of, check_attributes,
                                       encode_attributes)
from kaoping.domain.errors import InvalidArgument
from kaoping.storage.models import Official, Village
from kaoping.v1 import registry_pb2 as rg
from tests.support.calls import list_all, violations


def problems(attrs) -> dict[str, str]:
    return {v.field: v.description for v in attribute_problems(attrs)}


# the domain function -----------------------------------------------------------
def test_exactly_32_attributes_are_accepted_33_are_not():
    full = {f"a{n}": "1" for n in range(MAX_ATTRIBUTES)}
    assert MAX_ATTRIBUTES == 32 and check_attributes(full) == full
    assert "attributes" in problems(full | {"one_more": "1"})


def test_key_length_edge():
    assert problems({"k" * MAX_ATTRIBUTE_KEY: "1"}) == {}
    assert MAX_ATTRIBUTE_KEY == 64
    too_long = "k" * (MAX_ATTRIBUTE_KEY + 1)
    (field, why), = problems({too_long: "1"}).items()
    assert field.startswith("attributes[") and "64" in why


@pytest.mark.parametrize("key", ["star", "_x", "A9_b", "collective_income", "Z"])
def test_identifier_keys_are_accepted(key):
    assert problems({key: "1"}) == {}


@pytest.mark.parametrize("key", ["", "1star", "star-rating", "星级", "a b", "a.b", "ａ", "star\n"])
def test_keys_that_are_not_identifiers_are_refused(key):
    assert len(problems({key: "1"})) == 1


def test_value_length_edge_and_characters():
    assert MAX_ATTRIBUTE_VALUE == 200
    assert problems({"star": "五" * MAX_ATTRIBUTE_VALUE}) == {}
    assert "200" in problems({"star": "五" * (MAX_ATTRIBUTE_VALUE + 1)})["attributes[star]"]
    assert problems({"star": ""}) == {}
    for bad in ("5\x00", "5\n", "\t5", "5\x7f", "5\x1b[0m"):
        assert "control" in problems({"star": bad})["attributes[star]"], repr(bad)


def test_every_bad_attribute_is_named():
    error = pytest.raises(InvalidArgument, check_attributes, {"star": "5\x00", "9x": "1", "ok": "y"}).value
    assert {v.field for v in error.violations} == {"attributes[star]", "attributes['9x']"}


def test_encoding_is_canonical_and_round_trips():
    assert encode_attributes({}) == "{}"
    text = encode_attributes({"star": "5", "collective_income": "350000", "名": "x"} | {})
    assert text == encode_attributes({"名": "x", "collective_income": "350000", "star": "5"})
    assert attributes_of(Village(id="v", township_id="t", name="n", attributes=text))["star"] == "5"
    assert Village(id="v", township_id="t", name="n").attrs() == {}


# use cases -----------------------------------------------------------------------
def test_roster_and_villages_carry_attributes(app):
    app.put_village(Village(id="v01", township_id="dahedian", name="上山村",
                            attributes=encode_attributes({"star": "5", "collective_income": "350000"})))
    official = app.store.get(Official, "v01-1")
    app.put_official(official.model_copy(update={"attributes": encode_attributes({"party_member": "yes"})}))
    villages = {v.id: v for v in app.store.villages()}
    assert villages["v01"].attrs() == {"star": "5", "collective_income": "350000"}
    assert villages["v02"].attrs() == {}
    roster = {o.id: o for o, _ in app.registry.roster(["v01"], "2026-05")}
    assert roster["v01-1"].attrs() == {"party_member": "yes"}
    assert app.registry.village("v01").attrs()["star"] == "5"
    # a move to another village keeps the official's attributes
    moved = app.store.get(Official, "v01-1").model_copy(update={"village_id": "v02"})
    app.put_official(moved, village_from="2026-06")
    assert app.store.get(Official, "v01-1").attrs() == {"party_member": "yes"}


def test_a_refused_put_changes_nothing(app):
    app.put_village(Village(id="v01", township_id="dahedian", name="上山村",
                            attributes=encode_attributes({"star": "4"})))
    entries = len(app.store.audit_entries())
    bad = {f"a{n}": "1" for n in range(MAX_ATTRIBUTES + 1)}
    with pytest.raises(InvalidArgument):
        app.put_village(Village(id="v01", township_id="dahedian", name="改名",
                                attributes=encode_attributes(bad)))
    official = app.store.get(Official, "v01-1")
    with pytest.raises(InvalidArgument):
        app.put_official(official.model_copy(update={"name": "改名", "attributes": '{"x": "\\u0000"}'}))
    with pytest.raises(InvalidArgument):
        app.put_official(official.model_copy(update={"attributes": "[1]"}))
    village = app.store.get(Village, "v01")
    assert (village.name, village.attrs()) == ("上山村", {"star": "4"})
    assert app.store.get(Official, "v01-1") == official
    assert len(app.store.audit_entries()) == entries


# over gRPC -----------------------------------------------------------------------
def test_put_and_list_attributes(stubs):
    stubs.registry.PutVillage(rg.Village(id="v03", township_id="dahedian", name="硬湾村",
                                         attributes={"star": "5", "collective_income": "350000"}))
    villages = {v.id: v for v in list_all(stubs.registry.ListVillages, rg.ListVillagesRequest(), "villages")}
    assert dict(villages["v03"].attributes) == {"star": "5", "collective_income": "350000"}
    official = next(o for o in list_all(stubs.registry.ListOfficials,
                                        rg.ListOfficialsRequest(village_id="v03"), "officials"))
    official.attributes["party_member"] = "yes"
    stubs.registry.PutOfficial(official)
    again = {o.id: o for o in list_all(stubs.registry.ListOfficials,
                                       rg.ListOfficialsRequest(village_id="v03"), "officials")}
    assert dict(again[official.id].attributes) == {"party_member": "yes"}


def test_grpc_bad_attributes_are_invalid_and_store_nothing(stubs):
    before = {v.id: dict(v.attributes) for v in
              list_all(stubs.registry.ListVillages, rg.ListVillagesRequest(), "villages")}
    with pytest.raises(grpc.RpcError) as err:
        stubs.registry.PutVillage(rg.Village(id="v04", township_id="dahedian", name="x",
                                             attributes={"star": "5\n", "ok": "1", "2x": "1"}))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert set(violations(err.value)) == {"attributes[star]", "attributes['2x']"}
    after = {v.id: dict(v.attributes) for v in
             list_all(stubs.registry.ListVillages, rg.ListVillagesRequest(), "villages")}
    assert after == before
