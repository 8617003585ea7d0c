"""Reading printed documents back for the tests: a page's text, the text in content
order with the whitespace taken out (a table cell's wrapped lines join up again), the
embedded images with their resolution as placed (pdfimages), and measuring bars in a
rendered chart."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

from tests.support.cli import need


def page_text(path: Path, page: int, layout: bool = True) -> str:
    args = [need("pdftotext"), "-f", str(page), "-l", str(page)] + (["-layout"] if layout else ["-raw"])
    return subprocess.run(args + [str(path), "-"], capture_output=True, text=True, check=True, timeout=60).stdout


def flat_text(path: Path) -> str:
    """Every page's text in the order it was drawn, whitespace removed."""
    raw = subprocess.run([need("pdftotext"), "-raw", str(path), "-"], capture_output=True, text=True, check=True,
                         timeout=60).stdout
    return re.sub(r"\s+", "", raw)


def images(path: Path) -> list[dict]:
    """pdfimages -list: one dict per placed image (page, width, height in pixels, x-ppi, y-ppi)."""
    out = subprocess.run([need("pdfimages"), "-list", str(path)], capture_output=True, text=True, check=True,
                         timeout=60).stdout.splitlines()
    rows = []
    for line in out[2:]:
        cols = line.split()
        if len(cols) >= 14 and cols[2] == "image":
            rows.append({"page": int(cols[0]), "width": int(cols[3]), "height": int(cols[4]),
                         "x_ppi": float(cols[12]), "y_ppi": float(cols[13])})
    return rows


def extract_images(path: Path, out_dir: Path) -> list[Path]:
    subprocess.run([need("pdfimages"), "-png", str(path), str(out_dir / "img")], check=True, timeout=120)
    return sorted(out_dir.glob("img-*.png"))


def bar_extents(png: Path, rgb: tuple[int, int, int], tolerance: int = 6, gap: int = 80,
                least: int = 100) -> list[tuple[int, int]]:
    """(left, right) pixel columns of each horizontal bar of colour `rgb` in a chart: in
    the middle row of each band of rows holding the colour, the runs of it (a gap of up to
    `gap` pixels, e.g. a value written on the bar, does not end a run) at least `least`
    pixels long."""
    from PIL import Image
    with Image.open(png) as img:
        rgb_img = img.convert("RGB")
        w, h = rgb_img.size
        px = rgb_img.load()

    def near(p):
        return all(abs(p[i] - rgb[i]) <= tolerance for i in range(3))

    rows = [y for y in range(h) if sum(1 for x in range(0, w, 2) if near(px[x, y])) >= least // 2]
    bands, current = [], []
    for y in rows:
        if current and y != current[-1] + 1:
            bands.append(current)
            current = []
        current.append(y)
    if current:
        bands.append(current)
    bars = []
    for band in bands:
        y = band[len(band) // 2]
        run = None
        for x in (x for x in range(w) if near(px[x, y])):
            if run and x - run[1] <= gap:
                run[1] = x
            else:
                if run and run[1] - run[0] >= least:
                    bars.append(tuple(run))
                run = [x, x]
        if run and run[1] - run[0] >= least:
            bars.append(tuple(run))
    return bars
