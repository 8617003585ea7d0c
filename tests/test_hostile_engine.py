"""Rule sets that validate but break the rules engine (hardening issue, point 2).

The engine's real limits (rules/README.md, "Engine limits"): 512 rules on one
(category, kind) spin durable-rules forever holding the GIL, 65 fail a top-band fact
with error 303, 4096 rules cannot be compiled, and some numbers (below: 1e400,
max_quantity: 1e300) break it. Validation must refuse all of these with the limit
named, every new version is compiled and exercised in a child process under a time
bound first, and a bad version already stored never freezes the server.
"""
from __future__ import annotations

import dataclasses
from decimal import Decimal
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from kaoping.domain.errors import FailedPrecondition, InvalidArgument
from kaoping.rules.model import Condition, Effect, Rule
from kaoping.rules.parse import parse
from kaoping.usecases.recompute import recompute_month
from kaoping.usecases.rulesets import RuleSets, validate_text
from kaoping.storage.models import RuleSetRow
from kaoping.storage.store import Store
from kaoping.usecases.tokens import Tokens
from kaoping.v1 import evaluation_pb2 as ev
from kaoping.v1 import rulesets_pb2 as rs
from kaoping.v1 import rulesets_pb2_grpc
from kaoping.ops.watch import RuleFileWatcher
from kaoping_cli.rpc import _Bearer
from tests.support.calls import violations
from tests.support.engine import CompiledRuleSet, EngineFact
from tests.support.processes import ServerRun
from tests.support.rules import banded_rules

SHIPPED = Path(__file__).resolve().parents[1] / "rules" / "township-sample.yaml"
MONTH = "2026-07"
CALL = 120  # seconds: a bound on every call, far above what a refusal takes


def shipped() -> str:
    return SHIPPED.read_text(encoding="utf-8")


def active(stubs) -> rs.RuleSetVersion:
    return [v for v in stubs.rulesets.ListRuleSets(rs.ListRuleSetsRequest(), timeout=CALL).versions
            if v.active][0]


def refused_through_grpc(stubs, text: str, filename: str) -> tuple[rs.ValidationReport, dict]:
    """ValidateRuleSet and UploadRuleSet both refuse the file and nothing changes."""
    before = stubs.rulesets.ListRuleSets(rs.ListRuleSetsRequest(), timeout=CALL)
    report = stubs.rulesets.ValidateRuleSet(rs.RuleSetSource(text=text, filename=filename),
                                            timeout=CALL)
    assert not report.valid
    with pytest.raises(grpc.RpcError) as err:
        stubs.rulesets.UploadRuleSet(rs.RuleSetSource(text=text, filename=filename), timeout=CALL)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert stubs.rulesets.ListRuleSets(rs.ListRuleSetsRequest(), timeout=CALL) == before
    # the active version keeps serving
    stubs.evaluation.GetMonthlyScores(ev.GetMonthlyScoresRequest(month=MONTH, official_id="v01-1"),
                                      timeout=CALL)
    return report, violations(err.value)


def messages(report: rs.ValidationReport) -> str:
    return "\n".join(f"{p.location}: {p.message}" for p in report.problems)


# limits in validation, through the real gRPC server --------------------------------
def test_512_rules_on_one_kind_are_refused_with_the_limit_named(stubs):
    report, bad = refused_through_grpc(stubs, banded_rules(512), "spin.yaml")
    text = messages(report)
    assert "512 rules on attendance/k0" in text and "at most 32" in text
    assert "k0.b0 (line " in text and "and 507 more" in text
    assert any("at most 32" in d for d in bad.values())


def test_65_bands_that_fail_a_top_band_fact_are_refused(stubs):
    report, _ = refused_through_grpc(stubs, banded_rules(65), "stack.yaml")
    assert "65 rules on attendance/k0" in messages(report)


def test_7000_banded_rules_are_refused_quickly_with_the_limit_named(stubs):
    # the attack's file: thousands of bands over a few kinds, under the 1 MB cap
    text = banded_rules(500, kinds=14)
    assert len(text.encode()) < 1_000_000
    report, bad = refused_through_grpc(stubs, text, "many.yaml")
    assert "7000 rules; a rule set holds at most 1000" in messages(report)
    assert any("at most 1000" in d for d in bad.values())


def test_a_dry_run_of_a_freezing_file_is_refused(stubs):
    with pytest.raises(grpc.RpcError) as err:
        stubs.rulesets.DryRunRuleSet(rs.DryRunRequest(
            candidate=rs.RuleSetSource(text=banded_rules(512), filename="spin.yaml"), month=MONTH),
            timeout=CALL)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert any("at most 32" in d for d in violations(err.value).values())


@pytest.mark.parametrize("text, says, where", [
    # the C engine cannot compile an infinite bound (error 202): was INTERNAL
    (banded_rules(2, below_last="1e400"), "cannot compile", "engine probe"),
    # a quantity the engine cannot take (error 204) nor the fact table hold: was accepted;
    # now refused by validation before the probe
    (banded_rules(2, max_quantity="1e300"), "must be at most 1,000,000,000", "max_quantity"),
], ids=["below-1e400", "max_quantity-1e300"])
def test_the_engine_probe_refuses_files_that_parse_but_break_the_engine(stubs, text, says, where):
    report, bad = refused_through_grpc(stubs, text, "odd.yaml")
    assert says in messages(report)
    assert any(where in field for field in bad)


@pytest.mark.parametrize("quantity, says", [
    ("1.0e300", "is not a number like"),            # was an engine error 204: INTERNAL
    ("abc", "is not a number like"),                # was decimal.InvalidOperation: INTERNAL
    ("50", "above the kind's max_quantity 3"),      # beyond what the probe exercised
    ("0", "must be above zero"),
], ids=["1e300", "abc", "above-max", "zero"])
def test_case_facts_get_the_bounds_of_submitted_facts(stubs, quantity, says):
    text = banded_rules(2) + ("cases:\n  - name: c\n    facts: [{category: attendance, kind: k0, "
                              f"quantity: {quantity}}}]\n    expect: {{total: 25}}\n")
    report, _ = refused_through_grpc(stubs, text, "case.yaml")
    assert says in messages(report) and "cases (c)" in messages(report)


# limits at their edges ----------------------------------------------------------
@pytest.mark.parametrize("bands, kinds, ok", [(32, 1, True), (33, 1, False),
                                              (1, 128, True), (1, 129, False),
                                              (10, 100, True), (11, 91, False)])
def test_limits_at_their_edges(bands, kinds, ok):
    checked = validate_text(banded_rules(bands, kinds))
    assert checked.valid is ok, [str(p) for p in checked.problems]
    if not ok:
        assert any(limit in p.message for p in checked.problems
                   for limit in ("at most 32 rules", "at most 128", "at most 1000"))


def _unchecked(bands: int):
    """A rule set with `bands` bands on attendance/k0, built past parse's limits."""
    base = parse(banded_rules(1, max_quantity=str(bands + 1)))
    rules = {f"b{b}": Rule(f"b{b}", "attendance", "k0", "deduct", Decimal(1), "fact", None, "r",
                           Decimal(b), Decimal(b + 1), None, b + 1, kinds=("k0",),
                           when=Condition(Decimal(b), Decimal(b + 1)),
                           effects=(Effect("deduct", Decimal(1)),)) for b in range(bands)}
    return dataclasses.replace(base, rules=rules, content_hash=f"unchecked-{bands}")


def test_the_engine_limit_on_bands_is_real_and_the_margin_holds():
    # at the validation limit every band matches; beyond the adapter's own limit (60 rules
    # on a kind, under the C engine's 64-node match stack) it refuses to compile; the raw
    # engine, unguarded, fails a top-band fact at 65 with error 303
    from bench.raw_engine import CompiledRuleSet as RawCompiled, EngineFact as RawFact
    from kaoping.rules.engine import EngineRefused
    compiled = CompiledRuleSet(_unchecked(32))
    try:
        facts = [EngineFact(b, "attendance", "k0", b + 0.5) for b in range(32)]
        assert compiled.match(facts) == [(b, f"b{b}") for b in range(32)]
    finally:
        compiled.close()
    with pytest.raises(EngineRefused, match="at most 60"):
        CompiledRuleSet(_unchecked(65))
    raw = RawCompiled(_unchecked(65))
    try:
        with pytest.raises(Exception, match="303"):
            raw.match([RawFact(1, "attendance", "k0", 64.5)])
    finally:
        raw.close()


# the child-process probe ------------------------------------------------------------
def test_the_probe_kills_a_compile_that_spins_and_keeps_working():
    # kaoping.rules.engine refuses these shapes before the C engine sees them (the next
    # test); a child that hands them to durable-rules unguarded shows the probe's
    # deadline still holds for whatever else might spin
    import sys
    from kaoping.ops.probe import Prober
    prober = Prober(timeout=3, command=[sys.executable, str(Path(__file__).parent / "support" / "spin_probe_child.py")])
    try:
        problems = prober.check(_unchecked(512), "spin.yaml")  # really spins in durable-rules
        assert len(problems) == 1 and "within 3 s" in problems[0].message
        assert prober.killed == 1 and prober._child is None
        # a good version is probed by a fresh child; the refusal was not remembered
        assert prober.check(parse(shipped())) == []
        assert prober.starts == 2
        assert prober.check(_unchecked(512))[0].message == problems[0].message
        assert prober.killed == 2
    finally:
        prober.close()


def test_probe_results_are_remembered_by_content_hash_up_to_the_cache_size():
    from kaoping.ops.probe import Prober
    prober = Prober(cache_size=2)
    try:
        texts = [banded_rules(n) for n in (1, 2, 3)]
        for text in texts:
            assert prober.check(parse(text)) == []
        assert prober.probes == 3 and prober.starts == 1  # one child serves every probe
        prober.check(parse(texts[2]))
        prober.check(parse(texts[1]))
        assert prober.probes == 3                          # the two newest are remembered
        prober.check(parse(texts[0]))
        assert prober.probes == 4                          # the oldest was dropped
    finally:
        prober.close()


# a bad version already in the database ----------------------------------------------
def _store_directly(store: Store, text: str) -> RuleSetRow:
    """What an older release, or a hand-written SQL statement, may have left behind."""
    from kaoping.rules.model import content_hash
    row = store.add_ruleset(RuleSetRow(content_hash=content_hash(text), label="direct", text=text,
                                       uploaded_by="sql"))
    store.add_activation(row.id, "sql", "activate")
    return row


def test_refresh_keeps_serving_when_the_database_activates_a_refused_version(db_url):
    store = Store(db_url)
    rulesets = RuleSets(store)
    try:
        good = rulesets.bootstrap(shipped(), SHIPPED.name)
        bad = _store_directly(store, banded_rules(65))
        rulesets.refresh()  # no exception: a replica's poll must not fail on it
        rulesets.refresh()
        assert rulesets.active_row.id == good.id
        # activating it here, a month bound to it, and a recompute under it are refused
        activations = len(store.activations())
        with pytest.raises(InvalidArgument):
            rulesets.activate(bad.id, "", "admin")
        assert len(store.activations()) == activations and rulesets.active_row.id == good.id
        with pytest.raises(FailedPrecondition, match="refused by the engine probe"):
            with rulesets.use(bad.content_hash):
                pass
        with pytest.raises(FailedPrecondition, match="refused by the engine probe"):
            recompute_month(store, MONTH, content_hash=bad.content_hash, workers=1)
    finally:
        rulesets.close()
        store.close()


def test_watch_reload_of_a_freezing_file_keeps_the_active_version(app, tmp_path):
    rule_file = tmp_path / "rules.yaml"
    rule_file.write_text(shipped(), encoding="utf-8")
    watcher = RuleFileWatcher(rule_file, app.rulesets)
    before = app.rulesets.active_row.id
    rule_file.write_text(banded_rules(512), encoding="utf-8")
    assert watcher.check() is False
    assert app.rulesets.active_row.id == before


def test_a_server_started_on_a_stored_freezing_version_serves_the_earlier_one(db_url, tmp_path):
    store = Store(db_url)
    rulesets = RuleSets(store)
    good = rulesets.bootstrap(shipped(), SHIPPED.name)
    rulesets.close()
    bad = _store_directly(store, banded_rules(512))
    token = Tokens(store).create("管理员", "admin")[0]
    store.close()

    server = ServerRun(tmp_path / "server.log", "--db", db_url, "--rules", str(SHIPPED),
                       "--probe-timeout", "10", "--refresh-interval", "0.2")
    try:
        assert server.wait_listening(90), "server did not start:\n" + server.output()
        channel = grpc.insecure_channel(f"127.0.0.1:{server.port}")
        health = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=30)
        assert health.status == health_pb2.HealthCheckResponse.SERVING
        stub = rulesets_pb2_grpc.RuleSetServiceStub(grpc.intercept_channel(channel, _Bearer(token)))
        assert stub.GetActiveRuleSet(rs.GetActiveRuleSetRequest(), timeout=30).ref.id == good.id
        assert f"VERSION {bad.id} IS REFUSED" in server.output()
        channel.close()
        assert server.terminate(30) == 0, "no clean stop on SIGTERM:\n" + server.output()
    finally:
        server.kill()
    store = Store(db_url)
    try:
        fallback = store.audit_entries(action="fallback_ruleset")
        assert len(fallback) == 1 and fallback[0].target == f"version {good.id}"
        assert store.activations()[-1].ruleset_id == good.id
    finally:
        store.close()
