"""`kaoping import`: Excel/CSV sheets of facts through SubmitFacts (many facts per stream
message), with a report of rejected rows, idempotent re-runs and the template."""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from openpyxl import load_workbook

from kaoping.v1 import facts_pb2 as fx
from kaoping_cli import importer
from tests.support.cli import run, sheet_rows
from tests.support.calls import list_all

# the CLI dials grpc_addr itself: the module's server must be up even when no stub is used
pytestmark = pytest.mark.usefixtures("grpc_server")
MONTH = "2026-10"


def _month_facts(stubs, village: str = "") -> list:
    return list_all(stubs.facts.ListFacts, fx.ListFactsRequest(month=MONTH, village_id=village), "facts")


def _template(addr, token, path: Path) -> Path:
    result = run(addr, token, "import", "--template", str(path))
    assert result.exit_code == 0, result.output
    return path


def _fill(path: Path, rows: list[list], start: int = 2) -> None:
    """Types rows into the template's first sheet from row `start`, as a person would."""
    book = load_workbook(path)
    ws = book.worksheets[0]
    for r, values in enumerate(rows, start=start):
        for c, value in enumerate(values, start=1):
            ws.cell(row=r, column=c, value=value)
    book.save(path)


def _report(result) -> dict:
    return json.loads(result.stdout)


def test_the_template_has_headers_dropdowns_and_a_guide(grpc_addr, tokens, tmp_path):
    path = _template(grpc_addr, tokens["admin"], tmp_path / "t.xlsx")
    book = load_workbook(path)
    assert book.sheetnames == [importer.TEMPLATE_SHEET, importer.LISTS_SHEET, importer.GUIDE_SHEET]
    ws = book.worksheets[0]
    assert [c.value for c in ws[1]] == [c.label for c in importer.COLUMNS]
    assert ws.max_row == 1                          # no data rows: nothing would be imported by accident
    assert ws.freeze_panes == "A2"
    formulas = {str(dv.sqref): dv.formula1 for dv in ws.data_validations.dataValidation if dv.type == "list"}
    assert formulas["D2:D1001"].startswith(f"='{importer.LISTS_SHEET}'!$B$2")    # officials
    lists = book[importer.LISTS_SHEET]
    values = {c.value for col in lists.iter_cols() for c in col}
    assert {"v01 上山村", "v01-1 徐永福", "attendance 出勤履职", "meeting_absent 无故缺席镇会议",
            "station-01 便民服务站（示例）"} <= values
    guide = "\n".join(str(c.value) for row in book[importer.GUIDE_SHEET].iter_rows() for c in row if c.value)
    assert "kaoping import" in guide and "便民服务办件" in guide


def test_import_reports_each_rejected_row_keeps_the_good_ones_and_a_rerun_imports_nothing_twice(
        grpc_addr, tokens, stubs, tmp_path):
    path = _template(grpc_addr, tokens["admin"], tmp_path / "2026-10.xlsx")
    good = [
        [MONTH, None, "v01 上山村", "v01-1 徐永福", "attendance 出勤履职", "meeting_absent 无故缺席镇会议", 1,
         "10月8日例会缺席", "main-01 镇党委主要领导（示例）"],
        [MONTH, None, "上山村", "朱玉梅", "key_tasks", "task_not_done", 2, None, "contact-01"],   # by name
        [None, "2026-10-09", None, "v02-1", "attendance", "meeting_late", "1", None, "main-01"],    # a date
    ]
    bad = [
        [MONTH, None, "上山村", "王大明", "attendance", "meeting_absent", 1, None, "main-01"],      # no such name
        [MONTH, None, None, "v01-3", "study", "study_absent", 1, None, "station-01"],           # not its category
        [MONTH, None, None, "v01-4", "attendance", "meeting_absent", "两", None, "main-01"],      # not a number
        ["2026-12", None, None, "v01-5", "attendance", "meeting_absent", 1, None, "main-01"],    # future month
    ]
    _fill(path, good + bad)
    before = len(_month_facts(stubs))
    first = run(grpc_addr, tokens["admin"], "import", str(path), "--output", "json")
    assert first.exit_code == 1, first.output                   # some rows were rejected
    report = _report(first)
    assert (report["rows"], report["imported"], report["already_imported"], report["rejected"]) == (7, 3, 0, 4)
    reasons = {r["row"]: " ".join(r["reasons"]) for r in report["rejections"]}
    assert set(reasons) == {5, 6, 7, 8}                         # spreadsheet row numbers (header is row 1)
    assert "王大明" in reasons[5] and "上山村" in reasons[5]
    assert "考评人 scorer" in reasons[6] and "study is scored by" in reasons[6]
    assert "数量 quantity" in reasons[7] and "not a number" in reasons[7]
    assert "月份 month" in reasons[8] and "future" in reasons[8]
    assert len(_month_facts(stubs)) == before + 3

    # the same file again: nothing new
    again = _report(run(grpc_addr, tokens["admin"], "import", str(path), "--output", "json"))
    assert (again["imported"], again["already_imported"], again["rejected"]) == (0, 3, 4)
    assert len(_month_facts(stubs)) == before + 3

    # fix the rejected rows in the same file, saved under another name as Excel's "Save as" would
    _fill(path, [
        [MONTH, None, "上山村", "徐永福", "attendance", "meeting_absent", 1, None, "main-01"],
        [MONTH, None, None, "v01-3", "study", "study_absent", 1, None, "main-01"],
        [MONTH, None, None, "v01-4", "attendance", "meeting_absent", 2, None, "main-01"],
        [MONTH, None, None, "v01-5", "attendance", "meeting_absent", 1, None, "main-01"],
    ], start=5)
    fixed_copy = tmp_path / "2026-10 (2).xlsx"
    path.rename(fixed_copy)
    fixed = run(grpc_addr, tokens["admin"], "import", str(fixed_copy))
    assert fixed.exit_code == 0, fixed.output
    assert "汇入 4 行，此前已汇入 3 行，未汇入 0 行" in fixed.output
    assert len(_month_facts(stubs)) == before + 7
    last = _report(run(grpc_addr, tokens["admin"], "import", str(fixed_copy), "--output", "json"))
    assert (last["imported"], last["already_imported"], last["rejected"]) == (0, 7, 0)
    facts = [f.fact for f in _month_facts(stubs) if f.fact.source == "import"]
    assert len(facts) == 7 and len({f.idempotency_key for f in facts}) == 7


def test_the_table_report_names_rows_and_reasons_and_says_what_to_do(grpc_addr, tokens, tmp_path):
    path = tmp_path / "typo.csv"
    path.write_text("村干部,考评类别,事项,数量,考评人,月份\n"
                    "v06-1,attendance,meeting_absent,1,main-01,2026-10\n"
                    "v06-2,attendance,no_such_kind,1,main-01,2026-10\n", encoding="utf-8")
    result = run(grpc_addr, tokens["admin"], "import", str(path))
    assert result.exit_code == 1
    assert "未汇入的行" in result.output and "no_such_kind" in result.output
    assert "unknown kind" in result.output                 # the server's reason
    assert "汇入 1 行" in result.output and "未汇入 1 行" in result.output
    assert "再运行同一命令" in result.output
    assert "2/2" in result.output                          # the progress bar's final state: both rows sent


def test_identical_rows_are_separate_facts_and_still_never_imported_twice(grpc_addr, tokens, stubs, tmp_path):
    path = tmp_path / "twice.csv"
    row = "v07-1,attendance,meeting_late,1,main-01,2026-10,迟到\n"
    path.write_text("村干部,考评类别,事项,数量,考评人,月份,备注\n" + row + row, encoding="utf-8")
    first = _report(run(grpc_addr, tokens["admin"], "import", str(path), "--output", "json"))
    assert first["imported"] == 2
    second = _report(run(grpc_addr, tokens["admin"], "import", str(path), "--output", "json"))
    assert (second["imported"], second["already_imported"]) == (0, 2)
    assert len([f for f in _month_facts(stubs, "v07") if f.fact.kind == "meeting_late"]) == 2


def test_csv_from_excel_on_chinese_windows_gb18030_with_simplified_headers(grpc_addr, tokens, stubs, tmp_path):
    path = tmp_path / "gbk.csv"
    text = "月份,村,村干部,考评类别,事项,数量,备注,考评人\r\n2026-10,上山村,v01-6,attendance,meeting_absent,1,简体备注,main-01\r\n"
    path.write_bytes(text.encode("gb18030"))
    result = run(grpc_addr, tokens["admin"], "import", str(path), "--output", "json")
    assert result.exit_code == 0, result.output
    assert _report(result)["imported"] == 1
    [stored] = [f for f in _month_facts(stubs, "v01") if f.fact.official_id == "v01-6"]
    assert stored.fact.note == "简体备注"


def test_a_scorer_token_imports_without_a_scorer_column(grpc_addr, tokens, stubs, tmp_path):
    path = tmp_path / "station.csv"
    path.write_text("月份,村干部,考评类别,事项,数量\n2026-10,v08-1,便民服务,便民服务办件,30\n", encoding="utf-8-sig")
    result = run(grpc_addr, tokens["station"], "import", str(path), "--output", "json")
    assert result.exit_code == 0, result.output
    [stored] = [f for f in _month_facts(stubs, "v08") if f.fact.official_id == "v08-1"]
    assert (stored.fact.scorer_id, stored.fact.kind, stored.fact.quantity) == ("station-01", "services_handled", "30")


def test_many_rows_stream_as_several_messages_of_many_facts(grpc_addr, tokens, stubs, tmp_path, monkeypatch):
    officials = [f"v{v:02d}-{p}" for v in range(9, 18) for p in range(1, 7)]
    lines = ["月份,村干部,考评类别,事项,数量,备注,考评人"]
    lines += [f"2026-10,{officials[i % len(officials)]},convenience,services_handled,1,第{i}件,station-01"
              for i in range(1200)]
    path = tmp_path / "big.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    sizes: list[int] = []
    real_stub = importer.stub

    class Counting:
        def __init__(self, kind):
            self.real = real_stub(kind)

        def SubmitFacts(self, batches, timeout=None):
            def counted():
                for batch in batches:
                    sizes.append(len(batch.facts))
                    yield batch
            return self.real.SubmitFacts(counted(), timeout=timeout)

    monkeypatch.setattr(importer, "stub", Counting)
    result = run(grpc_addr, tokens["admin"], "import", str(path), "--batch-size", "500")
    assert result.exit_code == 0, result.output
    assert sizes == [500, 500, 200]
    assert "1200/1200" in result.output and "汇入 1200 行" in result.output
    assert Counter(f.fact.source for f in _month_facts(stubs))["import"] >= 1200


def test_rejected_rows_can_be_written_to_a_file_to_fix(grpc_addr, tokens, tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("村干部,考评类别,事项,数量,考评人,月份\nv10-1,attendance,meeting_absent,-1,main-01,2026-10\n",
                    encoding="utf-8")
    out = tmp_path / "errors.xlsx"
    result = run(grpc_addr, tokens["admin"], "import", str(path), "--rejects", str(out))
    assert result.exit_code == 1
    rows = sheet_rows(out)
    assert rows[0][-2:] == ("原行 row", "原因 reason")
    assert rows[1][3] == "v10-1" and rows[1][-2] == 2 and "above zero" in rows[1][-1]


@pytest.mark.parametrize("name, content, message", [
    ("not-excel.xlsx", b"hello", "不是可读的 .xlsx 文件"),
    ("no-header.csv", "a,b,c\n1,2,3\n".encode(), "没有表头行"),
    ("half-header.csv", "村干部,数量,备注\nv01-1,1,x\n".encode(), "缺少栏目"),
    ("facts.pdf", b"%PDF", "只能汇入 .xlsx 或 .csv 文件"),
])
def test_a_file_that_is_not_a_fact_sheet_is_a_usage_error(grpc_addr, tokens, tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    result = run(grpc_addr, tokens["admin"], "import", str(path))
    assert result.exit_code == 2 and result.stdout == ""
    assert message in result.stderr


def test_missing_file_or_no_argument_is_a_usage_error(grpc_addr, tokens, tmp_path):
    assert run(grpc_addr, tokens["admin"], "import", str(tmp_path / "nope.xlsx")).exit_code == 2
    assert run(grpc_addr, tokens["admin"], "import").exit_code == 2


def test_ambiguous_names_are_rejected_with_the_candidates(grpc_addr, tokens, stubs, tmp_path):
    from kaoping.v1 import registry_pb2 as rg
    namesake = stubs.registry.ListOfficials(rg.ListOfficialsRequest(village_id="v11")).officials[0]
    stubs.registry.PutOfficial(rg.Official(id="v12-7", village_id="v12", name=namesake.name, position="文书",
                                           base_pay="1000"))
    path = tmp_path / "twin.csv"
    path.write_text(f"村干部,考评类别,事项,数量,考评人,月份\n{namesake.name},attendance,meeting_late,1,main-01,2026-10\n",
                    encoding="utf-8")
    report = _report(run(grpc_addr, tokens["admin"], "import", str(path), "--output", "json"))
    assert report["rejected"] == 1
    reason = report["rejections"][0]["reasons"][0]
    assert "请改用编号" in reason and namesake.id in reason and "v12-7" in reason
    # with the village given, the name is enough
    path.write_text(f"村,村干部,考评类别,事项,数量,考评人,月份\n南湾村,{namesake.name},attendance,meeting_late,1,"
                    f"main-01,2026-10\n", encoding="utf-8")
    report = _report(run(grpc_addr, tokens["admin"], "import", str(path), "--output", "json"))
    assert report["imported"] == 1


def test_a_month_that_excel_turned_into_a_date_still_reads_as_the_month(grpc_addr, tokens, stubs, tmp_path):
    from datetime import datetime
    from openpyxl import Workbook
    book = Workbook()
    ws = book.active
    ws.append(["月份", "日期", "村干部", "考评类别", "事项", "数量", "考评人"])
    ws.append([datetime(2026, 10, 1), None, "v13-1", "attendance", "meeting_late", 2.0, "main-01"])   # "2026-10" typed
    ws.append([None, datetime(2026, 10, 9), "v13-2", "attendance", "meeting_late", 1, "main-01"])
    path = tmp_path / "dates.xlsx"
    book.save(path)
    report = _report(run(grpc_addr, tokens["admin"], "import", str(path), "--output", "json"))
    assert report["imported"] == 2, report
    stored = {f.fact.official_id: f.fact for f in _month_facts(stubs, "v13")}
    assert (stored["v13-1"].month, stored["v13-1"].quantity) == ("2026-10", "2")
    assert stored["v13-2"].date == "2026-10-09"
