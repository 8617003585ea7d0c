"""`kaoping rectification …` against the test server with real tokens: names for the
village, an input method's date for the deadline, Chinese output; the item on the
village's `kaoping month feedback` and its printed 《反馈通知单》 (整改事项, 逾期 marked)
until it is closed; a village token reads only its own and cannot write."""
from __future__ import annotations

from datetime import date

import pytest

from tests.support.cli import cli_refused, pdf_text, run, run_json
from tests.support.workflow import Clock

pytestmark = pytest.mark.usefixtures("grpc_server")
MONTH = "2026-12"


@pytest.fixture(scope="module")
def clock(grpc_servicer):
    clock = Clock(date(2026, 11, 25))
    grpc_servicer.today = clock
    return clock


def test_record_list_feedback_print_and_close_from_the_command_line(grpc_addr, tokens, clock, tmp_path):
    admin = tokens["admin"]
    clock.set(date(2026, 11, 25))
    result = run(grpc_addr, admin, "rectification", "record", "--village", "上山村", "--area", "班子自身建设",
                 "--problem", "会议记录不全", "--demand", "补齐全年会议记录", "--deadline", "２０２６年１１月３０日",
                 "--responsible", "村党支部书记 王建国", "--year", "2026")
    assert result.exit_code == 0, result.output
    assert "已登记整改事项" in result.stdout and "2026-11-30" in result.stdout and "整改中" in result.stdout
    items = run_json(grpc_addr, admin, "rectification", "list", "--village", "v01", "--open")["rectifications"]
    item = next(i for i in items if i["problem"] == "会议记录不全")
    assert (item["village_id"], item["deadline"], item["state"]) == ("v01", "2026-11-30", "open")

    bad = run(grpc_addr, admin, "rectification", "record", "--village", "上山村", "--problem", "p", "--demand", "d",
              "--deadline", "下个月", "--responsible", "r")
    assert bad.exit_code == 2 and "--deadline" in bad.stderr
    past = run(grpc_addr, admin, "rectification", "record", "--village", "上山村", "--problem", "p", "--demand", "d",
               "--deadline", "2026-11-01", "--responsible", "r", "--year", "2026")
    assert "整改期限" in cli_refused(past, "INVALID_ARGUMENT")

    clock.set(date(2026, 12, 5))   # past the deadline, not closed
    feedback = run(grpc_addr, admin, "month", "feedback", "--village", "上山村", "--month", MONTH)
    assert feedback.exit_code == 0, feedback.output
    assert "整改事项" in feedback.stdout and "会议记录不全" in feedback.stdout and "逾期未完成" in feedback.stdout
    pdf = tmp_path / "notice.pdf"
    printed = run(grpc_addr, admin, "print", "notice", "--village", "上山村", "--month", MONTH, str(pdf))
    assert printed.exit_code == 0, printed.output
    text = pdf_text(pdf)
    for expected in ("整改事项", "会议记录不全", "补齐全年会议记录", "2026-11-30", "王建国", "逾期未完成"):
        assert expected in text, expected

    closed = run(grpc_addr, admin, "rectification", "close", str(item["id"]), "--evidence", "会议记录本已补齐")
    assert closed.exit_code == 0, closed.output
    assert "已销号" in closed.stdout and "会议记录本已补齐" in closed.stdout
    again = run(grpc_addr, admin, "rectification", "close", str(item["id"]), "--evidence", "再次")
    assert "已于 2026-12-05 销号" in cli_refused(again, "FAILED_PRECONDITION")
    shown = run(grpc_addr, admin, "rectification", "show", str(item["id"]))
    assert shown.exit_code == 0 and "整改记录" in shown.stdout and "登记" in shown.stdout and "销号" in shown.stdout

    clock.set(date(2027, 1, 4))     # the next month's notice no longer lists it
    later = run(grpc_addr, admin, "month", "feedback", "--village", "上山村", "--month", "2027-01")
    assert later.exit_code == 0 and "会议记录不全" not in later.stdout


def test_a_village_token_reads_its_own_and_cannot_record(grpc_addr, tokens, clock):
    clock.set(date(2026, 11, 25))
    admin, village = tokens["admin"], tokens["village"]     # the village token is 上山村's
    for name in ("上山村", "火石村"):
        result = run(grpc_addr, admin, "rectification", "record", "--village", name, "--problem", f"{name}的问题",
                     "--demand", "整改", "--deadline", "2026-12-31", "--responsible", "村主任", "--year", "2026")
        assert result.exit_code == 0, result.output
    listed = run_json(grpc_addr, village, "rectification", "list")["rectifications"]
    assert {i["village_id"] for i in listed} == {"v01"}
    text = run(grpc_addr, village, "rectification", "list")
    assert "上山村的问题" in text.stdout and "火石村的问题" not in text.stdout
    refused = run(grpc_addr, village, "rectification", "record", "--village", "上山村", "--problem", "p",
                  "--demand", "d", "--deadline", "2026-12-31", "--responsible", "r")
    cli_refused(refused, "PERMISSION_DENIED")
