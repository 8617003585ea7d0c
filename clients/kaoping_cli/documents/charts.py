"""The charts on the documents, drawn with matplotlib in the embedded Chinese font.

Every figure is made at the size it is printed (the PDF places it unscaled), so the
font sizes here are the sizes on paper; nothing is smaller than MIN_FONT_PT. The
ranking's bars start at 0, so a one-point gap between villages looks like one point
out of a hundred (the values are written on the bars). The trend's vertical axis spans
at least TREND_SPAN points, the same for every official, and says where it starts.
"""
from __future__ import annotations

import io
import math
from dataclasses import dataclass
from decimal import Decimal

from kaoping.text.script import HANS, to_script
from kaoping_cli.documents.model import Chart
from kaoping_cli.fonts import find_cjk_font

MM_PER_INCH = 25.4
DPI = 200                       # pixels per printed inch: sharp on a laser printer
MIN_FONT_PT = 8.0
LABEL_PT, VALUE_PT, TITLE_PT = 8.5, 8.0, 10.0
HIGHLIGHT, PLAIN = "#c0392b", "#7f8c8d"
FINAL, PROVISIONAL = "#1f4e79", "#c0392b"
TREND_SPAN = 10                 # points the trend's axis covers at least
RANKING_WIDTH_MM, TREND_WIDTH_MM = 170.0, 180.0


@dataclass
class TrendSeries:
    name: str
    points: list                 # TrendPoint messages (month, total, status), January onwards


def _figure(width_mm: float, height_mm: float):
    import matplotlib
    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    return Figure(figsize=(width_mm / MM_PER_INCH, height_mm / MM_PER_INCH), dpi=DPI)


def _font(script: str):
    from matplotlib import font_manager
    font = find_cjk_font(script)
    font_manager.fontManager.addfont(font.path)
    registered = any(f.name == font.family for f in font_manager.fontManager.ttflist)
    # a matplotlib that registers only a collection's first face still gets every glyph from the file
    return font_manager.FontProperties(family=font.family) if font.family and registered else \
        font_manager.FontProperties(fname=font.path)


def _chart(fig, width_mm: float, height_mm: float, caption: str, alt: str) -> Chart:
    from matplotlib.text import Text
    fig.canvas.draw()
    sizes = [t.get_fontsize() for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=DPI)
    return Chart(out.getvalue(), width_mm, height_mm, min(sizes) if sizes else 0.0, caption, alt)


def ranking_chart(bars: list[tuple[str, Decimal]], title: str, highlight: str = "", script: str = HANS,
                  scale: float = 100.0, caption: str = "") -> Chart:
    """Horizontal bars from 0, best at the top, the value written at each bar's end."""
    t = lambda s: to_script(s, script)          # noqa: E731 - the chart's one conversion
    names = [t(b[0]) for b in bars][::-1]
    values = [float(b[1]) for b in bars][::-1]
    mark = t(highlight)
    width_mm = RANKING_WIDTH_MM
    height_mm = (0.15 * len(bars) + 0.8) * MM_PER_INCH
    fig = _figure(width_mm, height_mm)
    props = _font(script)
    ax = fig.add_subplot()
    ax.barh(range(len(names)), values, color=[HIGHLIGHT if n == mark else PLAIN for n in names], height=0.72)
    ax.set_yticks(range(len(names)), labels=names, fontproperties=props, fontsize=LABEL_PT)
    top = max(values + [scale])
    ax.set_xlim(0, top)
    ax.set_ylim(-0.6, len(names) - 0.4)
    for y, v in enumerate(values):
        inside = v > top * 0.12
        ax.text(v - top * 0.006 if inside else v + top * 0.006, y, f"{v:g}", va="center",
                ha="right" if inside else "left", color="white" if inside else "black",
                fontsize=VALUE_PT, fontproperties=props)
    ax.set_title(t(title), fontproperties=props, fontsize=TITLE_PT)
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(axis="x", labelsize=LABEL_PT)
    ax.set_xlabel(t("分（横轴自 0 分起）"), fontproperties=props, fontsize=LABEL_PT)
    fig.tight_layout(pad=0.4)
    return _chart(fig, width_mm, height_mm, t(caption), t(title))


def trend_range(series: list[TrendSeries], scale: float = 100.0) -> tuple[float, float]:
    """The trend's axis: up to the scale (or the best total above it), down far enough
    for the lowest total and at least TREND_SPAN points."""
    values = [float(p.total) for s in series for p in s.points if p.total and p.status != "missing"]
    if not values:
        return scale - TREND_SPAN, scale
    top = max(scale, math.ceil(max(values)))
    bottom = min(top - TREND_SPAN, math.floor(min(values)) - 1)
    return max(0.0, bottom), top


def _ticks(bottom: float, top: float) -> list[float]:
    step = 5 if top - bottom <= 25 else 10
    first = math.ceil(bottom / step) * step
    return [float(v) for v in range(int(first), int(top) + 1, step)]


def trend_chart(series: list[TrendSeries], year: str, script: str = HANS, scale: float = 100.0,
                columns: int = 3) -> Chart:
    """One small line chart per official over the year: approved totals joined by a
    line, a month without an approved total left as a gap, this month's provisional
    total as a hollow point on a dashed line."""
    t = lambda s: to_script(s, script)          # noqa: E731 - the chart's one conversion
    props = _font(script)
    rows = max(1, math.ceil(len(series) / columns))
    width_mm = TREND_WIDTH_MM
    height_mm = 34.0 * rows + 8
    fig = _figure(width_mm, height_mm)
    bottom, top = trend_range(series, scale)
    months = max((len(s.points) for s in series), default=1)
    axes = fig.subplots(rows, columns, squeeze=False, sharey=True)
    for n, ax in enumerate(axes.flat):
        if n >= len(series):
            ax.set_visible(False)
            continue
        s = series[n]
        xs = list(range(1, len(s.points) + 1))
        final = [float(p.total) if p.status == "final" and p.total else math.nan for p in s.points]
        ax.plot(xs, final, color=FINAL, marker="o", markersize=3, linewidth=1.2)
        for i, p in enumerate(s.points):
            if p.status != "provisional" or not p.total:
                continue
            value = float(p.total)
            if i > 0 and not math.isnan(final[i - 1]):
                ax.plot([i, i + 1], [final[i - 1], value], color=PROVISIONAL, linestyle="--", linewidth=1)
            ax.plot([i + 1], [value], marker="o", markersize=4, markerfacecolor="white",
                    markeredgecolor=PROVISIONAL, linestyle="none")
        for i, p in enumerate(s.points):
            if p.status == "missing" or not p.total:
                ax.axvspan(i + 0.6, i + 1.4, color="#eeeeee", linewidth=0)
        ax.set_title(t(s.name), fontproperties=props, fontsize=LABEL_PT, pad=2)
        ax.set_xlim(0.5, max(months, 1) + 0.5)
        ax.set_ylim(bottom - 0.8, top + 0.8)         # a point on the range's edge is drawn whole
        ax.set_yticks(_ticks(bottom, top))
        ax.set_xticks(range(1, months + 1))
        ax.tick_params(labelsize=MIN_FONT_PT, length=2, pad=1)
        ax.grid(axis="y", color="#dddddd", linewidth=0.5)
        ax.spines[["top", "right"]].set_visible(False)
    fig.supxlabel(t(f"{year} 年各月（实心点：已审定；空心点：暂定；灰底：无审定成绩）"), fontproperties=props,
                  fontsize=MIN_FONT_PT)
    fig.tight_layout(pad=0.4, h_pad=0.6, w_pad=0.8)
    caption = t(f"纵轴为 {bottom:g}–{top:g} 分（不自 0 分起，各人同一刻度）")
    return _chart(fig, width_mm, height_mm, caption, t(f"{year} 年各月总分走势"))
