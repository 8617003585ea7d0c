"""Hardening point 12: `x-request-id` is checked, quoted in text logs, and never makes
two calls' audit entries share an id. A real Server on loopback, a real database."""
from __future__ import annotations

import logging

import grpc
import pytest
from sqlalchemy import func
from sqlmodel import select

from kaoping.usecases import audit
from kaoping.ops import logs
from kaoping.domain.principal import Principal
from kaoping.storage.models import AuditEntry, FactRow
from kaoping.usecases.tokens import Tokens
from kaoping.v1 import facts_pb2 as fx
from tests.support.apps import make_app
from tests.support.calls import stubs_for
from tests.support.calls import violations
from tests.support.facts import fact
from tests.support.servers import captured_logs, running_server

TIMEOUT = 20


@pytest.fixture
def served(db_url):
    app = make_app(db_url)
    issue = Tokens(app.store).create
    tokens = {"admin": issue("镇办公室", "admin")[0], "other": issue("另一个管理员", "admin")[0],
              "spaced": issue("x caller=admin role=admin", "admin")[0]}
    with running_server(app, workers=8) as (server, channel):
        yield app, {who: stubs_for(channel, token) for who, token in tokens.items()}
    app.rulesets.close()
    app.store.close()


def count(app, table) -> int:
    with app.store.session() as s:
        return s.exec(select(func.count()).select_from(table)).one()


@pytest.mark.parametrize("forged", ["forged caller=admin method=/x", 'q"uoted', "a" * 49, "semi;colon=1"])
def test_a_forged_request_id_is_refused_and_changes_nothing(served, forged):
    app, stubs = served
    before = count(app, FactRow), count(app, AuditEntry)
    with captured_logs("text") as written:
        with pytest.raises(grpc.RpcError) as err:
            stubs["admin"].facts.SubmitFact(fx.SubmitFactRequest(fact=fact(month="2026-05")),
                                            metadata=(("x-request-id", forged),), timeout=TIMEOUT)
        text = written()
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "x-request-id" in violations(err.value)
    assert (count(app, FactRow), count(app, AuditEntry)) == before
    assert forged not in text and "INVALID_ARGUMENT" in text   # logged, with an id of its own


def test_two_actors_sending_one_request_id_get_distinct_audit_ids(served):
    app, stubs = served
    for who, key in (("admin", "rid-1"), ("other", "rid-2"), ("admin", "rid-3")):
        stubs[who].facts.SubmitFact(fx.SubmitFactRequest(fact=fact(month="2026-05", key=key)),
                                    metadata=(("x-request-id", "shared-0001"),), timeout=TIMEOUT)
    entries = [e for e in app.store.audit_entries(action="submit_facts")]
    ids = [e.request_id for e in entries]
    assert len(entries) == 3 and len(set(ids)) == 3
    assert all(i.startswith("shared-0001/") and len(i) <= 64 for i in ids)   # still correlatable
    assert {e.actor for e in entries} == {"镇办公室", "另一个管理员"}


def test_the_longest_valid_request_id_is_accepted(served):
    app, stubs = served
    longest = "A-z_0.9" + "x" * 41                   # 48 characters, every allowed kind
    stubs["admin"].facts.SubmitFact(fx.SubmitFactRequest(fact=fact(month="2026-05", key="long-1")),
                                    metadata=(("x-request-id", longest),), timeout=TIMEOUT)
    (entry,) = app.store.audit_entries(action="submit_facts")
    assert entry.request_id.startswith(longest + "/") and len(entry.request_id) <= 64


def test_calls_without_a_request_id_get_distinct_ids_too(served):
    app, stubs = served
    for key in ("plain-1", "plain-2"):
        stubs["admin"].facts.SubmitFact(fx.SubmitFactRequest(fact=fact(month="2026-05", key=key)),
                                        timeout=TIMEOUT)
    ids = [e.request_id for e in app.store.audit_entries(action="submit_facts")]
    assert len(ids) == 2 and len(set(ids)) == 2 and all(ids)


def test_text_logs_quote_a_caller_name_that_could_forge_fields(served):
    _, stubs = served
    with captured_logs("text") as written:
        stubs["spaced"].facts.SubmitFact(fx.SubmitFactRequest(fact=fact(month="2026-05", key="sp-1")),
                                         metadata=(("x-request-id", "req-spaced"),), timeout=TIMEOUT)
        text = written()
    (line,) = [l for l in text.splitlines() if "kaoping.access" in l and "SubmitFact " in l]
    assert 'caller="x caller=admin role=admin"' in line
    assert " request_id=req-spaced/" in line


def test_a_line_break_in_a_logged_field_cannot_start_a_new_line():
    with captured_logs("text") as written:
        token = audit.begin(Principal("evil\n2026-12-01 INFO kaoping forged", "admin"), "id with space")
        call = logs._call.set(logs.CallInfo("/kaoping.v1.X/Y"))
        try:
            logging.getLogger("kaoping.somewhere").warning("inside")
        finally:
            logs._call.reset(call)
            audit.end(token)
        text = written()
    assert len(text.splitlines()) == 1
    assert 'request_id="id with space" caller="evil\\n2026-12-01 INFO kaoping forged"' in text
