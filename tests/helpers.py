"""Small helpers the tests share."""
from __future__ import annotations

import contextlib
import io
import itertools
import logging

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


@contextlib.contextmanager
def captured_logs(fmt: str = "text"):
    """Root logging through kaoping's formatter (`text` or `json`) into a string for
    the block; yields a function returning what was written so far."""
    from kaoping import observability
    stream = io.StringIO()
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    observability.setup_logging(fmt, "INFO", stream)
    try:
        yield stream.getvalue
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in saved[0]:
            root.addHandler(handler)
        root.setLevel(saved[1])


@contextlib.contextmanager
def running_server(app, **options):
    """A real kaoping Server on a free loopback port; yields (server, channel)."""
    from kaoping.server import Server
    server = Server(app, "127.0.0.1:0", **options)
    server.start()
    channel = grpc.insecure_channel(f"127.0.0.1:{server.port}")
    try:
        yield server, channel
    finally:
        channel.close()
        server.stop(grace=1)


_BULK_KINDS = (("attendance", "meeting_late", "1"), ("convenience", "services_handled", "3"),
               ("study", "study_absent", "1"), ("service_3plus5", "household_visit_missed", "2"))


def bulk_facts(app, month: str, count: int, tag: str = "bulk") -> None:
    """Stores `count` valid facts for the sample township's month in one transaction,
    spread over every official (fast: no per-fact checks)."""
    from kaoping import audit
    from kaoping.storage.models import utcnow
    officials = app.store.officials()
    values = []
    for n in range(count):
        official = officials[n % len(officials)]
        category, kind, quantity = _BULK_KINDS[n % len(_BULK_KINDS)]
        values.append({"idempotency_key": f"{tag}-{month}-{n}", "payload_hash": f"{n:064d}",
                       "official_id": official.id, "village_id": official.village_id, "month": month,
                       "date": "", "category": category, "kind": kind, "quantity": quantity,
                       "note": "", "scorer_id": "main-01", "scorer_role": "main_leader",
                       "source": "test", "voids_fact_id": None, "void_reason": "",
                       "recorded_at": utcnow()})
    app.store.insert_fact_values(values, audit=lambda fresh: audit.entry("submit_facts", f"{len(fresh)} facts"))


@contextlib.contextmanager
def server_process(workdir, *args: str, start_timeout: float = 60.0):
    """The real `kaoping-server` (same interpreter, so PYTHONPATH picks this checkout)
    on a free loopback port, output to a file; yields (process, port). SIGTERM at exit,
    SIGKILL if it has not stopped 30 s later."""
    import re
    import subprocess
    import sys
    import time
    from pathlib import Path
    log = Path(workdir) / "kaoping-server.log"
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "kaoping.server", "--listen", "127.0.0.1:0", *args],
                                stdout=out, stderr=subprocess.STDOUT, text=True, cwd=workdir)
    try:
        deadline = time.monotonic() + start_timeout
        while True:
            found = re.search(r"listening on port (\d+)", log.read_text(errors="replace"))
            if found:
                break
            assert proc.poll() is None and time.monotonic() < deadline, \
                "kaoping-server did not start:\n" + log.read_text(errors="replace")
            time.sleep(0.05)
        yield proc, int(found.group(1))
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(30)
