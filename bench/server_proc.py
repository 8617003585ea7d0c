"""A kaoping gRPC server in its own process, on a loopback port, for the benchmarks.

    python -m bench.server_proc --db URL [--proposals] [--profile FILE]

Prints `PORT <n> <bearer token>` once it serves, then serves until SIGTERM or SIGINT (or until
its standard input closes, so it never outlives the benchmark that started it).
It is the real kaoping.ops.server.Server around kaoping.ops.server.build_app; the only
differences from `kaoping-server` are the fixed "today" of the synthetic data and,
with --proposals, the patches of bench/proposals.py. --profile FILE runs every fact
stream's handler (SubmitFacts, StreamFacts) under cProfile and writes the pstats to
FILE on exit (bench.ingest_profile reads it).
"""
from __future__ import annotations

import argparse
import signal
import sys
import threading

from bench import data
from bench.load import RULES


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.server_proc")
    parser.add_argument("--db", required=True)
    parser.add_argument("--proposals", default="",
                        help="comma-separated patches of bench/proposals.py to apply, or 'all'")
    parser.add_argument("--workers", type=int, default=16)
    parser.add_argument("--profile", default="", help="write a cProfile of the fact streams here")
    args = parser.parse_args(argv)
    if args.proposals:
        from bench import proposals
        proposals.apply(None if args.proposals == "all" else args.proposals.split(","))
    from kaoping.ops.server import Server, build_app
    profiler = _profile_fact_streams() if args.profile else None
    app = build_app(args.db, RULES)
    app.today = lambda: data.TODAY
    token = _admin_token(app)
    server = Server(app, "127.0.0.1:0", args.workers)
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    signal.signal(signal.SIGINT, lambda *_: stopped.set())

    def watch_stdin() -> None:
        sys.stdin.read()
        stopped.set()

    threading.Thread(target=watch_stdin, daemon=True).start()
    server.start()
    print(f"PORT {server.port} {token}", flush=True)
    stopped.wait()
    server.stop(grace=2.0)
    if profiler is not None:
        profiler.dump_stats(args.profile)
    return 0


def _profile_fact_streams():
    """One profiler around each fact stream's handler, in the worker thread that runs it
    (cProfile sees only the thread it is enabled in). The benchmark sends one stream at a
    time, so the profiler is never enabled twice at once; the lock makes sure of it."""
    import cProfile
    import functools
    from kaoping.api.servicers import FactServicer
    profiler, lock = cProfile.Profile(), threading.Lock()

    def wrap(method):
        @functools.wraps(method)
        def profiled(self, request_iterator, context):
            with lock:
                profiler.enable()
                try:
                    return method(self, request_iterator, context)
                finally:
                    profiler.disable()
        return profiled

    def wrap_stream(method):
        @functools.wraps(method)
        def profiled(self, request_iterator, context):     # the replies as they come
            with lock:
                profiler.enable()
                try:
                    yield from method(self, request_iterator, context)
                finally:
                    profiler.disable()
        return profiled

    FactServicer.SubmitFacts = wrap(FactServicer.SubmitFacts)
    if hasattr(FactServicer, "StreamFacts"):
        FactServicer.StreamFacts = wrap_stream(FactServicer.StreamFacts)
    return profiler


def _admin_token(app) -> str:
    """A bearer token for the benchmark client: calls go through the real
    authentication interceptor, as a deployment's do."""
    try:
        from kaoping.usecases.tokens import Tokens
    except ImportError:      # a kaoping without authentication
        return "-"
    token, _row = Tokens(app.store).create("bench", "admin", created_by="bench")
    return token


if __name__ == "__main__":
    sys.exit(main())
