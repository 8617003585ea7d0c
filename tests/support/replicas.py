"""Several `kaoping-server` replicas on one database: the process, a token issued
through `kaoping-server tokens`, a client, and a stricter rule file."""
from __future__ import annotations

import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

import grpc

from kaoping_cli.rpc import _Bearer
from kaoping.v1 import evaluation_pb2 as ev
from kaoping.v1 import evaluation_pb2_grpc, facts_pb2_grpc, rulesets_pb2_grpc
from kaoping.v1 import facts_pb2 as fx
from kaoping.v1 import rulesets_pb2 as rs

from tests.support.apps import SHIPPED


MONTH = "2026-06"
PORT_LINE = re.compile(r"kaoping-server (listening|metrics|health) on port (\d+)")


class ServerProcess:
    """A real server process; its output is drained on a thread (kept in .lines)."""

    def __init__(self, argv: list[str], env: dict | None = None, cwd: Path | None = None):
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                     env=env, cwd=cwd, start_new_session=True)
        self.lines: list[str] = []
        self.ports: dict[str, int] = {}
        self._ready = threading.Event()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    @classmethod
    def kaoping(cls, *args: str, env: dict | None = None, cwd: Path | None = None) -> "ServerProcess":
        return cls([sys.executable, "-m", "kaoping.ops.server", *args], env=env, cwd=cwd)

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.append(line)
            match = PORT_LINE.search(line)
            if match:
                self.ports[match.group(1)] = int(match.group(2))
                if match.group(1) == "listening":
                    self._ready.set()
        self._ready.set()

    def wait_ready(self, timeout: float = 60) -> "ServerProcess":
        self._ready.wait(timeout)
        assert "listening" in self.ports, "server did not start:\n" + self.output()
        return self

    def output(self) -> str:
        return "".join(self.lines)

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.ports['listening']}"

    def terminate(self, timeout: float = 30) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait(10)
        self._reader.join(5)
        return code

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(10)
        self._reader.join(5)


def issue_token(db: str, role: str = "admin", name: str = "镇办公室") -> str:
    issued = subprocess.run([sys.executable, "-m", "kaoping.ops.server", "tokens", "--db", db, "create",
                             "--name", name, "--role", role, "--quiet"],
                            capture_output=True, text=True, timeout=60)
    assert issued.returncode == 0, issued.stderr
    return issued.stdout.strip()


class Client:
    def __init__(self, address: str, token: str):
        self.channel = grpc.intercept_channel(grpc.insecure_channel(address), _Bearer(token))
        self.facts = facts_pb2_grpc.FactServiceStub(self.channel)
        self.evaluation = evaluation_pb2_grpc.EvaluationServiceStub(self.channel)
        self.rulesets = rulesets_pb2_grpc.RuleSetServiceStub(self.channel)

    def active(self) -> ev.RuleSetRef:
        return self.rulesets.GetActiveRuleSet(rs.GetActiveRuleSetRequest(), timeout=5).ref

    def scores(self, village: str = "v01") -> ev.MonthlyScores:
        return self.evaluation.GetMonthlyScores(ev.GetMonthlyScoresRequest(month=MONTH, village_id=village),
                                                timeout=30)

    def submit(self, key: str, official: str = "v01-1", timeout: float = 10) -> fx.FactReceipt:
        fact = fx.Fact(official_id=official, month=MONTH, category="attendance", kind="meeting_absent",
                       quantity="1", scorer_id="main-01", source="replica-test", idempotency_key=key)
        return self.facts.SubmitFact(fx.SubmitFactRequest(fact=fact), timeout=timeout)

    def fact_keys(self) -> list[str]:
        return [f.fact.idempotency_key
                for f in self.facts.ListFacts(fx.ListFactsRequest(month=MONTH), timeout=30).facts]

    def close(self) -> None:
        self.channel.close()


def replica_stricter() -> str:
    """Meeting absence costs 2 points instead of 1 (its own case updated)."""
    return SHIPPED.read_text(encoding="utf-8") \
        .replace("    deduct: 1\n    reason: 无故缺席镇会议，每次扣1分",
                 "    deduct: 2\n    reason: 无故缺席镇会议，每次扣2分") \
        .replace('label: "sample 2026-2"', 'label: "sample 2026-2 replicas"')
