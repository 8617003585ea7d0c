"""The workflow commands of the real `kaoping` CLI against the real `kaoping-server`
process (temp SQLite file, real tokens for an administrator and a village)."""
import os
import re
import subprocess
import sys
import time

import pytest

MONTH = "2026-03"


def token(db, *args: str) -> str:
    issued = subprocess.run([sys.executable, "-m", "kaoping.ops.server", "tokens", "--db", f"sqlite:///{db}",
                             "create", *args, "--quiet"], capture_output=True, text=True, timeout=60)
    assert issued.returncode == 0, issued.stderr
    return issued.stdout.strip()


@pytest.fixture
def server(tmp_path):
    db = tmp_path / "township.db"
    admin = token(db, "--name", "镇党政办", "--role", "admin")
    log = open(tmp_path / "server.log", "w+")
    proc = subprocess.Popen([sys.executable, "-m", "kaoping.ops.server", "--listen", "127.0.0.1:0", "--db",
                             f"sqlite:///{db}", "--load-sample"], stdout=log, stderr=subprocess.STDOUT,
                            text=True, cwd=tmp_path)
    port, deadline = None, time.time() + 60
    while time.time() < deadline and port is None and proc.poll() is None:
        time.sleep(0.2)
        match = re.search(r"listening on port (\d+)", (tmp_path / "server.log").read_text())
        port = int(match.group(1)) if match else None
    assert port, "server did not start:\n" + (tmp_path / "server.log").read_text()
    v01 = token(db, "--name", "上山村党支部", "--role", "village", "--village", "v01")  # after --load-sample
    yield f"127.0.0.1:{port}", admin, v01
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    log.close()


def run(address: str, token_: str, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, KAOPING_SERVER=address, KAOPING_TOKEN=token_, COLUMNS="200")
    return subprocess.run(["kaoping", *args], capture_output=True, text=True, env=env, timeout=60)


def ok(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def refusal(result: subprocess.CompletedProcess, *english: str) -> str:
    """Exit 1, stdout empty, the reason on stderr: the server's Chinese message when it
    sends one (LocalizedMessage), else its status and English text (all of `english`)."""
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stdout == "", result.stdout
    chinese = any("\u4e00" <= ch <= "\u9fff" for ch in result.stderr)
    assert all(e in result.stderr for e in english) or (chinese and "Traceback" not in result.stderr), \
        result.stderr
    return result.stderr


def test_month_appeal_yearend_and_paylist_commands(server):
    address, admin, v01 = server
    out = ok(run(address, admin, "fact", "add", "--official", "v01-1", "--month", MONTH, "--category",
                 "attendance", "--kind", "meeting_absent", "--scorer", "main-01", "--key", "cli-w-1"))
    fact_id = re.search(r"#(\d+)", out).group(1)
    assert "已汇总" in ok(run(address, admin, "month", "aggregate", "--month", MONTH))

    late = run(address, admin, "fact", "add", "--official", "v01-2", "--month", MONTH, "--category",
               "attendance", "--kind", "meeting_absent", "--scorer", "main-01", "--key", "cli-w-2")
    refusal(late, "FAILED_PRECONDITION", "aggregated")
    early = run(address, admin, "month", "publish", "--month", MONTH)
    refusal(early, "current state: aggregated")
    denied = run(address, v01, "month", "approve", "--month", MONTH)
    refusal(denied, "PERMISSION_DENIED")

    out = ok(run(address, admin, "month", "approve", "--month", MONTH, "--note", "党委会议审定"))
    assert "已审定" in out and "申诉截止" in out
    out = ok(run(address, v01, "month", "feedback", "--village", "v01", "--month", MONTH))
    assert "反馈通知单" in out and "无故缺席镇会议" in out and "反馈确认：未确认" in out
    out = ok(run(address, v01, "appeal", "submit", fact_id, "--reason", "当天请假已批准"))
    assert "申诉 #1" in out and "待处理" in out
    out = ok(run(address, admin, "appeal", "resolve", "1", "--decision", "overturned", "--reason", "假条属实"))
    assert "撤销扣分" in out and "→" in out
    assert "反馈确认：已确认" in ok(run(address, v01, "month", "confirm", "--month", MONTH))
    assert "假条属实" in ok(run(address, admin, "appeal", "list", "--month", MONTH))

    out = ok(run(address, admin, "month", "state", "--month", MONTH))
    assert "已审定" in out and "下一步：反馈确认、申诉、处理申诉、公示" in out
    out = ok(run(address, admin, "paylist", "--month", MONTH))
    assert "全乡镇" in out and "上山村" in out
    assert "村干部排名" in ok(run(address, admin, "month", "ranking", "--month", MONTH, "--top", "5"))
    out = ok(run(address, admin, "yearend", "--year", "2026"))
    assert "尚不完整" in out and "年终考核" in out
    # one month counted, everyone at 100: the tie at the 优秀 quota is open and said so
    assert "并列规则：得分 → 年终考核得分 → 优秀月数" in out
    flat = out.replace("\n", "")      # the console wraps long lines
    assert re.search(r"并列待会议决定：徐永福、[^；]* 等（见下表“并列待定”），共 \d+ 人争剩余 20 个优秀名额", flat), out
    assert "良好（并列待定）" in out and "人争 20 个名额）" in out
    refusal(run(address, admin, "month", "public", "--month", MONTH), "is approved")

    # --output json on the workflow's read commands, for scripts
    import json
    pay = json.loads(ok(run(address, admin, "paylist", "--month", MONTH, "--output", "json")))
    assert pay["lines"] and pay["township_total"]
    state = json.loads(ok(run(address, admin, "month", "state", "--month", MONTH, "--output", "json")))
    assert state["state"] == "approved"
    for args in (["month", "feedback", "--village", "v01", "--month", MONTH], ["appeal", "list", "--month", MONTH],
                 ["month", "ranking", "--month", MONTH], ["yearend", "--year", "2026"]):
        assert isinstance(json.loads(ok(run(address, admin, *args, "--output", "json"))), dict), args
