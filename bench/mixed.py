"""`python -m bench.mixed`: many clients mixing reads and writes against one real server.

The hardening issue's load test: N concurrent clients (each with its own bearer token,
as separate township systems and scorers have) call a real kaoping server on a
loopback port for S seconds with a mix of writes (SubmitFact, small SubmitFacts
streams, CorrectFact) and reads (GetMonthlyScores for the township, GetRanking,
ExplainScore, GetFeedbackNotice, ListFacts). It records every call's latency and
status, and samples the server process's resident memory every half second.

A baseline is measured in the same run first: one client alone for --baseline-seconds,
so the loaded figures are reported as ratios to the unloaded ones.

Bounded: every call has a deadline (--call-timeout), each phase stops at its own
deadline and after --max-calls calls, and the server stops when the run ends.

    python -m bench.mixed [--clients 32] [--seconds 100] [--pg-url URL] [--out DIR]
"""
from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path

import grpc

from kaoping.v1 import evaluation_pb2 as ev
from kaoping.v1 import evaluation_pb2_grpc as ev_grpc
from kaoping.v1 import facts_pb2 as fx
from kaoping.v1 import facts_pb2_grpc as fx_grpc

from bench import data, load, service

# operation -> weight in the mix (writes about 45 %)
MIX = {"SubmitFact": 30, "SubmitFacts": 10, "CorrectFact": 5, "GetMonthlyScores": 20,
       "GetRanking": 15, "ExplainScore": 10, "GetFeedbackNotice": 5, "ListFacts": 5}
STREAM_FACTS = 20           # facts in one SubmitFacts stream of the mix
# A refused call (RESOURCE_EXHAUSTED: over an admission bound; UNAVAILABLE) is retried
# after a jittered pause, as a client honouring the server's back-pressure would, so
# the run measures the served calls instead of a tight loop of refusals.
BACKOFF = (0.2, 0.6)        # seconds, uniform
RETRYABLE = ("RESOURCE_EXHAUSTED", "UNAVAILABLE")
ROOT = load.ROOT


def _rss_mib(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


class Sampler(threading.Thread):
    def __init__(self, pid: int, every: float = 0.5):
        super().__init__(daemon=True)
        self.pid, self.every = pid, every
        self.samples: list[tuple[float, float]] = []
        self._done = threading.Event()
        self._t0 = time.perf_counter()

    def run(self) -> None:
        while not self._done.is_set():
            self.samples.append((time.perf_counter() - self._t0, _rss_mib(self.pid)))
            self._done.wait(self.every)

    def stop(self) -> list[tuple[float, float]]:
        self._done.set()
        self.join(5)
        return self.samples


class Client:
    """One caller: its own token, its own random stream of operations."""

    def __init__(self, channel, token: str, reg: data.Registry, township: str, seed: int,
                 timeout: float):
        self.md = (("authorization", f"Bearer {token}"),)
        self.facts = fx_grpc.FactServiceStub(channel)
        self.evaluation = ev_grpc.EvaluationServiceStub(channel)
        self.rng = random.Random(seed)
        self.reg, self.township, self.timeout = reg, township, timeout
        self.seed = seed
        self.n = 0
        self.mine: list[tuple[int, str]] = []   # (fact id, scorer) this client stored, to correct

    def _fact(self) -> fx.Fact:
        self.n += 1
        f = next(data.facts(self.reg, 1, self.seed * 1_000_003 + self.n, tag="m"))
        return fx.Fact(official_id=f.official_id, date=f.date, category=f.category, kind=f.kind,
                       quantity=f.quantity, note=f.note, scorer_id=f.scorer_id, source=f.source,
                       idempotency_key=f"mix-{self.seed}-{self.n}")

    def call(self, op: str) -> None:
        t, md = self.timeout, self.md
        official = self.rng.choice(self.reg.officials)
        if op == "SubmitFact":
            fact = self._fact()
            r = self.facts.SubmitFact(fx.SubmitFactRequest(fact=fact), timeout=t, metadata=md)
            self.mine.append((r.fact_id, fact.scorer_id))
        elif op == "SubmitFacts":
            batch = fx.FactBatch(facts=[self._fact() for _ in range(STREAM_FACTS)])
            self.facts.SubmitFacts(iter([batch]), timeout=t, metadata=md)
        elif op == "CorrectFact":
            if not self.mine:
                return self.call("SubmitFact")
            fact_id, scorer = self.mine.pop(self.rng.randrange(len(self.mine)))
            self.n += 1
            self.facts.CorrectFact(fx.CorrectFactRequest(
                fact_id=fact_id, reason="负载测试更正", scorer_id=scorer,
                idempotency_key=f"mixfix-{self.seed}-{self.n}"), timeout=t, metadata=md)
        elif op == "GetMonthlyScores":
            self.evaluation.GetMonthlyScores(ev.GetMonthlyScoresRequest(
                month=data.MONTH, township_id=self.township), timeout=t, metadata=md)
        elif op == "GetRanking":
            self.evaluation.GetRanking(ev.GetRankingRequest(month=data.MONTH, township_id=self.township),
                                       timeout=t, metadata=md)
        elif op == "ExplainScore":
            self.evaluation.ExplainScore(ev.ExplainScoreRequest(official_id=official[0], month=data.MONTH),
                                         timeout=t, metadata=md)
        elif op == "GetFeedbackNotice":
            self.evaluation.GetFeedbackNotice(ev.GetFeedbackNoticeRequest(
                village_id=official[1], month=data.MONTH), timeout=t, metadata=md)
        elif op == "ListFacts":
            self.facts.ListFacts(fx.ListFactsRequest(month=data.MONTH, official_id=official[0]),
                                 timeout=t, metadata=md)


def phase(channel, tokens: list[str], reg, township, seconds: float, max_calls: int,
          timeout: float, seed: int) -> dict:
    """Runs len(tokens) clients at once until `seconds` pass or `max_calls` are made."""
    ops, weights = list(MIX), list(MIX.values())
    latencies: dict[str, list[float]] = defaultdict(list)     # served (OK) calls
    refused: dict[str, list[float]] = defaultdict(list)       # any other outcome
    codes: Counter = Counter()
    lock = threading.Lock()
    budget = [max_calls]
    deadline = time.perf_counter() + seconds

    def run(i: int) -> None:
        client = Client(channel, tokens[i], reg, township, seed + i, timeout)
        while time.perf_counter() < deadline:
            with lock:
                if budget[0] <= 0:
                    return
                budget[0] -= 1
            op = client.rng.choices(ops, weights)[0]
            started = time.perf_counter()
            try:
                client.call(op)
                code = "OK"
            except grpc.RpcError as exc:
                code = exc.code().name
            elapsed = time.perf_counter() - started
            with lock:
                (latencies if code == "OK" else refused)[op].append(elapsed)
                codes[(op, code)] += 1
            if code in RETRYABLE:
                time.sleep(client.rng.uniform(*BACKOFF))

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(len(tokens))]
    started = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join(seconds + timeout + 30)
    wall = time.perf_counter() - started
    return {"clients": len(tokens), "seconds": round(wall, 2),
            "calls": sum(len(v) for v in latencies.values()) + sum(len(v) for v in refused.values()),
            "ops": {op: _summary(v) for op, v in sorted(latencies.items())},
            "all": _summary([x for v in latencies.values() for x in v]),
            "refused": _summary([x for v in refused.values() for x in v]),
            "codes": {f"{op} {code}": n for (op, code), n in sorted(codes.items())}}


def _summary(values: list[float]) -> dict:
    if not values:
        return {"n": 0}
    ordered = sorted(values)
    return {"n": len(values), "p50_ms": round(1000 * statistics.median(ordered), 2),
            "p99_ms": round(1000 * ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))], 2),
            "max_ms": round(1000 * ordered[-1], 2)}


def _tokens(url: str, count: int) -> list[str]:
    from kaoping.storage.store import Store
    from kaoping.usecases.tokens import Tokens
    store = Store(url)
    try:
        tokens = Tokens(store)
        return [tokens.create(f"mixed-{i:02d}", "admin", created_by="bench")[0] for i in range(count)]
    finally:
        store.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.mixed", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=100.0)
    parser.add_argument("--baseline-seconds", type=float, default=10.0)
    parser.add_argument("--facts", type=int, default=data.TOWNSHIP.facts * 10,
                        help="facts preloaded into the township month (default 30,000)")
    parser.add_argument("--max-calls", type=int, default=200_000)
    parser.add_argument("--call-timeout", type=float, default=30.0)
    parser.add_argument("--pg-url", default=load.pg_server_url(),
                        help=f"run on PostgreSQL (a server URL; default ${load.PG_ENV}) instead of SQLite")
    parser.add_argument("--seed", type=int, default=20261201)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "mixed")
    args = parser.parse_args(argv)
    reg = data.registry(data.TOWNSHIP)
    township = reg.townships[0][0]
    with tempfile.TemporaryDirectory(prefix="kp-mixed-") as tmp:
        if args.pg_url:
            ctx = load.pg_database(args.pg_url, "mixed")
        else:
            from contextlib import nullcontext
            ctx = nullcontext(load.sqlite_url(Path(tmp), "mixed"))
        with ctx as url:
            load.prepare(url, reg)
            load.bulk_facts(url, reg, args.facts, args.seed, workers=1)
            tokens = _tokens(url, max(1, args.clients))
            with service.server(url) as srv:
                sampler = Sampler(srv.process.pid)
                sampler.start()
                base = phase(srv.channel, tokens[:1], reg, township, args.baseline_seconds,
                             args.max_calls, args.call_timeout, args.seed)
                loaded = phase(srv.channel, tokens, reg, township, args.seconds, args.max_calls,
                               args.call_timeout, args.seed + 1000)
                rss = sampler.stop()
    mib = [m for _, m in rss if m == m]
    result = {"backend": "postgresql" if args.pg_url else "sqlite", "preloaded_facts": args.facts,
              "baseline": base, "loaded": loaded,
              "rss_mib": {"start": round(mib[0], 1), "peak": round(max(mib), 1),
                          "end": round(mib[-1], 1)} if mib else {},
              "ratio_p50_loaded_over_baseline": _ratios(base, loaded)}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"results-{result['backend']}.json").write_text(
        json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")
    print(report(result))
    return 0


def _ratios(base: dict, loaded: dict) -> dict:
    out = {}
    for op, s in loaded["ops"].items():
        b = base["ops"].get(op, {})
        if b.get("n") and s.get("n"):
            out[op] = round(s["p50_ms"] / b["p50_ms"], 1) if b["p50_ms"] else None
    return out


def report(result: dict) -> str:
    base, loaded = result["baseline"], result["loaded"]
    lines = [f"## Mixed load on {result['backend']} ({loaded['clients']} clients, {loaded['seconds']} s, "
             f"{result['preloaded_facts']:,} facts preloaded)", "",
             "Latencies of served (OK) calls; refused calls are counted below.", "",
             "| operation | served | p50 ms | p99 ms | max ms | 1-client p50 ms | p50 ratio |",
             "|---|---|---|---|---|---|---|"]
    for op, s in loaded["ops"].items():
        b = base["ops"].get(op, {})
        lines.append(f"| {op} | {s['n']} | {s['p50_ms']} | {s['p99_ms']} | {s['max_ms']} | "
                     f"{b.get('p50_ms', '-')} | {result['ratio_p50_loaded_over_baseline'].get(op, '-')} |")
    a = loaded["all"]
    lines += [f"| all | {a['n']} | {a['p50_ms']} | {a['p99_ms']} | {a['max_ms']} | "
              f"{base['all'].get('p50_ms', '-')} | |", ""]
    not_ok = {k: v for k, v in loaded["codes"].items() if not k.endswith(" OK")}
    r = loaded["refused"]
    lines.append(f"Calls not OK: {not_ok or 'none'} (answered in p50 {r.get('p50_ms', '-')} ms, "
                 f"p99 {r.get('p99_ms', '-')} ms); server RSS MiB {result['rss_mib']}")
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
