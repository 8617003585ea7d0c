"""Small helpers the tests share."""
from __future__ import annotations

import itertools
import os
import re
import signal
import subprocess
import sys
import time

import grpc
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from kaoping.domain.facts import FactInput
from kaoping.v1 import facts_pb2 as fx

_keys = itertools.count(1)


def fact(official="v01-1", category="attendance", kind="meeting_absent", quantity="1",
         month="2026-03", scorer="main-01", key=None, note="", date="", source="test") -> fx.Fact:
    return fx.Fact(official_id=official, month=month, date=date, category=category, kind=kind,
                   quantity=quantity, note=note, scorer_id=scorer, source=source,
                   idempotency_key=key or f"k{next(_keys)}")


def fact_input(**kwargs) -> FactInput:
    msg = fact(**kwargs)
    return FactInput(msg.official_id, msg.month, msg.date, msg.category, msg.kind, msg.quantity,
                     msg.note, msg.scorer_id, msg.source, msg.idempotency_key)


def violations(error: grpc.RpcError) -> dict[str, str]:
    """field -> description from the google.rpc.BadRequest detail of an error."""
    status = rpc_status.from_call(error)
    assert status is not None, "error carries no google.rpc.Status"
    found = {}
    for detail in status.details:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            detail.Unpack(bad)
            found.update({v.field: v.description for v in bad.field_violations})
    return found


def banded_rules(bands: int, kinds: int = 1, category: str = "attendance", *,
                 max_quantity: str | None = None, below_last: str | None = None) -> str:
    """A rule file with `bands` adjacent one-unit quantity bands (rule ids k0.b0,
    k0.b1, ...) on each of `kinds` kinds of one category: valid in every other
    respect. One short line per rule, so that thousands fit under the 1 MB file cap."""
    lines = ["name: hostile", "categories:", f"  {category}:", f"    name: {category}", "    max: 25",
             "    scored_by: [main_leader]", "    kinds:"]
    lines += [f"      k{k}: {{name: k{k}, max_quantity: {max_quantity or bands + 1}}}"
              for k in range(kinds)]
    lines.append("rules:")
    for k in range(kinds):
        for b in range(bands):
            below = below_last if below_last and b == bands - 1 else b + 1
            lines.append(f"  - {{id: k{k}.b{b}, category: {category}, kind: k{k}, when: "
                         f"{{quantity_at_least: {b}, quantity_below: {below}}}, deduct: 1, reason: r}}")
    lines += ["grades:", "  - {grade: 合格, min: 60}", "  - {grade: 不合格, min: 0, max: 60}",
              "pay: {form: proportional}"]
    return "\n".join(lines) + "\n"


class ServerRun:
    """A real `kaoping-server` process on a loopback port; its output goes to a file
    (never a pipe that could fill), and every wait is bounded."""

    def __init__(self, log_path, *args: str):
        self.log_path = log_path
        with open(log_path, "w") as out:
            self.proc = subprocess.Popen([sys.executable, "-m", "kaoping.server", "--listen",
                                          "127.0.0.1:0", *args], stdout=out,
                                         stderr=subprocess.STDOUT, start_new_session=True)
        self.port = None

    def output(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def wait_listening(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.proc.poll() is None:
            found = re.search(r"listening on port (\d+)", self.output())
            if found:
                self.port = int(found.group(1))
                return True
            time.sleep(0.1)
        return False

    def terminate(self, timeout: float) -> int | None:
        """SIGTERM, then the exit code, or None (and SIGKILL) if it did not stop in time."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            return None

    def kill(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)  # its probe child too
            self.proc.wait(30)
