"""The real `kaoping-server` process on a loopback port with a temp SQLite file,
driven by the real `kaoping` CLI, then stopped with SIGTERM."""
import os
import re
import signal
import subprocess
import sys
import time

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

MONTH = "2026-03"


@pytest.fixture
def server(tmp_path):
    db = tmp_path / "township.db"
    issued = subprocess.run([sys.executable, "-m", "kaoping.ops.server", "tokens", "--db", f"sqlite:///{db}",
                             "create", "--name", "镇办公室", "--role", "admin", "--quiet"],
                            capture_output=True, text=True, timeout=60)
    assert issued.returncode == 0, issued.stderr
    os.environ["KAOPING_TOKEN"] = issued.stdout.strip()
    proc = subprocess.Popen(
        [sys.executable, "-m", "kaoping.ops.server", "--listen", "127.0.0.1:0", "--db", f"sqlite:///{db}",
         "--load-sample"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=tmp_path)
    port = None
    deadline = time.time() + 60
    lines = []
    while time.time() < deadline and port is None:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        match = re.search(r"listening on port (\d+)", line)
        if match:
            port = int(match.group(1))
    assert port, "server did not start:\n" + "".join(lines)
    yield proc, f"127.0.0.1:{port}", db
    os.environ.pop("KAOPING_TOKEN", None)
    if proc.poll() is None:
        proc.kill()
        proc.wait()


def cli(address: str, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, KAOPING_SERVER=address, COLUMNS="160")
    return subprocess.run(["kaoping", *args], capture_output=True, text=True, env=env, timeout=60)


def test_serve_enter_facts_read_notice_and_stop(server):
    proc, address, db = server
    channel = grpc.insecure_channel(address)   # no token: health and reflection are open
    health = health_pb2_grpc.HealthStub(channel)
    assert health.Check(health_pb2.HealthCheckRequest()).status == health_pb2.HealthCheckResponse.SERVING
    assert health.Check(health_pb2.HealthCheckRequest(service="kaoping.v1.FactService")).status == \
        health_pb2.HealthCheckResponse.SERVING
    reflection = reflection_pb2_grpc.ServerReflectionStub(channel)
    reply = next(reflection.ServerReflectionInfo(iter([reflection_pb2.ServerReflectionRequest(list_services="")])))
    names = {s.name for s in reply.list_services_response.service}
    assert {"kaoping.v1.FactService", "kaoping.v1.EvaluationService", "kaoping.v1.RuleSetService",
            "kaoping.v1.RegistryService", "grpc.health.v1.Health"} <= names

    added = cli(address, "fact", "add", "--official", "v01-1", "--month", MONTH, "--category",
                "attendance", "--kind", "meeting_absent", "--scorer", "main-01", "--note", "3月3日例会缺席",
                "--key", "e2e-1")
    assert added.returncode == 0, added.stdout + added.stderr
    assert added.stdout.startswith("已记录事实 #1（幂等键 e2e-1）")
    again = cli(address, "fact", "add", "--official", "v01-1", "--month", MONTH, "--category",
                "attendance", "--kind", "meeting_absent", "--scorer", "main-01", "--note", "3月3日例会缺席",
                "--key", "e2e-1")
    assert again.returncode == 0 and again.stdout.startswith("此前已记录为事实 #1")   # the same key
    cli(address, "fact", "add", "--official", "v01-2", "--month", MONTH, "--category", "key_tasks",
        "--kind", "task_not_done", "--quantity", "2", "--scorer", "contact-01", "--key", "e2e-2")

    refused = cli(address, "fact", "add", "--official", "v01-2", "--month", MONTH, "--category", "study",
                  "--kind", "study_absent", "--scorer", "station-01")
    assert refused.returncode == 1 and refused.stdout == ""
    assert ("PERMISSION_DENIED" in refused.stderr and "fact.scorer_id" in refused.stderr) or \
        any("\u4e00" <= ch <= "\u9fff" for ch in refused.stderr), refused.stderr   # or the server's Chinese

    notice = cli(address, "notice", "--village", "v01", "--month", MONTH)
    assert notice.returncode == 0, notice.stderr
    assert "上山村" in notice.stdout and "反馈通知单" in notice.stdout
    assert "无故缺席镇会议" in notice.stdout and "安排工作不落实" in notice.stdout
    assert "共扣 7 分" in notice.stdout     # 1 + 2 x 3

    scores = cli(address, "scores", "--month", MONTH, "--village", "v01")
    assert "99" in scores.stdout and "94" in scores.stdout and "1600.00" in scores.stdout
    ranking = cli(address, "ranking", "--month", MONTH)
    assert ranking.returncode == 0 and "上山村" in ranking.stdout
    explain = cli(address, "explain", "--official", "v01-2", "--month", MONTH)
    assert "tasks.not_done" in explain.stdout

    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0, out
    assert "stopping gracefully" in out and "stopped" in out
    # the data outlives the process
    import sqlite3
    with sqlite3.connect(db) as conn:
        assert conn.execute("select count(*) from fact").fetchone()[0] == 2


def test_unreachable_server_exits_3():
    result = cli("127.0.0.1:9", "villages")
    assert result.returncode == 3 and result.stdout == ""
    assert result.stderr.strip() == ("无法连接 kaoping 服务器 127.0.0.1:9：请确认服务已启动，"
                                     "或用 --server / KAOPING_SERVER 指定地址。")
