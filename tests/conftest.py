"""Shared fixtures: a real database (SQLite file, or PostgreSQL when
KAOPING_TEST_PG_URL names a server), the shipped rule set, the sample township,
and a real gRPC server on a loopback port through pytest-grpc."""
from __future__ import annotations

import os
import uuid
from datetime import date
from pathlib import Path

import pytest

from kaoping.api.rulesets_servicer import RuleSetServicer
from kaoping.api.servicers import EvaluationServicer, FactServicer, RegistryServicer
from kaoping.app import Kaoping
from kaoping.rulesets import RuleSets
from kaoping.sample import load_sample
from kaoping.storage.store import Store
from kaoping.v1 import (evaluation_pb2_grpc, facts_pb2_grpc, registry_pb2_grpc,
                        rulesets_pb2_grpc)

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "rules" / "township-sample.yaml"
TODAY = date(2026, 11, 25)   # fixed so "future month" checks do not drift with the clock
PG_ENV = "KAOPING_TEST_PG_URL"


def new_database_url(tmp_dir: Path) -> str:
    """A fresh, empty database: a SQLite file, or a new PostgreSQL database."""
    server = os.environ.get(PG_ENV)
    if not server:
        return f"sqlite:///{tmp_dir / 'kaoping.db'}"
    from sqlalchemy import create_engine, text
    name = f"kp_{uuid.uuid4().hex[:16]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return server.rsplit("/", 1)[0] + "/" + name


@pytest.fixture
def db_url(tmp_path) -> str:
    return new_database_url(tmp_path)


def make_app(url: str, rules: Path = SHIPPED, sample: bool = True) -> Kaoping:
    store = Store(url)
    if sample:
        load_sample(store)
    rulesets = RuleSets(store)
    rulesets.bootstrap(rules.read_text(encoding="utf-8"), rules.name)
    return Kaoping(store, rulesets, today=lambda: TODAY)


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
def grpc_add_to_server():
    def add(app, server):
        facts_pb2_grpc.add_FactServiceServicer_to_server(FactServicer(app), server)
        evaluation_pb2_grpc.add_EvaluationServiceServicer_to_server(EvaluationServicer(app), server)
        rulesets_pb2_grpc.add_RuleSetServiceServicer_to_server(RuleSetServicer(app), server)
        registry_pb2_grpc.add_RegistryServiceServicer_to_server(RegistryServicer(app), server)
    return add


@pytest.fixture(scope="module")
def grpc_stub_cls():
    return facts_pb2_grpc.FactServiceStub


@pytest.fixture(scope="module")
def stubs(grpc_channel):
    class Stubs:
        facts = facts_pb2_grpc.FactServiceStub(grpc_channel)
        evaluation = evaluation_pb2_grpc.EvaluationServiceStub(grpc_channel)
        rulesets = rulesets_pb2_grpc.RuleSetServiceStub(grpc_channel)
        registry = registry_pb2_grpc.RegistryServiceStub(grpc_channel)
    return Stubs
