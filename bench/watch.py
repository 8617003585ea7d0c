"""WatchScores delay: how soon after a fact is accepted its official's new score
reaches a watcher (issue 16, target 100 ms).

A township month is loaded (as bench `month` does), a township-wide watch is opened,
then `rounds` times: one SubmitFact (a meeting absence of an official the round has not
touched yet, so his score certainly changes) and a wait for the update naming him.
Delay = the update's arrival minus the SubmitFact reply (an update that beats the
reply counts 0: the in-process notice is sent before the reply is). On PostgreSQL also
across two server processes on one database: watch on one, submit to the other
(NOTIFY from the fact trigger, migration 0013).

The delay is one rescoring of the township month plus a few ms: until scoring is
incremental that rescoring dominates (see GetMonthlyScores "after new fact").
"""
from __future__ import annotations

import queue
import threading
import time
from dataclasses import replace

from kaoping.v1 import evaluation_pb2 as ev
from kaoping.v1 import facts_pb2 as fx

from bench import data, service

WAIT_SECONDS = 30.0   # one update; a round that waits longer is counted as missed
TARGET_MS = 100.0


def _probe_facts(reg: data.Registry, rounds: int, seed: int) -> list[data.SynthFact]:
    """`rounds` meeting absences, each for another official (so each moves a score)."""
    template = next(f for f in data.facts(reg, 10_000, seed, tag="wt")
                    if f.category == "attendance" and f.kind == "meeting_absent")
    officials = reg.officials[:: max(1, len(reg.officials) // rounds)][:rounds]
    return [replace(template, official_id=o[0], village_id=o[1], quantity="1",
                    idempotency_key=f"watch{seed}-{n:05d}") for n, o in enumerate(officials)]


def _delays(watch_srv, submit_srv, township: str, probes: list[data.SynthFact]) -> dict:
    arrivals: queue.Queue = queue.Queue()
    call = watch_srv.evaluation.WatchScores(
        ev.WatchScoresRequest(month=data.MONTH, township_id=township),
        metadata=watch_srv.metadata, timeout=service.CALL_TIMEOUT)

    def read():
        try:
            for update in call:
                arrivals.put((time.perf_counter(), update))
        except Exception as exc:   # cancelled at the end, or a failure to report
            arrivals.put((time.perf_counter(), exc))
    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    times, missed = [], 0
    try:
        _, first = arrivals.get(timeout=WAIT_SECONDS)
        if not isinstance(first, ev.ScoreUpdate) or not first.snapshot:
            raise RuntimeError(f"the watch did not start with a snapshot: {first!r}")
        for f in probes:
            submit_srv.facts.SubmitFact(fx.SubmitFactRequest(fact=service.fact_message(f)),
                                        timeout=service.CALL_TIMEOUT, metadata=submit_srv.metadata)
            replied = time.perf_counter()
            end = replied + WAIT_SECONDS
            while True:
                try:
                    at, update = arrivals.get(timeout=max(0.0, end - time.perf_counter()))
                except queue.Empty:
                    missed += 1
                    break
                if not isinstance(update, ev.ScoreUpdate):
                    raise RuntimeError(f"the watch ended: {update!r}")
                if update.fell_behind:
                    raise RuntimeError("the benchmark's watch fell behind")
                if any(s.official_id == f.official_id for s in update.scores):
                    times.append(max(0.0, at - replied))
                    break
    finally:
        call.cancel()
        reader.join(10)
    out = _percentiles(times)
    out["missed"] = missed
    out["target_ms"] = TARGET_MS
    return out


def _percentiles(times: list[float]) -> dict:
    from bench.cli import _percentiles as pct
    return pct(times)


def run(work, seed: int, rounds: int = 30, pg_url: str | None = None, proposals: str = "",
        township_facts: int | None = None) -> dict:
    """{'officials', 'facts', 'one_server': {p50_ms, p99_ms, ...}, 'two_servers': {...}
    (PostgreSQL only)}."""
    from bench.cli import database
    reg = data.registry(data.TOWNSHIP)
    count = data.TOWNSHIP.facts if township_facts is None else township_facts
    facts = list(data.facts(reg, count, seed, tag="t"))
    probes = _probe_facts(reg, rounds, seed)
    township = reg.townships[0][0]
    result: dict = {"officials": len(reg.officials), "facts": len(facts), "rounds": len(probes)}
    name = "watch_pg" if pg_url else "watch"
    with database(work, pg_url, name, reg) as url:
        with service.server(url, proposals) as a:
            service.stream(a, service.batches(facts, 500))
            half = len(probes) // 2 if pg_url else len(probes)
            result["one_server"] = _delays(a, a, township, probes[:half])
            if pg_url:
                with service.server(url, proposals) as b:
                    result["two_servers"] = _delays(a, b, township, probes[half:])
    return result


def rows(result: dict, smoke: bool = False) -> list[tuple[str, str, str, str, str]]:
    """The report's rows (bench.report): (measurement, SQLite, PostgreSQL, target, verdict)."""
    sq, pg = result.get("sqlite"), result.get("postgresql")
    if not sq:
        return []

    def ms(x: dict | None) -> str:
        if not x:
            return "not run"
        if not x.get("calls"):
            return f"none arrived ({x.get('missed', 0)} missed)"
        missed = f", {x['missed']} missed" if x.get("missed") else ""
        return f"{x['p50_ms']:.1f} / {x['p99_ms']:.1f}{missed}"

    def verdict(*xs) -> str:
        if smoke:
            return "n/a (smoke)"
        got = [x for x in xs if x and x.get("calls")]
        if not got:
            return "-"
        return "met" if all(x["p99_ms"] < TARGET_MS and not x.get("missed") for x in got) else "MISSED"

    one, pg_one, pg_two = sq.get("one_server"), (pg or {}).get("one_server"), (pg or {}).get("two_servers")
    out = [
        (f"WatchScores: fact accepted -> its official's update, township of {sq['officials']} "
         f"officials, {sq['facts']:,} facts, {sq['rounds']} rounds: p50 / p99 (ms)",
         ms(one), ms(pg_one), f"p99 < {TARGET_MS:.0f} ms", verdict(one, pg_one))]
    if pg:
        out.append(("  watch on one server, SubmitFact to another (one database)", "", ms(pg_two), "",
                    verdict(pg_two)))
    return out
