"""deploy/systemd: the unit files are valid (systemd-analyze verify), and their exact
command lines, with the environment file expanded the way systemd expands it, start a
real server over TLS, take an online backup, and stop cleanly on SIGTERM. Paths are
mapped into a temp folder; addresses onto loopback."""
from __future__ import annotations

import configparser
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from kaoping.v1 import rulesets_pb2 as rs, rulesets_pb2_grpc
from kaoping_cli.rpc import _Bearer
from tests.support.apps import ROOT, SHIPPED
from tests.support.replicas import ServerProcess, issue_token
from tests.support.tls import self_signed


SYSTEMD = ROOT / "deploy" / "systemd"
EXE = "/opt/kaoping/venv/bin/kaoping-server"


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str
    parser.read(SYSTEMD / name, encoding="utf-8")
    return parser


def environment_file(path: Path) -> dict[str, str]:
    env = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        key, sep, value = line.partition("=")
        assert sep and re.fullmatch(r"[A-Z_][A-Z0-9_]*", key), f"bad line in {path.name}: {line!r}"
        assert " #" not in value, f"{key}: systemd does not strip comments after a value"
        env[key] = value
    return env


def expand(command: str, env: dict[str, str]) -> list[str]:
    """systemd's ExecStart expansion: a word `$VAR` becomes the value split at
    whitespace (zero or more words); `${VAR}` is replaced inside its word."""
    words = []
    for word in shlex.split(command):
        bare = re.fullmatch(r"\$([A-Za-z_][A-Za-z0-9_]*)", word)
        if bare:
            words += env.get(bare.group(1), "").split()
            continue
        words.append(re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", lambda m: env.get(m.group(1), ""), word))
    return words


def localize(words: list[str]) -> list[str]:
    assert words[0] == EXE, words[0]
    return [sys.executable, "-m", "kaoping.ops.server", *words[1:]]


def test_unit_files_pass_systemd_analyze_verify(tmp_path):
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed")
    for name in ("kaoping.service", "kaoping-backup.service", "kaoping-backup.timer"):
        # the binary the units name must exist for verify; point it at one that does
        text = (SYSTEMD / name).read_text(encoding="utf-8").replace(EXE, shutil.which("true"))
        (tmp_path / name).write_text(text, encoding="utf-8")
    result = subprocess.run(["systemd-analyze", "verify", *(str(tmp_path / n) for n in
                             ("kaoping.service", "kaoping-backup.service", "kaoping-backup.timer"))],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_unit_layout_matches_the_docs():
    service, backup = unit("kaoping.service")["Service"], unit("kaoping-backup.service")["Service"]
    env = environment_file(SYSTEMD / "kaoping.env")
    assert service["EnvironmentFile"] == backup["EnvironmentFile"] == "/etc/kaoping/kaoping.env"
    assert service["StateDirectory"] == "kaoping" and env["KAOPING_DB"] == "sqlite:////var/lib/kaoping/kaoping.db"
    log_file = f"/var/log/{service['LogsDirectory']}/kaoping.log"
    assert service["StandardOutput"] == service["StandardError"] == f"append:{log_file}"
    assert log_file in (SYSTEMD / "kaoping.logrotate").read_text(encoding="utf-8")
    assert service["KillSignal"] == "SIGTERM" and int(service["TimeoutStopSec"]) > 10   # server grace is 10 s
    assert env["KAOPING_BACKUP_DIR"] in backup["ReadWritePaths"].split()
    assert unit("kaoping-backup.timer")["Timer"]["Persistent"] == "true"
    readme = (ROOT / "deploy" / "README.md").read_text(encoding="utf-8")
    for path in ("/var/lib/kaoping", log_file, env["KAOPING_BACKUP_DIR"], "/etc/kaoping/kaoping.env"):
        assert path in readme, f"deploy/README.md does not mention {path}"


def test_the_units_command_lines_serve_back_up_and_stop(tmp_path):
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed (needed for the TLS certificate)")
    env = environment_file(SYSTEMD / "kaoping.env")
    folders = {"/var/lib/kaoping": tmp_path / "lib", "/var/backups/kaoping": tmp_path / "backups",
               "/etc/kaoping": tmp_path / "etc"}
    for key, value in env.items():
        for real, local in folders.items():
            value = value.replace(real, str(local))
        env[key] = value
    env["KAOPING_LISTEN"] = "127.0.0.1:0"           # loopback only in tests
    env["KAOPING_METRICS_LISTEN"] = "127.0.0.1:0"
    env["KAOPING_BACKUP_KEEP"] = "2"
    (tmp_path / "lib").mkdir()
    (tmp_path / "etc" / "rules").mkdir(parents=True)
    shutil.copy(SHIPPED, tmp_path / "etc" / "rules" / "township.yaml")
    cert, _ = self_signed(tmp_path / "etc" / "tls")
    process_env = {**os.environ, **env}

    token = issue_token(env["KAOPING_DB"])
    argv = localize(expand(unit("kaoping.service")["Service"]["ExecStart"], env))
    assert "--tls-cert" in argv and "--db" not in argv          # the URL comes from KAOPING_DB
    server = ServerProcess(argv, env=process_env, cwd=tmp_path / "lib").wait_ready()
    try:
        creds = grpc.ssl_channel_credentials(cert.read_bytes())
        channel = grpc.secure_channel(server.address, creds, options=[("grpc.ssl_target_name_override",
                                                                       "localhost")])
        health = health_pb2_grpc.HealthStub(channel)
        assert health.Check(health_pb2.HealthCheckRequest(), timeout=10).status == \
            health_pb2.HealthCheckResponse.SERVING
        rulesets = rulesets_pb2_grpc.RuleSetServiceStub(grpc.intercept_channel(channel, _Bearer(token)))
        assert rulesets.GetActiveRuleSet(rs.GetActiveRuleSetRequest(), timeout=10).ref.label == "sample 2026-2"
        channel.close()
        assert (tmp_path / "lib" / "kaoping.db").exists()
        assert '"logger": "kaoping"' in server.output()           # --log-format json

        backup = localize(expand(unit("kaoping-backup.service")["Service"]["ExecStart"], env))
        for _ in range(3):
            made = subprocess.run(backup, env=process_env, cwd=tmp_path / "lib", capture_output=True,
                                  text=True, timeout=60)
            assert made.returncode == 0, made.stdout + made.stderr
        kept = sorted((tmp_path / "backups").glob("kaoping-*.db"))
        assert len(kept) == 2                                      # KAOPING_BACKUP_KEEP
    finally:
        code = server.terminate(timeout=int(unit("kaoping.service")["Service"]["TimeoutStopSec"]))
    assert code == 0, server.output()
    assert "stopped" in server.output()
