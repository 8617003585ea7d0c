"""`kaoping-server backup` while a real server is writing, and `kaoping-server restore`
into a database a new server then serves (the township's SQLite deployment)."""
from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
import time


from tests.support.replicas import Client, ServerProcess, issue_token

MONTH = "2026-06"


def kaoping_server(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kaoping.ops.server", *args], capture_output=True, text=True,
                          timeout=60)


def keys_in(path) -> set[str]:
    with sqlite3.connect(path) as conn:
        return {k for (k,) in conn.execute("SELECT idempotency_key FROM fact WHERE month = ?", (MONTH,))}


def test_online_backup_while_serving_then_restore(tmp_path):
    db = tmp_path / "township.db"
    url = f"sqlite:///{db}"
    token = issue_token(url)
    server = ServerProcess.kaoping("--listen", "127.0.0.1:0", "--db", url, "--load-sample",
                                   "--no-access-log", cwd=tmp_path).wait_ready()
    client = Client(server.address, token)
    acknowledged: list[str] = []
    stop = threading.Event()

    def writer():
        for i in range(3000):                     # bounded; stopped much earlier
            if stop.is_set():
                return
            key = f"w-{i}"
            client.submit(key, f"v{1 + i % 17:02d}-{1 + i % 6}")
            acknowledged.append(key)

    thread = threading.Thread(target=writer)
    try:
        thread.start()
        deadline = time.monotonic() + 30
        while len(acknowledged) < 100 and time.monotonic() < deadline:
            time.sleep(0.01)
        before = set(acknowledged)
        backup = tmp_path / "backups" / "township-1.db"
        made = kaoping_server("backup", "--db", url, "--to", str(backup))
        during = len(acknowledged)
        time.sleep(0.3)                           # the server keeps writing after the backup
        stop.set()
        thread.join(30)
        assert made.returncode == 0, made.stdout + made.stderr
        assert "integrity ok" in made.stdout
        assert not (backup.parent / "township-1.db.partial").exists()
        assert len(acknowledged) > during, "the server did not keep writing during the test"

        saved = keys_in(backup)
        assert before <= saved <= set(acknowledged)   # a consistent snapshot: nothing acked earlier is lost
        with sqlite3.connect(backup) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)   # one self-contained file
    finally:
        stop.set()
        thread.join(30)
        client.close()
        assert server.terminate() == 0, server.output()

    # restore into a new place and serve it
    restored = tmp_path / "restored" / "township.db"
    done = kaoping_server("restore", "--from", str(backup), "--db", f"sqlite:///{restored}")
    assert done.returncode == 0, done.stdout + done.stderr
    again = ServerProcess.kaoping("--listen", "127.0.0.1:0", "--db", f"sqlite:///{restored}",
                                  cwd=tmp_path).wait_ready()
    client = Client(again.address, token)          # tokens are in the database, so they come back too
    try:
        assert set(client.fact_keys()) == saved
        assert client.scores().scores            # it scores the restored month
    finally:
        client.close()
        assert again.terminate() == 0, again.output()

    # restoring over a database with data needs --force and keeps the old one
    refused = kaoping_server("restore", "--from", str(backup), "--db", url)
    assert refused.returncode == 1 and "--force" in refused.stderr
    forced = kaoping_server("restore", "--from", str(backup), "--db", url, "--force")
    assert forced.returncode == 0, forced.stderr
    kept = list(tmp_path.glob("township.db.before-restore-*"))
    assert len(kept) == 1 and keys_in(kept[0]) == set(acknowledged)
    assert keys_in(db) == saved


def test_backup_refuses_what_it_cannot_copy(tmp_path):
    pg = kaoping_server("backup", "--db", "postgresql+psycopg://u:p@127.0.0.1/x", "--to", str(tmp_path / "b.db"))
    assert pg.returncode == 1 and "pg_dump" in pg.stderr
    missing = kaoping_server("backup", "--db", f"sqlite:///{tmp_path / 'none.db'}", "--to", str(tmp_path / "b.db"))
    assert missing.returncode == 1 and "no such database file" in missing.stderr
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database" * 100)
    bad = kaoping_server("restore", "--from", str(junk), "--db", f"sqlite:///{tmp_path / 'new.db'}")
    assert bad.returncode == 1 and "not a readable SQLite database" in bad.stderr
    assert not (tmp_path / "new.db").exists()
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.commit()
    wrong = kaoping_server("restore", "--from", str(other), "--db", f"sqlite:///{tmp_path / 'new.db'}")
    assert wrong.returncode == 1 and "not a kaoping database" in wrong.stderr


def test_backup_of_a_stopped_servers_file(tmp_path):
    """After a clean stop the -wal file is gone; a read-only backup must still work."""
    url = f"sqlite:///{tmp_path / 'township.db'}"
    server = ServerProcess.kaoping("--listen", "127.0.0.1:0", "--db", url, "--load-sample",
                                   cwd=tmp_path).wait_ready()
    assert server.terminate() == 0
    made = kaoping_server("backup", "--db", url, "--to", str(tmp_path / "b.db"))
    assert made.returncode == 0, made.stderr
    assert "102 officials" in made.stdout

