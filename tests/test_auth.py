"""Authentication and the role table, for every RPC and every role, through the
production interceptor on a real loopback server."""
from datetime import datetime, timedelta, timezone

import grpc
import pytest
from google.protobuf import message_factory

from sqlmodel import select

from kaoping.api.policy import POLICY
from kaoping.ops.server import SERVICES
from kaoping.domain.principal import ROLES
from kaoping.storage.models import ApiToken
from kaoping.usecases.tokens import Tokens, digest
from kaoping.v1 import evaluation_pb2, facts_pb2, registry_pb2
from kaoping_cli.rpc import _Bearer
from tests.support.facts import fact

ROLE_TOKEN = {"admin": "admin", "main_leader": "main", "contact_leader": "contact",
              "station": "station", "resident_cadre": "resident", "system": "attendance_system",
              "village": "village", "reader": "reader"}


def all_methods():
    for module in SERVICES:     # the server's own list: a new service is checked at once
        for service in module.DESCRIPTOR.services_by_name.values():
            for method in service.methods:
                yield f"/{service.full_name}/{method.name}", method


def call(channel, token, path, method):
    request_cls = message_factory.GetMessageClass(method.input_type)
    response_cls = message_factory.GetMessageClass(method.output_type)
    ch = grpc.intercept_channel(channel, _Bearer(token)) if token else channel
    if method.client_streaming and method.server_streaming:    # bidirectional: read every reply
        rpc = ch.stream_stream(path, request_serializer=request_cls.SerializeToString,
                               response_deserializer=response_cls.FromString)
        return list(rpc(iter([request_cls()]), timeout=30))
    if method.server_streaming:   # the first reply (or the refusal), then hang up
        rpc = ch.unary_stream(path, request_serializer=request_cls.SerializeToString,
                              response_deserializer=response_cls.FromString)
        stream = rpc(request_cls(), timeout=30)
        try:
            return next(stream, None)
        finally:
            stream.cancel()
    if method.client_streaming:
        rpc = ch.stream_unary(path, request_serializer=request_cls.SerializeToString,
                              response_deserializer=response_cls.FromString)
        return rpc(iter([request_cls()]), timeout=30)
    rpc = ch.unary_unary(path, request_serializer=request_cls.SerializeToString,
                         response_deserializer=response_cls.FromString)
    return rpc(request_cls(), timeout=30)


def test_every_rpc_is_in_the_policy_table():
    assert {path for path, _ in all_methods()} == set(POLICY)


@pytest.mark.parametrize("path,method", list(all_methods()), ids=[p for p, _ in all_methods()])
def test_no_token_no_entry(grpc_channel, path, method):
    with pytest.raises(grpc.RpcError) as err:
        call(grpc_channel, "", path, method)
    assert err.value.code() == grpc.StatusCode.UNAUTHENTICATED


@pytest.mark.parametrize("role", list(ROLE_TOKEN))   # county roles: tests/test_township_reach.py
def test_role_matrix(grpc_channel, tokens, role):
    """Each role reaches exactly the RPCs the table gives it; others are PERMISSION_DENIED
    by the interceptor (empty requests may then fail validation, which is fine)."""
    for path, method in all_methods():
        allowed = role in POLICY[path]
        try:
            call(grpc_channel, tokens[ROLE_TOKEN[role]], path, method)
            refused_by_policy = False
        except grpc.RpcError as error:
            refused_by_policy = (error.code() == grpc.StatusCode.PERMISSION_DENIED
                                 and "may not call" in error.details())
            assert error.code() != grpc.StatusCode.UNAUTHENTICATED
            assert error.code() != grpc.StatusCode.UNKNOWN, (path, error.details())
        assert refused_by_policy == (not allowed), (role, path)


@pytest.mark.parametrize("token", ["", "kp_forged", "Bearer", "kp_" + "x" * 500, "kp_'; DROP TABLE api_token;--"])
def test_forged_tokens(grpc_channel, stubs_as, token):
    with pytest.raises(grpc.RpcError) as err:
        stubs_as(token).registry.ListVillages(registry_pb2.ListVillagesRequest())
    assert err.value.code() == grpc.StatusCode.UNAUTHENTICATED


def test_revoked_and_expired_tokens(grpc_interceptors, grpc_servicer, stubs_as):
    tokens: Tokens = grpc_interceptors[0].resolve.__self__
    token, row = tokens.create("临时", "reader")
    assert stubs_as(token).registry.ListVillages(registry_pb2.ListVillagesRequest()).villages
    tokens.revoke(row.id)
    with pytest.raises(grpc.RpcError) as err:
        stubs_as(token).registry.ListVillages(registry_pb2.ListVillagesRequest())
    assert err.value.code() == grpc.StatusCode.UNAUTHENTICATED
    expired = "kp_expired-token-for-test"
    with grpc_servicer.store.session() as s:
        s.add(ApiToken(token_hash=digest(expired), name="old", role="admin", created_by="t",
                       expires_at=datetime.now(timezone.utc) - timedelta(days=1)))
        s.commit()
    with pytest.raises(grpc.RpcError) as err:
        stubs_as(expired).registry.ListVillages(registry_pb2.ListVillagesRequest())
    assert err.value.code() == grpc.StatusCode.UNAUTHENTICATED


def test_tokens_are_stored_hashed(grpc_servicer, tokens):
    with grpc_servicer.store.session() as s:
        stored = [r.token_hash for r in s.exec(select(ApiToken))]
    assert tokens["admin"] not in stored and digest(tokens["admin"]) in stored


def test_scorer_token_submits_only_as_itself_and_in_its_categories(stubs_as):
    station = stubs_as("station")
    receipt = station.facts.SubmitFact(facts_pb2.SubmitFactRequest(fact=fact(
        category="convenience", kind="services_handled", scorer="", month="2026-02")))
    listed = station.facts.ListFacts(facts_pb2.ListFactsRequest(month="2026-02")).facts
    assert [f.fact.scorer_id for f in listed if f.id == receipt.fact_id] == ["station-01"]
    for bad in (fact(category="convenience", kind="services_handled", scorer="main-01"),
                fact(category="attendance", kind="meeting_absent", scorer="")):
        with pytest.raises(grpc.RpcError) as err:
            station.facts.SubmitFact(facts_pb2.SubmitFactRequest(fact=bad))
        assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED


def test_system_token_is_scoped_to_its_categories(stubs_as):
    system = stubs_as("attendance_system")
    ok = system.facts.SubmitFact(facts_pb2.SubmitFactRequest(fact=fact(scorer="", month="2026-02")))
    assert ok.fact_id
    with pytest.raises(grpc.RpcError) as err:
        system.facts.SubmitFact(facts_pb2.SubmitFactRequest(fact=fact(
            category="study", kind="study_absent", scorer="", month="2026-02")))
    assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED


def test_village_reads_only_its_own_village(stubs_as):
    village = stubs_as("village")
    own = village.evaluation.GetFeedbackNotice(evaluation_pb2.GetFeedbackNoticeRequest(
        village_id="v01", month="2026-02"))
    assert own.village_name == "上山村"
    for request in (evaluation_pb2.GetFeedbackNoticeRequest(village_id="v02", month="2026-02"),):
        with pytest.raises(grpc.RpcError) as err:
            village.evaluation.GetFeedbackNotice(request)
        assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED
    with pytest.raises(grpc.RpcError) as err:
        village.evaluation.GetMonthlyScores(evaluation_pb2.GetMonthlyScoresRequest(
            month="2026-02", official_id="v02-1"))
    assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED
    with pytest.raises(grpc.RpcError) as err:
        village.evaluation.GetMonthlyScores(evaluation_pb2.GetMonthlyScoresRequest(month="2026-02"))
    assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED
