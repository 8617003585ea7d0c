"""The README's "Worked example: a month in Simplified Chinese", run as written, as a
new user working only in Simplified Chinese would (issue 15's "Done when"): a real
kaoping-server on a temp SQLite file with the sample township, the block executed by
bash in an empty folder with the real `kaoping` command, then the PDFs read back —
their text with pdftotext, the chart as an image (pdfimages, pdftoppm)."""
import os
import re
import subprocess
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.support.cli import need
from tests.support.documents import bar_extents, extract_images, flat_text, images
from tests.support.processes import server_process

ROOT = Path(__file__).resolve().parents[1]
HEADING = "## Worked example: a month in Simplified Chinese, from fact entry to the printed notice"


def readme_block() -> str:
    section = (ROOT / "README.md").read_text(encoding="utf-8").split(HEADING, 1)[1]
    return re.search(r"```bash\n(.*?)```", section, re.S).group(1)


@pytest.fixture(scope="module")
def walked(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("month")
    db = f"sqlite:///{tmp_path / 'kaoping.db'}"
    with server_process(tmp_path, "--db", db, "--load-sample") as (_proc, port):
        env = {k: v for k, v in os.environ.items() if k not in ("KAOPING_TOKEN", "KAOPING_LANG")}
        env.update(KAOPING_SERVER=f"127.0.0.1:{port}", KAOPING_DB=db, COLUMNS="80")
        token = subprocess.run(["kaoping-server", "tokens", "--db", db, "create", "--name", "镇党政办",
                                "--role", "admin", "--quiet"], capture_output=True, text=True, env=env,
                               check=True, timeout=120).stdout.strip()
        env["KAOPING_TOKEN"] = token
        folder = tmp_path / "office"
        folder.mkdir()
        script = folder / "month.sh"
        # every command is echoed before it runs, so the output shows what each one printed
        script.write_text("set -euo pipefail\nset -x\n" + readme_block(), encoding="utf-8")
        run = subprocess.run(["bash", str(script)], cwd=folder, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True, timeout=900)
        audit = subprocess.run(["kaoping", "audit", "--output", "json"], capture_output=True, text=True,
                               env=env, timeout=120).stdout
        yield run, folder, audit


def steps(out: str) -> dict[str, str]:
    """What each command printed, by the command line as bash echoed it."""
    parts = re.split(r"^\++ ", out, flags=re.M)
    return {p.split("\n", 1)[0]: p.split("\n", 1)[1] if "\n" in p else "" for p in parts[1:]}


def test_the_month_runs_as_written_in_simplified_chinese(walked):
    run, folder, audit = walked
    assert run.returncode == 0, run.stdout
    printed = steps(run.stdout)
    added = [out for line, out in printed.items() if line.startswith("kaoping fact add")]
    assert sum("已记录事实 #" in out for out in added) == 3, run.stdout   # names in either script, full width
    closed = [out for line, out in printed.items() if line.startswith("echo '退出码")]
    assert closed and "退出码 1" in closed[0], run.stdout                # a fact for a closed month: refused
    assert "不再接收事实" in run.stdout or "已汇总" in run.stdout or "已审定" in run.stdout, run.stdout
    (scores,) = [out for line, out in printed.items() if line.startswith("kaoping scores")]
    assert "张海燕" in scores and "徐永福" in scores and "总分" in scores
    assert all(len(line) <= 80 for line in scores.splitlines()), scores
    # nothing printed in Traditional characters: the user works in Simplified only
    import opencc
    simplified = opencc.OpenCC("t2s")
    shown = re.sub(r"^\+.*$", "", run.stdout, flags=re.M)            # the echoed commands hold the typed Traditional
    assert simplified.convert(shown) == shown, run.stdout
    # the office's confirmation for the village: who signed and why, in the audit log
    assert "村党支部书记 徐永福" in audit and "纸质回执已签字，交镇党政办" in audit


def test_the_printed_notice_is_an_issued_document_with_dated_lines_and_a_legible_chart(walked, tmp_path):
    run, folder, _ = walked
    assert run.returncode == 0, run.stdout
    notice = folder / "反馈通知单-上山村-2026-10.pdf"
    text = flat_text(notice)
    today = date.today().isoformat()
    for expected in ("大河店镇村干部绩效考评工作领导小组（示例）", "大河店考评〔2026〕10-01号", "盖章处",
                     "镇党政办（示例）", "2026-10-08", "10月8日例会无故缺席", "镇党委主要领导（示例）",
                     "两次迟到", "提前完成秸秆禁烧巡查", "张海燕", "徐永福"):
        assert expected in text, expected
    issued = {f"{today[:4]}年{int(today[5:7])}月{int(today[8:])}日", today}
    assert any(d in text for d in issued), (issued, text[:400])         # issued on the day it was frozen
    assert "申诉" in text                                            # approved, not confirmed: appeal open
    # the charts, as images: placed at their drawn size (labels print at 8 pt or more) ...
    from kaoping_cli.documents import charts
    placed = images(notice)
    assert len(placed) == 2, placed                                  # the ranking and the officials' year
    for image in placed:
        assert charts.MIN_FONT_PT * charts.DPI / image["x_ppi"] >= 8 - 0.05, image
    # ... the village's bar marked among 17, all from one axis
    (tmp_path / "img").mkdir()
    ranking = extract_images(notice, tmp_path / "img")[0]
    red, grey = bar_extents(ranking, (0xC0, 0x39, 0x2B)), bar_extents(ranking, (0x7F, 0x8C, 0x8D))
    assert len(red) == 1 and len(red) + len(grey) == 17, (red, grey)
    assert max(b[0] for b in red + grey) - min(b[0] for b in red + grey) <= 2
    # and the page renders (what a person looks at): pdftoppm writes a non-blank PNG
    subprocess.run([need("pdftoppm"), "-png", "-r", "60", "-f", "1", "-l", "1", str(notice),
                    str(tmp_path / "page")], check=True, timeout=120)
    from PIL import Image
    [png] = list(tmp_path.glob("page*.png"))
    with Image.open(png) as page:
        assert page.convert("L").getextrema()[0] < 60                # ink on the page


def test_the_pay_list_has_id_bank_and_signature_columns_and_the_export_only_the_village(walked):
    run, folder, _ = walked
    assert run.returncode == 0, run.stdout
    [pay_pdf] = list(folder.glob("报酬发放表-2026-10*.pdf"))
    text = flat_text(pay_pdf)
    for expected in ("领款人签字", "身份证号", "银行账号", "大河店镇村干部绩效考评工作领导小组（示例）", "盖章处"):
        assert expected in text, expected
    [book] = list(folder.glob("报酬发放表-2026-10*.xlsx"))
    sheet = load_workbook(book).worksheets[0]
    rows = [r for r in sheet.iter_rows(values_only=True) if r and any(c not in (None, "") for c in r)]
    villages = {c for r in rows for c in r if isinstance(c, str) and c.endswith("村") and len(c) <= 5}
    assert "上山村" in villages and not (villages - {"上山村"}), villages
