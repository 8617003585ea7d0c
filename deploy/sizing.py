"""Measures one kaoping-server replica for sizing (deploy/README.md, "Sizing").

    python deploy/sizing.py                          # SQLite in a temp folder, 20 townships
    python deploy/sizing.py --db postgresql+psycopg://USER:PW@127.0.0.1:5432/EMPTY_DB

Starts a real server on a loopback port, registers N townships of the sample's shape
(17 villages x 6 officials), sends a month of facts (30 per official) through the
public SubmitFacts stream, scores every township (GetRanking, cold then cached), and
reads the server's own Prometheus metrics for memory and CPU. Bounded in size and
time; loopback only. Prints one Markdown table.
"""
from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from decimal import Decimal
from pathlib import Path

import grpc

ROOT = Path(__file__).resolve().parents[1]
MONTH = "2026-03"
KINDS = [("attendance", "meeting_late", "main-01"), ("convenience", "services_handled", "station-01"),
         ("key_tasks", "task_done_early", "contact-01"), ("study", "study_notes_missing", "main-01"),
         ("service_3plus5", "household_visit_missed", "contact-01"), ("attendance", "duty_missed", "main-01")]


def metrics(port: int) -> dict[str, float]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as r:
        text = r.read().decode()
    out = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            out[name] = float(value)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", help="database URL (default: a temp SQLite file)")
    parser.add_argument("--townships", type=int, default=20)
    parser.add_argument("--facts-per-official", type=int, default=30)
    parser.add_argument("--streams", type=int, default=2, help="concurrent SubmitFacts streams")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "service"))
    sys.path.insert(0, str(ROOT / "clients"))
    from kaoping.usecases.sample import POSITIONS, SCORERS
    from kaoping.storage.models import Official, Township, Village
    from kaoping.storage.store import Store
    from kaoping.usecases.tokens import Tokens
    from kaoping.v1 import evaluation_pb2 as ev, evaluation_pb2_grpc, facts_pb2 as fx, facts_pb2_grpc
    from kaoping_cli.rpc import _Bearer

    work = Path(tempfile.mkdtemp(prefix="kaoping-sizing-"))
    db = args.db or f"sqlite:///{work / 'sizing.db'}"
    store = Store(db)
    rows: list = list(SCORERS)
    officials = []
    for t in range(1, args.townships + 1):
        tid = f"t{t:02d}"
        rows.append(Township(id=tid, name=f"镇{t:02d}"))
        for v in range(1, 18):
            vid = f"{tid}v{v:02d}"
            rows.append(Village(id=vid, township_id=tid, name=f"村{t:02d}-{v:02d}"))
            for p, (position, pay) in enumerate(POSITIONS, start=1):
                officials.append(f"{vid}-{p}")
                rows.append(Official(id=f"{vid}-{p}", village_id=vid, name=f"干部{vid}{p}",
                                     position=position, base_pay=Decimal(pay)))
    store.put(*rows)
    token = Tokens(store).create("sizing", "admin")[0]
    store.close()

    proc = subprocess.Popen([sys.executable, "-m", "kaoping.ops.server", "--listen", "127.0.0.1:0", "--db", db,
                             "--metrics-listen", "127.0.0.1:0", "--no-access-log"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=work)
    ports: dict[str, int] = {}
    deadline = time.time() + 120
    while "listening" not in ports and time.time() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        m = re.search(r"kaoping-server (listening|metrics) on port (\d+)", line)
        if m:
            ports[m.group(1)] = int(m.group(2))
    if "listening" not in ports:
        print("server did not start", file=sys.stderr)
        proc.kill()
        return 1
    threading.Thread(target=lambda: [None for _ in proc.stdout], daemon=True).start()
    channel = grpc.intercept_channel(grpc.insecure_channel(f"127.0.0.1:{ports['listening']}"), _Bearer(token))
    facts = facts_pb2_grpc.FactServiceStub(channel)
    evaluation = evaluation_pb2_grpc.EvaluationServiceStub(channel)
    try:
        idle = metrics(ports["metrics"])
        total = len(officials) * args.facts_per_official

        def stream(part: int) -> None:
            def batches():
                batch = []
                for n in range(part, total, args.streams):
                    cat, kind, scorer = KINDS[n % len(KINDS)]
                    batch.append(fx.Fact(official_id=officials[n % len(officials)], month=MONTH, category=cat,
                                         kind=kind, quantity="1", scorer_id=scorer, source="sizing",
                                         idempotency_key=f"s-{n}"))
                    if len(batch) == 1000:
                        yield fx.FactBatch(facts=batch)
                        batch = []
                if batch:
                    yield fx.FactBatch(facts=batch)
            result = facts.SubmitFacts(batches(), timeout=1800)
            assert result.rejected == 0, result.outcomes[:3]

        started = time.perf_counter()
        threads = [threading.Thread(target=stream, args=(i,)) for i in range(args.streams)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        ingest_s = time.perf_counter() - started
        after_ingest = metrics(ports["metrics"])

        cold, warm = [], []
        for t in range(1, args.townships + 1):
            s = time.perf_counter()
            evaluation.GetRanking(ev.GetRankingRequest(month=MONTH, township_id=f"t{t:02d}"), timeout=300)
            cold.append(time.perf_counter() - s)
        for t in range(1, args.townships + 1):
            s = time.perf_counter()
            evaluation.GetRanking(ev.GetRankingRequest(month=MONTH, township_id=f"t{t:02d}"), timeout=300)
            warm.append(time.perf_counter() - s)
        scored = metrics(ports["metrics"])
    finally:
        channel.close()
        proc.terminate()
        proc.wait(60)

    mib = 2 ** 20
    store = Store(db)
    with store.engine.connect() as conn:
        from sqlalchemy import text
        if store.engine.dialect.name == "postgresql":
            stored = conn.execute(text("SELECT pg_total_relation_size('fact') + "
                                       "pg_total_relation_size('audit_log')")).scalar()
        else:
            conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
            stored = Path(db[len("sqlite:///"):]).stat().st_size
    store.close()
    cpu = "process_cpu_seconds_total"
    rss = "process_resident_memory_bytes"
    print(f"\n| {args.townships} townships, {len(officials)} officials, {total} facts, "
          f"{store.engine.dialect.name} | value |")
    print("|---|---|")
    print(f"| RSS idle after start | {idle[rss] / mib:.0f} MiB |")
    print(f"| RSS after ingest | {after_ingest[rss] / mib:.0f} MiB |")
    print(f"| RSS after scoring every township (scores cached) | {scored[rss] / mib:.0f} MiB |")
    print(f"| ingest, {args.streams} SubmitFacts streams of 1000-fact batches | "
          f"{total / ingest_s:.0f} facts/s ({ingest_s:.1f} s) |")
    print(f"| server CPU per 1000 facts ingested | {(after_ingest[cpu] - idle[cpu]) / total * 1000:.2f} s |")
    print(f"| GetRanking, one township month ({len(officials) // args.townships} officials, "
          f"{total // args.townships} facts), cold: median / max | "
          f"{statistics.median(cold) * 1000:.0f} / {max(cold) * 1000:.0f} ms |")
    print(f"| GetRanking, same, cached: median | {statistics.median(warm) * 1000:.1f} ms |")
    print(f"| database size per fact (facts, indexes, audit log{'' if 'postgresql' in db else ', whole file'}) | "
          f"{stored / total:.0f} bytes |")
    print(f"| server CPU per cold township ranking | "
          f"{(scored[cpu] - after_ingest[cpu]) / args.townships * 1000:.0f} ms |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
