"""Guided manual entry (`kaoping fact add` step by step) through the real CLI code
against the real gRPC server with real tokens; the flag-driven form is unchanged."""
from __future__ import annotations

import pytest

from kaoping.v1 import facts_pb2 as fx
from kaoping_cli.entry import normal_month, quantity_problem, resolve
from tests.support.cli import run, table_lines, width

# the CLI dials grpc_addr itself: the module's server must be up even when no stub is used
pytestmark = pytest.mark.usefixtures("grpc_server")
MONTH = "2026-10"


def _facts(stubs, official: str):
    return [f for f in stubs.facts.ListFacts(fx.ListFactsRequest(month=MONTH, official_id=official)).facts]


def test_flag_driven_add_works_exactly_as_before(grpc_addr, tokens, stubs):
    args = ("fact", "add", "--official", "v02-1", "--month", MONTH, "--category", "attendance", "--kind",
            "meeting_absent", "--scorer", "main-01", "--note", "10月8日例会", "--key", "entry-flags-1")
    first = run(grpc_addr, tokens["admin"], *args)
    assert first.exit_code == 0, first.output
    assert first.stdout.startswith("已记录事实 #") and "此前" not in first.output
    again = run(grpc_addr, tokens["admin"], *args)     # the same key: the first receipt, no question
    assert again.exit_code == 0 and "此前已记录为事实 #" in again.output
    stored = _facts(stubs, "v02-1")
    assert [(f.fact.kind, f.fact.quantity, f.fact.note) for f in stored] == [("meeting_absent", "1", "10月8日例会")]


def test_a_missing_option_without_a_terminal_is_the_usual_usage_error(grpc_addr, tokens):
    result = run(grpc_addr, tokens["admin"], "fact", "add", "--category", "attendance", "--kind",
                 "meeting_absent", "--scorer", "main-01")
    assert result.exit_code == 2
    assert "错误：缺少选项 '--official'。" in result.stderr and result.stdout == ""
    result = run(grpc_addr, tokens["admin"], "fact", "add", "--official", "v01-1", "--category", "attendance",
                 "--kind", "meeting_absent")
    assert result.exit_code == 2 and "错误：缺少选项 '--scorer'。" in result.stderr


def test_step_by_step_offers_only_the_categories_of_the_scorers_role(grpc_addr, tokens, stubs):
    # the station scores only 便民服务 (convenience) in the shipped rule set
    answers = "\n".join([MONTH, "station-01", "上山村", "2", "", "services_handled", "12", "10月办件", "是", "否"])
    result = run(grpc_addr, tokens["station"], "fact", "add", "--interactive", input=answers + "\n")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "便民服务" in out and "convenience" in out
    for other in ("出勤履职", "日常学习", "镇村中心工作及重点工作", "班子自身建设"):
        assert other not in out, f"{other} offered to a station scorer"
    assert "朱玉梅" in out or "v01-2" in out                     # the officials of 上山村 were listed
    assert "将记录" in out and "12 件" in out                     # what will be recorded, with the unit
    assert "已记录事实 #" in out
    [stored] = _facts(stubs, "v01-2")
    assert (stored.fact.category, stored.fact.kind, stored.fact.quantity, stored.fact.note,
            stored.fact.scorer_id, stored.fact.source) == ("convenience", "services_handled", "12", "10月办件",
                                                           "station-01", "cli")


def test_step_by_step_re_asks_bad_answers_and_records_nothing_unless_confirmed(grpc_addr, tokens, stubs):
    before = len(_facts(stubs, "v03-2"))
    answers = "\n".join([
        "2099-99",             # not a month: asked again
        MONTH, "火星村",        # no such village: asked again (the scorer is given)
        "硬湾村", "v03-2",
        "study",               # not a category of contact_leader: asked again
        "镇村中心工作及重点工作",  # by name
        "task_not_done",
        "0", "abc", "2",       # quantity must be a number above zero
        "", "也许", "否", "n"])  # no note; not a yes/no: asked again; do not record; no other fact
    result = run(grpc_addr, tokens["admin"], "fact", "add", "-i", "--scorer", "contact-01",
                 input=answers + "\n")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "不是月份" in out and "不是可选项" in out and "不是数字" in out and "数量须大于 0" in out
    assert "请回答 是 或 否" in out
    assert "日常学习" not in out and "便民服务" not in out          # contact_leader does not score these
    assert "班子自身建设" in out                                    # ... but does score this
    assert "未记录。" in out
    assert len(_facts(stubs, "v03-2")) == before


def test_missing_options_with_interactive_prompt_only_for_what_is_missing(grpc_addr, tokens, stubs):
    answers = "\n".join(["y", "n"])
    result = run(grpc_addr, tokens["admin"], "fact", "add", "-i", "--official", "v04-1", "--month", MONTH,
                 "--category", "attendance", "--kind", "meeting_late", "--quantity", "2", "--note", "迟到两次",
                 "--scorer", "main-01", input=answers + "\n")
    assert result.exit_code == 0, result.output
    assert "请选择" not in result.output                            # nothing left to choose
    [stored] = _facts(stubs, "v04-1")
    assert (stored.fact.kind, stored.fact.quantity, stored.fact.note) == ("meeting_late", "2", "迟到两次")


def test_running_out_of_answers_cancels_without_recording(grpc_addr, tokens, stubs):
    before = len(_facts(stubs, "v05-1"))
    result = run(grpc_addr, tokens["admin"], "fact", "add", "-i", input=MONTH + "\n")
    assert result.exit_code == 1
    assert "已取消，未记录" in result.output
    assert len(_facts(stubs, "v05-1")) == before


def test_chinese_names_line_up_in_tables(grpc_addr, tokens):
    """Every line of a box-drawn table has the same width on a terminal, counting
    Chinese characters as two columns (measured independently of Rich)."""
    answers = "\n".join([MONTH, "main-01", "李家坝村", "3", "attendance", "无故缺席镇会议", "1", "缺席", "n", "n"])
    outputs = [run(grpc_addr, tokens["admin"], "fact", "add", "-i", input=answers + "\n").output,
               run(grpc_addr, tokens["admin"], "officials", "--village", "v14").output,
               run(grpc_addr, tokens["admin"], "villages").output]
    tables = [t for out in outputs for t in table_lines(out)]
    assert len(tables) >= 6
    assert any("李家坝村" in line for t in tables for line in t)
    for table in tables:
        widths = {width(line) for line in table}
        assert len(widths) == 1, "\n".join(table)


def test_choices_resolve_by_number_id_name_or_both():
    items = [("v01", "上山村"), ("v02", "火石村")]
    keys = lambda v: v  # noqa: E731
    assert resolve("v02", items, keys) == ("v02", "火石村")
    assert resolve("上山村", items, keys) == ("v01", "上山村")
    assert resolve("v01 上山村", items, keys) == ("v01", "上山村")
    assert resolve("v09", items, keys) is None
    assert normal_month("2026年3月") == "2026-03" and normal_month("2026/10") == "2026-10"
    assert normal_month("2026-13") == "" and normal_month("abc") == ""
    assert quantity_problem("2.5", "10") == "" and quantity_problem("11", "10") and quantity_problem("-1")
