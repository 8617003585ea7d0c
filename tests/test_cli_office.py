"""The office's workflow in the CLI (issue 15, point 6): guided `kaoping fact add` asks
whether the month is open before anything else; a one-line `fact add` identical to a
fact already entered that month asks before recording it again (refused without a
terminal unless --yes); `kaoping scores` readable in 80 columns. Real CLI code, real
gRPC server, real tokens."""
from __future__ import annotations

import pytest

from kaoping.v1 import facts_pb2 as fx
from kaoping.v1 import workflow_pb2 as wf
from kaoping_cli import fact_checks
from tests.support.cli import run, run_json, table_lines, width

pytestmark = pytest.mark.usefixtures("grpc_server")
MONTH = "2026-10"
CLOSED = "2026-06"


def _facts(stubs, official: str, month: str = MONTH):
    return [f for f in stubs.facts.ListFacts(fx.ListFactsRequest(month=month, official_id=official)).facts]


# the month must be open ---------------------------------------------------------------------
def test_guided_entry_on_a_closed_month_stops_before_asking_anything(grpc_addr, tokens, stubs):
    stubs.workflow.Aggregate(wf.MonthRequest(month=CLOSED))
    for args, answers in ((("--month", CLOSED), ""), ((), CLOSED + "\n")):
        result = run(grpc_addr, tokens["admin"], "fact", "add", "-i", *args, input=answers)
        assert result.exit_code == 1, result.output
        assert f"{CLOSED} 的考评状态为「已汇总」，不再接受事实录入" in result.stderr
        assert "kaoping month reopen" in result.stderr
        assert "考评人" not in result.stdout and "村干部" not in result.stdout   # nothing else was asked
    assert _facts(stubs, "v01-1", CLOSED) == []


def test_guided_entry_on_an_open_month_goes_on_to_the_questions(grpc_addr, tokens):
    result = run(grpc_addr, tokens["admin"], "fact", "add", "-i", "--month", "２０２６－１０", input="")
    assert result.exit_code == 1 and "已取消，未记录" in result.output    # ran out of answers at the scorer
    assert "考评人（你是谁）" in result.stdout


# the same fact twice ----------------------------------------------------------------------
ARGS = ("fact", "add", "--official", "v03-1", "--month", MONTH, "--category", "attendance", "--kind",
        "meeting_absent", "--scorer", "main-01", "--note", "10月15日例会")


def test_an_identical_one_line_fact_is_refused_without_a_terminal_unless_yes(grpc_addr, tokens, stubs):
    first = run(grpc_addr, tokens["admin"], *ARGS)
    assert first.exit_code == 0, first.output
    [original] = _facts(stubs, "v03-1")

    again = run(grpc_addr, tokens["admin"], *ARGS)
    assert again.exit_code == 1 and again.stdout == ""
    assert f"已录入过相同的事实 #{original.id}" in again.stderr and "--yes" in again.stderr
    # the same with the quantity written differently, or from an input method, is the same fact
    assert run(grpc_addr, tokens["admin"], *ARGS, "--quantity", "１.0").exit_code == 1
    assert len(_facts(stubs, "v03-1")) == 1

    # another note, another date or another kind is another fact: no question
    other = run(grpc_addr, tokens["admin"], *ARGS[:-1], "10月22日例会")
    assert other.exit_code == 0, other.output
    forced = run(grpc_addr, tokens["admin"], *ARGS, "--yes")
    assert forced.exit_code == 0 and "已记录事实 #" in forced.stdout
    assert len(_facts(stubs, "v03-1")) == 3


def test_on_a_terminal_the_duplicate_question_takes_shi_or_fou(grpc_addr, tokens, stubs, monkeypatch):
    monkeypatch.setattr(fact_checks, "stdin_is_terminal", lambda: True)
    args = ("fact", "add", "--official", "v04-2", "--month", MONTH, "--category", "attendance", "--kind",
            "meeting_late", "--quantity", "2", "--scorer", "main-01")
    assert run(grpc_addr, tokens["admin"], *args).exit_code == 0
    [first] = _facts(stubs, "v04-2")
    declined = run(grpc_addr, tokens["admin"], *args, input="否\n")
    assert declined.exit_code == 0
    assert f"已录入过相同的事实 #{first.id}，仍要再记录一次吗？ [是/否]" in declined.stdout
    assert "未记录。" in declined.stdout and len(_facts(stubs, "v04-2")) == 1
    accepted = run(grpc_addr, tokens["admin"], *args, input="也许\n是\n")
    assert accepted.exit_code == 0 and "请回答 是 或 否" in accepted.output
    assert "已记录事实 #" in accepted.stdout and len(_facts(stubs, "v04-2")) == 2


def test_a_voided_fact_does_not_count_as_already_entered(grpc_addr, tokens, stubs):
    args = ("fact", "add", "--official", "v05-3", "--month", MONTH, "--category", "attendance", "--kind",
            "travel_unreported", "--scorer", "main-01", "--note", "外出")
    assert run(grpc_addr, tokens["admin"], *args).exit_code == 0
    [fact] = _facts(stubs, "v05-3")
    corrected = run(grpc_addr, tokens["admin"], "fact", "correct", str(fact.id), "--reason", "录错人",
                    "--scorer", "main-01")
    assert corrected.exit_code == 0 and f"事实 #{fact.id} 已由更正 #" in corrected.stdout
    again = run(grpc_addr, tokens["admin"], *args)
    assert again.exit_code == 0, again.output
    assert len([f for f in _facts(stubs, "v05-3") if not f.voids_fact_id and not f.voided_by_fact_id]) == 1


def test_the_same_key_again_is_the_first_receipt_not_a_question(grpc_addr, tokens, stubs):
    args = ("fact", "add", "--official", "v06-1", "--month", MONTH, "--category", "attendance", "--kind",
            "meeting_absent", "--scorer", "main-01", "--key", "office-same-key")
    assert run(grpc_addr, tokens["admin"], *args).exit_code == 0
    again = run(grpc_addr, tokens["admin"], *args)
    assert again.exit_code == 0 and "此前已记录为事实 #" in again.stdout
    assert len(_facts(stubs, "v06-1")) == 1


# scores at 80 columns -------------------------------------------------------------------------
def test_scores_fit_80_columns_with_chinese_headers_and_whole_names_and_totals(grpc_addr, tokens):
    run(grpc_addr, tokens["admin"], "fact", "add", "--official", "v02-2", "--month", MONTH, "--category",
        "study", "--kind", "study_absent", "--scorer", "main-01", "--yes")
    data = run_json(grpc_addr, tokens["admin"], "scores", "--month", MONTH)
    narrow = run(grpc_addr, tokens["admin"], "scores", "--month", MONTH, env={"COLUMNS": "80"})
    assert narrow.exit_code == 0, narrow.output
    lines = narrow.stdout.splitlines()
    assert max(width(line) for line in lines) <= 80
    [table] = table_lines(narrow.stdout)
    header = table[1]
    for name in ("村", "村干部", "总分", "等次", "报酬(元)", "失分"):
        assert name in header, header
    rows = [line for line in table if line.startswith("│")]
    for s in data["scores"]:
        # each official on one line with the whole name, total, grade and pay (no wrapping)
        assert any(s["official_name"] in r and f" {s['total']} " in r and s["pay"] in r for r in rows), s
    lost = next(s for s in data["scores"] if s["official_id"] == "v02-2")
    study = next(c for c in lost["categories"] if c["category"] == "study")
    assert study["score"] != study["max"]
    assert any(lost["official_name"] in r and "日常学习" in r for r in rows)

    wide = run(grpc_addr, tokens["admin"], "scores", "--month", MONTH, "--wide", env={"COLUMNS": "80"})
    [full] = table_lines(wide.stdout)
    assert "日常学习" in full[1] and "出勤履职" in full[1] and "失分" not in full[1]
    roomy = run(grpc_addr, tokens["admin"], "scores", "--month", MONTH, env={"COLUMNS": "200"})
    assert "出勤履职" in table_lines(roomy.stdout)[0][1]                # the full table when it fits
