"""The real `kaoping-server` process, killed with SIGKILL in the middle of a long
SubmitFacts run, restarted on the same SQLite file: every acknowledged fact is stored
exactly once, and resending everything not acknowledged (with the same idempotency
keys) completes the set with no duplicates.

The acknowledgement rule (from kaoping.api.servicers.FactServicer.SubmitFacts and
kaoping.usecases.app.Kaoping.submit_facts): each stream message's good facts are committed
when the server processes that message; the only acknowledgement is the BatchResult
at the end of the call. So a call cut off by the kill acknowledged nothing, though
some of its messages may already be stored: the client resends the whole call, and
the idempotency keys turn those into duplicates instead of second copies."""
from __future__ import annotations

import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import grpc
import pytest

from kaoping.v1 import facts_pb2 as fx
from kaoping.v1 import facts_pb2_grpc

TOTAL = 100_000
PER_MESSAGE = 500
PER_CALL = 5_000                  # ten stream messages per SubmitFacts call
KILL_AFTER = 40_000               # acknowledged facts before the kill is armed
KILL_AFTER_MESSAGES = 2           # ...and it fires once this many messages of the next call are stored
RESEND_ACKED = 1_000              # acknowledged facts resent on purpose
CALL_TIMEOUT = 60
START_TIMEOUT = 60
MONTH = "2026-03"                 # the real server's clock is the machine's: 2026-03 is past


def key_of(i: int) -> str:
    return f"crash-{i:06d}"


def fact_msg(i: int) -> fx.Fact:
    """Valid for the sample registry (v01-1 .. v17-6) and the shipped rule set."""
    return fx.Fact(official_id=f"v{i % 17 + 1:02d}-{i // 17 % 6 + 1}", month=MONTH,
                   category="attendance", kind="meeting_late", quantity="1",
                   scorer_id="main-01", source="crash-test", idempotency_key=key_of(i))


class RealServer:
    """`kaoping-server` on a loopback port; output goes to a file, never a full pipe."""

    def __init__(self, db: Path, workdir: Path):
        self.db, self.workdir = db, workdir
        self.proc: subprocess.Popen | None = None
        self.address = ""
        self.log: Path | None = None
        self.starts = 0

    def start(self, *extra: str) -> None:
        self.starts += 1
        self.log = self.workdir / f"server-{self.starts}.log"
        out = open(self.log, "w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "kaoping.ops.server", "--listen", "127.0.0.1:0",
             "--db", f"sqlite:///{self.db}", *extra],
            stdout=out, stderr=subprocess.STDOUT, text=True, cwd=self.workdir)
        out.close()
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            match = re.search(r"listening on port (\d+)", self.output())
            if match:
                self.address = f"127.0.0.1:{match.group(1)}"
                return
            assert self.proc.poll() is None, "server exited:\n" + self.output()
            time.sleep(0.05)
        raise AssertionError("server did not start:\n" + self.output())

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log and self.log.exists() else ""

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=30)


@pytest.fixture
def township(tmp_path):
    db = tmp_path / "crash.db"
    issued = subprocess.run([sys.executable, "-m", "kaoping.ops.server", "tokens", "--db", f"sqlite:///{db}",
                             "create", "--name", "崩溃测试", "--role", "admin", "--quiet"],
                            capture_output=True, text=True, timeout=60)
    assert issued.returncode == 0, issued.stderr
    server = RealServer(db, tmp_path)
    yield server, db, issued.stdout.strip()
    server.kill()


def stored(db: Path) -> dict[str, int]:
    """idempotency key -> fact id, read with sqlite3 directly."""
    with sqlite3.connect(db, timeout=30) as conn:
        return dict(conn.execute("SELECT idempotency_key, id FROM fact WHERE source = 'crash-test'"))


def stored_count(db: Path) -> int:
    with sqlite3.connect(db, timeout=30) as conn:
        return conn.execute("SELECT count(*) FROM fact WHERE source = 'crash-test'").fetchone()[0]


def counts(db: Path) -> tuple[int, int, str]:
    with sqlite3.connect(db, timeout=30) as conn:
        total, distinct = conn.execute("SELECT count(*), count(DISTINCT idempotency_key) FROM fact").fetchone()
        return total, distinct, conn.execute("PRAGMA integrity_check").fetchone()[0]


def submit_call(stub, token: str, indices: list[int], on_message=None) -> fx.BatchResult:
    """One SubmitFacts call carrying `indices` in messages of PER_MESSAGE facts."""
    def messages():
        for n, start in enumerate(range(0, len(indices), PER_MESSAGE), start=1):
            yield fx.FactBatch(facts=[fact_msg(i) for i in indices[start:start + PER_MESSAGE]])
            if on_message is not None and not on_message(n):
                return
    return stub.SubmitFacts(messages(), timeout=CALL_TIMEOUT,
                            metadata=[("authorization", f"Bearer {token}")])


def test_sigkill_mid_stream_then_resend_completes_exactly_once(township):
    server, db, token = township
    began = time.monotonic()
    server.start("--load-sample")
    stub = facts_pb2_grpc.FactServiceStub(grpc.insecure_channel(server.address))

    acked: dict[str, int] = {}            # key -> fact id, from replies only
    sent_in_cut_call: list[int] = []
    fire, killed = threading.Event(), threading.Event()
    threshold = []

    def killer():
        """Once armed, waits until two messages of the in-flight call are committed
        (read from the file), then SIGKILLs the server: committed, not acknowledged."""
        if not fire.wait(CALL_TIMEOUT * 3):
            return
        deadline = time.monotonic() + CALL_TIMEOUT
        while time.monotonic() < deadline and stored_count(db) < threshold[0]:
            time.sleep(0.01)
        server.proc.send_signal(signal.SIGKILL)
        killed.set()

    threading.Thread(target=killer, daemon=True).start()
    cut_error = None
    for call_no, start in enumerate(range(0, TOTAL, PER_CALL)):
        indices = list(range(start, start + PER_CALL))
        if len(acked) >= KILL_AFTER and not fire.is_set():
            threshold.append(len(acked) + KILL_AFTER_MESSAGES * PER_MESSAGE)
            fire.set()                     # the kill lands while this call is in flight
        try:
            result = submit_call(stub, token, indices, lambda n: not killed.is_set())
        except grpc.RpcError as exc:
            assert fire.is_set(), f"call {call_no} failed before the kill: {exc.code()} {exc.details()}"
            cut_error, sent_in_cut_call = exc, indices
            break
        assert (result.accepted, result.rejected, result.duplicates) == (PER_CALL, 0, 0), \
            [o for o in result.outcomes if not o.accepted][:3]
        for outcome in result.outcomes:
            acked[outcome.idempotency_key] = outcome.receipt.fact_id
    assert cut_error is not None, "the server was never killed"
    assert killed.is_set() and server.proc.wait(timeout=30) == -signal.SIGKILL
    assert cut_error.code() == grpc.StatusCode.UNAVAILABLE, (cut_error.code(), cut_error.details())
    killed_at = time.monotonic()

    # After the kill, before any restart: the file is sound and every acknowledged fact
    # is there once, under the id its receipt gave.
    total, distinct, integrity = counts(db)
    assert integrity == "ok"
    after_kill = stored(db)
    assert total == distinct == len(after_kill)
    assert len(acked) >= KILL_AFTER
    assert {k: after_kill.get(k) for k in acked} == acked
    committed_unacked = set(after_kill) - set(acked)
    # Facts committed without a reply can only come from the call that was cut.
    assert committed_unacked <= {key_of(i) for i in sent_in_cut_call}

    # Restart on the same file (no --load-sample: the registry is in the database).
    server.start()
    stub = facts_pb2_grpc.FactServiceStub(grpc.insecure_channel(server.address))
    assert stored(db) == after_kill      # a restart neither loses nor invents facts

    # Resend everything not acknowledged, plus some acknowledged facts, same keys.
    acked_index = sorted(int(k.split("-")[1]) for k in acked)
    resend = sorted({i for i in range(TOTAL) if key_of(i) not in acked} |
                    set(acked_index[::len(acked_index) // RESEND_ACKED][:RESEND_ACKED]))
    receipts: dict[str, fx.FactReceipt] = {}
    for start in range(0, len(resend), PER_CALL):
        result = submit_call(stub, token, resend[start:start + PER_CALL])
        assert result.rejected == 0, [o for o in result.outcomes if not o.accepted][:3]
        receipts.update((o.idempotency_key, o.receipt) for o in result.outcomes)
    assert len(receipts) == len(resend)
    duplicates = {k for k, r in receipts.items() if r.duplicate}
    expected_duplicates = committed_unacked | {key_of(i) for i in resend if key_of(i) in acked}
    assert duplicates == expected_duplicates
    for k in duplicates:                 # a duplicate answers with the first fact's id
        assert receipts[k].fact_id == after_kill[k]

    final = stored(db)
    total, distinct, integrity = counts(db)
    assert integrity == "ok"
    assert total == distinct == len(final) == TOTAL
    assert set(final) == {key_of(i) for i in range(TOTAL)}
    assert all(final[k] == acked[k] for k in acked)

    server.proc.send_signal(signal.SIGTERM)
    assert server.proc.wait(timeout=30) == 0, server.output()[-2000:]
    elapsed = time.monotonic() - began
    print(f"\ncrash figures: acknowledged before kill {len(acked)}; stored at kill {len(after_kill)} "
          f"({len(committed_unacked)} committed but unacknowledged, from {len(sent_in_cut_call)} "
          f"in the cut call); resent {len(resend)} ({len(duplicates)} duplicates); stored after "
          f"resend {total}; kill at {killed_at - began:.1f}s; total {elapsed:.1f}s")
    assert elapsed < 180, f"took {elapsed:.0f}s"


def test_sigterm_stops_the_server_after_undecodable_stream_messages(township):
    """README: the server stops gracefully on SIGTERM. Stream messages that are not
    valid protobuf are refused with INVALID_ARGUMENT; they must not leave calls behind
    that keep the server from stopping."""
    server, db, token = township
    server.start("--load-sample")
    channel = grpc.insecure_channel(server.address)
    submit_raw = channel.stream_unary("/kaoping.v1.FactService/SubmitFacts")
    metadata = [("authorization", f"Bearer {token}")]
    for _ in range(10):
        with pytest.raises(grpc.RpcError) as err:
            submit_raw(iter([b"\xff\xff\xff\xff"]), timeout=10, metadata=metadata)
        assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    channel.close()
    assert counts(db)[0] == 0
    server.proc.send_signal(signal.SIGTERM)
    try:
        code = server.proc.wait(timeout=30)     # grace is 10 s
    except subprocess.TimeoutExpired:
        code = None
    assert code == 0, ("kaoping-server did not exit within 30 s of SIGTERM after undecodable "
                       "SubmitFacts messages; log tail:\n" + server.output()[-1500:])
