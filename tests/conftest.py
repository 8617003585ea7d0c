"""Shared fixtures: a real database (SQLite file, or PostgreSQL when
KAOPING_TEST_PG_URL names a server), the shipped rule set, the sample township,
and a real gRPC server on a loopback port through pytest-grpc."""
from __future__ import annotations

import os

import pytest

from kaoping.api.audit_servicer import AuditServicer
from kaoping.api.auth import AuthInterceptor
from kaoping.api.rulesets_servicer import RuleSetServicer
from kaoping.usecases.tokens import Tokens
from kaoping.api.servicers import EvaluationServicer, FactServicer, RegistryServicer
from kaoping.api.workflow_servicer import WorkflowServicer
from kaoping.api.rectification_servicer import RectificationServicer
from kaoping.api.tokens_servicer import TokenServicer
from kaoping.v1 import rectification_pb2_grpc, tokens_pb2_grpc, workflow_pb2_grpc
from kaoping.v1 import (audit_pb2_grpc, evaluation_pb2_grpc, facts_pb2_grpc, registry_pb2_grpc,
                        rulesets_pb2_grpc)

from tests.support.apps import _created, _pg_admin, make_app, new_database_url, PG_ENV
from tests.support.calls import stubs_for


@pytest.fixture(scope="session", autouse=True)
def _drop_test_databases():
    yield
    server = os.environ.get(PG_ENV)
    for name in _created:
        _pg_admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def db_url(tmp_path) -> str:
    return new_database_url(tmp_path)


@pytest.fixture
def app(db_url):
    kp = make_app(db_url)
    yield kp
    kp.rulesets.close()
    kp.store.close()


# pytest-grpc: one real server per test module, all four services on it ----------
@pytest.fixture(scope="module")
def grpc_servicer(tmp_path_factory):
    kp = make_app(new_database_url(tmp_path_factory.mktemp("grpc")))
    yield kp
    kp.rulesets.close()
    kp.store.close()


@pytest.fixture(scope="module")
def grpc_tokens(grpc_servicer) -> Tokens:
    """The Tokens the interceptor resolves with and TokenService revokes through: one
    cache, so a revocation over the API takes effect at once, as on a real server."""
    return Tokens(grpc_servicer.store)


@pytest.fixture(scope="module")
def grpc_add_to_server(grpc_tokens):
    def add(app, server):
        facts_pb2_grpc.add_FactServiceServicer_to_server(FactServicer(app), server)
        evaluation_pb2_grpc.add_EvaluationServiceServicer_to_server(EvaluationServicer(app), server)
        rulesets_pb2_grpc.add_RuleSetServiceServicer_to_server(RuleSetServicer(app), server)
        registry_pb2_grpc.add_RegistryServiceServicer_to_server(RegistryServicer(app), server)
        audit_pb2_grpc.add_AuditServiceServicer_to_server(AuditServicer(app), server)
        workflow_pb2_grpc.add_WorkflowServiceServicer_to_server(WorkflowServicer(app), server)
        rectification_pb2_grpc.add_RectificationServiceServicer_to_server(RectificationServicer(app), server)
        tokens_pb2_grpc.add_TokenServiceServicer_to_server(TokenServicer(grpc_tokens), server)
    return add


@pytest.fixture(scope="module")
def grpc_stub_cls():
    return facts_pb2_grpc.FactServiceStub


@pytest.fixture(scope="module")
def grpc_interceptors(grpc_tokens):
    """The production interceptor: every test call is authenticated by a real token."""
    return [AuthInterceptor(grpc_tokens.resolve)]


@pytest.fixture(scope="module")
def tokens(grpc_servicer) -> dict[str, str]:
    """One real token per kind of caller, keyed by a short name."""
    issue = Tokens(grpc_servicer.store).create
    return {
        "admin": issue("管理员", "admin")[0],
        "main": issue("主要领导", "main_leader", scorer_id="main-01")[0],
        "contact": issue("包村领导", "contact_leader", scorer_id="contact-01")[0],
        "station": issue("便民服务站", "station", scorer_id="station-01")[0],
        "resident": issue("驻村干部", "resident_cadre", scorer_id="resident-01")[0],
        "attendance_system": issue("考勤系统", "system", categories=("attendance",))[0],
        "village": issue("上山村党支部", "village", village_id="v01")[0],
        "reader": issue("审计", "reader")[0],
    }


@pytest.fixture(scope="module")
def stubs(grpc_channel, tokens):
    """Stubs calling as the admin."""
    return stubs_for(grpc_channel, tokens["admin"])


@pytest.fixture(scope="module")
def stubs_as(grpc_channel, tokens):
    return lambda who: stubs_for(grpc_channel, tokens.get(who, who))
