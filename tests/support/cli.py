"""Helpers for the CLI tests (tests/test_cli_*.py): the real `kaoping` Typer app run
in-process against the pytest-grpc server with real tokens, PDF inspection with
poppler-utils, and reading spreadsheets back with openpyxl."""
from __future__ import annotations

import json
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kaoping.usecases.tokens import Tokens
from kaoping.v1 import workflow_pb2 as wf
from kaoping_cli.main import app

POPPLER_HINT = "poppler-utils is needed (apt-get install poppler-utils)"


def run(addr: str, token: str, *args: str, input: str | None = None, env: dict | None = None):
    """`kaoping --server ADDR --token TOKEN ARGS...`, in-process; returns the click Result."""
    runner = CliRunner()
    return runner.invoke(app, ["--server", addr, "--token", token, *args], input=input,
                         env={"COLUMNS": "200", **(env or {})}, catch_exceptions=False)


def run_json(addr: str, token: str, *args: str):
    result = run(addr, token, *args, "--output", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def width(text: str) -> int:
    """Terminal columns of a string, measured independently of Rich: wide (W) and
    fullwidth (F) East Asian characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def table_lines(output: str) -> list[list[str]]:
    """The box-drawn tables in Rich output, as groups of lines."""
    groups, current = [], []
    for line in output.splitlines():
        if line[:1] in "┏┃┡│└╇┗┣┠╭╰" and line.rstrip():
            current.append(line.rstrip())
        elif current:
            groups.append(current)
            current = []
    if current:
        groups.append(current)
    return groups


def need(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.fail(f"{tool} not found: {POPPLER_HINT}")
    return path


def pdf_text(path: Path) -> str:
    return subprocess.run([need("pdftotext"), "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True, timeout=60).stdout


def pdf_info(path: Path) -> dict[str, str]:
    out = subprocess.run([need("pdfinfo"), str(path)], capture_output=True, text=True, check=True,
                         timeout=60).stdout
    return {k.strip(): v.strip() for k, v in (line.split(":", 1) for line in out.splitlines() if ":" in line)}


def pdf_fonts(path: Path) -> str:
    return subprocess.run([need("pdffonts"), str(path)], capture_output=True, text=True, check=True,
                          timeout=60).stdout


def render_png(pdf: Path, out_dir: Path, dpi: int = 40) -> list[Path]:
    """Each page of the PDF as a PNG (pdftoppm)."""
    subprocess.run([need("pdftoppm"), "-png", "-r", str(dpi), str(pdf), str(out_dir / "page")], check=True,
                   timeout=120)
    return sorted(out_dir.glob("page*.png"))


def ink(png: Path) -> float:
    """Share of the page that is not white: 0 for a blank page."""
    from PIL import Image
    with Image.open(png) as img:
        pixels = img.convert("L").tobytes()
    return sum(1 for p in pixels if p < 200) / len(pixels)


def has_colour(png_bytes: bytes, rgb: tuple[int, int, int], tolerance: int = 40) -> bool:
    import io

    from PIL import Image
    with Image.open(io.BytesIO(png_bytes)) as img:
        data = img.convert("RGB").tobytes()
    return any(abs(data[i] - rgb[0]) <= tolerance and abs(data[i + 1] - rgb[1]) <= tolerance
               and abs(data[i + 2] - rgb[2]) <= tolerance for i in range(0, len(data), 3))


def sheet_rows(path: Path, sheet: int | str = 0) -> list[tuple]:
    from openpyxl import load_workbook
    book = load_workbook(path)
    ws = book.worksheets[sheet] if isinstance(sheet, int) else book[sheet]
    return [tuple(r) for r in ws.iter_rows(values_only=True)]


def publish(grpc_servicer, stubs, grpc_channel, month: str) -> None:
    """Takes a month through aggregate, approve, every village's confirmation and publish."""
    from tests.support.calls import stubs_for
    stubs.workflow.Aggregate(wf.MonthRequest(month=month))
    stubs.workflow.Approve(wf.ApproveRequest(month=month))
    issue = Tokens(grpc_servicer.store).create
    for village in grpc_servicer.store.villages("dahedian"):
        token = issue(f"{village.name}党支部-{month}", "village", village_id=village.id)[0]
        stubs_for(grpc_channel, token).workflow.Confirm(wf.ConfirmRequest(month=month))
    stubs.workflow.Publish(wf.MonthRequest(month=month))


def cli_refused(result, code: str) -> str:
    """A refusal as the CLI prints it: exit 1, nothing on stdout, the reason on stderr —
    the server's Chinese LocalizedMessage when it sends one, else the status name (e.g.
    PERMISSION_DENIED) with its English text. Returns stderr."""
    assert result.exit_code == 1, (result.exit_code, result.output)
    assert result.stdout == "", result.stdout
    err = result.stderr
    chinese = any("\u4e00" <= ch <= "\u9fff" for ch in err)
    assert code in err or (chinese and "Traceback" not in err), err
    return err
