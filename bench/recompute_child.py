"""One recompute of a month, in a process of its own so that its memory can be
measured from outside (bench.memory); prints a JSON report on its last line.

    python -m bench.recompute_child --db URL [--workers N] [--no-memo] [--naive] [--rules FILE]

--naive is the way there was before kaoping.usecases.recompute: Kaoping.monthly_scores for
each township in turn, in one process (it is the "before" of docs/benchmarks.md,
and its digest must equal the recompute's); --rules is the file it bootstraps from
(the database's active version is what is scored either way). --profile FILE writes
a cProfile of the call (pstats format) there: with --workers 1 that is all the work."""
from __future__ import annotations

import argparse
import hashlib
import json
import resource
import sys
import time
from collections import Counter
from pathlib import Path

from bench import data
from bench.load import RULES


def naive(url: str, rules: Path = RULES) -> dict:
    from kaoping.ops.server import build_app
    app = build_app(url, rules)
    app.today = lambda: data.TODAY
    started = time.perf_counter()
    digest, grades, officials = hashlib.sha256(), Counter(), 0
    for township in app.store.townships():
        month = app.monthly_scores(data.MONTH, township_id=township.id)
        for s in month.scores:
            r = s.result
            officials += 1
            grades[r.grade] += 1
            digest.update(f"{township.id}|{s.village.id}|{s.official.id}|{r.total}|{r.grade}|"
                          f"{int(r.vetoed)}|{r.pay}|{sorted(r.categories.items())}\n".encode())
    return {"seconds": time.perf_counter() - started, "officials": officials,
            "digest": digest.hexdigest(), "grades": dict(grades), "workers": 1}


def recompute(url: str, workers: int, memoize: bool) -> dict:
    from kaoping.usecases.recompute import recompute_month
    from kaoping.storage.store import Store
    store = Store(url)
    try:
        report = recompute_month(store, data.MONTH, workers=workers, line_items=False,
                                 memoize=memoize)
    finally:
        store.close()
    return {"seconds": report.seconds, "officials": report.officials, "facts": report.facts,
            "engine_calls": report.engine_calls, "shards": report.shards,
            "workers": report.workers, "digest": report.digest, "grades": dict(report.grades)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.recompute_child")
    parser.add_argument("--db", required=True)
    parser.add_argument("--workers", type=int, default=0)
    parser.add_argument("--no-memo", action="store_true")
    parser.add_argument("--naive", action="store_true")
    parser.add_argument("--rules", type=Path, default=RULES)
    parser.add_argument("--profile", type=Path, default=None)
    args = parser.parse_args(argv)
    profiler = None
    if args.profile:
        import cProfile
        profiler = cProfile.Profile()
        profiler.enable()
    result = naive(args.db, args.rules) if args.naive else recompute(
        args.db, args.workers or None, not args.no_memo)
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(str(args.profile))
    result["maxrss_self_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result["maxrss_children_kb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
