"""Rule sets as versioned data over gRPC: validate, upload, activate, roll back,
dry-run, hot reload under load."""
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import grpc
import pytest

from kaoping.v1 import evaluation_pb2 as ev
from kaoping.v1 import facts_pb2 as fx
from kaoping.v1 import rulesets_pb2 as rs
from tests.support.calls import list_all, violations
from tests.support.facts import fact
from tests.support.rules import shipped, stricter


MONTH = "2026-07"


def active(stubs) -> rs.RuleSetVersion:
    return [v for v in stubs.rulesets.ListRuleSets(rs.ListRuleSetsRequest()).versions if v.active][0]


def test_validate_reports_every_problem_and_changes_nothing(stubs):
    before = stubs.rulesets.ListRuleSets(rs.ListRuleSetsRequest())
    bad = shipped().replace("deduct: 0.5", "subtract: 0.5").replace("form: threshold", "form: magic")
    report = stubs.rulesets.ValidateRuleSet(rs.RuleSetSource(text=bad, filename="bad.yaml"))
    assert not report.valid and len(report.problems) >= 2
    assert all(p.location.startswith("bad.yaml") for p in report.problems)
    with pytest.raises(grpc.RpcError) as err:
        stubs.rulesets.UploadRuleSet(rs.RuleSetSource(text=bad, filename="bad.yaml"))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert len(violations(err.value)) >= 2
    assert stubs.rulesets.ListRuleSets(rs.ListRuleSetsRequest()) == before


@pytest.mark.parametrize("text", ["rules: [", "name: 1\n", "x" * 2_000_000, "   "])
def test_bad_uploads(stubs, text):
    before = active(stubs)
    with pytest.raises(grpc.RpcError) as err:
        stubs.rulesets.UploadRuleSet(rs.RuleSetSource(text=text))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert active(stubs) == before


def test_non_admin_cannot_change_rules(stubs, stubs_as):
    before = active(stubs)
    for who in ("main", "village", "reader", "attendance_system"):
        with pytest.raises(grpc.RpcError) as err:
            stubs_as(who).rulesets.UploadRuleSet(rs.RuleSetSource(text=stricter()))
        assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert active(stubs) == before


def test_upload_activate_rollback_and_scores_name_their_version(stubs):
    stubs.facts.SubmitFact(fx.SubmitFactRequest(fact=fact(month=MONTH, official="v05-1", key="rv-1")))
    first = active(stubs)
    score = lambda: stubs.evaluation.GetMonthlyScores(ev.GetMonthlyScoresRequest(month=MONTH, official_id="v05-1"))
    assert score().scores[0].total == "99" and score().ruleset.id == first.ref.id
    uploaded = stubs.rulesets.UploadRuleSet(rs.RuleSetSource(text=stricter(), filename="stricter.yaml"))
    assert not uploaded.active and uploaded.uploaded_by == "管理员"
    assert stubs.rulesets.UploadRuleSet(rs.RuleSetSource(text=stricter())).ref.id == uploaded.ref.id
    assert score().scores[0].total == "99"                    # stored, not yet active
    stubs.rulesets.ActivateRuleSet(rs.ActivateRuleSetRequest(id=uploaded.ref.id))
    now = score()
    assert now.scores[0].total == "98" and now.scores[0].ruleset.id == uploaded.ref.id
    assert now.scores[0].ruleset.label == "sample 2026-2 stricter"
    back = stubs.rulesets.RollbackRuleSet(rs.RollbackRuleSetRequest())
    assert back.ref.id == first.ref.id and back.active
    assert score().scores[0].total == "99" and score().ruleset.id == first.ref.id
    with pytest.raises(grpc.RpcError) as err:
        stubs.rulesets.ActivateRuleSet(rs.ActivateRuleSetRequest(id=9999))
    assert err.value.code() == grpc.StatusCode.NOT_FOUND


def test_dry_run_shows_who_gains_and_loses_and_stores_nothing(stubs):
    stubs.facts.SubmitFacts(iter([fx.FactBatch(facts=[
        fact(month=MONTH, official="v06-1", quantity="3", key="dr-1"),
        fact(month=MONTH, official="v06-2", category="study", kind="study_absent", key="dr-2")])]))
    versions = stubs.rulesets.ListRuleSets(rs.ListRuleSetsRequest())
    facts = stubs.facts.ListFacts(fx.ListFactsRequest(month=MONTH))
    report = stubs.rulesets.DryRunRuleSet(rs.DryRunRequest(
        candidate=rs.RuleSetSource(text=stricter() + "\n# draft\n"), month=MONTH))
    changed = {d.official_id: d for d in report.changed}
    assert set(changed) == {"v06-1", "v05-1"}            # only meeting absences changed
    d = changed["v06-1"]
    # 3 absences: 97 -> 94; pay 1800 (>= 90) stays 1800
    assert (d.old_total, d.new_total, d.old_pay, d.new_pay) == ("97", "94", "1800.00", "1800.00")
    assert [i.points for i in d.removed_items] == ["-3"] and [i.points for i in d.added_items] == ["-6"]
    assert report.unchanged == 17 * 6 - 2
    assert stubs.rulesets.ListRuleSets(rs.ListRuleSetsRequest()) == versions
    assert stubs.facts.ListFacts(fx.ListFactsRequest(month=MONTH)) == facts
    with pytest.raises(grpc.RpcError) as err:
        stubs.rulesets.DryRunRuleSet(rs.DryRunRequest(candidate=rs.RuleSetSource(text="rules: ["), month=MONTH))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT


def test_active_rule_set_summary_for_forms(stubs_as):
    summary = stubs_as("station").rulesets.GetActiveRuleSet(rs.GetActiveRuleSetRequest())
    assert [c.id for c in summary.categories][:2] == ["study", "service_3plus5"]
    convenience = [c for c in summary.categories if c.id == "convenience"][0]
    assert convenience.scored_by == ["station"] and "services_handled" in [k.id for k in convenience.kinds]


def test_fifty_swaps_under_load(stubs):
    """Facts stream in and scores are read while the rule set is activated and rolled back
    50 times: no RPC fails, every fact counts once, every score names a version that was
    active during its call."""
    base = stubs.rulesets.ListRuleSets(rs.ListRuleSetsRequest())
    first = active(stubs).ref.id
    other = stubs.rulesets.UploadRuleSet(rs.RuleSetSource(text=stricter())).ref.id
    month, stop = "2026-08", threading.Event()
    switches = [(0.0, time.monotonic(), first)]   # (before, after, version) per activation
    reads, errors, sent = [], [], []

    def submit(worker: int) -> None:
        n = 0
        while not stop.is_set() and n < 400:
            batch = [fact(month=month, official=f"v{(worker % 17) + 1:02d}-{(i % 6) + 1}",
                          key=f"load-{worker}-{n + i}") for i in range(10)]
            try:
                result = stubs.facts.SubmitFacts(iter([fx.FactBatch(facts=batch)]), timeout=30)
                assert result.accepted == 10 and result.duplicates == 0
                sent.extend(f.idempotency_key for f in batch)
            except Exception as exc:  # noqa: BLE001 - every failure is a test failure
                errors.append(exc)
            n += 10

    def read() -> None:
        while not stop.is_set():
            start = time.monotonic()
            try:
                got = stubs.evaluation.GetMonthlyScores(ev.GetMonthlyScoresRequest(month=month), timeout=30)
                reads.append((start, time.monotonic(), got.ruleset.id,
                              {s.ruleset.id for s in got.scores}))
            except Exception as exc:  # noqa: BLE001
                errors.append(exc)

    with ThreadPoolExecutor(6) as pool:
        jobs = [pool.submit(submit, w) for w in range(3)] + [pool.submit(read) for _ in range(2)]
        for i in range(50):
            target = other if i % 2 == 0 else first
            before = time.monotonic()
            if i % 2 == 0:
                stubs.rulesets.ActivateRuleSet(rs.ActivateRuleSetRequest(id=target))
            else:
                assert stubs.rulesets.RollbackRuleSet(rs.RollbackRuleSetRequest()).ref.id == target
            switches.append((before, time.monotonic(), target))
            time.sleep(0.01)
        stop.set()
        for job in jobs:
            job.result()
    assert not errors, errors[:3]
    assert reads and sent
    for start, end, version, per_official in reads:
        assert per_official == {version}
        windows = [(b, switches[i + 1][1] if i + 1 < len(switches) else float("inf"))
                   for i, (b, _, v) in enumerate(switches) if v == version]
        assert any(lo <= end and start <= hi for lo, hi in windows), (start, end, version)
    stored = [f.fact.idempotency_key
              for f in list_all(stubs.facts.ListFacts, fx.ListFactsRequest(month=month), "facts")]
    assert sorted(stored) == sorted(sent) and len(set(stored)) == len(stored)
    assert active(stubs).ref.id == first
    assert len(stubs.rulesets.ListRuleSets(rs.ListRuleSetsRequest()).versions) == len(base.versions) + (
        0 if other in {v.ref.id for v in base.versions} else 1)
