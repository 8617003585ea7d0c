"""A county on one deployment (issue 14, point 5): twenty townships of 徽县 on one
PostgreSQL database behind two real `kaoping-server` replicas, each township with its
own rule set (bench.county_data: a meeting absence costs 0.25, 0.5, ... 5 points),
built over the API, the twenty activations issued at once, half through each replica.
Every township, read through either replica, is served its own version, scored by it
(totals worked out by hand from its deduction), and lists only its own villages,
officials, scorers, facts and versions; re-activating or rolling back one township
moves nothing in any other, on either replica. Real processes, real database
(KAOPING_TEST_PG_URL; CI sets it)."""
from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal

import grpc
import pytest

from kaoping.v1 import evaluation_pb2 as ev
from kaoping.v1 import facts_pb2 as fx
from kaoping.v1 import registry_pb2 as rg
from kaoping.v1 import rulesets_pb2 as rs

from bench import county_data
from tests.support.apps import PG_ENV, new_database_url
from tests.support.calls import stubs_for, together
from tests.support.databases import assert_audit_matches_log
from tests.support.replicas import ServerProcess

TOWNSHIPS = 20
VILLAGES = 3
OFFICIALS = 2             # per village: 书记 and 主任
MONTH = "2026-06"
CONVERGE_SECONDS = 30.0   # a bound for a loaded 2-core machine; the replicas poll every 0.5 s
POSITIONS = ("书记", "主任")


@dataclass
class Township:
    index: int
    id: str
    stubs: tuple          # (through replica a, through replica b), with the township's token
    villages: list[str]
    officials: list[str]
    scorer: str
    versions: dict        # round -> RuleSetRef uploaded

    @property
    def home(self):
        """The replica its registry writes, upload and first activation go through."""
        return self.stubs[self.index % 2]

    @property
    def other(self):
        return self.stubs[1 - self.index % 2]

    def absences(self, official: str) -> int:
        """Meeting absences recorded for the official this month: 0 to 3."""
        return (self.index + self.officials.index(official)) % 4

    def expected_total(self, official: str, round_: int = 0) -> Decimal:
        # attendance is worth 25; at most 3 x 5 points are taken, never past its floor
        return Decimal(100) - self.absences(official) * county_data.deduction(self.index, round_)

    def fact_keys(self) -> set[str]:
        return {f"{self.id}-{o}-{n}" for o in self.officials for n in range(self.absences(o))}


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    if not os.environ.get(PG_ENV):
        pytest.skip(f"{PG_ENV} is not set: a county behind two replicas needs a PostgreSQL server")
    tmp = tmp_path_factory.mktemp("county")
    db = new_database_url(tmp)
    servers = []

    def start() -> ServerProcess:
        server = ServerProcess.kaoping("--listen", "127.0.0.1:0", "--db", db, "--refresh-interval", "0.5",
                                       cwd=tmp)
        servers.append(server)
        return server.wait_ready()

    channels = []
    try:
        a = start()   # seeds the deployment default rule set (no sample township)
        b = start()
        tokens = _township_tokens(db)
        channels = [grpc.insecure_channel(a.address), grpc.insecure_channel(b.address)]
        townships = [Township(i, f"hx{i:02d}", tuple(stubs_for(c, tokens[i]) for c in channels), [], [],
                              f"hx{i:02d}-main", {}) for i in range(TOWNSHIPS)]
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(_build, townships))
        yield db, (a, b), townships
    finally:
        for c in channels:
            c.close()
        for server in servers:
            server.kill()


def _township_tokens(db: str) -> list[str]:
    """One admin token for each township's office (calls in flight are bounded per token)."""
    from kaoping.storage.store import Store
    from kaoping.usecases.tokens import Tokens
    store = Store(db)
    try:
        return [Tokens(store).create(f"{county_data.COUNTY} hx{i:02d} 办公室", "admin", created_by="test")[0]
                for i in range(TOWNSHIPS)]
    finally:
        store.close()


def _build(t: Township) -> None:
    """The township, its roster and scorer, and its own rule set uploaded (not activated)."""
    r = t.home.registry
    created = r.CreateTownship(rg.Township(id=t.id, name=county_data.name(t.index), county=county_data.COUNTY,
                                           issuer=f"中共{county_data.name(t.index)}委员会",
                                           doc_prefix=county_data.name(t.index)[:2] + "发"), timeout=30)
    assert created.county == county_data.COUNTY
    for v in range(1, VILLAGES + 1):
        village = f"{t.id}-v{v}"
        r.PutVillage(rg.Village(id=village, township_id=t.id, name=f"{county_data.name(t.index)}第{v}村",
                                attributes={"star": str(1 + (t.index + v) % 5)}), timeout=30)
        t.villages.append(village)
        for p, position in enumerate(POSITIONS, start=1):
            official = f"{village}-{p}"
            r.PutOfficial(rg.Official(id=official, village_id=village, name=f"官员{t.index}-{v}-{p}",
                                      position=position, base_pay="1500", effective_on="2026-01-01"),
                          timeout=30)
            t.officials.append(official)
    r.PutScorer(rg.Scorer(id=t.scorer, name=f"{county_data.name(t.index)}主要领导", role="main_leader",
                          township_id=t.id), timeout=30)
    t.versions[0] = _upload(t, 0)


def _upload(t: Township, round_: int) -> rs.RuleSetVersion:
    uploaded = t.home.rulesets.UploadRuleSet(rs.RuleSetSource(
        text=county_data.variant(t.id, t.index, round_), filename=f"{t.id}-{round_}.yaml",
        township_id=t.id), timeout=60)
    assert (uploaded.township_id, uploaded.active) == (t.id, False)
    return uploaded.ref


def _facts(t: Township) -> fx.FactBatch:
    return fx.FactBatch(facts=[
        fx.Fact(official_id=o, month=MONTH, category="attendance", kind="meeting_absent", quantity="1",
                scorer_id=t.scorer, source="county-test", idempotency_key=f"{t.id}-{o}-{n}")
        for o in t.officials for n in range(t.absences(o))])


# what a replica serves a township --------------------------------------------------
def _active(stubs, t: Township) -> rs.RuleSetSummary:
    return stubs.rulesets.GetActiveRuleSet(rs.GetActiveRuleSetRequest(township_id=t.id), timeout=30)


def _scores(stubs, t: Township) -> ev.MonthlyScores:
    return stubs.evaluation.GetMonthlyScores(ev.GetMonthlyScoresRequest(month=MONTH, township_id=t.id),
                                             timeout=60)


def _wrong(stubs, t: Township, round_: int) -> str | None:
    """Why the replica does not (yet) serve the township its version of `round_` and
    the totals that version gives; None when it does."""
    want = t.versions[round_]
    ref = _active(stubs, t).ref
    if (ref.id, ref.township_id) != (want.id, t.id):
        return f"{t.id} is served version {ref.id} ({ref.label}), not {want.id}"
    scores = _scores(stubs, t)
    got = {s.official_id: (s.ruleset.id, Decimal(s.total)) for s in scores.scores}
    expected = {o: (want.id, t.expected_total(o, round_)) for o in t.officials}
    if got != expected or (scores.township_id, scores.ruleset.id) != (t.id, want.id):
        return f"{t.id} scores {got} (township {scores.township_id}, version {scores.ruleset.id}), " \
               f"expected {expected}"
    return None


def eventually(check, what: str, seconds: float = CONVERGE_SECONDS) -> float:
    """Polls `check()` (None when satisfied, else why not) until it holds; fails the
    test with the last reason after `seconds`. Returns how long it took."""
    started = time.monotonic()
    while True:
        why = check()
        if why is None:
            return time.monotonic() - started
        if time.monotonic() - started > seconds:
            pytest.fail(f"{what}: not so after {seconds:.0f} s: {why}")
        time.sleep(0.05)


def _first_wrong(townships, round_of):
    def check():
        for t in townships:
            for stubs in t.stubs:
                why = _wrong(stubs, t, round_of(t))
                if why:
                    return why
        return None
    return check


# the tests --------------------------------------------------------------------------
def test_twenty_activations_at_once_across_two_replicas_each_serve_their_own_township(county):
    db, (a, b), townships = county
    assert len({t.versions[0].content_hash for t in townships}) == TOWNSHIPS   # twenty different 细则
    replies = together([lambda t=t: t.home.rulesets.ActivateRuleSet(rs.ActivateRuleSetRequest(
        id=t.versions[0].id, township_id=t.id), timeout=120) for t in townships], timeout=180)
    for t, reply in zip(townships, replies):
        assert not isinstance(reply, BaseException), f"{t.id}: {reply}"
        assert (reply.township_id, reply.ref.id, reply.active, reply.active_version.id) == \
            (t.id, t.versions[0].id, True, t.versions[0].id), f"{t.id}: {reply}"

    # facts through the replica that did not build the township
    for t in townships:
        result = t.other.facts.SubmitFacts(iter([_facts(t)]), timeout=60)
        assert (result.accepted, result.rejected) == (len(t.fact_keys()), 0), result

    took = eventually(_first_wrong(townships, lambda t: 0), "every township served its own version")
    print(f"\n20 parallel activations and the facts reached both replicas {took:.2f} s after the facts")

    for t in townships:
        own = t.versions[0]
        replies = []
        for stubs in t.stubs:
            summary = _active(stubs, t)
            assert (summary.ref.id, summary.ref.township_id, summary.ref.label, summary.ref.content_hash) == \
                (own.id, t.id, county_data.label(t.id), own.content_hash)
            scores = _scores(stubs, t)
            assert (scores.township_id, scores.ruleset.id, scores.ruleset.township_id) == (t.id, own.id, t.id)
            assert [s.official_id for s in scores.scores] == sorted(t.officials)   # no one else's
            for s in scores.scores:
                assert (s.ruleset.id, s.ruleset.township_id) == (own.id, t.id)
                assert Decimal(s.total) == t.expected_total(s.official_id), (t.id, s.official_id, s.total)
                assert s.village_id in t.villages
            replies.append(scores)
            ranking = stubs.evaluation.GetRanking(ev.GetRankingRequest(month=MONTH, township_id=t.id), timeout=30)
            assert ranking.ruleset.id == own.id and {o.official_id for o in ranking.officials} == set(t.officials)

            villages = stubs.registry.ListVillages(rg.ListVillagesRequest(township_id=t.id), timeout=30).villages
            assert sorted(v.id for v in villages) == t.villages and {v.township_id for v in villages} == {t.id}
            officials = stubs.registry.ListOfficials(rg.ListOfficialsRequest(township_id=t.id), timeout=30)
            assert sorted(o.id for o in officials.officials) == sorted(t.officials)
            scorers = stubs.registry.ListScorers(rg.ListScorersRequest(township_id=t.id), timeout=30).scorers
            assert [(s.id, s.township_id) for s in scorers] == [(t.scorer, t.id)]
            facts = stubs.facts.ListFacts(fx.ListFactsRequest(month=MONTH, township_id=t.id), timeout=30).facts
            assert {f.fact.idempotency_key for f in facts} == t.fact_keys()
            assert {f.fact.official_id for f in facts} <= set(t.officials)
            versions = stubs.rulesets.ListRuleSets(rs.ListRuleSetsRequest(township_id=t.id), timeout=30).versions
            others = {u.versions[0].id for u in townships if u is not t}
            assert own.id in {v.ref.id for v in versions} and not others & {v.ref.id for v in versions}
        assert replies[0] == replies[1], f"{t.id}: the two replicas disagree"

    from kaoping.storage.store import Store
    store = Store(db)
    try:   # each township's log holds its own activations in order, each with its audit entry
        assert_audit_matches_log(store)
        logs = {act.township_id for act in store.activations()}
        assert {t.id for t in townships} <= logs
    finally:
        store.close()


def test_reactivating_one_township_moves_no_other_on_either_replica(county):
    _db, _servers, townships = county
    eventually(_first_wrong(townships, lambda t: 0), "the county as the first test left it")
    before = {(t.id, side): (_active(stubs, t).ref, _scores(stubs, t))
              for t in townships for side, stubs in enumerate(t.stubs)}
    moved = townships[7]

    def unchanged_elsewhere(where: str) -> None:
        for t in townships:
            if t is moved:
                continue
            for side, stubs in enumerate(t.stubs):
                ref, scores = before[(t.id, side)]
                assert _active(stubs, t).ref == ref, f"{where}: {t.id}'s version moved on replica {side}"
                assert _scores(stubs, t) == scores, f"{where}: {t.id}'s scores moved on replica {side}"

    # a new version through one replica: both serve it to that township, nobody else moves
    moved.versions[1] = _upload(moved, 1)
    reply = moved.stubs[0].rulesets.ActivateRuleSet(rs.ActivateRuleSetRequest(
        id=moved.versions[1].id, township_id=moved.id), timeout=60)
    assert (reply.active, reply.township_id) == (True, moved.id)
    eventually(_first_wrong([moved], lambda t: 1), f"{moved.id}'s new version on both replicas")
    unchanged_elsewhere("after the activation")

    # rolled back through the other replica: its first version again, still nobody else moved
    back = moved.stubs[1].rulesets.RollbackRuleSet(rs.RollbackRuleSetRequest(township_id=moved.id), timeout=60)
    assert (back.ref.id, back.township_id) == (moved.versions[0].id, moved.id)
    eventually(_first_wrong([moved], lambda t: 0), f"{moved.id} rolled back on both replicas")
    for side, stubs in enumerate(moved.stubs):
        ref, scores = before[(moved.id, side)]
        assert _active(stubs, moved).ref == ref and _scores(stubs, moved) == scores
    unchanged_elsewhere("after the rollback")


# in-process, on SQLite or PostgreSQL: what one replica does with many activations at once --
def test_activations_at_once_in_many_townships_compile_each_version_once(db_url, monkeypatch):
    """Twelve townships activating their own versions at once: each version is compiled
    (and its cases run) once. The engines of activations still in flight are not spare
    ones to trim: retiring them meant compiling them again (38 compiles for 20 townships)
    and, retired three times, an activation already recorded answered UNAVAILABLE."""
    import kaoping.usecases.rulesets as rulesets_module
    from kaoping.storage.models import Township as TownshipRow
    from tests.support.apps import make_app

    app = make_app(db_url, sample=False)
    try:
        ids = [f"hx{i:02d}" for i in range(12)]
        for t in ids:
            app.create_township(TownshipRow(id=t, name=t, county=county_data.COUNTY))
        rows = [app.upload_ruleset(county_data.variant(t, i), f"{t}.yaml", "", township_id=t)[0]
                for i, t in enumerate(ids)]
        compiled = []
        validate = rulesets_module.validate_text
        monkeypatch.setattr(rulesets_module, "validate_text",
                            lambda *a, **k: compiled.append(a[1]) or validate(*a, **k))
        results = together([lambda i=i, t=t: app.activate_ruleset(rows[i].id, "", township_id=t)
                            for i, t in enumerate(ids)], timeout=120)
        assert not [r for r in results if isinstance(r, BaseException)], results
        assert [app.rulesets.active_row_for(t).id for t in ids] == [r.id for r in rows]
        assert len(compiled) == len(ids), f"{len(compiled)} compiles for {len(ids)} versions: {compiled}"
    finally:
        app.rulesets.close()
        app.store.close()
