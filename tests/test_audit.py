"""Every write leaves an append-only audit entry: who, when, what, request id,
before/after; queryable with filters and exportable to CSV."""
import csv
import json
import os
import subprocess

import grpc

from kaoping.v1 import audit_pb2 as au
from kaoping.v1 import facts_pb2 as fx
from kaoping.v1 import registry_pb2 as rg
from kaoping.v1 import rulesets_pb2 as rs
from tests.support.facts import fact
from tests.support.rules import stricter


def entries(stubs, **filters):
    return list(stubs.audit.ListAuditEntries(au.ListAuditEntriesRequest(**filters)).entries)


def test_writes_are_audited_with_who_what_and_request_id(stubs, stubs_as, grpc_channel, tokens):
    station = stubs_as("station")
    metadata = (("x-request-id", "req-0001"),)
    receipt = station.facts.SubmitFact(fx.SubmitFactRequest(fact=fact(
        category="convenience", kind="services_handled", scorer="", month="2026-09", key="au-1")),
        metadata=metadata)
    (entry,) = [e for e in entries(stubs, action="submit_facts") if e.request_id.startswith("req-0001/")]
    assert (entry.actor, entry.role) == ("便民服务站", "station")
    assert json.loads(entry.after)["fact_ids"] == [[receipt.fact_id, receipt.fact_id]]
    # a resend stores nothing, so it writes no entry
    station.facts.SubmitFact(fx.SubmitFactRequest(fact=fact(
        category="convenience", kind="services_handled", scorer="", month="2026-09", key="au-1")),
        metadata=(("x-request-id", "req-0002"),))
    assert not [e for e in entries(stubs) if e.request_id.startswith("req-0002/")]

    stubs.facts.CorrectFact(fx.CorrectFactRequest(fact_id=receipt.fact_id, reason="录入错误",
                                                  scorer_id="station-01", idempotency_key="au-fix"))
    (fix,) = entries(stubs, action="correct_fact", target=f"fact {receipt.fact_id}")
    assert json.loads(fix.before)["voided"] is False and json.loads(fix.after)["reason"] == "录入错误"

    uploaded = stubs.rulesets.UploadRuleSet(rs.RuleSetSource(text=stricter() + "\n# audit\n"))
    stubs.rulesets.ActivateRuleSet(rs.ActivateRuleSetRequest(id=uploaded.ref.id))
    stubs.rulesets.RollbackRuleSet(rs.RollbackRuleSetRequest())
    actions = [e.action for e in entries(stubs, actor="管理员")]
    assert {"upload_ruleset", "activate_ruleset", "rollback_ruleset", "correct_fact"} <= set(actions)
    (activation,) = entries(stubs, action="activate_ruleset", target=f"version {uploaded.ref.id}")
    assert json.loads(activation.after) == {"active": uploaded.ref.id, "log": "dahedian"}
    assert activation.township_id == "dahedian"   # a township admin reads its own trail

    stubs.registry.PutOfficial(rg.Official(id="v02-1", village_id="v02", name="改名", position="书记",
                                           base_pay="1850"))
    (put,) = entries(stubs, action="put_official", target="v02-1")
    assert json.loads(put.before)["base_pay"] == "1800.00" and json.loads(put.after)["name"] == "改名"
    assert len(entries(stubs, action="create_token")) >= len(tokens)


def test_refused_writes_leave_no_entry(stubs):
    before = len(entries(stubs))
    try:
        stubs.facts.SubmitFact(fx.SubmitFactRequest(fact=fact(official="nobody", month="2026-09")))
    except grpc.RpcError:
        pass
    assert len(entries(stubs)) == before


def test_filters_and_csv_export(stubs, grpc_addr, tokens, tmp_path):
    assert entries(stubs, since="2000-01-01", limit=1)
    assert entries(stubs, until="2000-01-01") == []
    out = tmp_path / "audit.csv"
    env = dict(os.environ, KAOPING_SERVER=grpc_addr, KAOPING_TOKEN=tokens["admin"])
    done = subprocess.run(["kaoping", "audit", "--action", "create_token", "--csv", str(out)],
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    with open(out, encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    assert rows and all(r["action"] == "create_token" for r in rows)
    assert any(json.loads(r["after"])["role"] == "village" for r in rows)


def test_audit_is_admin_only(stubs_as):
    for who in ("main", "village", "reader"):
        try:
            stubs_as(who).audit.ListAuditEntries(au.ListAuditEntriesRequest())
            raise AssertionError("allowed")
        except grpc.RpcError as err:
            assert err.code() == grpc.StatusCode.PERMISSION_DENIED
