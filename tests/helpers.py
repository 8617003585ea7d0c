"""Small helpers the tests share."""
from __future__ import annotations

import itertools

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


class RealServer:
    """The real `kaoping-server` process on a loopback port (output to a file, never a
    full pipe), with an admin token issued through `kaoping-server tokens`."""

    START_TIMEOUT = 60

    def __init__(self, db_url: str, workdir, *extra: str):
        import subprocess
        import sys
        self.db_url, self.workdir, self.extra = db_url, workdir, extra
        issued = subprocess.run([sys.executable, "-m", "kaoping.server", "tokens", "--db", db_url,
                                 "create", "--name", "測試", "--role", "admin", "--quiet"],
                                capture_output=True, text=True, timeout=120)
        assert issued.returncode == 0, issued.stderr
        self.token = issued.stdout.strip()
        self.log = workdir / "server.log"
        self.proc = None
        self.address = ""

    def __enter__(self) -> "RealServer":
        import re
        import subprocess
        import sys
        import time
        with open(self.log, "w") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "kaoping.server", "--listen", "127.0.0.1:0", "--db", self.db_url,
                 "--load-sample", *self.extra], stdout=out, stderr=subprocess.STDOUT, cwd=self.workdir)
        deadline = time.monotonic() + self.START_TIMEOUT
        while time.monotonic() < deadline:
            match = re.search(r"listening on port (\d+)", self.output())
            if match:
                self.address = f"127.0.0.1:{match.group(1)}"
                return self
            assert self.proc.poll() is None, "server exited:\n" + self.output()
            time.sleep(0.05)
        self.__exit__()
        raise AssertionError("server did not start:\n" + self.output())

    def __exit__(self, *_exc) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except Exception:
                self.proc.kill()
                self.proc.wait(timeout=20)

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def memory_kib(self) -> tuple[int, int]:
        """(VmRSS, VmHWM) of the server process in KiB, from /proc."""
        fields = dict(line.split(":", 1) for line in open(f"/proc/{self.proc.pid}/status"))
        return int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0])

    @property
    def metadata(self) -> tuple:
        return (("authorization", f"Bearer {self.token}"),)


def list_all(method, request, field: str, max_pages: int = 10_000, **kwargs) -> list:
    """Every item of a paged List* RPC, following next_page_token (a bounded loop)."""
    items, request = [], type(request).FromString(request.SerializeToString())
    for _ in range(max_pages):
        response = method(request, **kwargs)
        items.extend(getattr(response, field))
        if not response.next_page_token:
            return items
        request.page_token = response.next_page_token
    raise AssertionError(f"more than {max_pages} pages")
