"""`kaoping print year-report | reward-decision | reward-sheet` through the real CLI against
a real gRPC server (issue 20.5): files written into --out as PDF and XLSX, figures not yet
approved marked 暂定（未经会议审定）, the reward decision and pay sheet refused before the
meeting approved the year (exit 1, the reason in Chinese, nothing written), a bad --year a
usage error."""
from __future__ import annotations

import pytest
from openpyxl import load_workbook

from kaoping.v1 import facts_pb2 as fx
from tests.support.cli import pdf_text, publish, run
from tests.support.facts import fact

pytestmark = pytest.mark.usefixtures("grpc_server")
YEAR, MONTH = "2026", "2026-10"


@pytest.fixture(scope="module")
def a_month(grpc_servicer, stubs, grpc_channel):
    result = stubs.facts.SubmitFacts(iter([fx.FactBatch(facts=[fact("v01-1", month=MONTH, note="例会缺席")])]))
    assert result.rejected == 0, result
    publish(grpc_servicer, stubs, grpc_channel, MONTH)
    return MONTH


def test_the_year_report_of_a_year_not_approved_is_marked_provisional(grpc_addr, tokens, a_month, tmp_path):
    result = run(grpc_addr, tokens["admin"], "print", "year-report", "--year", YEAR, "--village", "上山村",
                 "--format", "both", "--out", str(tmp_path / "年终"))
    assert result.exit_code == 0, result.output
    pdf, xlsx = tmp_path / "年终" / "年度考核结果通报-2026-v01.pdf", tmp_path / "年终" / "年度考核结果通报-2026-v01.xlsx"
    assert pdf.exists() and xlsx.exists() and str(pdf) in result.stdout
    flat = "".join(pdf_text(pdf).split())
    assert "上山村2026年度村干部考核结果通报" in flat and "暂定（未经会议审定）" in flat and "盖章处" in flat
    assert "火石村" not in flat
    cells = [c for ws in load_workbook(xlsx).worksheets for row in ws.iter_rows(values_only=True) for c in row if c]
    assert any("暂定（未经会议审定）" in str(c) for c in cells)


@pytest.mark.parametrize("command", ["reward-decision", "reward-sheet"])
def test_no_decision_or_pay_sheet_before_the_meeting(grpc_addr, tokens, a_month, tmp_path, command):
    result = run(grpc_addr, tokens["admin"], "print", command, "--year", YEAR, "--format", "both",
                 "--out", str(tmp_path))
    assert result.exit_code == 1, result.output
    assert result.stdout == "" and "尚未经会议审定" in result.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("year", ["1999", "2101"])
def test_a_year_out_of_range_is_a_usage_error(grpc_addr, tokens, tmp_path, year):
    result = run(grpc_addr, tokens["admin"], "print", "year-report", "--year", year, "--out", str(tmp_path))
    assert result.exit_code == 2 and list(tmp_path.iterdir()) == []


def test_a_year_the_cli_takes_but_the_server_refuses_writes_nothing(grpc_addr, tokens, tmp_path):
    result = run(grpc_addr, tokens["admin"], "print", "year-report", "--year", "2100", "--out", str(tmp_path))
    assert result.exit_code == 1 and "年份 2100 不对" in result.stderr and list(tmp_path.iterdir()) == []
