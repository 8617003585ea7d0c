"""Shell niceties: an example in every command's --help (and every example names a real
command), shell completion, `--output json` on the read commands, and the exit codes."""
from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys

import pytest
import typer

from kaoping_cli import helptext
from kaoping_cli.main import app
from tests.support.cli import run
from tests.support.facts import fact

pytestmark = pytest.mark.usefixtures("grpc_server")
MONTH = "2026-10"


def _commands(command, path=()):
    """Every command and group of the click tree, as (path, command)."""
    yield path, command
    for name, sub in getattr(command, "commands", {}).items():
        yield from _commands(sub, path + (name,))


def _tree():
    return typer.main.get_command(app)


def test_every_command_has_help_with_an_example():
    missing = []
    for path, _ in _commands(_tree()):
        result = run("127.0.0.1:9", "", *path, "--help")
        assert result.exit_code == 0, (path, result.output)
        if "Example" not in result.output:
            missing.append(" ".join(path) or "kaoping")
    assert not missing, f"commands whose --help has no example: {missing}"


def test_every_example_names_an_existing_command_and_parses():
    root = _tree()
    for path, lines in helptext.EXAMPLES.items():
        for line in lines:
            words = shlex.split(line.split("  #")[0])
            assert words[0] == "kaoping", line
            words = words[1:]
            while words and words[0].startswith("--") and words[0] not in ("--install-completion",):
                words = words[2:]                                   # global options with a value
            command = root
            while words and hasattr(command, "commands") and words[0] in command.commands:
                command = command.commands[words.pop(0)]
            if path:
                assert command is not root, f"{line!r} names no command"
            ctx = command.make_context("kaoping", list(words), resilient_parsing=True)  # options parse
            assert ctx is not None


def test_shell_completion_completes_commands_options_and_choices():
    env = dict(os.environ, _KAOPING_COMPLETE="complete_bash", COMP_WORDS="kaoping exp", COMP_CWORD="1")
    out = subprocess.run(["kaoping"], env=env, capture_output=True, text=True, timeout=60).stdout.split()
    assert "export" in out
    env.update(COMP_WORDS="kaoping export pay --format ", COMP_CWORD="4")
    out = subprocess.run(["kaoping"], env=env, capture_output=True, text=True, timeout=60).stdout.split()
    assert out == ["xlsx", "csv", "json"]
    # the shell named outright: typer otherwise detects it from the parent processes, which
    # fails when pytest runs without a shell above it (then the option takes no value)
    script = subprocess.run(["kaoping", "--show-completion", "bash"], capture_output=True, text=True, timeout=60,
                            env=dict(os.environ, _TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION="1"))
    assert "_KAOPING_COMPLETE=complete_bash" in script.stdout


def test_village_ids_complete_from_the_server(grpc_addr, tokens):
    env = dict(os.environ, _KAOPING_COMPLETE="complete_bash", COMP_WORDS="kaoping print notice --village v1",
               COMP_CWORD="4", KAOPING_SERVER=grpc_addr, KAOPING_TOKEN=tokens["reader"])
    out = subprocess.run(["kaoping"], env=env, capture_output=True, text=True, timeout=60).stdout.split()
    assert out == [f"v{n}" for n in range(10, 18)]


@pytest.fixture(scope="module")
def a_fact(stubs):
    receipt = stubs.facts.SubmitFact(__import__("kaoping.v1.facts_pb2", fromlist=["x"]).SubmitFactRequest(
        fact=fact("v01-1", month=MONTH, note="10月8日例会缺席")))
    return receipt.fact_id


@pytest.mark.parametrize("args, key", [
    (("villages",), "villages"),
    (("officials", "--village", "v01"), "officials"),
    (("fact", "list", "--month", MONTH), "facts"),
    (("scores", "--month", MONTH, "--village", "v01"), "scores"),
    (("ranking", "--month", MONTH), "villages"),
    (("notice", "--village", "v01", "--month", MONTH), "officials"),
    (("explain", "--official", "v01-1", "--month", MONTH), "categories"),
    (("audit", "--limit", "5"), "entries"),
    (("rules", "list"), "versions"),
])
def test_read_commands_speak_json_for_scripts(grpc_addr, tokens, a_fact, args, key):
    result = run(grpc_addr, tokens["admin"], *args, "--output", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert key in data and data[key], data


def test_json_keeps_chinese_and_numbers(grpc_addr, tokens, a_fact):
    result = run(grpc_addr, tokens["admin"], "fact", "list", "--month", MONTH, "--output", "json")
    assert "10月8日例会缺席" in result.stdout                        # not \\u escapes
    [stored] = [f for f in json.loads(result.stdout)["facts"] if f["id"] == a_fact]
    assert isinstance(stored["id"], int) and stored["fact"]["quantity"] == "1"
    villages = json.loads(run(grpc_addr, tokens["admin"], "villages", "--output", "json").stdout)["villages"]
    assert villages[0] == {"id": "v01", "township_id": "dahedian", "name": "上山村", "attributes": {}}
    dry = run(grpc_addr, tokens["admin"], "rules", "dry-run", "rules/township-sample.yaml", "--month", MONTH,
              "--output", "json")
    assert dry.exit_code == 0 and "unchanged" in json.loads(dry.stdout)


def test_exit_codes(grpc_addr, tokens, tmp_path):
    assert run(grpc_addr, tokens["admin"], "villages").exit_code == 0
    assert run(grpc_addr, tokens["reader"], "export", "audit", "-").exit_code == 1          # refused
    assert run(grpc_addr, tokens["admin"], "export", "pay", "--format", "pdf").exit_code == 2   # usage
    assert run(grpc_addr, tokens["admin"], "villages", "--output", "yaml").exit_code == 2
    for args in (("import", "--template", str(tmp_path / "t.xlsx")),
                 ("print", "notice", "--village", "v01", "--month", MONTH),
                 ("export", "scores", "--month", MONTH, "-")):
        result = run("127.0.0.1:9", "x", *args)
        assert result.exit_code == 3 and "无法连接 kaoping 服务器 127.0.0.1:9" in result.stderr, args
        assert result.stdout == "", args


def test_the_cli_runs_as_a_module_with_the_same_connection(grpc_addr, tokens):
    result = subprocess.run([sys.executable, "-m", "kaoping_cli.main", "--server", grpc_addr, "--token",
                             tokens["admin"], "export", "scores", "--month", MONTH, "--format", "json", "-"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout)["kind"] == "scores"
