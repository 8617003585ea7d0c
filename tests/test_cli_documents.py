"""`kaoping print`: the 《反馈通知单》 and the 公示 as A4 PDF with the Chinese font embedded
and as HTML, with the ranking bar chart. The PDFs are read back with poppler-utils
(pdftotext, pdfinfo, pdffonts) and rendered to PNG (pdftoppm)."""
from __future__ import annotations

import base64
import re
import subprocess
from decimal import Decimal

import pytest

from kaoping.v1 import facts_pb2 as fx
from kaoping_cli import fonts
from kaoping_cli.documents import charts
from tests.support.cli import cli_refused, has_colour, ink, need, pdf_fonts, pdf_info, pdf_text, publish, render_png, run
from tests.support.facts import fact

pytestmark = pytest.mark.usefixtures("grpc_server")
PUBLISHED, SCORING = "2026-10", "2026-09"
HIGHLIGHT = (0xC0, 0x39, 0x2B)      # the chart's colour for the village the notice is for


@pytest.fixture(scope="module")
def months(grpc_servicer, stubs, grpc_channel):
    result = stubs.facts.SubmitFacts(iter([fx.FactBatch(facts=[
        fact("v01-1", month=PUBLISHED, note="10月8日例会缺席"),
        fact("v01-2", "key_tasks", "task_not_done", "2", month=PUBLISHED, scorer="contact-01"),
        fact("v05-3", "attendance", "meeting_late", "2", month=PUBLISHED),
        fact("v01-1", "attendance", "duty_missed", month=SCORING),
    ])]))
    assert result.rejected == 0, result
    publish(grpc_servicer, stubs, grpc_channel, PUBLISHED)
    return PUBLISHED, SCORING


def _a4(info: dict) -> bool:
    return info["Page size"].startswith("595.") and "841.8" in info["Page size"]


def test_the_notice_for_a_village_named_in_chinese_is_an_a4_pdf_with_the_font_embedded(
        grpc_addr, tokens, months, tmp_path):
    path = tmp_path / "notice.pdf"
    result = run(grpc_addr, tokens["admin"], "print", "notice", "--village", "上山村", "--month", PUBLISHED, str(path))
    assert result.exit_code == 0, result.output
    text = pdf_text(path)
    for expected in ("上山村", "反馈通知单", "一、考评结果", "二、扣分明细", "无故缺席镇会议", "安排工作不落实",
                     "包村领导", "附件1：全镇各村平均分排名", "本村排名", "签收", "公示中", "盖章处"):
        assert expected in text, expected
    info = pdf_info(path)
    assert _a4(info) and "反馈通知单" in info["Title"]
    font_lines = [line for line in pdf_fonts(path).splitlines()[2:] if line.strip()]
    assert font_lines and all(re.search(r"\byes\s+yes\s+yes\b", line) for line in font_lines), font_lines
    assert any("CJK" in line for line in font_lines)
    pages = render_png(path, tmp_path)
    assert len(pages) == int(info["Pages"]) and ink(pages[0]) > 0.02
    assert any(has_colour(p.read_bytes(), HIGHLIGHT) for p in pages)   # 上山村's bar, drawn in its own colour


def test_the_notice_as_html_with_the_chart_inlined(grpc_addr, tokens, months, tmp_path):
    path = tmp_path / "notice.html"
    result = run(grpc_addr, tokens["admin"], "print", "notice", "--village", "v01", "--month", PUBLISHED, str(path))
    assert result.exit_code == 0, result.output
    page = path.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and 'lang="zh-Hans"' in page and "size: A4" in page
    fonts_css = re.search(r"font-family: ([^;]+);", page).group(1)
    assert fonts_css.index("CJK SC") < fonts_css.index("CJK TC")      # the Simplified face first
    assert "上山村 2026-10 绩效考评《反馈通知单》" in page and "无故缺席镇会议" in page
    png = base64.b64decode(re.search(r'src="data:image/png;base64,([^"]+)"', page).group(1))
    assert png.startswith(b"\x89PNG") and has_colour(png, HIGHLIGHT)


def test_both_formats_and_every_village_one_page_each(grpc_addr, tokens, months, tmp_path):
    result = run(grpc_addr, tokens["admin"], "print", "notice", "--all", "--month", PUBLISHED, "--format", "both",
                 str(tmp_path / "all"))
    assert result.exit_code == 0, result.output
    pdf, html = tmp_path / "all.pdf", tmp_path / "all.html"
    pages = int(pdf_info(pdf)["Pages"])
    assert pages >= 17
    text = pdf_text(pdf)
    assert text.count("《反馈通知单》") == 17 and "白水村" in text and "上山村" in text
    assert html.read_text(encoding="utf-8").count('<section class="page">') == 17


def test_a_month_still_scoring_is_marked_provisional(grpc_addr, tokens, months, tmp_path):
    path = tmp_path / "sep.pdf"
    assert run(grpc_addr, tokens["admin"], "print", "notice", "--village", "v01", "--month", SCORING,
               str(path), "--no-chart").exit_code == 0
    text = pdf_text(path)
    assert "考评中" in text and "即时数据" in text and "抽查不在岗" in text
    assert "平均分排名" not in text


def test_the_public_notice_pdf_spans_pages_with_the_header_repeated(grpc_addr, tokens, stubs, months, tmp_path):
    path = tmp_path / "public.pdf"
    result = run(grpc_addr, tokens["admin"], "print", "public-notice", "--month", PUBLISHED, str(path))
    assert result.exit_code == 0, result.output
    info = pdf_info(path)
    assert _a4(info) and int(info["Pages"]) >= 3
    text = pdf_text(path)
    assert "绩效考评结果公示" in text and "公示期" in text and "各村平均分排名" in text
    assert "上山村" in text and "柳林村" in text
    second = subprocess.run([need("pdftotext"), "-f", "2", "-l", "2", "-layout", str(path), "-"],
                            capture_output=True, text=True, check=True).stdout
    assert "名次" in second and "报酬档次" in second             # the table header on every page
    pages = render_png(path, tmp_path)
    assert len(pages) == int(info["Pages"]) and all(ink(p) > 0.005 for p in pages)


def test_the_public_notice_before_publication_is_refused(grpc_addr, tokens, months, tmp_path):
    result = run(grpc_addr, tokens["admin"], "print", "public-notice", "--month", SCORING, str(tmp_path / "p.pdf"))
    cli_refused(result, "FAILED_PRECONDITION")
    assert not (tmp_path / "p.pdf").exists()


def test_a_village_prints_its_own_notice_only(grpc_addr, tokens, months, tmp_path):
    own = run(grpc_addr, tokens["village"], "print", "notice", "--village", "v01", "--month", PUBLISHED,
              str(tmp_path / "own.pdf"))
    assert own.exit_code == 0, own.output
    other = run(grpc_addr, tokens["village"], "print", "notice", "--village", "v02", "--month", PUBLISHED,
                str(tmp_path / "other.pdf"))
    cli_refused(other, "PERMISSION_DENIED")


def test_an_unknown_village_is_a_usage_error_naming_the_closest_villages(grpc_addr, tokens, months):
    result = run(grpc_addr, tokens["admin"], "print", "notice", "--village", "火星村", "--month", PUBLISHED)
    assert result.exit_code == 2 and "v02 火石村" in result.output
    assert run(grpc_addr, tokens["admin"], "print", "notice", "--month", PUBLISHED).exit_code == 2


def test_without_a_chinese_font_the_command_says_what_to_install(grpc_addr, tokens, months, tmp_path, monkeypatch):
    monkeypatch.setenv(fonts.ENV_FONT, "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    fonts.find_cjk_font.cache_clear()
    try:
        result = run(grpc_addr, tokens["admin"], "print", "notice", "--village", "v01", "--month", PUBLISHED,
                     str(tmp_path / "n.pdf"))
        assert result.exit_code == 2 and "缺少中文字形" in result.stderr and result.stdout == ""
    finally:
        fonts.find_cjk_font.cache_clear()
    monkeypatch.delenv(fonts.ENV_FONT)
    listed = run(grpc_addr, tokens["admin"], "print", "fonts")
    assert listed.exit_code == 0 and fonts.find_cjk_font().path in listed.output


def test_the_chart_highlights_one_village_and_orders_best_first():
    chart = charts.ranking_chart([("上山村", Decimal("99.5")), ("火石村", Decimal("97"))], "2026-10 各村平均分",
                                 highlight="火石村")
    assert chart.png.startswith(b"\x89PNG") and has_colour(chart.png, HIGHLIGHT)
    assert chart.min_font_pt >= charts.MIN_FONT_PT
    plain = charts.ranking_chart([("上山村", Decimal("99.5"))], "t")
    assert not has_colour(plain.png, HIGHLIGHT)
