"""Measurements through the real gRPC service on a loopback port: streamed and
unary fact ingest, and GetMonthlyScores for a township month."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator

import grpc

from kaoping.v1 import evaluation_pb2 as ev
from kaoping.v1 import evaluation_pb2_grpc as ev_grpc
from kaoping.v1 import facts_pb2 as fx
from kaoping.v1 import facts_pb2_grpc as fx_grpc

from bench import data
from bench.load import ROOT

MAX_MESSAGE = 16 * 1024 * 1024
CALL_TIMEOUT = 600.0      # seconds; no call waits longer than this


@dataclass
class ServerProcess:
    process: subprocess.Popen
    port: int
    channel: grpc.Channel
    metadata: tuple

    @property
    def facts(self) -> fx_grpc.FactServiceStub:
        return fx_grpc.FactServiceStub(self.channel)

    @property
    def evaluation(self) -> ev_grpc.EvaluationServiceStub:
        return ev_grpc.EvaluationServiceStub(self.channel)


@contextmanager
def server(db_url: str, proposals: str = "", profile: str = "") -> Iterator[ServerProcess]:
    """Starts `python -m bench.server_proc` on 127.0.0.1 and connects to it (with
    `profile`, the server writes a cProfile of its fact streams there when it stops)."""
    cmd = [sys.executable, "-m", "bench.server_proc", "--db", db_url]
    if proposals:
        cmd += ["--proposals", proposals]
    if profile:
        cmd += ["--profile", profile]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]))
    process = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                               env=env, cwd=ROOT)
    channel = None
    try:
        line = process.stdout.readline()
        if not line.startswith("PORT "):
            raise RuntimeError(f"benchmark server did not start (said {line!r})")
        _, port, token = line.split()
        port = int(port)
        metadata = (("authorization", f"Bearer {token}"),) if token != "-" else ()
        channel = grpc.insecure_channel(f"127.0.0.1:{port}", options=[
            ("grpc.max_receive_message_length", MAX_MESSAGE),
            ("grpc.max_send_message_length", MAX_MESSAGE)])
        grpc.channel_ready_future(channel).result(timeout=30)
        yield ServerProcess(process, port, channel, metadata)
    finally:
        if channel is not None:
            channel.close()
        process.stdin.close()        # the server stops when its stdin closes
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def fact_message(f: data.SynthFact) -> fx.Fact:
    return fx.Fact(official_id=f.official_id, date=f.date, category=f.category, kind=f.kind,
                   quantity=f.quantity, note=f.note, scorer_id=f.scorer_id, source=f.source,
                   idempotency_key=f.idempotency_key)


def batches(facts: list[data.SynthFact], size: int) -> list[fx.FactBatch]:
    return [fx.FactBatch(facts=[fact_message(f) for f in facts[i:i + size]])
            for i in range(0, len(facts), size)]


def stream(srv: ServerProcess, messages: list[fx.FactBatch]) -> tuple[float, fx.BatchResult]:
    """The messages through SubmitFacts; (seconds, summed counts). The server stops a
    stream at its caps (20000 facts by default: stopped_early), so the rest goes in
    further streams of the same message size, as kaoping import does."""
    facts = [f for m in messages for f in m.facts]
    size = max((len(m.facts) for m in messages), default=1)
    total, done = fx.BatchResult(), 0
    started = time.perf_counter()
    while done < len(facts):
        rest = [fx.FactBatch(facts=facts[i:i + size]) for i in range(done, len(facts), size)]
        result = srv.facts.SubmitFacts(iter(rest), timeout=CALL_TIMEOUT, metadata=srv.metadata)
        read = result.facts_read if result.stopped_early else len(facts) - done
        if read <= 0:
            raise RuntimeError(f"the server read none of a stream: {result.stop_reason}")
        total.accepted += result.accepted
        total.rejected += result.rejected
        total.duplicates += result.duplicates
        if result.rejected:
            bad = next(o for o in result.outcomes if not o.accepted)
            raise RuntimeError(f"stream rejected {result.rejected} facts (first: {bad})")
        done += read
    seconds = time.perf_counter() - started
    if total.accepted != len(facts):
        raise RuntimeError(f"streams stored {total.accepted} of {len(facts)} facts")
    return seconds, total


def unary_latencies(srv: ServerProcess, facts: list[data.SynthFact]) -> list[float]:
    stub, times = srv.facts, []
    for f in facts:
        request = fx.SubmitFactRequest(fact=fact_message(f))
        started = time.perf_counter()
        receipt = stub.SubmitFact(request, timeout=CALL_TIMEOUT, metadata=srv.metadata)
        times.append(time.perf_counter() - started)
        if receipt.duplicate or not receipt.fact_id:
            raise RuntimeError(f"SubmitFact did not store {f.idempotency_key}")
    return times


def month_latencies(srv: ServerProcess, township_id: str, calls: int) -> tuple[list[float], int]:
    stub, times, size = srv.evaluation, [], 0
    request = ev.GetMonthlyScoresRequest(month=data.MONTH, township_id=township_id)
    for _ in range(calls):
        started = time.perf_counter()
        reply = stub.GetMonthlyScores(request, timeout=CALL_TIMEOUT, metadata=srv.metadata)
        times.append(time.perf_counter() - started)
        size = len(reply.scores)
    return times, size


def month_after_new_fact(srv: ServerProcess, township_id: str,
                         facts: list[data.SynthFact]) -> list[float]:
    """GetMonthlyScores right after one more fact: the month is scored afresh."""
    stub, times = srv.evaluation, []
    request = ev.GetMonthlyScoresRequest(month=data.MONTH, township_id=township_id)
    for f in facts:
        srv.facts.SubmitFact(fx.SubmitFactRequest(fact=fact_message(f)), timeout=CALL_TIMEOUT,
                             metadata=srv.metadata)
        started = time.perf_counter()
        stub.GetMonthlyScores(request, timeout=CALL_TIMEOUT, metadata=srv.metadata)
        times.append(time.perf_counter() - started)
    return times


def official_latencies(srv: ServerProcess, official_ids: list[str], calls: int) -> list[float]:
    """GetMonthlyScores for one official at a time, warm (issue 16: one official <= 1 ms)."""
    stub, times = srv.evaluation, []
    for n in range(calls):
        request = ev.GetMonthlyScoresRequest(month=data.MONTH, official_id=official_ids[n % len(official_ids)])
        started = time.perf_counter()
        reply = stub.GetMonthlyScores(request, timeout=CALL_TIMEOUT, metadata=srv.metadata)
        times.append(time.perf_counter() - started)
        if len(reply.scores) != 1:
            raise RuntimeError(f"{len(reply.scores)} scores for one official")
    return times


def official_after_new_fact(srv: ServerProcess, facts: list[data.SynthFact]) -> list[float]:
    """GetMonthlyScores for the official of a fact submitted just before: his score is
    rescored (incrementally) inside the timed call."""
    stub, times = srv.evaluation, []
    for f in facts:
        srv.facts.SubmitFact(fx.SubmitFactRequest(fact=fact_message(f)), timeout=CALL_TIMEOUT,
                             metadata=srv.metadata)
        request = ev.GetMonthlyScoresRequest(month=data.MONTH, official_id=f.official_id)
        started = time.perf_counter()
        stub.GetMonthlyScores(request, timeout=CALL_TIMEOUT, metadata=srv.metadata)
        times.append(time.perf_counter() - started)
    return times
