"""Small helpers the tests share."""
from __future__ import annotations

import contextlib
import dataclasses
import io
import itertools
import logging
import os
import re
import signal
import subprocess
import sys
import threading
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


def together(calls, timeout: float = 60.0) -> list:
    """Runs the callables on threads released at once by a barrier; returns each one's
    result or the exception it raised, in order. Bounded: a thread still running after
    `timeout` fails the test instead of hanging it."""
    import threading

    barrier = threading.Barrier(len(calls), timeout=timeout)
    results: list = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait()
            results[i] = call()
        except BaseException as exc:  # noqa: BLE001 - handed back to the test
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i, c), daemon=True) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    assert not any(t.is_alive() for t in threads), f"a call did not finish within {timeout} s"
    return results


class LocalServer:
    """A real kaoping Server (all services, the production interceptors) on a loopback
    port in this process; `stub(cls)` makes stubs on one shared channel."""

    def __init__(self, app, **options):
        from kaoping.ops.server import Server
        options.setdefault("insecure_dev", True)
        options.setdefault("access_log", False)
        self.server = Server(app, "127.0.0.1:0", workers=4, **options)
        self.server.start()
        self.channel = grpc.insecure_channel(f"127.0.0.1:{self.server.port}")

    def stub(self, cls):
        return cls(self.channel)

    def stop(self) -> None:
        """Stops the server and closes its app (store and compiled rule sets)."""
        self.channel.close()
        self.server.stop(grace=1)


def rule_variant(text: str, n: int) -> str:
    """The rule file with another label: the same rules, a distinct version."""
    return text.replace('label: "sample 2026-2"', f'label: "variant {n}"', 1)


def app_on(store, sample: bool = True):
    """A Kaoping app over the given Store, as conftest.make_app builds one."""
    from datetime import date
    from pathlib import Path

    from kaoping.usecases.app import Kaoping
    from kaoping.usecases.rulesets import RuleSets
    from kaoping.usecases.sample import load_sample
    shipped = Path(__file__).resolve().parents[1] / "rules" / "township-sample.yaml"
    if sample:
        load_sample(store)
    rulesets = RuleSets(store)
    rulesets.bootstrap(shipped.read_text(encoding="utf-8"), shipped.name)
    return Kaoping(store, rulesets, today=lambda: date(2026, 11, 25))


def status_details(error: grpc.RpcError) -> tuple[grpc.StatusCode, str, dict[str, str]]:
    """(code, message, BadRequest field -> description) of a failed call."""
    return error.code(), error.details(), violations(error)


SQL_WORDS = ("insert", "select", "update", "sqlite", "psycopg", "sqlalchemy", "[sql", "background on")


def clean_message(text: str) -> bool:
    """No SQL, driver or library text in what a caller is told."""
    lowered = text.lower()
    return not any(word in lowered for word in SQL_WORDS)


class PrivateCluster:
    """A PostgreSQL cluster of the test's own (never the shared server), on a free
    loopback port, that the test may stop and start. `available()` says whether the
    binaries (and, as root, a `postgres` user to run them) exist."""

    def __init__(self):
        import shutil
        import socket
        import subprocess
        import tempfile
        self._subprocess = subprocess
        self.bin = self.find_bin()
        self.root = tempfile.mkdtemp(prefix="kaoping-pg-")
        self.data = f"{self.root}/data"
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        if os.geteuid() == 0:  # initdb refuses root: run the cluster as `postgres`
            shutil.chown(self.root, "postgres")
        self._run("initdb", "-D", self.data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")

    @staticmethod
    def find_bin() -> str | None:
        import glob
        for path in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
            if os.path.exists(f"{path}/pg_ctl") and os.path.exists(f"{path}/initdb"):
                return path
        return None

    @classmethod
    def available(cls) -> bool:
        if cls.find_bin() is None:
            return False
        if os.geteuid() == 0:
            import pwd
            import shutil
            try:
                pwd.getpwnam("postgres")
            except KeyError:
                return False
            return shutil.which("runuser") is not None
        return True

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, tool: str, *args: str) -> None:
        argv = [f"{self.bin}/{tool}", *args]
        if os.geteuid() == 0:
            argv = ["runuser", "-u", "postgres", "--", *argv]
        self._subprocess.run(argv, check=True, timeout=120, stdout=self._subprocess.DEVNULL,
                             stderr=self._subprocess.PIPE)

    def start(self) -> None:
        options = (f"-c listen_addresses=127.0.0.1 -p {self.port} -c unix_socket_directories='' "
                   "-c fsync=off -c max_connections=20")
        self._run("pg_ctl", "-D", self.data, "-o", options, "-l", f"{self.root}/log", "-w", "-t", "60",
                  "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", self.data, "-m", mode, "-w", "-t", "60", "stop")

    def destroy(self) -> None:
        import shutil
        try:
            self.stop("immediate")
        except Exception:  # noqa: BLE001 - already stopped
            pass
        shutil.rmtree(self.root, ignore_errors=True)


class WriteLock:
    """Another connection holding SQLite's write lock until released (or `hold` s)."""

    def __init__(self, path, hold: float):
        self.released = threading.Event()
        self._release = threading.Event()
        self._taken = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(path, hold), daemon=True)
        self._thread.start()
        assert self._taken.wait(10), "could not take the write lock"

    def _run(self, path, hold):
        import sqlite3
        conn = sqlite3.connect(path, isolation_level=None, timeout=10)
        try:
            conn.execute("BEGIN EXCLUSIVE")
            self._taken.set()
            self._release.wait(hold)
            conn.execute("ROLLBACK")
        finally:
            self.released.set()
            conn.close()

    def release(self):
        self._release.set()
        self._thread.join(10)


def assert_audit_matches_log(store) -> None:
    """Each activation's audit entry names the version before it in the log and its own."""
    import json
    log = store.activations()
    entries = [e for e in store.audit_entries(limit=100000)
               if e.action in ("activate_ruleset", "rollback_ruleset")]
    assert len(entries) == len(log)
    previous = None
    for row, entry in zip(log, entries):
        assert json.loads(entry.after) == {"active": row.ruleset_id}
        assert json.loads(entry.before) == {"active": previous}, (
            f"activation {row.id} was audited as replacing {entry.before}, but the log had {previous}")
        assert entry.action == f"{row.action}_ruleset"
        previous = row.ruleset_id


class RealServer:
    """The real `kaoping-server` process on a loopback port (output to a file, never a
    full pipe), with an admin token issued through `kaoping-server tokens`."""

    START_TIMEOUT = 60

    def __init__(self, db_url: str, workdir, *extra: str):
        import subprocess
        import sys
        self.db_url, self.workdir, self.extra = db_url, workdir, extra
        issued = subprocess.run([sys.executable, "-m", "kaoping.ops.server", "tokens", "--db", db_url,
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
                [sys.executable, "-m", "kaoping.ops.server", "--listen", "127.0.0.1:0", "--db", self.db_url,
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


@contextlib.contextmanager
def captured_logs(fmt: str = "text"):
    """Root logging through kaoping's formatter (`text` or `json`) into a string for
    the block; yields a function returning what was written so far."""
    from kaoping.ops import logs
    stream = io.StringIO()
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    logs.setup_logging(fmt, "INFO", stream)
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
    from kaoping.ops.server import Server
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
    from kaoping.usecases import audit
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
        proc = subprocess.Popen([sys.executable, "-m", "kaoping.ops.server", "--listen", "127.0.0.1:0", *args],
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
            self.proc = subprocess.Popen([sys.executable, "-m", "kaoping.ops.server", "--listen",
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


ONE_OFFICIAL = (  # the smallest registry an old schema's data test needs: t1 / v1 / o1
    "insert into township (id, name) values ('t1', '試驗鎮')",
    "insert into village (id, township_id, name) values ('v1', 't1', '上山村')",
    "insert into official (id, village_id, name, position, base_pay) "
    "values ('o1', 'v1', '王建國', '書記', 1800.00)",
)


def schema_with_one_official(engine, revision: str) -> None:
    """Migrates `engine` to `revision` only and stores ONE_OFFICIAL there, as a database
    written by that older release would hold it."""
    from sqlalchemy import text
    from kaoping.ops.migrate import upgrade
    upgrade(engine, revision)
    with engine.begin() as conn:
        for statement in ONE_OFFICIAL:
            conn.execute(text(statement))


# the engine adapter as the version-1 tests used it: a list of (fact id, category, kind,
# quantity) in, (fact id, rule id) out, through kaoping.rules.compile and its Program
@dataclasses.dataclass(frozen=True)
class EngineFact:
    fact_id: int
    category: str
    kind: str
    quantity: float


class CompiledRuleSet:
    def __init__(self, ruleset):
        from kaoping.rules.compile import compile_ruleset
        self.compiled = compile_ruleset(ruleset)
        self.ruleset = ruleset

    def match(self, facts):
        from decimal import Decimal as D
        from kaoping.rules.compile import fact_dict, official_dict, village_dict
        from kaoping.rules.results import ScoredFact
        c = self.compiled
        found = []
        for f in facts:
            fact = ScoredFact(f.fact_id, f.category, f.kind, D(str(f.quantity)))
            for rule_id, _ in c.program.match_fact(official_dict(c, None), village_dict(c, None, {}),
                                                   fact_dict(c, fact, 1)):
                found.append((f.fact_id, rule_id))
        return found

    def close(self):
        self.compiled.close()
