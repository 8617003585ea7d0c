"""`kaoping scores watch` (WatchScores in the CLI): the snapshot table, then one line
per official whose score changed, as it changes; --output json prints one JSON object
per update; a village token watching another village is refused (exit 1). Real CLI
code in-process, real gRPC server, real tokens."""
from __future__ import annotations

import json
import threading
import time

import pytest

from kaoping.v1 import evaluation_pb2 as ev
from kaoping.v1 import facts_pb2 as fx
from tests.support.cli import run
from tests.support.facts import fact

pytestmark = pytest.mark.usefixtures("grpc_server")
grpc_max_workers = 4   # the watch holds a thread while the test submits
MONTH = "2026-08"


def _watch_then_submit(grpc_addr, grpc_servicer, token, stubs, official, *args):
    """Runs `kaoping scores watch ... --updates 1` on a thread; once its snapshot is out,
    submits one fact for `official`; returns the command's result."""
    result = {}
    thread = threading.Thread(target=lambda: result.update(r=run(
        grpc_addr, token, "scores", "watch", "--month", MONTH, "--updates", "1", *args)), daemon=True)
    thread.start()
    hub = grpc_servicer.watch
    end = time.monotonic() + 30
    while not (hub.watching() == 1 and hub.idle()) and time.monotonic() < end:
        time.sleep(0.02)
    stubs.facts.SubmitFact(fx.SubmitFactRequest(fact=fact(month=MONTH, official=official, quantity="2")))
    thread.join(30)
    assert not thread.is_alive(), "the watch did not end after one update"
    return result["r"]


def test_watch_prints_the_table_then_the_changed_official(grpc_addr, grpc_servicer, tokens, stubs):
    result = _watch_then_submit(grpc_addr, grpc_servicer, tokens["admin"], stubs, "v02-1", "--village", "v02")
    assert result.exit_code == 0, result.output
    table, _, rest = result.stdout.partition("正在实时显示")
    village = stubs.evaluation.GetMonthlyScores(ev.GetMonthlyScoresRequest(month=MONTH, village_id="v02"))
    assert all(s.official_name in table for s in village.scores)   # the snapshot: the village's officials
    changed = [line for line in rest.splitlines()[1:] if line.strip()]
    assert len(changed) == 1 and "v02-1" in changed[0] and "总分 98" in changed[0], rest


def test_watch_json_is_one_object_per_update(grpc_addr, grpc_servicer, tokens, stubs):
    result = _watch_then_submit(grpc_addr, grpc_servicer, tokens["admin"], stubs, "v03-1",
                                "--official", "v03-1", "--output", "json")
    assert result.exit_code == 0, result.output
    snapshot, update = [json.loads(line) for line in result.stdout.splitlines()]
    assert snapshot["snapshot"] and [s["official_id"] for s in snapshot["scores"]] == ["v03-1"]
    assert not update["snapshot"] and update["scores"][0]["total"] == "98"


def test_a_village_token_may_not_watch_another_village(grpc_addr, tokens):
    result = run(grpc_addr, tokens["village"], "scores", "watch", "--month", MONTH, "--village", "v02")
    assert result.exit_code == 1 and "村级令牌只能查看本村" in result.stderr


def test_an_unknown_action_is_a_usage_error(grpc_addr, tokens):
    result = run(grpc_addr, tokens["admin"], "scores", "follow", "--month", MONTH)
    assert result.exit_code == 2 and "watch" in result.stderr
