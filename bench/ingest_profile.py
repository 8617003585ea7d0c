"""Where the server spends an ingest stream: cProfile in the benchmark's server process.

    python -m bench.ingest_profile [--pg-url URL] [--facts N] [--out FILE] [--top N]

A fresh database (SQLite, or a new PostgreSQL database with --pg-url), the same
server process as `python -m bench --only ingest` (bench.server_proc, with --profile),
the same warm-up and the same 500-fact SubmitFacts messages (bench.service.stream);
prints the top of the profile by own time and by cumulative time (docs/benchmarks.md).
"""
from __future__ import annotations

import argparse
import io
import pstats
import sys
import tempfile
from pathlib import Path

from bench import data, load, service
from bench.cli import database


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ingest_profile")
    parser.add_argument("--pg-url", default=load.pg_server_url())
    parser.add_argument("--sqlite", action="store_true", help="SQLite even when a PostgreSQL URL is set")
    parser.add_argument("--facts", type=int, default=data.COUNTY.facts)
    parser.add_argument("--seed", type=int, default=20260301)
    parser.add_argument("--out", default="")
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args(argv)
    pg_url = None if args.sqlite else args.pg_url
    reg = data.registry(data.COUNTY)
    facts = list(data.facts(reg, args.facts, args.seed))
    warm = list(data.facts(reg, 1000, args.seed, tag="w"))
    with tempfile.TemporaryDirectory(prefix="kaoping-profile-") as work:
        stats_file = args.out or str(Path(work) / "ingest.pstats")
        with database(Path(work), pg_url, "profile", reg) as url:
            with service.server(url, profile=stats_file) as srv:
                service.stream(srv, service.batches(warm, 500))
                seconds, _ = service.stream(srv, service.batches(facts, 500))
        print(f"{len(facts)} facts in {seconds:.2f} s under the profiler "
              f"({'PostgreSQL' if pg_url else 'SQLite'})")
        print(top(stats_file, args.top))
    return 0


def top(stats_file: str, n: int) -> str:
    text = io.StringIO()
    stats = pstats.Stats(stats_file, stream=text)
    stats.strip_dirs().sort_stats("tottime").print_stats(n)
    stats.sort_stats("cumulative").print_stats(n)
    return text.getvalue()


if __name__ == "__main__":
    sys.exit(main())
