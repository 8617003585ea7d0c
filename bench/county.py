"""`python -m bench --only county`: a county on one deployment (issue 14, point 5).

N townships of 17 villages x 6 officials (the sample's shape) in one county, each
with its own rule set (bench.county_data: a meeting absence costs 0.25, 0.5, ...
points), F facts per township bulk-loaded into one PostgreSQL database, served by two
kaoping replicas (bench.server_proc, replica polling every 0.5 s). Each round uploads
every township's next version, then:

  activation  all N ActivateRuleSet calls at once, half through each replica (each
              township's office with its own token): the time until every call has
              replied, and until both replicas serve every township its new version;
  cold        GetMonthlyScores for each township on each replica, one at a time,
              right after the activation (a new version: the month is scored afresh);
  warm        the same calls again (cached per township, month and version);
  edit        after a roster write in ANOTHER township (PutVillage, same values), the
              month again: every replica drops every township's cached months on any
              registry write, so this is the cost one township's edits put on the rest.

Every reply is checked: it names its township and its version, holds that township's
officials only, both replicas give the same scores, and every meeting-absence line
deducts that township's own figure. The same measurements are made in the same run on
a database holding one township alone (the baseline): the ratio county/single is what
sharing the deployment with the other townships costs one township.
"""
from __future__ import annotations

import statistics
import threading
import time
from contextlib import ExitStack
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import text

from kaoping.v1 import evaluation_pb2 as ev
from kaoping.v1 import evaluation_pb2_grpc as ev_grpc
from kaoping.v1 import registry_pb2 as rg
from kaoping.v1 import registry_pb2_grpc as rg_grpc
from kaoping.v1 import rulesets_pb2 as rs
from kaoping.v1 import rulesets_pb2_grpc as rs_grpc

from bench import county_data, data, load, service

CONVERGE_LIMIT = 120.0     # seconds; a round that has not converged by then fails the run
CALL_TIMEOUT = 300.0


@dataclass(frozen=True)
class CountySizes:
    townships: int
    facts_per_township: int
    warm_calls: int            # per township and replica, each round
    rounds: int                # versions activated in every township, one after another


FULL = CountySizes(townships=20, facts_per_township=data.TOWNSHIP.facts, warm_calls=10, rounds=2)
SMOKE = CountySizes(townships=3, facts_per_township=200, warm_calls=2, rounds=1)


class Replica:
    def __init__(self, srv: service.ServerProcess):
        self.srv = srv
        self.evaluation = ev_grpc.EvaluationServiceStub(srv.channel)
        self.rulesets = rs_grpc.RuleSetServiceStub(srv.channel)
        self.registry = rg_grpc.RegistryServiceStub(srv.channel)


def run(sizes: CountySizes, seed: int, pg_url: str | None) -> dict:
    if not pg_url:
        return {"skipped": f"needs PostgreSQL: two replicas share one database (--pg-url or "
                           f"${load.PG_ENV})"}
    county = measure(pg_url, "county", sizes.townships, sizes, seed)
    single = measure(pg_url, "single", 1, sizes, seed)
    ratios = {}
    for key in ("cold", "warm", "edit"):
        if county[key].get("p50_ms") and single[key].get("p50_ms"):
            ratios[f"{key}_p50"] = county[key]["p50_ms"] / single[key]["p50_ms"]
    ratios["converged"] = (statistics.median(r["converged_s"] for r in county["activations"])
                           / statistics.median(r["converged_s"] for r in single["activations"]))
    return {"county": county, "single": single, "ratios": ratios,
            "server_version": _server_version(pg_url)}


def measure(pg_url: str, name: str, townships: int, sizes: CountySizes, seed: int) -> dict:
    scale = data.Scale(name, townships * data.VILLAGES_PER_TOWNSHIP * data.OFFICIALS_PER_VILLAGE,
                       townships * sizes.facts_per_township)
    reg = data.registry(scale)
    ids = [t for t, _ in reg.townships]
    officials = {t: sorted(o[0] for o in reg.officials if o[1].startswith(f"{t}-")) for t in ids}
    out: dict = {"townships": townships, "villages": len(reg.villages), "officials": len(reg.officials),
                 "facts": scale.facts, "activations": [], "rounds": sizes.rounds}
    with load.pg_database(pg_url, f"county_{name}") as url:
        began = time.perf_counter()
        load.prepare(url, reg)
        _in_county(url)
        load.bulk_facts(url, reg, scale.facts, seed)
        tokens = _tokens(url, ids)
        out["load_s"] = time.perf_counter() - began
        with ExitStack() as stack:
            replicas = [Replica(stack.enter_context(service.server(url))) for _ in range(2)]
            cold, warm, edit, calls, uploads = [], [], [], [], []
            for round_ in range(sizes.rounds):
                versions = {}
                for i, t in enumerate(ids):
                    started = time.perf_counter()
                    versions[t] = replicas[i % 2].rulesets.UploadRuleSet(rs.RuleSetSource(
                        text=county_data.variant(t, i, round_), filename=f"{t}-{round_}.yaml",
                        township_id=t), timeout=CALL_TIMEOUT, metadata=_md(tokens[t])).ref
                    uploads.append(time.perf_counter() - started)
                act = _activate_all(replicas, ids, versions, tokens, round_)
                out["activations"].append(act)
                calls += act.pop("call_s")
                for i, t in enumerate(ids):
                    for replica in replicas:
                        cold.append(_scored(replica, t, i, round_, versions[t], officials[t], tokens[t]))
                    for replica in replicas:
                        for _ in range(sizes.warm_calls):
                            warm.append(_scored(replica, t, i, round_, versions[t], officials[t], tokens[t]))
                _same_on_both(replicas, ids, tokens)
                edit += _after_other_edit(replicas, ids, reg, versions, officials, tokens, round_)
        out.update(cold=_pct(cold), warm=_pct(warm), edit=_pct(edit), activate_call=_pct(calls),
                   upload=_pct(uploads))
    return out


def _in_county(url: str) -> None:
    """The bulk-loaded townships are all of one county."""
    from kaoping.storage.store import Store
    store = Store(url)
    try:
        with store.engine.begin() as conn:
            conn.execute(text("UPDATE township SET county = :c"), {"c": county_data.COUNTY})
    finally:
        store.close()


def _tokens(url: str, ids: list[str]) -> dict[str, str]:
    """An admin token per township office: each township calls with its own, as a
    county's offices do (and calls in flight are bounded per token)."""
    from kaoping.storage.store import Store
    from kaoping.usecases.tokens import Tokens
    store = Store(url)
    try:
        return {t: Tokens(store).create(f"{t} 办公室", "admin", created_by="bench")[0] for t in ids}
    finally:
        store.close()


def _md(token: str) -> tuple:
    return (("authorization", f"Bearer {token}"),)


def _activate_all(replicas, ids, versions, tokens, round_: int) -> dict:
    """Every township's activation at once (township i through replica (i + round) % 2),
    then polls both replicas until every township is served its new version."""
    barrier = threading.Barrier(len(ids) + 1)
    replies: dict[str, object] = {}
    call_s: list[float] = []
    lock = threading.Lock()

    def activate(i: int, t: str) -> None:
        barrier.wait()
        started = time.perf_counter()
        try:
            reply = replicas[(i + round_) % 2].rulesets.ActivateRuleSet(rs.ActivateRuleSetRequest(
                id=versions[t].id, township_id=t), timeout=CALL_TIMEOUT, metadata=_md(tokens[t]))
        except Exception as exc:  # noqa: BLE001 - reported below, fails the run
            reply = exc
        with lock:
            replies[t] = reply
            call_s.append(time.perf_counter() - started)

    threads = [threading.Thread(target=activate, args=(i, t), daemon=True) for i, t in enumerate(ids)]
    for th in threads:
        th.start()
    barrier.wait()
    started = time.perf_counter()
    for th in threads:
        th.join(CALL_TIMEOUT)
    replied = time.perf_counter() - started
    for t in ids:
        reply = replies.get(t)
        if not isinstance(reply, rs.RuleSetVersion) or not reply.active or reply.ref.id != versions[t].id:
            raise RuntimeError(f"activation in {t} failed: {reply}")
    waiting = {(t, n) for t in ids for n in range(len(replicas))}
    while waiting:
        for t, n in sorted(waiting):
            ref = replicas[n].rulesets.GetActiveRuleSet(rs.GetActiveRuleSetRequest(township_id=t),
                                                        timeout=CALL_TIMEOUT, metadata=_md(tokens[t])).ref
            if (ref.id, ref.township_id) == (versions[t].id, t):
                waiting.discard((t, n))
        if time.perf_counter() - started > CONVERGE_LIMIT:
            raise RuntimeError(f"not converged after {CONVERGE_LIMIT:.0f} s: {sorted(waiting)[:5]}")
        if waiting:
            time.sleep(0.02)
    return {"round": round_, "replied_s": replied, "converged_s": time.perf_counter() - started,
            "call_s": call_s}


def _scored(replica: Replica, t: str, index: int, round_: int, version, officials, token) -> float:
    """One GetMonthlyScores of the township, checked: its township, its version, its
    officials, and its own meeting-absence deduction on every such line."""
    started = time.perf_counter()
    reply = replica.evaluation.GetMonthlyScores(ev.GetMonthlyScoresRequest(month=data.MONTH, township_id=t),
                                                timeout=CALL_TIMEOUT, metadata=_md(token))
    seconds = time.perf_counter() - started
    if (reply.township_id, reply.ruleset.id, reply.ruleset.township_id) != (t, version.id, t):
        raise RuntimeError(f"{t}: scored as {reply.township_id} by version {reply.ruleset.id}, "
                           f"not {version.id}")
    if [s.official_id for s in reply.scores] != officials:
        raise RuntimeError(f"{t}: the scores hold other officials than its own")
    points = {Decimal(i.requested_points) for s in reply.scores for i in s.items
              if i.rule_id == "attendance.absent"}
    if points - {-county_data.deduction(index, round_)}:
        raise RuntimeError(f"{t}: a meeting absence deducted {points}, not "
                           f"{county_data.deduction(index, round_)}")
    return seconds


def _same_on_both(replicas, ids, tokens) -> None:
    for t in ids:
        a, b = (r.evaluation.GetMonthlyScores(ev.GetMonthlyScoresRequest(month=data.MONTH, township_id=t),
                                              timeout=CALL_TIMEOUT, metadata=_md(tokens[t]))
                for r in replicas)
        if a != b:
            raise RuntimeError(f"{t}: the two replicas give different scores")


def _after_other_edit(replicas, ids, reg, versions, officials, tokens, round_: int) -> list[float]:
    """A roster write in the first township (its first village put again, unchanged);
    once both replicas have re-read the registry, every other township's month once
    on each replica (alone: the first township's own month)."""
    first = ids[0]
    village = next(v for v in reg.villages if v[1] == first)
    replicas[0].registry.PutVillage(rg.Village(id=village[0], township_id=first, name=village[2]),
                                    timeout=CALL_TIMEOUT, metadata=_md(tokens[first]))
    time.sleep(1.5)   # three polls of the other replica (0.5 s each): it has re-read the registry
    others = [(i, t) for i, t in enumerate(ids) if t != first] or [(0, first)]
    return [_scored(replica, t, i, round_, versions[t], officials[t], tokens[t])
            for i, t in others for replica in replicas]


def _pct(times: list[float]) -> dict:
    if not times:
        return {"calls": 0}
    ordered = sorted(times)

    def at(p: float) -> float:
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] * 1e3

    return {"calls": len(ordered), "p50_ms": at(50), "p95_ms": at(95), "max_ms": ordered[-1] * 1e3,
            "mean_ms": statistics.fmean(ordered) * 1e3}


def _server_version(pg_url: str) -> str:
    from sqlalchemy import create_engine
    engine = create_engine(pg_url)
    try:
        with engine.connect() as conn:
            return conn.execute(text("SHOW server_version")).scalar()
    finally:
        engine.dispose()


def rows(result: dict) -> list[tuple[str, str, str, str, str]]:
    """The report's rows (bench.report): figures in the PostgreSQL column."""
    if not result:
        return []
    if "skipped" in result:
        return [("County: 20 townships, own rule sets, two replicas", "", f"skipped: {result['skipped']}",
                 "", "")]
    c, s, r = result["county"], result["single"], result["ratios"]

    def ms(x: dict) -> str:
        return f"{x['p50_ms']:.1f} / {x['p95_ms']:.1f}" if x.get("calls") else "-"

    def conv(x: dict) -> str:
        return " / ".join(f"{a['replied_s']:.2f}-{a['converged_s']:.2f}" for a in x["activations"])

    return [
        (f"County: {c['townships']} townships x 17 villages x 6 officials ({c['officials']:,}), "
         f"{c['facts'] // c['townships']:,} facts each, own rule sets, 2 replicas, one database", "",
         f"loaded in {c['load_s']:.0f} s", "", ""),
        (f"  {c['townships']} activations at once across both replicas: all replied - all served "
         f"on both (s), per round", "", conv(c), "", ""),
        ("  ActivateRuleSet call: p50 / p95 (ms)", "", ms(c["activate_call"]), "", ""),
        ("  GetMonthlyScores per township, cold (new version): p50 / p95 (ms)", "", ms(c["cold"]), "", ""),
        ("  GetMonthlyScores per township, warm: p50 / p95 (ms)", "", ms(c["warm"]), "", ""),
        ("  after a roster write in another township: p50 / p95 (ms)", "", ms(c["edit"]), "", ""),
        ("  one township alone on the same server: activation replied - served (s)", "", conv(s), "", ""),
        ("  alone: cold / warm / after its own roster write p50 (ms)", "",
         f"{s['cold'].get('p50_ms', 0):.1f} / {s['warm'].get('p50_ms', 0):.1f} / "
         f"{s['edit'].get('p50_ms', 0):.1f}", "", ""),
        ("  county / alone, p50: cold, warm, after edit; activation to served", "",
         f"{r.get('cold_p50', 0):.2f} / {r.get('warm_p50', 0):.2f} / {r.get('edit_p50', 0):.2f}; "
         f"{r['converged']:.2f}", "", ""),
    ]
