"""The staff walk-through of docs/staff-guide.md, as a new user would do it: the real
`kaoping-server` process and the real `kaoping` CLI, each step a separate command.

Import a month from the Excel template, fix the rejected rows and import again (nothing
twice), print the 《反馈通知单》 for 上山村, freeze the month, and open the pay-list XLSX."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.support.cli import ink, pdf_info, pdf_text, render_png

MONTH = "2026-10"


@pytest.fixture
def township(tmp_path):
    """A fresh kaoping-server with the sample township, and an office (admin) token."""
    db = f"sqlite:///{tmp_path / 'township.db'}"
    issued = subprocess.run([sys.executable, "-m", "kaoping.ops.server", "tokens", "--db", db, "create", "--name",
                             "镇办公室", "--role", "admin", "--quiet"], capture_output=True, text=True, timeout=60)
    assert issued.returncode == 0, issued.stderr
    proc = subprocess.Popen([sys.executable, "-m", "kaoping.ops.server", "--listen", "127.0.0.1:0", "--db", db,
                             "--load-sample"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            cwd=tmp_path)
    port, lines, deadline = None, [], time.time() + 60
    while time.time() < deadline and port is None:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        match = re.search(r"listening on port (\d+)", line)
        port = int(match.group(1)) if match else None
    assert port, "server did not start:\n" + "".join(lines)
    work = tmp_path / "office"
    work.mkdir()
    env = dict(os.environ, KAOPING_SERVER=f"127.0.0.1:{port}", KAOPING_TOKEN=issued.stdout.strip(), COLUMNS="160")

    def kaoping(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(["kaoping", *args], capture_output=True, text=True, env=env, cwd=work, timeout=180)

    yield kaoping, work
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _type(path: Path, cells: dict[str, object]) -> None:
    """Types values into cells of the first sheet ({"D6": "v01-3"}) and saves, as in Excel."""
    book = load_workbook(path)
    ws = book.worksheets[0]
    for ref, value in cells.items():
        ws[ref] = value
    book.save(path)


def test_import_fix_print_and_open_the_pay_list(township):
    kaoping, work = township

    # who is who: a new user looks the names up
    listed = kaoping("officials", "--village", "v01", "--output", "json")
    assert listed.returncode == 0, listed.stderr
    v01 = {o["id"]: o["name"] for o in json.loads(listed.stdout)["officials"]}

    # 1. the Excel template, with dropdowns from the server
    made = kaoping("import", "--template", f"{MONTH}.xlsx")
    assert made.returncode == 0, made.stdout + made.stderr
    sheet = work / f"{MONTH}.xlsx"
    assert sheet.is_file()

    # 2. the month's facts typed in, three of them wrong
    rows = [
        [MONTH, "v01 上山村", f"v01-1 {v01['v01-1']}", "attendance 出勤履职", "meeting_absent 无故缺席镇会议", 1,
         "10月8日例会无故缺席", "main-01 镇党委主要领导（示例）"],
        [MONTH, "上山村", v01["v01-2"], "key_tasks", "task_not_done", 2, "", "contact-01"],
        [MONTH, "火石村", "v02-1", "attendance", "meeting_late", 1, "", "main-01"],
        [MONTH, "上山村", "v01-3", "convenience", "services_handled", 25, "10月办件", "station-01"],
        [MONTH, "上山村", v01["v01-4"] + "甲", "attendance", "meeting_absent", 1, "", "main-01"],   # a typo
        [MONTH, "硬湾村", "v03-1", "attendance", "meeting_absent", "一", "", "main-01"],          # not a number
        [MONTH, "上山村", "v01-5", "study", "study_absent", 1, "", "station-01"],               # not its category
    ]
    cells = {}
    for r, row in enumerate(rows, start=2):
        for col, value in zip("ACDEFGHI", row):                 # B (date) left empty
            cells[f"{col}{r}"] = value
    _type(sheet, cells)

    # 3. import: the good rows go in, the bad ones are listed with row number and reason
    first = kaoping("import", sheet.name)
    assert first.returncode == 1, first.stdout + first.stderr
    out = first.stdout
    assert "共 7 行 — 汇入 4 行，此前已汇入 0 行，未汇入 3 行" in out
    report = re.findall(r"│\s*(\d+)\s*│[^│]*│[^│]*│\s*(.+?)\s*│", out)
    assert {row for row, _ in report} == {"6", "7", "8"}, out
    assert "not a number" in out and "study is scored by" in out and v01["v01-4"] + "甲" in out

    # 4. fix the three rows and import the same file again: nothing twice
    _type(sheet, {"D6": f"v01-4 {v01['v01-4']}", "G7": 1, "I8": "main-01"})
    second = kaoping("import", sheet.name)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "共 7 行 — 汇入 3 行，此前已汇入 4 行，未汇入 0 行" in second.stdout
    third = kaoping("import", sheet.name)
    assert "汇入 0 行，此前已汇入 7 行，未汇入 0 行" in third.stdout
    facts = json.loads(kaoping("fact", "list", "--month", MONTH, "--output", "json").stdout)["facts"]
    assert len(facts) == 7 and len({f["fact"]["idempotency_key"] for f in facts}) == 7

    # 5. print the feedback notice for 上山村
    printed = kaoping("print", "notice", "--village", "上山村", "--month", MONTH)
    assert printed.returncode == 0, printed.stdout + printed.stderr
    notice = work / f"反馈通知单-上山村-{MONTH}.pdf"
    text = pdf_text(notice)
    assert "上山村" in text and "反馈通知单" in text
    assert "无故缺席镇会议" in text and "安排工作不落实" in text and "无故缺席集中学习" in text
    assert pdf_info(notice)["Page size"].startswith("595.")
    pages = render_png(notice, work)
    assert pages and pages[0].stat().st_size > 5000 and ink(pages[0]) > 0.02

    # 6. the office freezes the month (统一汇总) with the workflow command ...
    frozen = kaoping("month", "aggregate", "--month", MONTH)
    assert frozen.returncode == 0, frozen.stdout + frozen.stderr

    # 7. ... and opens the pay list in Excel
    exported = kaoping("export", "pay", "--month", MONTH)
    assert exported.returncode == 0, exported.stdout + exported.stderr
    book = load_workbook(work / f"报酬发放表-{MONTH}.xlsx")
    ws = book.worksheets[0]
    assert [c.value for c in ws[1]][:3] == ["村 village", "编号 id", "姓名 name"]
    body = list(ws.iter_rows(min_row=2, values_only=True))
    lines, totals = body[:-1], body[-1]
    assert len(lines) == 102 and totals[0] == "合计 total"
    by_id = {r[1]: r for r in lines}
    assert by_id["v01-2"][:3] == ("上山村", "v01-2", v01["v01-2"])
    amount = [c.value for c in ws[1]].index("应发金额 amount")
    assert ws.cell(row=2, column=amount + 1).number_format == "#,##0.00"
    scores = json.loads(kaoping("scores", "--month", MONTH, "--output", "json").stdout)["scores"]
    assert {o["official_id"]: Decimal(o["pay"]) for o in scores} == \
        {r[1]: Decimal(str(r[amount])) for r in lines}                      # the server's own figures
    assert Decimal(str(totals[amount])) == sum(Decimal(o["pay"]) for o in scores)
