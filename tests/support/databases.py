"""Databases under test conditions: a private PostgreSQL cluster the test may stop, a
held SQLite write lock, an old schema with one official, the audit log's agreement
with the activation log."""
from __future__ import annotations

import os
import threading


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
    """Each activation's audit entry names the version before it in its township's log
    and its own. A township's log begins with an `inherit` row (what it served from the
    default log until then), which is bookkeeping, not an action, so it has no entry."""
    import json
    every = store.activations()
    entries = [e for e in store.audit_entries(limit=100000)
               if e.action in ("activate_ruleset", "rollback_ruleset")]
    for key in sorted({a.township_id for a in every}):
        log = [a for a in every if a.township_id == key]
        mine = [e for e in entries if json.loads(e.after).get("log", "") == key]
        assert len(mine) == len([a for a in log if a.action != "inherit"])
        previous, audited = None, iter(mine)
        for row in log:
            if row.action == "inherit":
                previous = row.ruleset_id
                continue
            entry = next(audited)
            assert json.loads(entry.after)["active"] == row.ruleset_id
            assert json.loads(entry.before) == {"active": previous}, (
                f"activation {row.id} was audited as replacing {entry.before}, but the log had {previous}")
            assert entry.action == f"{row.action}_ruleset"
            previous = row.ruleset_id


ONE_OFFICIAL = (  # the smallest registry an old schema's data test needs: t1 / v1 / o1
    "insert into township (id, name) values ('t1', '试验镇')",
    "insert into village (id, township_id, name) values ('v1', 't1', '上山村')",
    "insert into official (id, village_id, name, position, base_pay) "
    "values ('o1', 'v1', '王建国', '书记', 1800.00)",
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
