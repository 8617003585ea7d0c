"""The README's "Worked example: a township of its own", run as written: a real
kaoping-server process on a temp SQLite file with the sample township, the block
executed by bash with the real `kaoping` and `kaoping-server` commands. A new
township, its own administrator, its roster from Excel, its own rule set and a
scored month — and the sample township untouched."""
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "docs" / "examples"))
import make_xinzhuang  # noqa: E402
from tests.support.processes import server_process  # noqa: E402


def readme_block() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Worked example: a township of its own", 1)[1]
    return re.search(r"```bash\n(.*?)```", section, re.S).group(1)


@pytest.fixture
def server(tmp_path):
    db = f"sqlite:///{tmp_path / 'county.db'}"
    with server_process(tmp_path, "--db", db, "--load-sample") as (_proc, port):
        yield f"127.0.0.1:{port}", db


def test_the_example_files_are_what_the_script_writes():
    assert (ROOT / "docs/examples/xinzhuang-rules.yaml").read_text(encoding="utf-8") == make_xinzhuang.rules_text()
    import io
    committed = load_workbook(ROOT / "docs/examples/xinzhuang-roster.xlsx")
    written = load_workbook(io.BytesIO(make_xinzhuang.roster_bytes()))
    assert [[list(r) for r in s.iter_rows(values_only=True)] for s in committed.worksheets] == \
        [[list(r) for r in s.iter_rows(values_only=True)] for s in written.worksheets]


def test_the_readme_worked_example_runs_as_written(server, tmp_path):
    address, db = server
    env = {k: v for k, v in os.environ.items() if k not in ("KAOPING_TOKEN",)}
    env.update(KAOPING_SERVER=address, KAOPING_DB=db, COLUMNS="200")
    script = tmp_path / "example.sh"
    # every command is echoed before it runs, so the output shows what each one printed
    script.write_text("set -euo pipefail\nset -x\n" + readme_block(), encoding="utf-8")
    run = subprocess.run(["bash", str(script)], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True, timeout=600)
    out = run.stdout
    assert run.returncode == 0, out
    steps = re.split(r"^\++ ", out, flags=re.M)

    def after(command: str) -> list[str]:
        return [s for s in steps if s.startswith(command)]

    dry, applied, again = after("kaoping roster import")
    assert re.search(r"3\D+9\D+4|新增", dry), dry
    assert re.search(r"新增 0，修改 0，不变 \d+，未通过 0", again), again
    (scores,) = after("kaoping scores")
    assert "李文华" in scores and "98" in scores and "新庄镇细则 2026" in scores and "v2" in scores, scores
    (villages,) = after("kaoping villages")
    assert all(v in villages for v in ("xz01", "xz02", "xz03")) and "v01" not in villages, villages
    sample = after("kaoping rules list --township dahedian")[-1] if after(
        "kaoping rules list --township dahedian") else out[-3000:]
    listed = [line for line in sample.splitlines() if re.search(r"│\s*是\s*│\s*$", line)]
    assert listed, out[-3000:]
    assert listed[0].split()[1] == "1", sample   # version 1 still active there
    assert "新庄镇细则" not in sample
