"""`python -m bench`: kaoping's benchmark. See docs/benchmarks.md.

Makes its own synthetic data (bench.data, deterministic by --seed), measures

  ingest     facts/s through SubmitFacts streams (500 facts a message) on a loopback
             gRPC connection, every message committed durably, on SQLite and on
             PostgreSQL; p50/p99 of unary SubmitFact;
  month      p50/p99 of GetMonthlyScores for a 17-village township month, warm
             (and right after one new fact, when the month is scored afresh);
  recompute  wall time and peak memory of kaoping.usecases.recompute over a province-scale
             month, and its growth from 1x to 10x to 100x the data, under two rule
             sets (RULESETS): the version-1 sample on the version-1 mix of facts, and
             the language-2 sample on a mix that uses its village results, counts,
             streaks and money (bench.data.rich_facts);
  baseline   raw durable-rules posting the same facts to the same compiled rule
             set, and service / raw for throughput;
  county     (PostgreSQL only) 20 townships, each with its own rule set, behind two
             replicas on one database: parallel activation until served on both,
             per-township month latency cold and warm, against one township alone
             (bench.county),
  peer       GoRules zen-engine scoring the same months from the translated rule set
             (bench.zen): kaoping ÷ zen-engine time, results checked identical first,
  watch      the delay from SubmitFact's reply to the WatchScores update naming its
             official, one server and (PostgreSQL) two on one database (bench.watch),

and prints a table (also written, with results.json and the scaling plot, to --out).
--smoke runs tiny sizes with no targets checked (CI); PostgreSQL is measured when
KAOPING_BENCH_PG_URL (or --pg-url) names a server, e.g.
postgresql+psycopg://user:pw@127.0.0.1:5432/db (the benchmark creates and drops
its own databases there).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, replace
from pathlib import Path

from bench import county, data, floor, load, memory, raw, report, service, zen

ROOT = load.ROOT
# every part `--only` knows, in the order main() runs them
PARTS = ("baseline", "ingest", "month", "recompute", "watch", "county", "peer")
TRACEBACK_LINES = 12      # how much of a failed part's traceback results.json keeps


@dataclass(frozen=True)
class Sizes:
    ingest_facts: int
    ingest_repeats: int
    unary_calls: int
    month_calls: int
    fresh_month_calls: int
    scales: tuple[data.Scale, ...]        # recompute at 1x, 10x, 100x
    naive_upto: int                       # how many scales get the naive "before" run
    no_memo_upto: int                     # how many scales get the engine-per-fact run
    single_worker_at: int                 # the scale (index) also recomputed on one worker; -1 none
    raw_upto: int                         # how many scales get a raw durable-rules run


FULL = Sizes(ingest_facts=data.COUNTY.facts, ingest_repeats=3, unary_calls=1000, month_calls=200,
             fresh_month_calls=30,
             scales=(data.PROVINCE.scaled("1x", 0.01), data.PROVINCE.scaled("10x", 0.1),
                     data.PROVINCE.scaled("100x", 1.0)),
             naive_upto=2, no_memo_upto=2, single_worker_at=1, raw_upto=3)
SMOKE = Sizes(ingest_facts=2_000, ingest_repeats=1, unary_calls=20, month_calls=10,
              fresh_month_calls=3,
              scales=(data.PROVINCE.scaled("1x", 0.0002), data.PROVINCE.scaled("10x", 0.002),
                      data.PROVINCE.scaled("100x", 0.02)),
              naive_upto=1, no_memo_upto=1, single_worker_at=-1, raw_upto=3)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smoke", action="store_true",
                        help="tiny sizes, no targets: checks that every measurement runs")
    parser.add_argument("--seed", type=int, default=20260301)
    parser.add_argument("--out", type=Path, default=None,
                        help="where to write results.json, report.md and the plot "
                             "(default bench/out, or bench/out/smoke with --smoke)")
    parser.add_argument("--pg-url", default=load.pg_server_url(),
                        help=f"PostgreSQL server for the PostgreSQL figures (default ${load.PG_ENV})")
    parser.add_argument("--proposals", nargs="?", const="all", default="",
                        help="apply bench/proposals.py patches (all, or e.g. P1,P2) to the "
                             "service while measuring")
    parser.add_argument("--only", default="",
                        help="comma-separated parts to run: " + ",".join(PARTS)
                             + " (county needs PostgreSQL and is skipped without it)")
    parser.add_argument("--rulesets", default=",".join(r[0] for r in RULESETS),
                        help="the recompute's rule sets, comma-separated: v1 (the version-1 "
                             "sample on the version-1 facts), rich (the language-2 sample on "
                             "facts with village results, counts, streaks and money)")
    parser.add_argument("--scales", default="",
                        help="the recompute's scales, comma-separated (1x,10x,100x; default "
                             "all): e.g. 100x alone for the province month in a quiet window")
    parser.add_argument("--wait-quiet", type=float, default=0.0, metavar="SECONDS",
                        help="first wait up to SECONDS for the 1-minute load average to fall "
                             "below 1 (other work on the machine skews every figure)")
    parser.add_argument("--workdir", type=Path, default=None,
                        help="where the SQLite databases go (default: a temporary directory)")
    args = parser.parse_args(argv)
    sizes = SMOKE if args.smoke else FULL
    if args.scales:
        sizes = _only_scales(sizes, args.scales.split(","), parser)
    out = args.out or (ROOT / "bench" / "out" / ("smoke" if args.smoke else "full"))
    out.mkdir(parents=True, exist_ok=True)
    parts = set(filter(None, args.only.split(","))) or set(PARTS)
    if parts - set(PARTS):
        parser.error(f"unknown parts: {', '.join(sorted(parts - set(PARTS)))}")
    if args.proposals:
        from bench import proposals
        proposals.apply(None if args.proposals == "all" else args.proposals.split(","))

    waited = wait_quiet(args.wait_quiet) if args.wait_quiet > 0 else None
    results: dict = {"machine": machine(), "waited_for_quiet_s": waited, "command": " ".join(["python -m bench", *sys.argv[1:]])
                     if argv is None else " ".join(["python -m bench", *argv]),
                     "smoke": args.smoke, "seed": args.seed, "proposals": args.proposals,
                     "postgresql": bool(args.pg_url)}
    started = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="kaoping-bench-", dir=args.workdir))
    chosen = set(filter(None, args.rulesets.split(",")))
    unknown = chosen - {r[0] for r in RULESETS}
    if unknown:
        parser.error(f"unknown rule sets: {', '.join(sorted(unknown))}")
    rulesets = tuple(r for r in RULESETS if r[0] in chosen)
    pg = args.pg_url
    # One guarded call per part (and backend): a part that raises is recorded in
    # results["failed"] with its error and the end of its traceback, the others still run,
    # and the exit status is 1 once everything is written. A new part is one more line.
    run = _Runner(results)
    try:
        if "baseline" in parts or "ingest" in parts:
            run("baseline", lambda: baseline(sizes, args.seed))
        if "ingest" in parts:
            run("ingest", lambda: ingest(sizes, args.seed, work, None, args.proposals), "sqlite")
            if pg:
                run("ingest", lambda: ingest(sizes, args.seed, work, pg, args.proposals),
                    "postgresql")
        if "month" in parts:
            run("month", lambda: month(sizes, args.seed, work, None, args.proposals), "sqlite")
            if pg:
                run("month", lambda: month(sizes, args.seed, work, pg, args.proposals),
                    "postgresql")
        if "recompute" in parts:
            run("recompute", lambda: recompute(sizes, args.seed, work, args.proposals, rulesets))
        if "watch" in parts:   # WatchScores delay (bench.watch)
            from bench import watch
            rounds = 5 if args.smoke else 30
            run("watch", lambda: watch.run(work, args.seed, rounds, None, args.proposals), "sqlite")
            if pg:
                run("watch", lambda: watch.run(work, args.seed, rounds, pg, args.proposals),
                    "postgresql")
        if "county" in parts:
            run("county", lambda: county.run(county.SMOKE if args.smoke else county.FULL,
                                             args.seed, pg))
        if "peer" in parts:
            run("peer", lambda: zen.run(args.seed, sizes.scales[-1], rulesets))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    results["seconds"] = time.perf_counter() - started
    results["machine"]["loadavg_end"] = os.getloadavg()
    (out / "results.json").write_text(json.dumps(results, indent=2, ensure_ascii=False,
                                                 default=str) + "\n", encoding="utf-8")
    text = report.table(results)
    (out / "report.md").write_text(report.markdown(results) + "\n", encoding="utf-8")
    plot = report.plot(results, out / "recompute-scaling.png")
    print(text)
    print(f"\nwrote {out / 'results.json'}, {out / 'report.md'}"
          + (f", {plot}" if plot else " (no plot: pip install -e '.[bench]' for matplotlib)"))
    print(f"benchmark took {results['seconds']:.0f} s")
    if results.get("failed"):
        print(f"FAILED: {', '.join(f['part'] for f in results['failed'])} (see report.md)",
              file=sys.stderr)
        return 1
    return 0


class _Runner:
    """Runs one part (on one backend) and files its result, or its failure, in results:
    results[part] (or results[part][backend]); a failure also goes to results["failed"]
    as {part, backend, error, traceback (its last TRACEBACK_LINES lines)}. A part may
    also report a failure it found without raising, as a "failed" key in its result."""

    def __init__(self, results: dict):
        self.results = results

    def __call__(self, part: str, measure, backend: str = "") -> None:
        import traceback
        try:
            value = measure()
            error, lines = (value.get("failed"), []) if isinstance(value, dict) else (None, [])
        except Exception as exc:      # one measurement failing must not end the run
            value = None
            error = f"{type(exc).__name__}: {exc}"
            lines = traceback.format_exc().rstrip().splitlines()[-TRACEBACK_LINES:]
            print(f"bench: part {part}{f' ({backend})' if backend else ''} failed: {error}",
                  file=sys.stderr)
        if value is not None:
            if backend:
                self.results.setdefault(part, {})[backend] = value
            else:
                self.results[part] = value
        if error:
            self.results.setdefault("failed", []).append(
                {"part": part, "backend": backend, "error": str(error)[:2000],
                 "traceback": lines})


def _only_scales(sizes: Sizes, names: list[str], parser) -> Sizes:
    """The sizes with only the named scales; each keeps the variants it had, and the
    last one kept runs the worker pool (as the top scale does)."""
    known = [s.name for s in sizes.scales]
    unknown = set(names) - set(known)
    if unknown:
        parser.error(f"unknown scales {sorted(unknown)}: choose from {', '.join(known)}")
    kept = [i for i, s in enumerate(sizes.scales) if s.name in names]

    def upto(n: int) -> int:      # the kept scales are a prefix of the old "upto" ones
        return sum(1 for i in kept if i < n)

    return replace(sizes, scales=tuple(sizes.scales[i] for i in kept),
                   naive_upto=upto(sizes.naive_upto), no_memo_upto=upto(sizes.no_memo_upto),
                   single_worker_at=kept.index(sizes.single_worker_at)
                   if sizes.single_worker_at in kept else -1, raw_upto=upto(sizes.raw_upto))


# machine -----------------------------------------------------------------------
def wait_quiet(limit: float) -> float:
    """Waits (at most `limit` seconds) for the 1-minute load average to drop below 1."""
    started = time.monotonic()
    while os.getloadavg()[0] >= 1.0 and time.monotonic() - started < limit:
        time.sleep(5)
    return time.monotonic() - started



def machine() -> dict:
    import sqlite3
    from importlib.metadata import PackageNotFoundError, version

    def ver(name: str) -> str:
        try:
            return version(name)
        except PackageNotFoundError:
            return "-"

    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = int(line.split()[1]) * 1024
    except OSError:
        pass
    commit = "-"
    try:
        commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                                capture_output=True, text=True, timeout=10).stdout.strip() or "-"
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--", "service"],
                               capture_output=True, text=True, timeout=10).stdout.strip()
        if dirty:
            commit += " (service/ has uncommitted changes)"
    except (OSError, subprocess.SubprocessError):
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gb": round(mem / 2**30, 1),
            "os": platform.platform(), "python": platform.python_version(),
            "sqlite": sqlite3.sqlite_version, "grpcio": ver("grpcio"),
            "durable_rules": ver("durable_rules"), "sqlalchemy": ver("sqlalchemy"),
            "psycopg": ver("psycopg"), "commit": commit, "loadavg_start": os.getloadavg()}


# databases ----------------------------------------------------------------------
@contextmanager
def database(work: Path, pg_url: str | None, name: str, reg: data.Registry):
    """A fresh database with the registry and rule set: SQLite in `work`, or a new
    PostgreSQL database (dropped afterwards)."""
    context = load.pg_database(pg_url, name) if pg_url else nullcontext(load.sqlite_url(work, name))
    with context as url:
        load.prepare(url, reg)
        yield url


def pg_version(pg_url: str) -> str:
    from sqlalchemy import create_engine, text
    engine = create_engine(pg_url)
    try:
        with engine.connect() as conn:
            return conn.execute(text("SHOW server_version")).scalar()
    finally:
        engine.dispose()


# measurements ----------------------------------------------------------------------
def baseline(sizes: Sizes, seed: int) -> dict:
    """Raw durable-rules over the ingest facts (the ingest ratio's denominator)."""
    reg = data.registry(data.COUNTY)
    facts = list(data.facts(reg, sizes.ingest_facts, seed))
    compiled = raw.compile_rules(load.V1_RULES)      # raw knows single-fact rules only
    try:
        raw.post_all(compiled, facts[:1000])          # warm
        runs = [raw.post_all(compiled, facts) for _ in range(sizes.ingest_repeats)]
    finally:
        compiled.close()
    best = min(seconds for seconds, _ in runs)
    return {"facts": len(facts), "runs_s": [s for s, _ in runs], "matches": runs[0][1],
            "facts_per_s": len(facts) / best}


def ingest(sizes: Sizes, seed: int, work: Path, pg_url: str | None, proposals: str) -> dict:
    reg = data.registry(data.COUNTY)
    facts = list(data.facts(reg, sizes.ingest_facts, seed))
    warm = list(data.facts(reg, 1000, seed, tag="w"))
    unary = list(data.facts(reg, sizes.unary_calls + 50, seed, tag="u"))
    messages = service.batches(facts, 500)
    runs, unary_times = [], []
    for repeat in range(sizes.ingest_repeats):
        with database(work, pg_url, f"ingest{repeat}", reg) as url:
            with service.server(url, proposals) as srv:
                service.stream(srv, service.batches(warm, 500))
                seconds, result = service.stream(srv, messages)
                runs.append(seconds)
                if repeat == 0:
                    service.unary_latencies(srv, unary[:50])          # warm
                    unary_times = service.unary_latencies(srv, unary[50:])
            stored = _count_facts(url)
            if stored != len(facts) + len(warm) + (len(unary) if repeat == 0 else 0):
                raise RuntimeError(f"{stored} facts in the database after the run")
    best = min(runs)
    out = {"facts": len(facts), "batch": 500, "runs_s": runs, "facts_per_s": len(facts) / best,
           "facts_per_s_median": len(facts) / statistics.median(runs),
           "unary": _percentiles(unary_times),
           # the same rows, bare, in the same run: service ÷ floor (bench.floor)
           "floor": floor.run(lambda name, r: database(work, pg_url, name, r), reg, facts, warm,
                              sizes.ingest_repeats)}
    if pg_url:
        out["server_version"] = pg_version(pg_url)
    return out


def month(sizes: Sizes, seed: int, work: Path, pg_url: str | None, proposals: str) -> dict:
    reg = data.registry(data.TOWNSHIP)
    facts = list(data.facts(reg, data.TOWNSHIP.facts, seed, tag="t"))
    fresh = list(data.facts(reg, sizes.fresh_month_calls, seed, tag="n"))
    fresh2 = list(data.facts(reg, sizes.fresh_month_calls, seed, tag="o"))
    township = reg.townships[0][0]
    with database(work, pg_url, "township", reg) as url:
        with service.server(url, proposals) as srv:
            service.stream(srv, service.batches(facts, 500))
            service.month_latencies(srv, township, 5)                 # warm: scored, cached
            times, officials = service.month_latencies(srv, township, sizes.month_calls)
            after = service.month_after_new_fact(srv, township, fresh)
            ids = sorted({f.official_id for f in facts})
            service.official_latencies(srv, ids, 5)
            one = service.official_latencies(srv, ids, sizes.month_calls)
            one_after = service.official_after_new_fact(srv, fresh2)
    return {"villages": len(reg.villages), "officials": officials, "facts": len(facts),
            "warm": _percentiles(times), "after_new_fact": _percentiles(after),
            "official": _percentiles(one), "official_after_new_fact": _percentiles(one_after)}


# (key, name, mix of facts, rule file): every scale is recomputed under each
RULESETS = (("v1", "v1 sample", "v1", load.V1_RULES),
            ("rich", "rich (language 2)", "rich", load.RULES))


def recompute(sizes: Sizes, seed: int, work: Path, proposals: str,
              rulesets: tuple = RULESETS) -> dict:
    """Each rule set, each scale: bulk-load a month of its mix into SQLite, then
    recompute it in a child process whose process tree's memory is sampled; the naive
    per-township loop, the engine-per-fact variant and raw durable-rules where the
    sizes say so. Raw durable-rules runs the version-1 sample on the version-1 facts
    (it knows single-fact rules only: no counts, streaks, levels, villages or money),
    once per scale, and is reported next to every rule set."""
    out: dict = {"rulesets": []}
    raw_s: dict[str, float] = {}
    for key, name, mix, rules in rulesets:
        scales = _recompute_scales(sizes, seed, work, proposals, mix, rules, raw_s)
        out["rulesets"].append({"key": key, "name": name, "mix": mix,
                                "rules": str(rules.relative_to(ROOT)),
                                "raw_rules": str(load.V1_RULES.relative_to(ROOT)),
                                "raw_facts": "v1", "scales": scales})
    return out


def _recompute_scales(sizes: Sizes, seed: int, work: Path, proposals: str, mix: str,
                      rules: Path, raw_s: dict[str, float]) -> list[dict]:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]))
    scales = []
    for index, scale in enumerate(sizes.scales):
        reg = data.registry(scale)
        url = load.sqlite_url(work, f"month_{mix}_{scale.name}")
        load.prepare(url, reg, rules)
        began = time.perf_counter()
        load.bulk_facts(url, reg, scale.facts, seed, mix=mix)
        entry = {"scale": scale.name, "officials": scale.officials, "villages": scale.villages,
                 "townships": scale.townships, "facts": scale.facts,
                 "load_s": time.perf_counter() - began, "runs": {}}
        if mix == "rich":
            drawn, office, village = data.rich_counts(reg, scale.facts)
            entry["mix"] = {"drawn_from_v1_kinds": drawn, "attendance_records": office,
                            "village_level": village}
        top = index == len(sizes.scales) - 1
        # the worker count is kaoping.usecases.recompute's own choice (one process for a small
        # month), except at the top scale, which always runs the worker pool
        variants = [("recompute", ["--workers", "2"] if top else [])]
        if index == sizes.single_worker_at:
            variants.append(("recompute_1_worker", ["--workers", "1"]))
        if index < sizes.no_memo_upto:
            variants.append(("engine_per_fact", ["--no-memo"]))
        if index < sizes.naive_upto:
            variants.append(("naive", ["--naive"]))
        for name, flags in variants:
            cmd = [sys.executable, "-m", "bench.recompute_child", "--db", url,
                   "--rules", str(rules), *flags]
            if proposals and name == "naive":
                # the naive loop runs kaoping's request path: measure it patched too
                cmd = [sys.executable, "-c", _PATCHED_CHILD.format(proposals=proposals), *cmd[3:]]
            sampled = memory.run(cmd, env=env, cwd=ROOT)
            if sampled.returncode != 0:
                raise RuntimeError(f"recompute child failed: {sampled.stderr[-2000:]}")
            run = json.loads(sampled.stdout.strip().splitlines()[-1])
            run["wall_s"] = sampled.seconds
            run["peak_rss_mb"] = sampled.peak_rss / 2**20
            entry["runs"][name] = run
        digests = {run["digest"] for run in entry["runs"].values()}
        if len(digests) != 1:
            raise RuntimeError(f"{mix} {scale.name}: the variants disagree on the scores: "
                               f"{ {k: r['digest'][:12] for k, r in entry['runs'].items()} }")
        if index < sizes.raw_upto:
            if scale.name not in raw_s:      # the v1 facts under the v1 rules, once a scale
                compiled = raw.compile_rules(load.V1_RULES)
                try:
                    raw_s[scale.name], _ = raw.post_all(compiled, data.facts(reg, scale.facts, seed))
                finally:
                    compiled.close()
            entry["raw_s"] = raw_s[scale.name]
        Path(url[len("sqlite:///"):]).unlink(missing_ok=True)
        for suffix in ("-wal", "-shm"):
            Path(url[len("sqlite:///"):] + suffix).unlink(missing_ok=True)
        scales.append(entry)
    return scales


_PATCHED_CHILD = ("import sys; from bench import proposals; proposals.apply(None if '{proposals}' == "
                  "'all' else '{proposals}'.split(',')); from bench.recompute_child import main; "
                  "sys.exit(main())")


def _count_facts(url: str) -> int:
    from sqlalchemy import create_engine, text
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM fact")).scalar()
    finally:
        engine.dispose()


def _percentiles(times: list[float]) -> dict:
    if not times:
        return {"calls": 0}
    ordered = sorted(times)

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] * 1e3

    return {"calls": len(ordered), "p50_ms": pct(50), "p99_ms": pct(99),
            "mean_ms": statistics.fmean(ordered) * 1e3, "max_ms": ordered[-1] * 1e3}


if __name__ == "__main__":
    sys.exit(main())
